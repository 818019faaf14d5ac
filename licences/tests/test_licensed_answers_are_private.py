"""Whatever a licensed network reads is `private`, on every view, and never shared.

A licence opens by address: no header of the request says so, so no shared cache (a
CDN in front of the site) can tell a licensed reader's answer from an anonymous one.
Every answer to a licensed address says `private`, and the cache of anonymous reads
neither serves it nor keeps it (imago/cache_control.py decides both).
"""

from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from rest_framework.test import APIClient

from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from club.tests.factories import SECRET_CODE, ClubBenefitFactory
from editions.tests.factories import EditionFactory
from imago import response_cache
from licences.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ON_SITE, ELSEWHERE = "192.0.2.17", "198.51.100.7"
SLUG = "irm-de-demain"
URLS = [
    "/api/v1/club/",
    "/api/v1/editions/",
    "/api/v1/articles/",
    f"/api/v1/articles/{SLUG}/",
    "/api/v1/offers/",
    "/api/v1/rubrics/",
]


@pytest.fixture(autouse=True)
def _content(settings, offer):
    settings.RESPONSE_CACHE_SECONDS = 300
    ArticleFactory(slug=SLUG)
    ClubBenefitFactory()
    EditionFactory()
    OrganisationFactory(ranges=["192.0.2.0/24"])


def directives(response) -> set[str]:
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}


def stored(url: str) -> bool:
    """Whether the cache of anonymous reads holds an answer for `url` under its version."""
    cache = caches[response_cache.CACHE_ALIAS]
    token = cache.get(response_cache.VERSION_KEY)
    digest = response_cache._request_digest(RequestFactory().get(url))
    return token is not None and cache.get(f"page:{token}:{digest}") is not None


@pytest.mark.parametrize("url", URLS)
def test_an_anonymous_request_from_a_licensed_address_is_answered_private(url):
    response = APIClient(REMOTE_ADDR=ON_SITE).get(url)

    assert response.status_code == HTTPStatus.OK
    assert "private" in directives(response)
    assert not directives(response) & {"public", "max-age"}
    assert "X-Cache" not in response  # neither read from the shared cache
    assert not stored(url)  # nor stored in it


@pytest.mark.parametrize("url", URLS)
def test_an_answer_stored_for_anonymous_readers_never_reaches_a_licensed_address(url):
    elsewhere = [APIClient(REMOTE_ADDR=ELSEWHERE).get(url) for _ in range(2)]
    assert [r["X-Cache"] for r in elsewhere] == ["miss", "hit"]
    assert "public" in directives(elsewhere[0])
    assert stored(url)  # what `stored` finds when there is something to find

    licensed = APIClient(REMOTE_ADDR=ON_SITE).get(url)

    assert "X-Cache" not in licensed
    assert "private" in directives(licensed)


def test_what_the_licence_opens_in_the_club_and_editions_is_private():
    club = APIClient(REMOTE_ADDR=ON_SITE).get("/api/v1/club/")
    editions = APIClient(REMOTE_ADDR=ON_SITE).get("/api/v1/editions/")
    article = APIClient(REMOTE_ADDR=ON_SITE).get(f"/api/v1/articles/{SLUG}/")

    assert club.json()["results"][0]["code"] == SECRET_CODE
    assert editions.json()["results"][0]["available_to_you"] is True
    assert HIDDEN_SENTENCE in article.json()["content"]["html"]
    for response in (club, editions, article):
        assert "private" in directives(response)
        assert "public" not in directives(response)
