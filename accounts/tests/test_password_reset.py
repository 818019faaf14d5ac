"""Forgotten passwords: a link by email, the same answer whether the address has an account."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import self_service
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import link_in, query
from conftest import client_for
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

RESET_URL = "/api/v1/auth/password-reset/"
CONFIRM_URL = "/api/v1/auth/password-reset/confirm/"
LINK_PATH = "/compte/mot-de-passe/nouveau/?"
NEW_PASSWORD = "Echographie-2027?"


def ask(email: str):
    return APIClient().post(RESET_URL, {"email": email}, format="json")


def confirm(uid: str, token: str, new_password: str = NEW_PASSWORD):
    return APIClient().post(
        CONFIRM_URL, {"uid": uid, "token": token, "new_password": new_password}, format="json"
    )


def sign_in(email: str, password: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password}, format="json"
    )


def reset_link(inbox, address: str) -> dict[str, str]:
    [received] = [r for r in inbox.to(address) if r.subject == "Choisissez un nouveau mot de passe"]
    return query(link_in(received, LINK_PATH))


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_mail(
    smtp_server,
):
    UserFactory(email="lea@example.org")

    known = ask("LEA@example.org")
    unknown = ask("personne@example.org")
    worker_drain()

    assert known.status_code == unknown.status_code == HTTPStatus.ACCEPTED
    assert known.json() == unknown.json() == {"detail": self_service.RESET_REQUESTED}
    [received] = smtp_server.messages
    assert received.to == "lea@example.org"
    assert "Pour en choisir un nouveau" in received.text
    assert "Choisir un nouveau mot de passe" in received.html
    assert "valable 72 heures" in received.text
    assert set(reset_link(smtp_server, "lea@example.org")) == {"uid", "token"}


def test_the_link_sets_a_new_password_and_revokes_the_old_tokens(smtp_server):
    lea = UserFactory(email="lea@example.org")
    old_client = client_for(lea)
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")

    response = confirm(link["uid"], link["token"])

    assert response.status_code == HTTPStatus.OK
    new_token = response.json()["token"]
    assert Token.objects.get(user=lea).key == new_token
    assert old_client.get("/api/v1/me/").status_code == HTTPStatus.UNAUTHORIZED
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Token {new_token}")
    assert new_client.get("/api/v1/me/").json()["email"] == "lea@example.org"
    assert sign_in("lea@example.org", NEW_PASSWORD).status_code == HTTPStatus.OK
    assert sign_in("lea@example.org", PASSWORD).json()["code"] == "invalid_credentials"


def test_the_reader_is_told_the_password_changed(smtp_server):
    UserFactory(email="lea@example.org")
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")
    confirm(link["uid"], link["token"])

    worker_drain()

    [notice] = [r for r in smtp_server.messages if r.subject == "Votre mot de passe a été modifié"]
    assert notice.to == "lea@example.org"
    assert "(heure de Paris)" in notice.text
    assert f"{self_service.settings.SITE_URL}/compte/mot-de-passe/oubli" in notice.text


def test_a_link_serves_once(smtp_server):
    UserFactory(email="lea@example.org")
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")
    assert confirm(link["uid"], link["token"]).status_code == HTTPStatus.OK

    again = confirm(link["uid"], link["token"], new_password="Scanner-Hélicoïdal-9")

    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert again.json() == {"detail": self_service.RESET_INVALID, "code": "invalid_token"}
    assert sign_in("lea@example.org", NEW_PASSWORD).status_code == HTTPStatus.OK


def test_following_the_link_verifies_the_address(smtp_server):
    lea = UserFactory(email="lea@example.org")
    assert not lea.email_verified
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")

    confirm(link["uid"], link["token"])

    lea.refresh_from_db()
    assert lea.email_verified


def test_a_weak_new_password_is_refused_and_the_link_still_works(smtp_server):
    UserFactory(email="lea@example.org")
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")

    weak = confirm(link["uid"], link["token"], new_password="123")

    assert weak.status_code == HTTPStatus.BAD_REQUEST
    assert set(weak.json()) == {"new_password"}
    assert sign_in("lea@example.org", PASSWORD).status_code == HTTPStatus.OK
    assert confirm(link["uid"], link["token"]).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("", "x"),
        ("bm9wZQ", "abc-def"),  # "nope"
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "abc-def"),  # an id past any integer column
        ("!!!", "abc-def"),
    ],
)
def test_a_garbled_link_is_a_400(smtp_server, uid, token):
    UserFactory(email="lea@example.org")

    response = confirm(uid, token)

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_token_of_another_account_is_refused(smtp_server):
    UserFactory(email="lea@example.org")
    sam = UserFactory(email="sam@example.org")
    ask("lea@example.org")
    worker_drain()
    link = reset_link(smtp_server, "lea@example.org")
    sams_uid = self_service.urlsafe_base64_encode(str(sam.pk).encode())

    response = confirm(sams_uid, link["token"])

    assert response.json() == {"detail": self_service.RESET_INVALID, "code": "invalid_token"}
    assert sign_in("sam@example.org", PASSWORD).status_code == HTTPStatus.OK


def test_asking_again_soon_sends_nothing_more_and_later_a_new_link(smtp_server, settings):
    lea = UserFactory(email="lea@example.org")
    now = timezone.now()

    for _ in range(5):
        ask("lea@example.org")
    self_service.password_reset_request(
        email="lea@example.org",
        at=now + dt.timedelta(minutes=settings.PASSWORD_RESET_EMAIL_MINUTES + 1),
    )
    worker_drain()

    assert len(smtp_server.to("lea@example.org")) == 2
    assert OutboundEmail.objects.filter(to=lea.email).count() == 2


def test_closed_accounts_and_accounts_without_password_get_nothing(smtp_server):
    UserFactory(email="ferme@example.org", is_active=False)
    no_password = UserFactory(email="sans@example.org")
    no_password.set_unusable_password()
    no_password.save()

    answers = {ask(email).json()["detail"] for email in ("ferme@example.org", "sans@example.org")}
    worker_drain()

    assert answers == {self_service.RESET_REQUESTED}
    assert smtp_server.messages == []


def test_a_link_is_no_longer_sent_once_the_account_is_closed(smtp_server):
    lea = UserFactory(email="lea@example.org")
    ask("lea@example.org")
    User.objects.filter(pk=lea.pk).update(is_active=False)

    worker_drain()

    assert smtp_server.messages == []


@pytest.mark.parametrize("payload", [{}, {"email": "pas-une-adresse"}, {"email": ["a@b.org"]}])
def test_bad_input_is_a_400(anonymous_client, payload):
    assert anonymous_client.post(RESET_URL, payload, format="json").status_code == 400


@pytest.mark.parametrize(
    "payload",
    [{}, {"uid": "MQ", "token": "x"}, {"uid": "MQ", "token": "x" * 65, "new_password": "a"}],
)
def test_bad_confirm_input_is_a_400(anonymous_client, payload):
    response = anonymous_client.post(CONFIRM_URL, payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_reset_requests_are_throttled_with_sign_in(anonymous_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})

    statuses = [
        anonymous_client.post(RESET_URL, {"email": f"x{n}@example.org"}, format="json").status_code
        for n in range(2)
    ]
    sign_in_after = anonymous_client.post(
        "/api/v1/auth/token/", {"email": "x@example.org", "password": "x"}, format="json"
    )

    assert statuses == [HTTPStatus.ACCEPTED] * 2
    assert sign_in_after.status_code == HTTPStatus.TOO_MANY_REQUESTS
