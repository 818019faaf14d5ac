"""Changing the password knowing the current one."""

from http import HTTPStatus

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import self_service
from accounts.tests.factories import PASSWORD, UserFactory
from conftest import client_for
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/password/"
NEW_PASSWORD = "Echographie-2027?"


@pytest.fixture
def lea(db):
    return UserFactory(email="lea@example.org")


def sign_in(password: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": "lea@example.org", "password": password}, format="json"
    )


def test_the_password_changes_the_token_is_replaced_and_the_reader_told(smtp_server, lea):
    old_client = client_for(lea)
    old_key = Token.objects.get(user=lea).key

    response = old_client.post(
        URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    worker_drain()

    assert response.status_code == HTTPStatus.OK
    new_key = response.json()["token"]
    assert new_key != old_key
    assert old_client.get("/api/v1/me/").status_code == HTTPStatus.UNAUTHORIZED
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert new_client.get("/api/v1/me/").status_code == HTTPStatus.OK
    assert sign_in(NEW_PASSWORD).status_code == HTTPStatus.OK
    assert sign_in(PASSWORD).status_code == HTTPStatus.BAD_REQUEST
    [notice] = smtp_server.messages
    assert (notice.to, notice.subject) == ("lea@example.org", "Votre mot de passe a été modifié")
    assert "choisissez tout de suite un nouveau mot de passe" in notice.html


def test_a_wrong_current_password_changes_nothing(smtp_server, lea):
    client = client_for(lea)

    response = client.post(
        URL, {"current_password": "pas-le-bon", "new_password": NEW_PASSWORD}, format="json"
    )
    worker_drain()

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": self_service.WRONG_PASSWORD, "code": "wrong_password"}
    assert sign_in(PASSWORD).status_code == HTTPStatus.OK
    assert client.get("/api/v1/me/").status_code == HTTPStatus.OK  # the token still works
    assert smtp_server.messages == []


@pytest.mark.parametrize("weak", ["123", "password", "lea@example.org", "court"])
def test_a_weak_new_password_is_refused_by_djangos_validators(smtp_server, lea, weak):
    response = client_for(lea).post(
        URL, {"current_password": PASSWORD, "new_password": weak}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()) == {"new_password"}
    assert sign_in(PASSWORD).status_code == HTTPStatus.OK


@pytest.mark.parametrize("payload", [{}, {"current_password": PASSWORD}, {"new_password": "x"}])
def test_bad_input_is_a_400(lea, payload):
    assert client_for(lea).post(URL, payload, format="json").status_code == 400


def test_anonymous_readers_have_no_password_to_change(anonymous_client):
    response = anonymous_client.post(
        URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
