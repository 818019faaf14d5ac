"""Registration, token sign-in, sign-out and the reader's own view."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from accounts.services import BAD_CREDENTIALS, EMAIL_TAKEN
from accounts.tests.factories import PASSWORD, UserFactory
from conftest import client_for
from subscriptions.tests.factories import ComplimentaryFactory

pytestmark = pytest.mark.django_db


def test_register_creates_account_and_returns_token(anonymous_client):
    response = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "Lea@Example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["email"] == "lea@example.org"
    user = User.objects.get(email="lea@example.org")
    assert Token.objects.get(user=user).key == response.json()["token"]


def test_register_twice_with_same_email_is_400_and_stores_nothing(anonymous_client):
    UserFactory(email="lea@example.org")

    response = anonymous_client.post(
        "/api/v1/auth/register/", {"email": "LEA@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": EMAIL_TAKEN, "code": "email_taken"}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email": "pas-un-email", "password": PASSWORD},
        {"email": "lea@example.org"},
        {"email": "lea@example.org", "password": "123"},
        {"email": "lea@example.org", "password": "password"},
        {"email": ["lea@example.org"], "password": PASSWORD},
    ],
)
def test_register_rejects_bad_input_with_400_and_stores_nothing(anonymous_client, payload):
    response = anonymous_client.post("/api/v1/auth/register/", payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert not User.objects.exists()


def test_register_rejects_malformed_json(anonymous_client):
    response = anonymous_client.post(
        "/api/v1/auth/register/", "{not json", content_type="application/json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "parse_error"


def test_token_sign_in_with_email_and_password(anonymous_client):
    user = UserFactory(email="lea@example.org")

    response = anonymous_client.post(
        "/api/v1/auth/token/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_token_sign_in_with_wrong_password_is_400(anonymous_client):
    UserFactory(email="lea@example.org")

    response = anonymous_client.post(
        "/api/v1/auth/token/", {"email": "lea@example.org", "password": "faux"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": BAD_CREDENTIALS, "code": "invalid_credentials"}


def test_logout_revokes_the_token(reader_client, reader):
    response = reader_client.post("/api/v1/auth/logout/")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not Token.objects.filter(user=reader).exists()
    assert reader_client.get("/api/v1/me/").status_code == HTTPStatus.UNAUTHORIZED


def test_logout_signed_out_is_401(anonymous_client):
    response = anonymous_client.post("/api/v1/auth/logout/")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "not_authenticated"


def test_me_signed_out_is_401_json(anonymous_client):
    response = anonymous_client.get("/api/v1/me/")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "not_authenticated"


def test_me_with_bad_token_is_401(anonymous_client):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token inconnu")

    assert anonymous_client.get("/api/v1/me/").status_code == HTTPStatus.UNAUTHORIZED


def test_me_without_subscription(reader_client, reader):
    assert reader_client.get("/api/v1/me/").json() == {
        "email": reader.email,
        "email_verified": False,
        "has_access": False,
        "subscription": None,
    }


def test_me_with_complimentary_access(subscriber_client):
    data = subscriber_client.get("/api/v1/me/").json()

    assert data["has_access"] is True
    assert data["subscription"]["source"] == "complimentary"
    assert data["subscription"]["status"] == "active"
    assert data["subscription"]["cancel_at_period_end"] is False


def test_me_with_expired_access_shows_it_without_access():
    user = UserFactory()
    ComplimentaryFactory(user=user, current_period_end=timezone.now() - dt.timedelta(days=1))

    data = client_for(user).get("/api/v1/me/").json()

    assert data["has_access"] is False
    assert data["subscription"]["source"] == "complimentary"


def test_sign_in_is_throttled_whatever_x_forwarded_for_says(anonymous_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    UserFactory(email="lea@example.org")

    statuses = [
        anonymous_client.post(
            "/api/v1/auth/token/",
            {"email": "lea@example.org", "password": "devine"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}",
        ).status_code
        for attempt in range(3)
    ]

    assert statuses == [400, 400, 429]
