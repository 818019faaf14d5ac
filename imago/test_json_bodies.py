"""JSON bodies: nesting and size are bounded before anything reads them (imago/parsers.py)."""

import json
import re
from http import HTTPStatus

import pytest
from django.apps import apps
from django.urls import resolve
from rest_framework.authtoken.models import Token

from accounts.models import User
from articles.models import Comment, Gift
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


# --- Every write operation of the API, whether it reads a body or not -----------------

# Ten megabytes: refused by its Content-Length, before anything reads it.
TEN_MEGABYTES = b'{"x": "' + b"x" * 10_000_000 + b'"}'


def write_operations() -> list:
    """Every (method, path) of the URLconf's API views that changes something."""
    from drf_spectacular.generators import EndpointEnumerator

    operations = [
        (method, re.sub(r"{[^}]+}", "999999", path))
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if method in {"POST", "PUT", "PATCH", "DELETE"}
    ]
    return sorted(set(operations))


WRITE_OPERATIONS = write_operations()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def view_parsers(path: str) -> list:
    return resolve(path).func.cls().get_parsers()  # type: ignore[attr-defined]


def test_the_write_operations_include_those_without_a_body():
    assert ("POST", "/api/v1/auth/logout/") in WRITE_OPERATIONS
    assert ("POST", "/api/v1/articles/999999/gifts/") in WRITE_OPERATIONS
    assert ("POST", "/api/v1/stripe/webhook/") in WRITE_OPERATIONS
    assert len(WRITE_OPERATIONS) >= 19


@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
def test_every_write_operation_refuses_a_bad_body_and_stores_nothing(
    subscriber_client, stripe_settings, method, path
):
    before = row_counts()
    send = getattr(subscriber_client, method.lower())
    takes_json = any(parser.media_type == "application/json" for parser in view_parsers(path))

    too_large = send(path, TEN_MEGABYTES, content_type="application/json")
    xml = send(path, "<cadeau/>", content_type="application/xml")
    malformed = send(path, '{"offer": ', content_type="application/json")

    assert too_large.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert too_large.json() == {
        "detail": parsers.TOO_LARGE.format(limit=parsers.body_limit(view_parsers(path))),
        "code": "payload_too_large",
    }
    assert xml.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert xml.json()["code"] == "unsupported_media_type"
    assert "application/xml" in xml.json()["detail"]
    # JSON that is not: a 400 (Stripe's webhook says so once it has checked the signature),
    # or a 415 from a view that takes a form.
    if takes_json:
        assert malformed.status_code == HTTPStatus.BAD_REQUEST
    else:
        assert malformed.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert set(malformed.json()) == {"detail", "code"}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (TEN_MEGABYTES, "application/json", HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
        ("<cadeau/>", "application/xml", HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
        ('{"article": ', "application/json", HTTPStatus.BAD_REQUEST),
    ],
)
def test_a_gift_is_not_made_from_a_bad_body(subscriber_client, body, content_type, status):
    article = ArticleFactory()

    response = subscriber_client.post(
        f"/api/v1/articles/{article.slug}/gifts/", body, content_type=content_type
    )

    assert response.status_code == status
    assert not Gift.objects.exists()


def test_a_bodiless_operation_still_works_without_a_body_or_with_empty_json(subscriber_client):
    article = ArticleFactory()

    bare = subscriber_client.post(f"/api/v1/articles/{article.slug}/gifts/")
    empty = subscriber_client.post(
        f"/api/v1/articles/{article.slug}/gifts/", "{}", content_type="application/json"
    )
    logout = subscriber_client.post("/api/v1/auth/logout/")

    assert bare.status_code == empty.status_code == HTTPStatus.CREATED
    assert logout.status_code == HTTPStatus.NO_CONTENT
