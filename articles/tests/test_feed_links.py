"""Every link of every feed leads somewhere, and the Atom feeds hold RFC 4287's MUSTs.

Read through feedparser, as feed readers read them, and through Django's test client for
where their links lead. No W3C feed validator is installable from PyPI (the `feedvalidator`
name holds nothing), so `atom_violations` checks the MUSTs of RFC 4287 itself.
"""

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlsplit

import feedparser
import pytest
from django.conf import settings

from articles.models import Article, ArticleAuthor
from articles.tests.factories import ArticleFactory, BriefFactory, RubricFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
RSS_FEEDS = ["/feeds/articles/rss/", "/feeds/rubrics/prospective/rss/", "/feeds/briefs/rss/"]
ATOM_FEEDS = ["/feeds/articles/atom/", "/feeds/rubrics/prospective/atom/", "/feeds/briefs/atom/"]
ALL_FEEDS = RSS_FEEDS + ATOM_FEEDS
# RFC 3339 date-time, as RFC 4287 3.3 requires of atom:updated and atom:published.
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@pytest.fixture
def content():
    """Articles with footnote calls in their text (free, locked, with no byline) and
    briefs with and without an article, more than a page of Le fil."""
    rubric = RubricFactory(name="Prospective", slug="prospective")
    free = ArticleFactory(rubric=rubric, title="Gratuit", access=Article.Access.FREE)
    locked = ArticleFactory(rubric=rubric, title="Verrouillé")
    unsigned = ArticleFactory(rubric=rubric, title="Sans signature", notes=[])
    ArticleAuthor.objects.filter(article=unsigned).delete()  # the factory always signs
    BriefFactory(text="Une brève liée à un article.", article=free)
    for n in range(28):
        BriefFactory(text=f"Brève seule numéro {n}.")
    return {"free": free, "locked": locked, "unsigned": unsigned}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("href", "src")]


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and bool(parts.netloc)) or parts.scheme == "mailto"


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_every_item_link_of_a_feed_leads_to_a_page(client, content, url):
    feed = feedparser.parse(client.get(url).content)

    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) >= 3
    for entry in feed.entries:
        assert is_absolute(entry.link), entry.link
        assert entry.link.startswith(settings.SITE_URL)
        page = client.get(path_of(entry.link), follow=True)
        assert page.status_code == HTTPStatus.OK, entry.link
        if "/le-fil/" in entry.link:  # the brief is on the page it lands on, at its anchor
            anchor = page.redirect_chain[-1][0].rpartition("#")[2]
            assert re.fullmatch(r"breve-\d+", anchor)
            assert f'id="{anchor}"' in page.content.decode()
            assert entry.id.endswith(f"/le-fil/#{anchor}")  # the id readers know it by


def test_the_briefs_feed_leads_to_le_fil_not_to_a_404(client, content):
    feed = feedparser.parse(client.get("/feeds/briefs/rss/").content)

    wire_links = [entry.link for entry in feed.entries if "/le-fil/" in entry.link]
    assert len(wire_links) == 28
    assert feed.feed.link == f"{settings.SITE_URL}/le-fil/"
    assert client.get(path_of(feed.feed.link)).status_code == HTTPStatus.OK


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_no_feed_holds_a_relative_link(client, content, url):
    response = client.get(url)
    feed = feedparser.parse(response.content)
    tree = ET.fromstring(response.content)

    hrefs = [element.get("href") for element in tree.iter() if element.get("href") is not None]
    texts = [element.text or "" for element in tree.iter() if element.tag in ("link", "guid")]
    in_html = [
        url
        for entry in feed.entries
        for detail in (entry.summary_detail, *entry.get("content", []))
        for url in links_in(detail.value)
    ]
    assert in_html or "briefs" in url  # the articles' descriptions do hold links
    for link in [*hrefs, *texts, *in_html]:
        assert is_absolute(link), link


@pytest.mark.parametrize("url", ["/feeds/articles/rss/", "/feeds/articles/atom/"])
def test_a_footnote_call_points_into_its_article(client, content, url):
    feed = feedparser.parse(client.get(url).content)

    free = next(entry for entry in feed.entries if entry.title == "Gratuit")
    calls = [link for link in links_in(free.summary) if "#note-" in link]
    assert calls == [f"{entry_link}#note-{n}" for entry_link in [free.link] for n in (1, 2)]
    page = client.get(path_of(free.link)).content.decode()
    assert 'id="note-1"' in page and 'id="note-2"' in page


