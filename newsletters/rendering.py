"""A mailing as one kind of reader receives it: HTML and plain text, and its personal links.

Rendered once for every recipient who may read the same articles (services groups them),
then made personal by putting each recipient's unsubscribe link in place of a marker.
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.safestring import mark_safe

from articles.models import Article
from articles.paywall import markdown_to_html
from outbox.composers import Composed, composed_from_templates

from .models import Mailing, Newsletter

UNSUBSCRIBE_SALT = "newsletters.unsubscribe"
# Stands for the recipient's unsubscribe link in a rendering shared by many recipients.
UNSUBSCRIBE_MARKER = "IMAGO-UNSUBSCRIBE-LINK-6f1d0c"
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class ArticleInMailing:
    """One article of a mailing as one reader may read it, decided by articles.reading."""

    article: Article
    url: str
    complete: bool
    html: str  # the whole body where the reader may read it, else the teaser; sanitised
    remaining_percent: int


@dataclass(frozen=True)
class EditionInMailing:
    """The edition a mailing announces, as one reader may have it (editions.selectors)."""

    number: int
    title: str
    date: dt.date
    cover_url: str
    url: str
    available_to_you: bool
    available_from: dt.datetime | None  # None: subscribers only, always


def unsubscribe_token(*, user_id: int, newsletter_id: int) -> str:
    """Names one reader and one newsletter; signed, never expires, needs no login."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user_id, "n": newsletter_id})


def unsubscribe_token_read(token: str) -> tuple[int, int] | None:
    """(user id, newsletter id) of a token made by `unsubscribe_token`, or None."""
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(payload, dict):
        return None
    user_id, newsletter_id = payload.get("u"), payload.get("n")
    if type(user_id) is not int or type(newsletter_id) is not int:
        return None
    return user_id, newsletter_id


def unsubscribe_url(*, user_id: int, newsletter_id: int) -> str:
    token = unsubscribe_token(user_id=user_id, newsletter_id=newsletter_id)
    return f"{settings.SITE_URL}{reverse('newsletter-unsubscribe')}?{urlencode({'token': token})}"


def article_url(slug: str) -> str:
    return settings.ARTICLE_URL_TEMPLATE.format(slug=slug)


_NOTE_LINK = re.compile(r'href="#(note-\d+)"')


def _email_html(html: str, url: str) -> str:
    # A footnote call points into the page; in a message, at the article's page.
    return _NOTE_LINK.sub(lambda m: f'href="{escape(url)}#{m.group(1)}"', html)


def mailing_composed(
    *,
    mailing: Mailing,
    newsletter: Newsletter,
    articles: Sequence[ArticleInMailing],
    edition: EditionInMailing | None = None,
    unsubscribe_url: str = UNSUBSCRIBE_MARKER,
    test_reader: str = "",
) -> Composed:
    """The mailing as a reader who may read `articles` so receives it.

    `test_reader` names the kind of reader of a test send ("abonné"), shown in it.
    """
    items = [
        {
            "article": item.article,
            "url": item.url,
            "complete": item.complete,
            # Sanitised by articles.paywall when the article was saved.
            "html": mark_safe(_email_html(item.html, item.url)),
            "text": html_to_plain(item.html),
            "remaining_percent": item.remaining_percent,
        }
        for item in articles
    ]
    introduction_html = markdown_to_html(mailing.introduction) if mailing.introduction else ""
    subject = " ".join(mailing.subject.split())
    return composed_from_templates(
        "newsletters/emails/mailing",
        {
            "subject": f"[Test] {subject}" if test_reader else subject,
            "newsletter": newsletter,
            "introduction_html": mark_safe(introduction_html),  # nh3 cleaned it
            "introduction_text": html_to_plain(introduction_html),
            "articles": items,
            "edition": edition,
            "unsubscribe_url": unsubscribe_url,
            "test_reader": test_reader,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": ONE_CLICK,
            "List-Id": f"{newsletter.name} <{newsletter.slug}.{_list_domain()}>",
        },
    )


def _list_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"


def personal(composed: Composed, *, unsubscribe_url: str) -> Composed:
    """A shared rendering with one recipient's unsubscribe link in it."""
    return replace(
        composed,
        text=composed.text.replace(UNSUBSCRIBE_MARKER, unsubscribe_url),
        html=composed.html.replace(UNSUBSCRIBE_MARKER, escape(unsubscribe_url)),
        headers={
            name: value.replace(UNSUBSCRIBE_MARKER, unsubscribe_url)
            for name, value in composed.headers.items()
        },
    )


# --- Plain text ---------------------------------------------------------------------

_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "blockquote", "pre", "table", "ul", "ol"})


class _PlainText(HTMLParser):
    """The text of sanitised HTML with its paragraphs, lists and links, for the text part."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.line: list[str] = []
        self.links: list[str | None] = []

    def flush(self) -> None:
        text = " ".join("".join(self.line).split())
        if text:
            self.blocks.append(text)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag in ("li", "tr", "br"):
            self.flush()
        if tag == "li":
            self.line.append("– ")
        elif tag in ("td", "th"):
            self.line.append(" | ")
        elif tag == "sup":
            self.line.append("[")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS or tag in ("li", "tr"):
            self.flush()
        elif tag == "sup":
            self.line.append("]")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://")):
                self.line.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.line.append(data)


def html_to_plain(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    parser.flush()
    return "\n\n".join(parser.blocks)
