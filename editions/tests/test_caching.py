"""editions/ is a public read: cached for anonymous readers, private for everyone else."""

import datetime as dt
import time
from http import HTTPStatus

import pytest
from django.utils import timezone

from editions.selectors import next_edition_change
from editions.tests.factories import EditionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/editions/"


def test_anonymous_reads_of_the_list_are_served_from_the_cache(
    anonymous_client, django_assert_num_queries
):
    EditionFactory()

    first = anonymous_client.get(LIST)
    with django_assert_num_queries(0):
        second = anonymous_client.get(LIST)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert "public" in first["Cache-Control"]


def test_a_signed_in_reader_gets_a_private_answer_never_stored(subscriber_client):
    EditionFactory()

    answers = [subscriber_client.get(LIST) for _ in range(2)]

    assert all(r.status_code == HTTPStatus.OK for r in answers)
    assert all("private" in r["Cache-Control"] for r in answers)
    assert not any("X-Cache" in r for r in answers)
    assert answers[0].json()["results"][0]["available_to_you"] is True


def test_a_subscribers_answer_never_reaches_an_anonymous_reader(
    subscriber_client, anonymous_client
):
    EditionFactory(public_from=None)
    subscriber_client.get(LIST)

    anonymous = anonymous_client.get(LIST)

    assert anonymous.json()["results"][0]["available_to_you"] is False


@pytest.mark.parametrize(
    ("change", "titles"),
    [("save", ["Après"]), ("delete", []), ("add", ["Nouveau", "Avant"])],
)
def test_a_change_to_an_edition_shows_at_once(anonymous_client, change, titles):
    edition = EditionFactory(title="Avant")
    anonymous_client.get(LIST)

    if change == "save":
        edition.title = "Après"
        edition.save()
    elif change == "delete":
        edition.delete()
    else:
        EditionFactory(title="Nouveau")
    after = anonymous_client.get(LIST)

    assert after["X-Cache"] == "miss"
    assert [item["title"] for item in after.json()["results"]] == titles


def test_an_edition_opens_to_everyone_at_its_public_date_without_any_write(anonymous_client):
    """An entry stored before the public date is stale from that moment on."""
    due = timezone.now() + dt.timedelta(seconds=1)
    EditionFactory(public_from=due)

    before = [anonymous_client.get(LIST) for _ in range(2)]
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
    after = anonymous_client.get(LIST)

    assert [r["X-Cache"] for r in before] == ["miss", "hit"]
    assert before[1].json()["results"][0]["available_to_you"] is False
    assert after["X-Cache"] == "miss"
    assert after.json()["results"][0]["available_to_you"] is True


def test_the_next_change_is_the_nearest_publication_or_public_date():
    now = timezone.now()
    EditionFactory(published_at=now - dt.timedelta(days=1), public_from=now + dt.timedelta(days=3))
    EditionFactory(published_at=now + dt.timedelta(days=5), public_from=None)

    assert next_edition_change(now) == now + dt.timedelta(days=3)
    assert next_edition_change(now + dt.timedelta(days=4)) == now + dt.timedelta(days=5)
    assert next_edition_change(now + dt.timedelta(days=6)) is None
