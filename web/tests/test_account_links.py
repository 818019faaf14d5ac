"""The pages the account e-mails link to: verify the address, forget and reset a password."""

from http import HTTPStatus
from urllib.parse import urlsplit

import pytest

from accounts import self_service
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from outbox.models import OutboundEmail
from web.tests.test_accounts import post_form, signed_in_email

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Echographie-2027!"


def site_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_verification_link_confirms_the_address_on_a_post_only(browser):
    user: User = UserFactory(email="lea@example.org", email_verified_at=None)
    token = self_service.email_token(user_id=user.pk, email=user.email)

    page = browser.get(f"/compte/adresse/verifier?token={token}", follow=True)
    user.refresh_from_db()
    assert page.status_code == HTTPStatus.OK
    assert not user.email_verified  # the link's GET changes nothing
    response = post_form(
        browser,
        "/compte/adresse/verifier/",
        {"token": token},
        page=f"/compte/adresse/verifier/?token={token}",
    )

    assert response.status_code == HTTPStatus.OK
    assert "est vérifiée" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified


def test_a_forged_verification_link_is_refused(browser):
    response = post_form(browser, "/compte/adresse/verifier/", {"token": "faux"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "pas valide" in response.content.decode()


def test_password_forgotten_says_the_same_and_mails_only_an_account(browser):
    UserFactory(email="lea@example.org")

    known = post_form(browser, "/compte/mot-de-passe/oubli/", {"email": "lea@example.org"})
    unknown = post_form(browser, "/compte/mot-de-passe/oubli/", {"email": "nul@example.org"})

    assert known.status_code == unknown.status_code == HTTPStatus.OK
    assert known.content.decode().split("<main")[1] == unknown.content.decode().split("<main")[
        1
    ].replace("nul@example.org", "lea@example.org")
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["lea@example.org"]


def test_the_reset_link_sets_a_new_password_once(browser):
    user: User = UserFactory(email="lea@example.org")
    link = site_path(self_service.password_reset_link(user=user))
    query = dict(pair.split("=", 1) for pair in urlsplit(link).query.split("&"))

    response = post_form(
        browser,
        "/compte/mot-de-passe/nouveau/",
        {"uid": query["uid"], "token": query["token"], "new_password": NEW_PASSWORD},
        page=link.replace("nouveau?", "nouveau/?"),
    )
    again = post_form(
        browser,
        "/compte/mot-de-passe/nouveau/",
        {"uid": query["uid"], "token": query["token"], "new_password": "Autre-2027-mdp!"},
        page="/compte/mot-de-passe/oubli/",
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/connexion/?reinitialise=1"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert again.status_code == HTTPStatus.BAD_REQUEST
    signin = post_form(browser, "/connexion/", {"username": user.email, "password": NEW_PASSWORD})
    assert signin.status_code == HTTPStatus.FOUND
    assert signed_in_email(browser) == "lea@example.org"


def test_a_weak_new_password_is_a_field_error_and_changes_nothing(browser):
    user: User = UserFactory(email="lea@example.org")
    link = site_path(self_service.password_reset_link(user=user))
    query = dict(pair.split("=", 1) for pair in urlsplit(link).query.split("&"))

    response = post_form(
        browser,
        "/compte/mot-de-passe/nouveau/",
        {"uid": query["uid"], "token": query["token"], "new_password": "123456789"},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_new_password_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
