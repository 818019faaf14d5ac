"""RSS and Atom feeds: valid XML, public text only."""

import xml.etree.ElementTree as ET
from http import HTTPStatus

import feedparser
import pytest

from articles.models import Article
from articles.paywall import html_to_text
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory, BriefFactory, RubricFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
FREE_BODY = "Un article gratuit, lu en entier par tous. " * 60 + "Sa dernière phrase est publique."

FEEDS = [
    "/feeds/articles/rss/",
    "/feeds/articles/atom/",
    "/feeds/rubrics/prospective/rss/",
    "/feeds/rubrics/prospective/atom/",
]


@pytest.fixture
def articles():
    rubric = RubricFactory(name="Prospective", slug="prospective")
    return {
        "locked": ArticleFactory(rubric=rubric, title="Article verrouillé"),
        "free": ArticleFactory(
            rubric=rubric, title="Article gratuit", access=Article.Access.FREE, body=FREE_BODY
        ),
    }


def parse(response) -> ET.Element:
    assert response.status_code == HTTPStatus.OK
    return ET.fromstring(response.content)  # raises on invalid XML


@pytest.mark.parametrize("url", FEEDS)
def test_feed_is_valid_xml_without_text_past_the_split(client, articles, url):
    response = client.get(url)

    parse(response)
    text = response.content.decode()
    assert HIDDEN_SENTENCE not in text
    locked = articles["locked"]
    hidden = locked.body_text[len(locked.teaser_text) :].split(".")[1:]
    for sentence in (s.strip() for s in hidden if len(s.strip()) > 20):
        assert sentence not in text


def test_rss_items_carry_title_link_authors_dates_and_the_subscribers_flag(client, articles):
    channel = parse(client.get("/feeds/articles/rss/")).find("channel")
    items = {item.findtext("title"): item for item in channel.findall("item")}

    locked = items["Article verrouillé"]
    categories = [c.text for c in locked.findall("category")]
    assert categories == ["Prospective", "réservé aux abonnés"]
    assert locked.findtext("link").endswith(f"/articles/{articles['locked'].slug}/")
    assert locked.findtext("pubDate")
    assert "Un chapô toujours public." in locked.findtext("description")
    assert "réservé aux abonnés" in locked.findtext("description")
    assert "réservé aux abonnés" not in [
        c.text for c in items["Article gratuit"].findall("category")
    ]


def test_free_article_gives_its_full_text_in_the_feed(client, articles):
    channel = parse(client.get("/feeds/articles/rss/")).find("channel")
    free = next(i for i in channel.findall("item") if i.findtext("title") == "Article gratuit")

    assert "Sa dernière phrase est publique." in free.findtext("description")


def test_locked_article_gives_only_its_teaser_in_the_feed_even_to_a_subscriber(
    client, articles, subscriber
):
    client.force_login(subscriber)
    channel = parse(client.get("/feeds/articles/rss/")).find("channel")
    locked = next(i for i in channel.findall("item") if i.findtext("title") == "Article verrouillé")

    assert HIDDEN_SENTENCE not in locked.findtext("description")


def test_atom_entries_have_authors_and_updated(client, articles):
    feed = parse(client.get("/feeds/articles/atom/"))

    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text.startswith("Auteur")
    assert entries[0].findtext(f"{ATOM}updated")


def test_rubric_feed_holds_only_its_rubric(client, articles):
    ArticleFactory(title="Ailleurs")

    channel = parse(client.get("/feeds/rubrics/prospective/rss/")).find("channel")

    titles = sorted(i.findtext("title") for i in channel.findall("item"))
    assert titles == ["Article gratuit", "Article verrouillé"]


def test_unknown_rubric_feed_is_404(client):
    assert client.get("/feeds/rubrics/inconnue/rss/").status_code == HTTPStatus.NOT_FOUND


def test_drafts_never_reach_the_feed(client):
    ArticleFactory(title="Publié")
    ArticleFactory(title="Brouillon", status=Article.Status.DRAFT, published_at=None)

    channel = parse(client.get("/feeds/articles/rss/")).find("channel")

    assert [i.findtext("title") for i in channel.findall("item")] == ["Publié"]


@pytest.mark.parametrize("url", ["/feeds/briefs/rss/", "/feeds/briefs/atom/"])
def test_brief_feed(client, url):
    BriefFactory(text="Samsung a dévoilé aux JFR 2025 son nouvel échographe haut de gamme R20.")

    response = client.get(url)

    parse(response)
    assert "échographe haut de gamme R20" in response.content.decode()


# Through a real feed parser: what feed readers get, not only well-formed XML.

TRICKY_TITLE = "L'IRM & le scanner : « 3 T < 7 T » d’abord"
TRICKY_TEXT = "Risque d'hémorragie & d’œdème : « moins de 3 % » si la dose < 2 mg/kg."
ALL_FEEDS = [*FEEDS, "/feeds/briefs/rss/", "/feeds/briefs/atom/"]


def seen(detail) -> str:
    """What a reader shows of a feed text: HTML rendered as text, plain text as it is."""
    html = detail.type in ("text/html", "application/xhtml+xml")
    return html_to_text(detail.value) if html else detail.value


@pytest.fixture
def tricky_items():
    rubric = RubricFactory(name="Prospective", slug="prospective")
    ArticleFactory(rubric=rubric, title=TRICKY_TITLE, standfirst=TRICKY_TEXT)
    ArticleFactory(
        rubric=rubric, title="Gratuit", access=Article.Access.FREE, body=f"{TRICKY_TEXT}\n"
    )
    BriefFactory(text=TRICKY_TEXT)


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feed_readers_see_titles_and_descriptions_as_written(client, tricky_items, url):
    feed = feedparser.parse(client.get(url).content)

    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries
    titles = [seen(entry.title_detail) for entry in feed.entries]
    assert (TRICKY_TEXT if "briefs" in url else TRICKY_TITLE) in titles
    for entry in feed.entries:
        # Escaped once, as HTML: no apostrophe turned into an entity, nothing escaped twice.
        assert "&#x27;" not in entry.summary and "&#39;" not in entry.summary
        assert "&amp;amp;" not in entry.summary and "&amp;lt;" not in entry.summary
        assert TRICKY_TEXT in seen(entry.summary_detail), entry.summary


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_feed_titles_are_read_by_a_feed_parser(client, tricky_items, url):
    feed = feedparser.parse(client.get(url).content)

    assert seen(feed.feed.title_detail).startswith(("Docteur Imago —", "Le fil Docteur Imago"))
    assert "l’imagerie médicale" in seen(feed.feed.subtitle_detail)
