"""A licensed network never reads the cache of anonymous answers, nor fills it for others.

The cache (imago/response_cache.py) answers anonymous reads before any view runs: a
request from a licensed address must skip it both ways, and whatever a licence opens is
`private`, which the cache never stores.
"""

import time
from http import HTTPStatus

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from licences import addresses
from licences.tests.factories import OrganisationFactory, expired

pytestmark = pytest.mark.django_db

ON_SITE, ELSEWHERE = "192.0.2.17", "198.51.100.7"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE_SECONDS = 300


@pytest.fixture
def article(offer):
    return ArticleFactory(slug="irm-de-demain")


def get(address: str, url: str):
    response = APIClient(REMOTE_ADDR=address).get(url)
    assert response.status_code == HTTPStatus.OK
    return response


DETAIL = "/api/v1/articles/irm-de-demain/"
LIST = "/api/v1/articles/"


@pytest.mark.parametrize("url", [DETAIL, LIST])
def test_a_licensed_reader_first_leaves_nothing_for_the_anonymous_after(article, url):
    OrganisationFactory(ranges=["192.0.2.0/24"])

    licensed = get(ON_SITE, url)
    first = get(ELSEWHERE, url)
    second = get(ELSEWHERE, url)

    assert "X-Cache" not in licensed  # the cache was not even asked
    assert "private" in licensed["Cache-Control"]
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    for response in (first, second):
        assert HIDDEN_SENTENCE.encode() not in response.content
        assert b'"locked":true' in response.content or b'"complete":false' in response.content


@pytest.mark.parametrize("url", [DETAIL, LIST])
def test_a_licensed_reader_never_gets_the_stored_anonymous_answer(article, url):
    OrganisationFactory(ranges=["192.0.2.0/24"])
    get(ELSEWHERE, url)
    assert get(ELSEWHERE, url)["X-Cache"] == "hit"

    licensed = get(ON_SITE, url)

    assert "X-Cache" not in licensed
    if url == DETAIL:
        assert HIDDEN_SENTENCE in licensed.json()["content"]["html"]
    else:
        assert [a["locked"] for a in licensed.json()["results"]] == [False]


def test_a_range_added_after_an_answer_was_stored_is_answered_apart_at_once(article):
    get(ON_SITE, DETAIL)
    assert get(ON_SITE, DETAIL)["X-Cache"] == "hit"  # not licensed yet: anonymous like any

    OrganisationFactory(ranges=["192.0.2.0/24"])

    assert HIDDEN_SENTENCE in get(ON_SITE, DETAIL).json()["content"]["html"]


def test_a_range_saved_by_another_worker_is_seen_within_a_second(article):
    OrganisationFactory(ranges=["192.0.2.0/24"])
    # This worker's memory as another worker's would be before the save: stale, checked
    # more than CHECK_SECONDS ago. The save told every worker through the shared cache.
    addresses._snapshot.ranges = ()
    addresses._snapshot.generation = "avant"
    addresses._snapshot.checked_at -= addresses.CHECK_SECONDS

    response = get(ON_SITE, DETAIL)

    assert "X-Cache" not in response
    assert HIDDEN_SENTENCE in response.json()["content"]["html"]


def test_an_expired_licence_does_not_keep_its_network_out_of_the_cache(article):
    expired(ranges=["192.0.2.0/24"])

    first, second = get(ON_SITE, DETAIL), get(ON_SITE, DETAIL)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert HIDDEN_SENTENCE not in second.json()["content"]["html"]


def test_a_forged_forwarded_header_reads_the_shared_anonymous_answer(article):
    OrganisationFactory(ranges=["192.0.2.0/24"])
    get(ELSEWHERE, DETAIL)

    forged = APIClient(REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR=ON_SITE).get(DETAIL)

    assert forged["X-Cache"] == "hit"
    assert HIDDEN_SENTENCE not in forged.json()["content"]["html"]


def test_an_anonymous_read_waits_for_the_ranges_once_while_the_database_hangs(article):
    # A worker that has not loaded its ranges yet, when every read of the database hangs
    # past CHECK_SECONDS and fails (a statement timeout): the cache of anonymous reads,
    # the view and the API's rule each ask whether the address is licensed.
    addresses._snapshot.ranges = None
    addresses._snapshot.checked_at -= addresses.CHECK_SECONDS
    waits: list[str] = []

    def hung(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith("SELECT"):
            return execute(sql, params, many, context)
        waits.append(sql)
        time.sleep(addresses.CHECK_SECONDS + 0.1)
        raise OperationalError("canceling statement due to statement timeout")

    with connection.execute_wrapper(hung):
        response = APIClient(REMOTE_ADDR=ELSEWHERE).get(LIST)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["code"] == "database_unavailable"
    assert len([sql for sql in waits if "licences_iprange" in sql]) == 1
    assert len(waits) == 2  # the ranges, then the view's first read
