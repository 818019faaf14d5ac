"""Which licences hold a client address: matched in memory, never a query per request.

Every request asks (the anonymous ones too, before the cache of anonymous reads serves
them), so each worker keeps the ranges of the licences that run or will run, with their
dates, and matches addresses against them in Python: an organisation has a few ranges,
a site a few hundred at most. A match is only a candidate: `licences.access` confirms
it in the database, in the one query that also names the organisation, so a range
deleted a moment ago opens nothing. What the memory may miss is a range added in
another worker in the last second: that worker tells the others through a generation
token in the cache every worker shares (`response_cache.shared_get`), read at most once
per CHECK_SECONDS; the worker that saved it reloads at once.
"""

import datetime as dt
import functools
import ipaddress
import logging
import secrets
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from imago import response_cache
from imago.proxies import client_address

from .models import IpRange

logger = logging.getLogger(__name__)

GENERATION_KEY = "licences:generation"
CHECK_SECONDS = 1.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class LicensedRange:
    range_id: int
    version: int  # 4 or 6
    first: int  # the network's first and last addresses, as integers: compared cheaply
    last: int
    starts_on: dt.date
    ends_on: dt.date


@dataclass
class _Snapshot:
    ranges: tuple[LicensedRange, ...] | None = None  # None: to load
    generation: str | None = None
    checked_at: float = -CHECK_SECONDS


_snapshot = _Snapshot()


def _load(generation: str | None) -> None:
    today = timezone.localdate()
    rows = IpRange.objects.filter(organisation__ends_on__gte=today).values_list(
        "pk", "cidr", "organisation__starts_on", "organisation__ends_on"
    )
    networks = [
        (pk, ipaddress.ip_network(cidr, strict=False), starts_on, ends_on)
        for pk, cidr, starts_on, ends_on in rows
    ]
    _snapshot.ranges = tuple(
        LicensedRange(
            range_id=pk,
            version=network.version,
            first=int(network.network_address),
            last=int(network.broadcast_address),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        for pk, network, starts_on, ends_on in networks
    )
    _snapshot.generation = generation
    _snapshot.checked_at = time.monotonic()


def _ranges() -> tuple[LicensedRange, ...]:
    now = time.monotonic()
    # Loaded, or tried, less than CHECK_SECONDS ago (a load that failed too: otherwise a
    # worker holding none would query at every question while the database hangs).
    if now - _snapshot.checked_at < CHECK_SECONDS:
        return _snapshot.ranges or ()
    generation = response_cache.shared_get(GENERATION_KEY)
    # No token (a cache emptied or failing): what this worker holds stands.
    if _snapshot.ranges is None or (generation is not None and generation != _snapshot.generation):
        try:
            # In a savepoint inside a transaction: a failed read must not break it.
            with transaction.atomic() if _in_transaction() else nullcontext():
                _load(generation)
        except DatabaseError:
            # The database is down: cached anonymous answers are still served (to an
            # address this worker does not know as licensed); asked again a second after
            # this attempt gave up, not after it began: a load that waited out a hung
            # database is not tried again by the next question of the same request.
            logger.warning("Licensed ranges cannot be loaded; kept as they were", exc_info=True)
            now = time.monotonic()
    _snapshot.checked_at = now
    return _snapshot.ranges or ()


def _in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block


@functools.lru_cache(maxsize=4096)
def address_key(address: str) -> tuple[int, int] | None:
    """(version, integer) of the address a range is matched against, an IPv4-mapped IPv6
    one as IPv4; None for anything else. Kept for the addresses seen most (a parse costs
    more than the match)."""
    try:
        parsed: Address = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.version, int(parsed)


def licensed_range_ids(address: str | None, *, at: dt.datetime | None = None) -> tuple[int, ...]:
    """The ranges holding `address` whose licence runs at `at`: candidates to confirm."""
    ranges = _ranges()
    key = address_key(address) if ranges and address else None
    if key is None:
        return ()
    version, value = key
    holding = [r for r in ranges if r.version == version and r.first <= value <= r.last]
    if not holding:
        return ()
    today = timezone.localdate(at)
    return tuple(r.range_id for r in holding if r.starts_on <= today <= r.ends_on)


def request_is_licensed(request: HttpRequest) -> bool:
    """Whether the request comes from an address a running licence holds (from memory).

    Without any licensed range, the client address is not even worked out.
    """
    return bool(_ranges()) and bool(licensed_range_ids(client_address(request)))


def ranges_changed(*, using: str | None = None, **_: object) -> None:
    """Reload this worker's ranges now, and tell the others; again once the change commits
    (a worker that reloaded in between read the rows before it)."""
    _changed()
    connection = transaction.get_connection(using or "default")
    if connection.in_atomic_block:
        transaction.on_commit(_changed, using=using)


def _changed() -> None:
    generation = secrets.token_hex(8)
    response_cache.shared_set(GENERATION_KEY, generation)
    try:
        # In a savepoint: a failed read must not break the transaction of the write.
        with transaction.atomic():
            _load(generation)
    except DatabaseError:
        # A table not made yet (post_migrate of an early migration): load on first use.
        logger.debug("Licensed ranges not loaded", exc_info=True)
        _snapshot.ranges = None
        _snapshot.checked_at = -CHECK_SECONDS
