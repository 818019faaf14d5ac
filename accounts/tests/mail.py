"""Reading what the site mailed: the links in a message, and the parameters they carry."""

import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from outbox.tests.smtp import Received

LINK = re.compile(r"https?://\S+")


def link_in(received: Received, path: str) -> str:
    """The link to SITE_URL + `path` in a message's text, which its HTML part carries too."""
    wanted = f"{settings.SITE_URL}{path}"
    [link] = [link for link in LINK.findall(received.text) if link.startswith(wanted)]
    assert link.replace("&", "&amp;") in received.html
    return link


def query(link: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}
