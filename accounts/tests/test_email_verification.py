"""Verifying a reader's address: a signed, expiring link, mailed at registration and on demand.

Through the API, the real worker and a real SMTP server (the `smtp_server` fixture).
"""

import time
from http import HTTPStatus

import pytest
from django.core import signing
from rest_framework.test import APIClient

from accounts import self_service
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import link_in, query
from conftest import client_for
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

VERIFY_URL = "/api/v1/auth/email/verify/"
RESEND_URL = "/api/v1/me/email/verify/"
LINK_PATH = "/compte/adresse/verifier/?"


def register(email="lea@example.org") -> tuple[APIClient, User]:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/register/", {"email": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client, User.objects.get(email=email)


def verification_token(inbox, address: str) -> str:
    [received] = [r for r in inbox.to(address) if r.subject == "Confirmez votre adresse e-mail"]
    return query(link_in(received, LINK_PATH))["token"]


def verify(token: str):
    return APIClient().post(VERIFY_URL, {"token": token}, format="json")


def signed_days_ago(payload: dict, days: int) -> str:
    """A token signed as email_token signs one, `days` ago."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - days * 24 * 3600)

    return Earlier(salt=self_service.VERIFICATION_SALT).sign_object(payload)


def test_registration_mails_a_link_that_verifies_the_address(smtp_server, settings):
    client, user = register()
    assert client.get("/api/v1/me/").json()["email_verified"] is False

    worker_drain()

    [received] = smtp_server.messages
    assert received.to == "lea@example.org"
    assert received.subject == "Confirmez votre adresse e-mail"
    assert "lea@example.org est bien l’adresse de votre compte Docteur Imago" in received.text
    assert "valable 3 jours" in received.text
    assert "Confirmer mon adresse" in received.html
    assert link_in(received, LINK_PATH).startswith(f"{settings.SITE_URL}/compte/")

    response = verify(verification_token(smtp_server, "lea@example.org"))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"email": "lea@example.org", "email_verified": True}
    assert client.get("/api/v1/me/").json()["email_verified"] is True
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_the_welcome_comes_once_the_address_is_verified_and_once_only(smtp_server):
    register()
    worker_drain()
    token = verification_token(smtp_server, "lea@example.org")
    assert [r.subject for r in smtp_server.messages] == ["Confirmez votre adresse e-mail"]

    first = verify(token)
    again = verify(token)  # the reader clicks twice, or on two devices
    worker_drain()

    assert first.json() == again.json() == {"email": "lea@example.org", "email_verified": True}
    assert again.status_code == HTTPStatus.OK
    welcomes = [r for r in smtp_server.messages if r.subject == "Bienvenue sur Docteur Imago"]
    assert len(welcomes) == 1
    assert welcomes[0].to == "lea@example.org"
    assert "Votre adresse est confirmée" in welcomes[0].text
    assert "découvrez nos offres" in welcomes[0].html


def test_an_expired_link_is_refused(smtp_server, settings):
    _, user = register()
    token = signed_days_ago({"u": user.pk, "e": user.email}, settings.EMAIL_VERIFICATION_DAYS + 1)

    response = verify(token)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "detail": self_service.VERIFICATION_EXPIRED,
        "code": "token_expired",
    }
    user.refresh_from_db()
    assert not user.email_verified


def test_a_link_within_its_days_still_verifies(smtp_server, settings):
    _, user = register()
    token = signed_days_ago({"u": user.pk, "e": user.email}, settings.EMAIL_VERIFICATION_DAYS - 1)

    assert verify(token).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][::-1]),  # payload
        lambda token: "n'importe quoi",
    ],
)
def test_a_tampered_link_is_refused(smtp_server, tamper):
    _, user = register()
    worker_drain()
    token = verification_token(smtp_server, "lea@example.org")

    response = verify(tamper(token))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "detail": self_service.VERIFICATION_INVALID,
        "code": "invalid_token",
    }
    user.refresh_from_db()
    assert not user.email_verified


def test_a_token_for_someone_elses_account_cannot_be_forged_from_ones_own(smtp_server):
    """Lea's link names her account; changing the id in it breaks the signature."""
    register("lea@example.org")
    _, sam = register("sam@example.org")
    worker_drain()
    token = verification_token(smtp_server, "lea@example.org")
    payload = signing.loads(token, salt=self_service.VERIFICATION_SALT)
    forged = signing.dumps({**payload, "u": sam.pk}, salt="another salt")

    assert verify(forged).json()["code"] == "invalid_token"
    sam.refresh_from_db()
    assert not sam.email_verified


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(smtp_server):
    """Lea registered with a typo, moved to her real address; the old link is dead, and the
    typo's new owner is not verified by it either."""
    client, lea = register("lea@exmple.org")
    worker_drain()
    old_token = verification_token(smtp_server, "lea@exmple.org")
    client.post(
        "/api/v1/me/email/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )
    worker_drain()
    [change] = smtp_server.to("lea@example.org")
    assert verify(query(link_in(change, LINK_PATH))["token"]).status_code == HTTPStatus.OK
    _, other = register("lea@exmple.org")  # the address is free again

    response = verify(old_token)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": self_service.VERIFICATION_STALE, "code": "token_stale"}
    lea.refresh_from_db()
    other.refresh_from_db()
    assert lea.email == "lea@example.org"
    assert not other.email_verified


def test_the_link_of_a_deleted_account_is_refused(smtp_server, anonymous_client):
    client, _ = register()
    worker_drain()
    token = verification_token(smtp_server, "lea@example.org")
    deleted = client.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert deleted.status_code == HTTPStatus.NO_CONTENT

    assert verify(token).json()["code"] == "invalid_token"


@pytest.mark.parametrize("payload", [{}, {"token": ""}, {"token": ["a"]}, {"token": "a" * 1001}])
def test_bad_input_is_a_400(anonymous_client, payload):
    response = anonymous_client.post(VERIFY_URL, payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "token" in response.json()


# Sending the link again


def test_the_reader_asks_for_the_link_again_and_gets_one_a_day(smtp_server):
    client, _ = register()
    worker_drain()

    responses = [client.post(RESEND_URL) for _ in range(3)]
    worker_drain()

    assert [r.status_code for r in responses] == [HTTPStatus.ACCEPTED] * 3
    assert responses[0].json() == {
        "detail": self_service.VERIFICATION_SENT.format(email="lea@example.org")
    }
    # Registration's message, and one more for the day however often it was asked.
    assert len(smtp_server.to("lea@example.org")) == 2
    assert verify(verification_token_latest(smtp_server)).status_code == HTTPStatus.OK


def verification_token_latest(inbox) -> str:
    return query(link_in(inbox.messages[-1], LINK_PATH))["token"]


def test_a_verified_address_needs_no_link_409(smtp_server):
    client, _ = register()
    worker_drain()
    verify(verification_token(smtp_server, "lea@example.org"))

    response = client.post(RESEND_URL)

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {"detail": self_service.ALREADY_VERIFIED, "code": "already_verified"}


def test_a_link_queued_for_an_address_verified_meanwhile_is_not_sent(smtp_server):
    client, user = register()
    client.post(RESEND_URL)
    worker_drain()  # sends both: neither was followed yet
    verify(verification_token_latest(smtp_server))
    smtp_server.clear()
    # A message still queued when the address got verified says nothing any more.
    self_service.email_verification_queue(user=user, key="verify:late")

    worker_drain()

    assert [r.subject for r in smtp_server.messages] == ["Bienvenue sur Docteur Imago"]
    assert OutboundEmail.objects.get(key="verify:late").status == OutboundEmail.Status.DROPPED


def test_anonymous_readers_cannot_ask_for_a_link(anonymous_client):
    assert anonymous_client.post(RESEND_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_me_says_whether_the_address_is_verified(smtp_server):
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/v1/me/").json()["email_verified"] is False

    user.email_verified_at = user.date_joined
    user.save()

    assert client.get("/api/v1/me/").json()["email_verified"] is True
