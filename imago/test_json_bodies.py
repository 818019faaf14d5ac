"""JSON bodies: nesting and size are bounded before anything reads them (imago/parsers.py)."""

import json
from http import HTTPStatus

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import User
from articles.models import Comment
from articles.tests.factories import ArticleFactory
from imago import parsers
from subscriptions.models import Customer

pytestmark = pytest.mark.django_db

# About 2 kB nested 1,000 deep: Python's json module gives up with a RecursionError.
DEEP = "[" * 1000 + "]" * 1000
ENDPOINTS = [
    "register",
    "token",
    "comments",
    # Checkout runs outside the request's transaction, so DRF's rollback on an error
    # would fall on the test's own transaction: this one commits for real.
    pytest.param("checkout", marks=pytest.mark.django_db(transaction=True)),
]


def deeply_nested(field: str) -> str:
    return f'{{"{field}": {DEEP}, "password": "Radiologie-2026!"}}'


@pytest.fixture
def endpoints(subscriber_client, stripe_fake):
    article = ArticleFactory()
    return {
        "register": (None, "/api/v1/auth/register/", "email"),
        "token": (None, "/api/v1/auth/token/", "email"),
        "comments": (subscriber_client, f"/api/v1/articles/{article.slug}/comments/", "body"),
        "checkout": (subscriber_client, "/api/v1/subscriptions/checkout/", "offer"),
    }


def nothing_stored(stripe_fake) -> bool:
    return (
        not User.objects.filter(email__icontains="[").exists()
        and User.objects.count() == 1  # the subscriber
        and not Token.objects.exclude(user__email__startswith="lecteur").exists()
        and not Comment.objects.exists()
        and not Customer.objects.exists()
        and stripe_fake.calls == []
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_deeply_nested_json_is_a_400_parse_error_and_stores_nothing(
    anonymous_client, endpoints, stripe_fake, endpoint
):
    client, url, field = endpoints[endpoint]
    client = client or anonymous_client

    response = client.post(url, deeply_nested(field), content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": parsers.TOO_DEEP, "code": "parse_error"}
    assert nothing_stored(stripe_fake)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_body_over_the_size_limit_is_a_413_and_stores_nothing(
    anonymous_client, endpoints, stripe_fake, settings, endpoint
):
    client, url, field = endpoints[endpoint]
    client = client or anonymous_client
    body = json.dumps({field: "x" * settings.API_JSON_MAX_BYTES, "password": "x"})

    response = client.post(url, body, content_type="application/json")

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {
        "detail": parsers.TOO_LARGE.format(limit=settings.API_JSON_MAX_BYTES),
        "code": "payload_too_large",
    }
    assert nothing_stored(stripe_fake)


def test_nesting_up_to_the_limit_is_parsed(anonymous_client, settings):
    # The object counts as one level: its list nests one level less than the limit.
    lists = settings.API_JSON_MAX_DEPTH - 1
    nested = "[" * lists + "]" * lists
    too_deep = "[" + nested + "]"

    within = anonymous_client.post(
        "/api/v1/auth/register/", f'{{"email": {nested}}}', content_type="application/json"
    )
    beyond = anonymous_client.post(
        "/api/v1/auth/register/", f'{{"email": {too_deep}}}', content_type="application/json"
    )

    # Parsed, then refused by the serializer as a field error; one level more is not parsed.
    assert within.status_code == HTTPStatus.BAD_REQUEST
    assert "email" in within.json()
    assert beyond.json() == {"detail": parsers.TOO_DEEP, "code": "parse_error"}


def test_brackets_inside_strings_do_not_count_as_nesting(anonymous_client):
    password = '[{"[' * 30 + '\\"]'

    response = anonymous_client.post(
        "/api/v1/auth/register/",
        json.dumps({"email": "crochets@example.org", "password": password}),
        content_type="application/json",
    )

    assert response.status_code == HTTPStatus.CREATED, response.json()


def test_malformed_json_is_a_400_parse_error_in_french(anonymous_client):
    response = anonymous_client.post(
        "/api/v1/auth/register/", '{"email": "a@example.org",', content_type="application/json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": parsers.MALFORMED, "code": "parse_error"}
