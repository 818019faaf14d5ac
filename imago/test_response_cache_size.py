"""What a stranger can put in the cache of anonymous reads is bounded.

Every request below is a 200 that the cache used to store under a key of its own: 60
random searches made 60 entries, 60 cursors minted for 60 instants 60 more. Entries are
counted by looking each request's key up in the cache.
"""

import datetime as dt
import secrets
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from rest_framework.test import APIClient

from articles.tests.factories import ArticleFactory
from imago import response_cache
from imago.pagination import Keyset

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


@pytest.fixture(autouse=True)
def _cache_on(settings, offer):
    settings.RESPONSE_CACHE_SECONDS = 300
    ArticleFactory(title="L’IRM de demain")


def entries(urls: list[str]) -> int:
    """How many of these requests have an answer stored under the current version."""
    cache = caches[response_cache.CACHE_ALIAS]
    token = cache.get(response_cache.VERSION_KEY)
    keys = [f"page:{token}:{response_cache._request_digest(RequestFactory().get(u))}" for u in urls]
    return sum(cache.get(key) is not None for key in keys)


def ask(urls: list[str]) -> list[str]:
    client = APIClient()
    answers = [client.get(url) for url in urls]
    assert {a.status_code for a in answers} == {HTTPStatus.OK}
    return [a["X-Cache"] for a in answers]


def test_random_searches_leave_no_entry():
    urls = [f"{LIST}?q={secrets.token_hex(4)}" for _ in range(60)]

    ask(urls)

    assert entries(urls) == 0
    assert ask(urls[:1]) == ["miss"]
    assert "ETag" in APIClient().get(urls[0])  # still revalidated by its client


def test_queries_a_stranger_chooses_store_at_most_the_budget(settings):
    settings.RESPONSE_CACHE_QUERY_ENTRIES = 10
    # The budget is counted per window of RESPONSE_CACHE_SECONDS: one the test won't cross.
    settings.RESPONSE_CACHE_SECONDS = 3600
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cursors = [
        Keyset(published_at=start + dt.timedelta(hours=n), id=n + 1, backwards=False).encode()
        for n in range(60)
    ]
    urls = [f"{LIST}?cursor={cursor}" for cursor in cursors]

    ask(urls)

    assert entries(urls) == 10
    assert entries(urls[:10]) == 10  # the first ones, while the budget lasted


def test_the_pages_without_a_query_are_stored_whatever_the_budget(settings):
    settings.RESPONSE_CACHE_QUERY_ENTRIES = 0

    assert ask([LIST, LIST]) == ["miss", "hit"]
    assert ask([f"{LIST}?page_size=5"] * 2) == ["miss", "miss"]
