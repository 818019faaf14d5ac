"""The client's address, as the proxies the site trusts forward it.

With DJANGO_NUM_PROXIES=0 (the default) the client is the socket's address
(REMOTE_ADDR) and X-Forwarded-For is ignored: anyone can write it. Behind N trusted
proxies, each appends the address it received the request from, so the client is the
N-th address from the right; whatever stands left of it the client may have written.

Load balancers do not all write a bare address: some add the port (`192.0.2.10:4444`,
Azure's Application Gateway), bracket IPv6 (`[2001:db8::5]`, `[2001:db8::5]:443`, the
form of RFC 7239), or leave an empty element (`192.0.2.10, `). Each element is read as
an address with those forms allowed; an empty one is no proxy's (a proxy always writes
an address) and is skipped, which shifts nothing to the right of it. An element that is
still no address (`unknown`, a name) leaves the socket's address.

The licences (licences/addresses.py), the throttles and the admin's lock-out all ask
`client_address`: one address per client, whatever it reads.
"""

import functools
import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# Longer than any address with brackets, a port and quotes: not one, and never kept.
MAX_NODE_CHARS = 64


def node_address(node: str) -> str | None:
    """The address in one forwarded element, in its canonical form, or None.

    `192.0.2.10`, `192.0.2.10:4444`, `2001:db8::5`, `[2001:db8::5]`, `[2001:db8::5]:443`,
    any of them in double quotes (RFC 7239's quoted-string).
    """
    node = node.strip()
    return _node_address(node) if len(node) <= MAX_NODE_CHARS else None


@functools.lru_cache(maxsize=4096)
def _node_address(node: str) -> str | None:
    """node_address, kept for the addresses seen most (a parse costs more than the rest)."""
    node = node.strip('"').strip()
    if node.startswith("["):
        host, bracket, rest = node[1:].partition("]")
        if not bracket or (rest and not _is_port(rest)):
            return None
    elif node.count(":") == 1:  # IPv4 with a port; a bare IPv6 has two colons or more
        host, _, port = node.partition(":")
        if not _is_port(f":{port}"):
            return None
    else:
        host = node
    try:
        address: Address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return str(address)


def _is_port(suffix: str) -> bool:
    return suffix.startswith(":") and suffix[1:].isdigit() and len(suffix) <= 6


def forwarded_client(remote_addr: str | None, forwarded_for: str | None, *, proxies: int) -> str:
    """The client's address from the socket's and the X-Forwarded-For header.

    With fewer elements than `proxies`, the leftmost (as DRF's throttles did).
    """
    socket = node_address(remote_addr or "") or (remote_addr or "")
    if proxies <= 0 or not forwarded_for:
        return socket
    hops = [hop for hop in (part.strip() for part in forwarded_for.split(",")) if hop]
    if not hops:
        return socket
    return node_address(hops[-min(proxies, len(hops))]) or socket


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind DJANGO_NUM_PROXIES trusted proxies the
    address they forward."""
    meta = request.META
    return forwarded_client(
        meta.get("REMOTE_ADDR"),
        meta.get("HTTP_X_FORWARDED_FOR"),
        proxies=api_settings.NUM_PROXIES or 0,
    )
