"""The subscribers' club: a public teaser, the whole of it for readers with access."""

import datetime as dt
import time
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from club.selectors import next_club_change
from club.tests.factories import (
    SECRET_CODE,
    SECRET_PLACE,
    SECRET_TEXT,
    SECRET_URL,
    ClubBenefitFactory,
)

pytestmark = pytest.mark.django_db

CLUB = "/api/v1/club/"
SECRETS = (SECRET_TEXT, SECRET_PLACE, SECRET_URL, SECRET_CODE)
WITHOUT_ACCESS = ["anonymous_client", "reader_client", "expired_client"]
WITH_ACCESS = ["subscriber_client", "staff_client"]


@pytest.fixture
def benefit():
    return ClubBenefitFactory(title="Visite du plateau d’IRM")


@pytest.mark.parametrize("who", WITHOUT_ACCESS)
def test_a_reader_without_access_sees_titles_and_dates_only(request, who, benefit):
    response = request.getfixturevalue(who).get(CLUB)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == [
        {
            "id": benefit.id,
            "title": "Visite du plateau d’IRM",
            "starts_at": timezone.localtime(benefit.starts_at).isoformat(),
            "ends_at": timezone.localtime(benefit.ends_at).isoformat(),
            "locked": True,
        }
    ]


@pytest.mark.parametrize("who", WITH_ACCESS)
def test_a_reader_with_access_sees_the_whole_benefit(request, who, benefit):
    item = request.getfixturevalue(who).get(CLUB).json()["results"][0]

    assert item["locked"] is False
    assert (item["text"], item["place"], item["url"], item["code"]) == SECRETS


@pytest.mark.parametrize("who", WITHOUT_ACCESS)
def test_no_reserved_word_reaches_a_reader_without_access_nor_is_even_read(request, who, benefit):
    """The leak rule: text, place, link and code are never sent, nor read from the database."""
    client = request.getfixturevalue(who)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(CLUB, HTTP_ACCEPT="application/json")

    body = response.content.decode()
    assert not [secret for secret in SECRETS if secret in body]
    sql = " ".join(query["sql"] for query in queries.captured_queries if "club_" in query["sql"])
    assert sql  # the benefits were read…
    assert not any(f'"{column}"' in sql for column in ("text", "place", "url", "code"))


def test_the_reserved_columns_are_read_for_a_subscriber(subscriber_client, benefit):
    """The control: the query check above would see them if they were read."""
    with CaptureQueriesContext(connection) as queries:
        subscriber_client.get(CLUB)

    sql = " ".join(query["sql"] for query in queries.captured_queries if "club_" in query["sql"])
    assert all(f'"{column}"' in sql for column in ("text", "place", "url", "code"))


def test_the_browsable_api_leaks_nothing_either(reader_client, benefit, settings):
    settings.API_BROWSABLE = True

    page = reader_client.get(CLUB, HTTP_ACCEPT="text/html").content.decode()

    assert "Visite du plateau" in page
    assert not [secret for secret in SECRETS if secret in page]


def test_ended_and_unpublished_benefits_are_not_listed_and_coming_ones_are(subscriber_client):
    now = timezone.now()
    ClubBenefitFactory(title="Fini", starts_at=now - dt.timedelta(days=9), ends_at=now)
    ClubBenefitFactory(title="Brouillon", published=False)
    ClubBenefitFactory(title="Bientôt", starts_at=now + dt.timedelta(days=3), ends_at=None)
    ClubBenefitFactory(title="En cours", starts_at=now - dt.timedelta(days=2))

    titles = [item["title"] for item in subscriber_client.get(CLUB).json()["results"]]

    assert titles == ["En cours", "Bientôt"]


def test_the_answer_is_private_for_a_signed_in_reader(reader_client, benefit):
    response = reader_client.get(CLUB)

    assert "private" in response["Cache-Control"]
    assert "X-Cache" not in response


def test_the_anonymous_teaser_is_cached_and_a_change_shows_at_once(anonymous_client, benefit):
    first, second = anonymous_client.get(CLUB), anonymous_client.get(CLUB)
    benefit.title = "Visite annulée"
    benefit.save()
    after_save = anonymous_client.get(CLUB)
    benefit.delete()
    after_delete = anonymous_client.get(CLUB)

    assert [r["X-Cache"] for r in (first, second)] == ["miss", "hit"]
    assert "public" in first["Cache-Control"]
    assert after_save["X-Cache"] == "miss"
    assert after_save.json()["results"][0]["title"] == "Visite annulée"
    assert after_delete.json()["results"] == []


def test_a_subscribers_answer_never_reaches_an_anonymous_reader(
    subscriber_client, anonymous_client, benefit
):
    subscriber_client.get(CLUB)

    body = anonymous_client.get(CLUB).content.decode()

    assert SECRET_CODE not in body


def test_a_benefit_leaves_the_cached_list_when_it_ends_without_any_write(anonymous_client):
    ends = timezone.now() + dt.timedelta(seconds=1)
    ClubBenefitFactory(ends_at=ends)

    before = [anonymous_client.get(CLUB) for _ in range(2)]
    time.sleep(max(0.0, (ends - timezone.now()).total_seconds()) + 0.05)
    after = anonymous_client.get(CLUB)

    assert [r["X-Cache"] for r in before] == ["miss", "hit"]
    assert len(before[1].json()["results"]) == 1
    assert after["X-Cache"] == "miss"
    assert after.json()["results"] == []


def test_the_next_change_is_the_nearest_end_of_a_published_benefit():
    now = timezone.now()
    ClubBenefitFactory(ends_at=now + dt.timedelta(days=2), published=False)
    ClubBenefitFactory(ends_at=now + dt.timedelta(days=4))
    ClubBenefitFactory(ends_at=None)

    assert next_club_change(now) == now + dt.timedelta(days=4)
    assert next_club_change(now + dt.timedelta(days=5)) is None


def test_a_bad_page_is_a_400_naming_it(anonymous_client):
    response = anonymous_client.get(CLUB, {"page": "zéro"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "page" in response.json()


def test_the_list_costs_the_same_queries_for_many_benefits(
    subscriber_client, django_assert_max_num_queries
):
    ClubBenefitFactory.create_batch(12)

    with django_assert_max_num_queries(4):  # token, entitlement, count, page
        response = subscriber_client.get(CLUB)

    assert len(response.json()["results"]) == 12
