"""Throttles count in a shared cache, and a cache outage degrades instead of failing.

Across workers, under load, they are shown in testing/test_throttles.py against the
served app; here, in process, what each endpoint answers when Redis is down.
"""

import importlib
import runpy
from http import HTTPStatus

import pytest
from django.db import connection
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from articles.models import Comment
from articles.tests.factories import ArticleFactory
from imago.throttling import THROTTLE_UNAVAILABLE
from testing.served import free_port

pytestmark = pytest.mark.django_db

UNAVAILABLE = {"detail": THROTTLE_UNAVAILABLE, "code": "temporarily_unavailable"}


@pytest.fixture
def redis_down(settings):
    """The cache is a Redis on a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def test_without_redis_url_the_cache_is_the_database_table_that_migrate_makes(
    monkeypatch, settings
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    fresh = runpy.run_path(str(settings.BASE_DIR / "imago" / "settings.py"))
    migration = importlib.import_module("accounts.migrations.0005_cache_table")

    assert fresh["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert fresh["CACHES"]["default"]["LOCATION"] == migration.CACHE_TABLE
    assert migration.CACHE_TABLE in connection.introspection.table_names()


def test_sign_in_fails_closed_with_a_503_json_while_redis_is_down(anonymous_client, redis_down):
    UserFactory(email="lea@example.org")

    response = anonymous_client.post(
        "/api/v1/auth/token/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == UNAVAILABLE


def test_registration_fails_closed_with_a_503_json_and_stores_nothing(anonymous_client, redis_down):
    response = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == UNAVAILABLE
    assert not User.objects.exists()


def test_reading_and_commenting_go_on_while_redis_is_down(
    anonymous_client, subscriber_client, redis_down
):
    article = ArticleFactory()
    url = f"/api/v1/articles/{article.slug}/comments/"

    assert anonymous_client.get("/api/v1/articles/").status_code == HTTPStatus.OK
    assert anonymous_client.get(f"/api/v1/articles/{article.slug}/").status_code == HTTPStatus.OK
    assert subscriber_client.get(url).status_code == HTTPStatus.OK
    posted = subscriber_client.post(url, {"body": "Toujours là."}, format="json")

    assert posted.status_code == HTTPStatus.CREATED
    assert Comment.objects.get().body == "Toujours là."


def test_a_throttled_request_says_when_to_come_back(anonymous_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "1/min"})

    def attempt():
        return anonymous_client.post(
            "/api/v1/auth/token/", {"email": "x@example.org", "password": "y"}, format="json"
        )

    first, second = attempt(), attempt()

    assert first.status_code == HTTPStatus.BAD_REQUEST
    assert second.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert second.json()["code"] == "throttled"
    assert 0 < int(second["Retry-After"]) <= 60


def test_a_missing_cache_table_refuses_sign_in_and_still_takes_comments(
    anonymous_client, subscriber_client, settings
):
    # A cache whose table does not exist: every query on it fails, as with a database
    # cache that was never migrated.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        }
    }
    article = ArticleFactory()

    sign_in = anonymous_client.post(
        "/api/v1/auth/token/", {"email": "x@example.org", "password": "y"}, format="json"
    )
    posted = subscriber_client.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "Malgré tout."}, format="json"
    )

    # SQLite reports a missing table as it reports a database that fails (OperationalError,
    # 503 database_unavailable); PostgreSQL as a programming error: the cache fails.
    assert sign_in.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert sign_in.json()["code"] in {"database_unavailable", UNAVAILABLE["code"]}
    assert posted.status_code == HTTPStatus.CREATED
    assert Comment.objects.get().body == "Malgré tout."
