"""Limits of a request's URL and page numbers: documented, the same everywhere, in JSON.

A URL past REQUEST_URI_MAX_BYTES is a 414 `uri_too_long`; a page number past the last
page is a 404 however many digits it has, and a page size past 100 a 400 naming the range.
"""

from http import HTTPStatus

import pytest

from articles.tests.factories import AuthorFactory
from imago.middleware import URI_TOO_LONG
from imago.pagination import INVALID_PAGE, INVALID_PAGE_SIZE, PAGE_NOT_FOUND, SEARCH_PAGE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [4097, 6000, 20_000])
def test_a_url_past_the_limit_is_a_json_414(anonymous_client, settings, length):
    path = "/api/v1/articles/?q="
    response = anonymous_client.get(path + "a" * (length - len(path)))

    assert response.status_code == HTTPStatus.REQUEST_URI_TOO_LONG
    assert response.json() == {
        "detail": URI_TOO_LONG.format(maximum=settings.REQUEST_URI_MAX_BYTES),
        "code": "uri_too_long",
    }
    assert "no-store" in response["Cache-Control"]


def test_a_url_at_the_limit_is_served(anonymous_client):
    path = "/api/v1/articles/?access=&q="
    response = anonymous_client.get(path + "a" * 10 + "&rubric=" + "r" * (4096 - len(path) - 18))

    assert response.status_code != HTTPStatus.REQUEST_URI_TOO_LONG


@pytest.mark.parametrize(
    "page", ["2", "100000000", "1000000000", "99999999999999999999", "1" + "0" * 500]
)
def test_a_page_past_the_last_is_a_404_however_many_digits(anonymous_client, page):
    AuthorFactory()

    response = anonymous_client.get("/api/v1/authors/", {"page": page})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": PAGE_NOT_FOUND, "code": "not_found"}


@pytest.mark.parametrize("page", ["0", "-1", "1.5", "", "x", "１"])
def test_a_page_that_is_no_positive_number_is_a_400(anonymous_client, page):
    response = anonymous_client.get("/api/v1/authors/", {"page": page})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page": [INVALID_PAGE]}


@pytest.mark.parametrize("size", ["101", "1000000000", "9" * 40])
def test_a_page_size_past_the_maximum_is_a_400_naming_the_range(anonymous_client, size):
    response = anonymous_client.get("/api/v1/authors/", {"page_size": size})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page_size": [INVALID_PAGE_SIZE.format(maximum=100)]}


@pytest.mark.parametrize("page", ["51", "1000000000", "9" * 40])
def test_a_search_page_past_50_is_the_documented_400(anonymous_client, page):
    response = anonymous_client.get("/api/v1/articles/", {"q": "irm", "page": page})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page": [SEARCH_PAGE_LIMIT.format(maximum=50)]}
