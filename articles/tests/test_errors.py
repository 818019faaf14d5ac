"""Every error under /api/ is JSON with the right status, never an HTML page or a 500."""

from http import HTTPStatus

import pytest

from articles.tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_404_json(anonymous_client):
    response = anonymous_client.get("/api/v1/nothing-here/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Not Found", "code": "not_found"}


@pytest.mark.parametrize(
    "url", ["/api/v1/articles/", "/api/v1/offers/", "/api/v1/briefs/", "/api/v1/rubrics/"]
)
def test_wrong_method_is_405_json(anonymous_client, url):
    response = anonymous_client.delete(url)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["code"] == "method_not_allowed"


def test_unsupported_media_type_is_415_json(anonymous_client):
    response = anonymous_client.post(
        "/api/v1/auth/register/", "email=a", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("page", ["99", "abc"])
def test_out_of_range_or_malformed_page_is_404_json(anonymous_client, page):
    # DRF's pagination answers a page it cannot serve with NotFound, whatever the reason.
    response = anonymous_client.get("/api/v1/articles/", {"page": page})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_unknown_author_is_404_json(anonymous_client):
    response = anonymous_client.get("/api/v1/authors/personne/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_too_large_page_size_is_capped_at_100(anonymous_client):
    ArticleFactory.create_batch(101, authors=[AuthorFactory()], notes=[])

    response = anonymous_client.get("/api/v1/articles/", {"page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert (data["count"], len(data["results"])) == (101, 100)
    assert data["next"] is not None
