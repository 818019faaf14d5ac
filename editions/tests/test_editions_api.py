"""The digital edition through the API: subscribers first, everyone from its public date."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from conftest import client_for
from editions.models import Edition
from editions.selectors import EDITION_LOGIN_REQUIRED, EDITION_SUBSCRIPTION_REQUIRED
from editions.tests.factories import PDF, EditionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/editions/"


def download(number: int) -> str:
    return f"/api/v1/editions/{number}/download/"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def ahead(now):
    """Out for subscribers yesterday, for everyone in a week."""
    return EditionFactory(
        number=12,
        published_at=now - dt.timedelta(days=1),
        public_from=now + dt.timedelta(days=7),
    )


@pytest.fixture
def public(now):
    """Out for subscribers a month ago, for everyone since yesterday."""
    return EditionFactory(
        number=11,
        published_at=now - dt.timedelta(days=30),
        public_from=now - dt.timedelta(days=1),
    )


@pytest.fixture
def reserved(now):
    """Subscriber-only for ever."""
    return EditionFactory(number=10, published_at=now - dt.timedelta(days=60), public_from=None)


@pytest.fixture
def coming(now):
    """Not out yet, for anyone."""
    return EditionFactory(number=13, published_at=now + dt.timedelta(hours=2))


def by_number(response) -> dict[int, dict]:
    return {item["number"]: item for item in response.json()["results"]}


def test_only_published_editions_are_listed_newest_first(
    anonymous_client, ahead, public, reserved, coming
):
    response = anonymous_client.get(LIST)

    assert response.status_code == HTTPStatus.OK
    assert [item["number"] for item in response.json()["results"]] == [12, 11, 10]


@pytest.mark.parametrize("who", ["subscriber_client", "staff_client"])
def test_a_subscriber_has_every_published_edition_from_its_publication(
    request, who, ahead, public, reserved
):
    editions = by_number(request.getfixturevalue(who).get(LIST))

    for edition in (ahead, public, reserved):
        item = editions[edition.number]
        assert item["available_to_you"] is True
        assert dt.datetime.fromisoformat(item["available_from"]) == edition.published_at


@pytest.mark.parametrize("who", ["anonymous_client", "reader_client", "expired_client"])
def test_everyone_else_has_an_edition_from_its_public_date_or_never(
    request, who, ahead, public, reserved
):
    editions = by_number(request.getfixturevalue(who).get(LIST))

    assert editions[12]["available_to_you"] is False
    assert dt.datetime.fromisoformat(editions[12]["available_from"]) == ahead.public_from
    assert editions[11]["available_to_you"] is True
    assert dt.datetime.fromisoformat(editions[11]["available_from"]) == public.public_from
    assert editions[10]["available_to_you"] is False
    assert editions[10]["available_from"] is None


def test_the_list_shows_the_fields_of_an_edition_in_paris_time(anonymous_client, ahead):
    item = anonymous_client.get(LIST).json()["results"][0]

    assert set(item) == {
        "number",
        "title",
        "date",
        "published_at",
        "available_from",
        "available_to_you",
        "cover",
        "download",
    }
    assert item["download"] == f"http://testserver{download(12)}"
    assert item["cover"].startswith("http://testserver/files/covers/docteur-imago-12")
    assert item["published_at"].endswith(("+01:00", "+02:00"))
    assert "pdf" not in str(item)  # the PDF's stored name is never shown


def test_a_subscriber_downloads_an_edition_before_its_public_date(subscriber_client, ahead):
    response = subscriber_client.get(download(12))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("http://testserver/files/editions/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    file = subscriber_client.get(response["Location"])
    assert file.status_code == HTTPStatus.OK
    assert b"".join(file.streaming_content) == PDF
    assert file["Content-Type"] == "application/pdf"
    assert file["Content-Disposition"] == 'attachment; filename="docteur-imago-12.pdf"'
    assert "no-store" in file["Cache-Control"] and "private" in file["Cache-Control"]


def test_staff_download_an_edition_before_its_public_date(staff_client, ahead):
    response = staff_client.get(download(12))

    assert response.status_code == HTTPStatus.FOUND


def test_an_anonymous_reader_is_asked_to_sign_in_before_the_public_date(anonymous_client, ahead):
    response = anonymous_client.get(download(12))

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": EDITION_LOGIN_REQUIRED, "code": "login_required"}
    assert "Location" not in response


@pytest.mark.parametrize("who", ["reader_client", "expired_client"])
def test_a_reader_without_access_is_refused_before_the_public_date(request, who, ahead):
    response = request.getfixturevalue(who).get(download(12))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "detail": EDITION_SUBSCRIPTION_REQUIRED,
        "code": "subscription_required",
    }


@pytest.mark.parametrize("who", ["anonymous_client", "reader_client"])
def test_anyone_downloads_an_edition_after_its_public_date(request, who, public):
    client = request.getfixturevalue(who)

    response = client.get(download(11))

    assert response.status_code == HTTPStatus.FOUND
    assert b"".join(client.get(response["Location"]).streaming_content) == PDF


def test_an_edition_that_stays_subscriber_only_never_opens_to_others(reader_client, reserved):
    years_later = reader_client.get(download(10))

    assert years_later.status_code == HTTPStatus.FORBIDDEN


def test_the_public_date_opens_the_edition_when_it_comes(reader_client, ahead):
    before = reader_client.get(download(12))
    Edition.objects.filter(pk=ahead.pk).update(public_from=timezone.now())

    after = reader_client.get(download(12))

    assert (before.status_code, after.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FOUND)


@pytest.mark.parametrize("number", [13, 99, 0, 2_147_483_648, 10**30])
def test_an_unknown_or_unpublished_edition_is_not_found_even_for_subscribers(
    subscriber_client, coming, number
):
    response = subscriber_client.get(download(number))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Numéro introuvable.", "code": "not_found"}


def test_bad_credentials_are_a_401_not_an_anonymous_download(public):
    response = client_for(None).get(download(11), HTTP_AUTHORIZATION="Token nope")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "authentication_failed"


def test_a_bad_page_is_a_400_naming_it(anonymous_client):
    response = anonymous_client.get(LIST, {"page_size": "0"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "page_size" in response.json()


def test_the_list_costs_the_same_queries_for_many_editions(
    subscriber_client, django_assert_max_num_queries
):
    EditionFactory.create_batch(15)

    # Token, entitlement, count, page: never a query per edition.
    with django_assert_max_num_queries(4):
        response = subscriber_client.get(LIST)

    assert len(response.json()["results"]) == 15
