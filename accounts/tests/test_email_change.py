"""Changing the account's address: the new one counts once a link sent to it is followed."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from accounts import self_service
from accounts.models import EMAIL_TAKEN, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import link_in, query
from conftest import client_for
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

CHANGE_URL = "/api/v1/me/email/"
LINK_PATH = "/compte/adresse/verifier/?"


@pytest.fixture
def lea(db):
    return UserFactory(email="lea@example.org")


def change(client, email, password=PASSWORD):
    return client.post(CHANGE_URL, {"email": email, "password": password}, format="json")


def verify(token: str):
    return APIClient().post("/api/v1/auth/email/verify/", {"token": token}, format="json")


def change_token(inbox, address: str) -> str:
    [received] = inbox.to(address)
    assert received.subject == "Confirmez votre nouvelle adresse e-mail"
    return query(link_in(received, LINK_PATH))["token"]


def sign_in(email: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json"
    )


def test_the_new_address_counts_once_its_link_is_followed(smtp_server, lea):
    client = client_for(lea)

    response = change(client, "Lea.Martin@Example.org")
    worker_drain()

    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.json() == {
        "detail": self_service.EMAIL_CHANGE_SENT.format(email="lea.martin@example.org")
    }
    # Until then, the account keeps its address: the link went to the new one only.
    assert client.get("/api/v1/me/").json()["email"] == "lea@example.org"
    assert sign_in("lea.martin@example.org").status_code == HTTPStatus.BAD_REQUEST
    [received] = smtp_server.messages
    assert received.to == "lea.martin@example.org"
    assert "utilise désormais l’adresse lea.martin@example.org" in received.text
    assert "Confirmer ma nouvelle adresse" in received.html

    verified = verify(change_token(smtp_server, "lea.martin@example.org"))

    assert verified.status_code == HTTPStatus.OK
    assert verified.json() == {"email": "lea.martin@example.org", "email_verified": True}
    me = client.get("/api/v1/me/").json()
    assert (me["email"], me["email_verified"]) == ("lea.martin@example.org", True)
    lea.refresh_from_db()
    assert lea.email_key == "lea.martin@example.org"
    assert sign_in("LEA.MARTIN@example.org").status_code == HTTPStatus.OK
    assert sign_in("lea@example.org").status_code == HTTPStatus.BAD_REQUEST


def test_the_old_address_is_told(smtp_server, lea):
    change(client_for(lea), "lea.martin@example.org")
    worker_drain()
    verify(change_token(smtp_server, "lea.martin@example.org"))

    worker_drain()

    [notice] = smtp_server.to("lea@example.org")
    assert notice.subject == "L’adresse de votre compte a changé"
    assert "utilise désormais l’adresse lea.martin@example.org" in notice.text
    assert "<strong>lea.martin@example.org</strong>" in notice.html
    # The new address gets the welcome (its first verified address), not the notice.
    assert [r.subject for r in smtp_server.to("lea.martin@example.org")] == [
        "Confirmez votre nouvelle adresse e-mail",
        "Bienvenue sur Docteur Imago",
    ]


def test_following_the_link_twice_changes_nothing_more(smtp_server, lea):
    change(client_for(lea), "lea.martin@example.org")
    worker_drain()
    token = change_token(smtp_server, "lea.martin@example.org")
    verify(token)

    again = verify(token)
    worker_drain()

    assert again.status_code == HTTPStatus.OK
    assert len(smtp_server.to("lea@example.org")) == 1  # one notice


def test_a_wrong_password_changes_nothing_and_mails_nobody(smtp_server, lea):
    response = change(client_for(lea), "lea.martin@example.org", password="pas-le-bon")
    worker_drain()

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": self_service.WRONG_PASSWORD, "code": "wrong_password"}
    assert smtp_server.messages == []


@pytest.mark.parametrize("taken", ["sam@example.org", "SAM@example.org", "ſam@example.org"])
def test_an_address_of_another_account_is_refused(smtp_server, lea, taken):
    UserFactory(email="sam@example.org")

    response = change(client_for(lea), taken)
    worker_drain()

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": EMAIL_TAKEN, "code": "email_taken"}
    assert smtp_server.messages == []


def test_the_current_address_is_no_change(smtp_server, lea):
    response = change(client_for(lea), "LEA@example.org")

    assert response.json() == {"detail": self_service.EMAIL_UNCHANGED, "code": "email_unchanged"}


def test_an_address_taken_before_the_link_is_followed_is_refused_then(smtp_server, lea):
    change(client_for(lea), "lea.martin@example.org")
    worker_drain()
    UserFactory(email="Lea.Martin@example.org")  # someone registers it meanwhile

    response = verify(change_token(smtp_server, "lea.martin@example.org"))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": EMAIL_TAKEN, "code": "email_taken"}
    lea.refresh_from_db()
    assert lea.email == "lea@example.org"


def test_the_link_of_a_change_superseded_by_another_is_refused(smtp_server, lea):
    """Lea moved to one address, then another: the first link cannot bring her back."""
    client = client_for(lea)
    change(client, "lea.martin@example.org")
    worker_drain()
    first = change_token(smtp_server, "lea.martin@example.org")
    assert verify(first).status_code == HTTPStatus.OK
    change(client, "lea.durand@example.org")
    worker_drain()
    assert verify(change_token(smtp_server, "lea.durand@example.org")).status_code == 200

    response = verify(first)

    assert response.json() == {"detail": self_service.VERIFICATION_STALE, "code": "token_stale"}
    assert User.objects.get(pk=lea.pk).email == "lea.durand@example.org"


def test_asking_many_times_sends_one_link_a_day_per_address(smtp_server, lea):
    client = client_for(lea)

    statuses = {change(client, "lea.martin@example.org").status_code for _ in range(4)}
    worker_drain()

    assert statuses == {HTTPStatus.ACCEPTED}
    assert len(smtp_server.to("lea.martin@example.org")) == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"email": "lea.martin@example.org"}, {"email": "pas-une-adresse", "password": PASSWORD}],
)
def test_bad_input_is_a_400(lea, payload):
    response = client_for(lea).post(CHANGE_URL, payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_anonymous_readers_cannot_change_an_address(anonymous_client):
    response = anonymous_client.post(
        CHANGE_URL, {"email": "a@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
