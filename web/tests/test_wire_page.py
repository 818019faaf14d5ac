"""Le fil on the reading site: every brief out, newest first, by pages, each at its anchor."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.utils import timezone

from articles.tests.factories import ArticleFactory, BriefFactory
from web.views import WIRE_PAGE

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def brief_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="breve-(\d+)"', html)]


@pytest.fixture
def briefs():
    """WIRE_PAGE + 5 briefs, an hour apart, the newest first in the list."""
    return [
        BriefFactory(text=f"Brève {n}.", published_at=NOW - dt.timedelta(hours=n + 1))
        for n in range(WIRE_PAGE + 5)
    ]


def test_le_fil_lists_the_briefs_newest_first_each_at_its_anchor(browser):
    older = BriefFactory(text="La plus ancienne.", published_at=NOW - dt.timedelta(days=2))
    newer = BriefFactory(text="La plus récente.", published_at=NOW - dt.timedelta(hours=1))
    article = ArticleFactory(title="Un article lié")
    linked = BriefFactory(text="Une brève liée.", article=article, published_at=NOW)
    BriefFactory(text="Pas encore publiée.", published_at=NOW + dt.timedelta(hours=1))

    response = browser.get("/le-fil/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert brief_ids(html) == [linked.pk, newer.pk, older.pk]
    assert '<html lang="fr">' in html
    assert '<h1 id="le-fil">Le fil Docteur Imago</h1>' in html
    assert 'href="/static/web/site.css"' in html
    assert f'href="/articles/{article.slug}/">Une brève liée.</a>' in html
    assert "Pas encore publiée." not in html
    assert 'type="application/atom+xml"' in html


def test_le_fil_is_private_to_the_reader_as_every_page(browser, subscriber_browser):
    BriefFactory()

    for client in (browser, subscriber_browser):
        response = client.get("/le-fil/")
        assert response["Cache-Control"] == client.get("/")["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]


def test_le_fil_goes_by_pages(browser, briefs):
    first = browser.get("/le-fil/").content.decode()
    second = browser.get("/le-fil/", {"page": 2}).content.decode()

    assert brief_ids(first) == [brief.pk for brief in briefs[:WIRE_PAGE]]
    assert brief_ids(second) == [brief.pk for brief in briefs[WIRE_PAGE:]]
    assert 'rel="next" href="/le-fil/?page=2"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="/le-fil/"' in second and 'rel="next"' not in second
    assert "Page 2 sur 2." in second


@pytest.mark.parametrize("page", ["3", "0", "-1", "deux", "1.5", "9" * 30])
def test_a_page_of_le_fil_that_does_not_exist_is_a_french_404(browser, briefs, page):
    response = browser.get("/le-fil/", {"page": page})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page introuvable" in response.content.decode()


def test_le_fil_without_briefs_says_so(browser):
    response = browser.get("/le-fil/")

    assert response.status_code == HTTPStatus.OK
    assert "Aucune brève pour l’instant." in response.content.decode()


def test_a_briefs_address_leads_to_the_page_holding_it(browser, briefs):
    recent, old = briefs[0], briefs[WIRE_PAGE + 2]

    to_recent = browser.get(f"/le-fil/{recent.pk}/")
    to_old = browser.get(f"/le-fil/{old.pk}/")
    landing = browser.get(f"/le-fil/{old.pk}/", follow=True)

    assert to_recent.status_code == HTTPStatus.FOUND
    assert to_recent["Location"] == f"/le-fil/#breve-{recent.pk}"
    assert to_old["Location"] == f"/le-fil/?page=2#breve-{old.pk}"
    assert landing.status_code == HTTPStatus.OK
    assert old.pk in brief_ids(landing.content.decode())


@pytest.mark.parametrize("pk", ["0", "999999", "9" * 25])
def test_an_unknown_or_unpublished_brief_is_not_found(browser, pk):
    coming = BriefFactory(published_at=NOW + dt.timedelta(hours=1))

    assert browser.get(f"/le-fil/{pk}/").status_code == HTTPStatus.NOT_FOUND
    assert browser.get(f"/le-fil/{coming.pk}/").status_code == HTTPStatus.NOT_FOUND


def test_the_home_pages_wire_leads_to_le_fil(browser):
    BriefFactory()

    assert 'href="/le-fil/">Tout le fil</a>' in browser.get("/").content.decode()
