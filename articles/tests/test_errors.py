"""Every error under /api/ is JSON with the right status, never an HTML page or a 500."""

from http import HTTPStatus

import pytest

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


def test_out_of_range_page_is_404_json(anonymous_client):
    response = anonymous_client.get("/api/v1/articles/", {"page": 99})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_unknown_author_is_404_json(anonymous_client):
    response = anonymous_client.get("/api/v1/authors/personne/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_too_large_page_size_is_capped(anonymous_client):
    response = anonymous_client.get("/api/v1/articles/", {"page_size": 10_000})

    assert response.status_code == HTTPStatus.OK
