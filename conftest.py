"""Shared fixtures: API clients for each kind of reader."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from subscriptions.tests.factories import ComplimentaryFactory, OfferFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False
    # Production's manifest storage needs collectstatic; tests render without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def reader(db):
    """Signed in, no access."""
    return UserFactory()


@pytest.fixture
def reader_client(reader) -> APIClient:
    return client_for(reader)


@pytest.fixture
def subscriber(db):
    """Signed in, with complimentary access for another month."""
    user = UserFactory()
    ComplimentaryFactory(user=user)
    return user


@pytest.fixture
def subscriber_client(subscriber) -> APIClient:
    return client_for(subscriber)


@pytest.fixture
def staff_client(db) -> APIClient:
    return client_for(UserFactory(is_staff=True))


@pytest.fixture
def expired_client(db) -> APIClient:
    user = UserFactory()
    ComplimentaryFactory(user=user, current_period_end=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    return client_for(user)


@pytest.fixture
def offer(db):
    return OfferFactory()