def atom_violations(document: bytes) -> list[str]:
    """What an Atom feed document breaks of RFC 4287's MUSTs (sections 3 and 4)."""
    found: list[str] = []
    feed = ET.fromstring(document)
    if feed.tag != f"{ATOM}feed":
        return ["the root is not atom:feed"]

    def one(parent: ET.Element, name: str, where: str) -> ET.Element | None:
        elements = parent.findall(f"{ATOM}{name}")
        if len(elements) != 1:
            found.append(f"{where}: {len(elements)} atom:{name}, exactly one is required")
        return elements[0] if elements else None

    def iri(element: ET.Element | None, where: str) -> None:
        if element is not None and not urlsplit((element.text or "").strip()).scheme:
            found.append(f"{where}: atom:id {element.text!r} is not an absolute IRI")

    def date(element: ET.Element | None, where: str) -> None:
        if element is not None and not DATE_TIME.fullmatch((element.text or "").strip()):
            found.append(f"{where}: {element.tag} {element.text!r} is not an RFC 3339 date")

    def persons(parent: ET.Element, where: str) -> int:
        authors = parent.findall(f"{ATOM}author")
        for author in authors:
            names = author.findall(f"{ATOM}name")
            if len(names) != 1 or not (names[0].text or "").strip():
                found.append(f"{where}: an atom:author without exactly one atom:name")
        return len(authors)

    def texts(parent: ET.Element, where: str) -> None:
        for name in ("title", "subtitle", "summary", "rights"):
            for element in parent.findall(f"{ATOM}{name}"):
                if element.get("type", "text") not in ("text", "html", "xhtml"):
                    found.append(f"{where}: atom:{name} of type {element.get('type')!r}")

    def links(parent: ET.Element, where: str) -> list[ET.Element]:
        elements = parent.findall(f"{ATOM}link")
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in elements
            if link.get("rel", "alternate") == "alternate"
        ]
        if len(alternates) != len(set(alternates)):
            found.append(f"{where}: two alternate links of the same type and hreflang")
        for link in elements:
            if not link.get("href"):
                found.append(f"{where}: an atom:link without href")
        return elements

    iri(one(feed, "id", "feed"), "feed")
    one(feed, "title", "feed")
    date(one(feed, "updated", "feed"), "feed")
    texts(feed, "feed")
    links(feed, "feed")
    feed_authors = persons(feed, "feed")
    ids = []
    for position, entry in enumerate(feed.findall(f"{ATOM}entry")):
        where = f"entry {position}"
        entry_id = one(entry, "id", where)
        iri(entry_id, where)
        ids.append(entry_id.text if entry_id is not None else None)
        one(entry, "title", where)
        date(one(entry, "updated", where), where)
        published = entry.findall(f"{ATOM}published")
        if len(published) > 1:
            found.append(f"{where}: more than one atom:published")
        for element in published:
            date(element, where)
        texts(entry, where)
        entry_links = links(entry, where)
        if entry.find(f"{ATOM}content") is None and not any(
            link.get("rel", "alternate") == "alternate" for link in entry_links
        ):
            found.append(f"{where}: no atom:content and no alternate link")
        # 4.1.2: an entry names its author(s), unless the feed does for every entry; an
        # entry of its own, read away from the feed, must carry its own (4.1.1.1).
        if persons(entry, where) == 0:
            found.append(f"{where}: no atom:author" + ("" if feed_authors else " (nor feed)"))
    if len(ids) != len(set(ids)):
        found.append("two entries share an atom:id")
    return found


def test_the_rfc_4287_check_finds_what_the_briefs_atom_feed_lacked():
    """The check itself, on the entry the briefs feed used to give: no updated, no author."""
    lacking = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Le fil</title>'
        b"<id>https://example.org/le-fil/</id><updated>2026-12-01T10:00:00+01:00</updated>"
        b'<link href="https://example.org/le-fil/"/><entry><title>Br\xc3\xa8ve</title>'
        b'<link href="https://example.org/le-fil/#breve-1" rel="alternate"/>'
        b"<published>2026-12-01T10:00:00+01:00</published>"
        b"<id>https://example.org/le-fil/#breve-1</id><summary>Br\xc3\xa8ve</summary>"
        b"</entry></feed>"
    )

    assert atom_violations(lacking) == [
        "entry 0: 0 atom:updated, exactly one is required",
        "entry 0: no atom:author (nor feed)",
    ]


@pytest.mark.parametrize("url", ATOM_FEEDS)
def test_the_atom_feeds_hold_every_must_of_rfc_4287(client, content, url):
    response = client.get(url)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert atom_violations(response.content) == []


@pytest.mark.parametrize("url", ATOM_FEEDS)
def test_every_atom_entry_says_when_it_changed_and_who_wrote_it(client, content, url):
    feed = feedparser.parse(client.get(url).content)

    assert feed.entries
    for entry in feed.entries:
        assert isinstance(datetime(*entry.updated_parsed[:6]), datetime)
        assert entry.author_detail.name
    authors = {entry.title: entry.author for entry in feed.entries}
    if "briefs" in url:
        assert set(authors.values()) == {f"La rédaction de {settings.SITE_NAME}"}
    else:
        assert authors["Sans signature"] == f"La rédaction de {settings.SITE_NAME}"
        assert authors["Verrouillé"].startswith("Auteur ")


def test_the_briefs_atom_feed_keeps_its_id(client, content):
    feed = ET.fromstring(client.get("/feeds/briefs/atom/").content)

    assert feed.findtext(f"{ATOM}id") == settings.SITE_URL
    alternate = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate")
    assert alternate.get("href") == f"{settings.SITE_URL}/le-fil/"
