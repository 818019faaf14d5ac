"""The files of the edition: a PDF only through a signed link of minutes, covers public."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from editions.storage import edition_storage, link_token
from editions.tests.factories import PDF, EditionFactory, cover_bytes
from editions.views import COVER_NOT_FOUND, LINK_EXPIRED, LINK_INVALID

pytestmark = pytest.mark.django_db

PDF_NAME = "pdf/docteur-imago-12.pdf"


@pytest.fixture
def edition():
    return EditionFactory(number=12, public_from=None)


def file_url(token: str) -> str:
    return f"/files/editions/{token}/"


def test_a_link_works_until_edition_link_seconds(client, edition):
    signed = timezone.now() - dt.timedelta(seconds=settings.EDITION_LINK_SECONDS - 5)

    response = client.get(file_url(link_token(PDF_NAME, at=signed)))

    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == PDF


def test_an_expired_link_is_refused(client, edition):
    signed = timezone.now() - dt.timedelta(seconds=settings.EDITION_LINK_SECONDS + 1)

    response = client.get(file_url(link_token(PDF_NAME, at=signed)))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": LINK_EXPIRED, "code": "link_expired"}
    assert "no-store" in response["Cache-Control"]


def test_the_link_lifetime_is_a_setting(client, edition, settings):
    settings.EDITION_LINK_SECONDS = 60
    signed = timezone.now() - dt.timedelta(seconds=61)

    response = client.get(file_url(link_token(PDF_NAME, at=signed)))

    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    "token",
    [
        "garbled",
        # A name the site never signed, or signed with another salt.
        "InBkZi9kb2N0ZXVyLWltYWdvLTEyLnBkZiI:1v0000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_link_not_signed_by_the_site_is_not_found(client, edition, token):
    response = client.get(file_url(token))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": LINK_INVALID, "code": "not_found"}


def test_a_link_to_a_file_since_deleted_is_not_found(client, edition):
    token = link_token(PDF_NAME)
    edition_storage().delete(PDF_NAME)

    response = client.get(file_url(token))

    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    "path",
    [
        f"/files/{PDF_NAME}",
        f"/files/editions/{PDF_NAME}",
        f"/media/{PDF_NAME}",
        f"/{PDF_NAME}",
        f"/static/{PDF_NAME}",
        f"/files/covers/../{PDF_NAME}",
    ],
)
def test_the_pdf_is_at_no_address_of_its_own(client, edition, path):
    response = client.get(path)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert PDF not in response.content


def test_the_local_files_lie_outside_anything_served(edition):
    location = edition_storage().path(PDF_NAME)

    assert not location.startswith(str(settings.STATIC_ROOT))
    assert edition_storage().exists(PDF_NAME)


def test_a_published_cover_is_public_and_may_be_cached(client, edition):
    response = client.get(edition.cover_path)

    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == cover_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"


def test_the_cover_of_an_edition_not_yet_out_is_hidden_but_from_staff(client, admin_user):
    coming = EditionFactory(published_at=timezone.now() + dt.timedelta(days=1))

    hidden = client.get(coming.cover_path)
    client.force_login(admin_user)
    preview = client.get(coming.cover_path)

    assert hidden.status_code == HTTPStatus.NOT_FOUND
    assert preview.status_code == HTTPStatus.OK
    assert "private" in preview["Cache-Control"] and "no-store" in preview["Cache-Control"]


def test_an_unknown_cover_is_not_found(client, edition):
    response = client.get("/files/covers/inconnue.png")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_file_links_answer_reads_only(client, edition):
    response = client.post(file_url(link_token(PDF_NAME)))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_cover_name_with_a_nul_is_not_found_before_any_query(client, edition):
    """PostgreSQL refuses a NUL in a query (DataError, a 500): no such name is asked."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/files/covers/x%00.png")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": COVER_NOT_FOUND, "code": "not_found"}
    assert [query["sql"] for query in queries] == []


def test_a_cover_name_with_a_nul_is_not_found_for_staff_either(admin_client, edition):
    response = admin_client.get(f"{edition.cover_path}%00")

    assert response.status_code == HTTPStatus.NOT_FOUND
