"""No shared cache hands one reader's full text to another."""

from http import HTTPStatus

import pytest

from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_anonymous_read_may_be_cached_publicly_for_a_short_time(anonymous_client, settings):
    article = ArticleFactory()

    response = anonymous_client.get(f"/api/v1/articles/{article.slug}/")

    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert f"max-age={settings.API_PUBLIC_CACHE_SECONDS}" in cache_control
    assert "Authorization" in response["Vary"]
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("client_fixture", ["reader_client", "subscriber_client"])
def test_signed_in_read_is_private_and_varies_on_credentials(request, client_fixture):
    article = ArticleFactory()
    client = request.getfixturevalue(client_fixture)

    response = client.get(f"/api/v1/articles/{article.slug}/")

    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_session_signed_in_read_is_private(client, django_user_model):
    user = django_user_model.objects.create_user(email="lecteur@example.org", password="x")
    client.force_login(user)

    response = client.get("/api/v1/articles/")

    assert "private" in response["Cache-Control"]


def test_errors_are_not_cached(anonymous_client):
    response = anonymous_client.get("/api/v1/articles/inconnu/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
