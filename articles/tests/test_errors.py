"""Every error under /api/ is JSON with the right status, never an HTML page or a 500."""

from http import HTTPStatus

import pytest

from articles import selectors
from articles.tests.factories import ArticleFactory, AuthorFactory
from imago import pagination
from imago.exceptions import NOT_FOUND

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_404_json_in_french(anonymous_client):
    response = anonymous_client.get("/api/v1/nothing-here/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": NOT_FOUND, "code": "not_found"}


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/v1/articles/inconnu/", selectors.ARTICLE_NOT_FOUND),  # a selector's Http404
        ("/api/v1/articles/inconnu/comments/", selectors.ARTICLE_NOT_FOUND),
        ("/api/v1/series/inconnue/", selectors.SERIES_NOT_FOUND),
        ("/api/v1/authors/personne/", selectors.AUTHOR_NOT_FOUND),  # a generic view's
    ],
)
def test_unknown_object_is_404_json_in_french_naming_what_was_looked_for(
    anonymous_client, url, detail
):
    response = anonymous_client.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": detail, "code": "not_found"}


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


# The numbered lists: a search, and the short lists that keep `count`.
NUMBERED = [("/api/v1/articles/", {"q": "imagerie"}), ("/api/v1/articles/{article}/comments/", {})]


@pytest.mark.parametrize(("url", "query"), NUMBERED)
def test_page_past_the_last_one_is_404_json(anonymous_client, url, query):
    article = ArticleFactory(access="free")

    response = anonymous_client.get(url.format(article=article.slug), {**query, "page": "9"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": pagination.PAGE_NOT_FOUND, "code": "not_found"}


@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "1.5", "null", "false", "last", "+1"])
@pytest.mark.parametrize(("url", "query"), NUMBERED)
def test_page_that_is_not_a_positive_integer_is_400(anonymous_client, url, query, page):
    article = ArticleFactory(access="free")

    response = anonymous_client.get(url.format(article=article.slug), {**query, "page": page})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page": [pagination.INVALID_PAGE]}


@pytest.mark.parametrize("size", ["null", "false", "0", "-5", "101", "1000", "abc", "", "2.0"])
def test_page_size_outside_1_to_100_is_400(anonymous_client, size):
    response = anonymous_client.get("/api/v1/articles/", {"page_size": size})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page_size": [pagination.INVALID_PAGE_SIZE.format(maximum=100)]}


def test_page_size_of_100_is_the_largest_page(anonymous_client):
    ArticleFactory.create_batch(101, authors=[AuthorFactory()], notes=[])

    response = anonymous_client.get("/api/v1/articles/", {"page_size": 100})

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert len(data["results"]) == 100
    assert data["next"] is not None


def test_a_rule_of_django_validation_is_a_field_errors_object_not_a_bare_list(anonymous_client):
    # validate_password raises Django's ValidationError, with no field attached.
    response = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": "123"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    errors = response.json()
    assert isinstance(errors, dict)
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())
