"""One length for every password, on the API and the reading site (accounts.services).

The site once registered passwords of 200 characters that the API's sign-in, stopping at
128, could never take: an account without a token. Now every door refuses the same
length with the same message, and a password at the limit opens every door."""

from http import HTTPStatus

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import PASSWORD_MAX_LENGTH, PASSWORD_TOO_LONG
from accounts.tests.factories import PASSWORD, UserFactory
from conftest import client_for
from web.tests.test_accounts import post_form

pytestmark = pytest.mark.django_db

AT_THE_LIMIT = "Radiologie-" + "y" * (PASSWORD_MAX_LENGTH - len("Radiologie-"))
TOO_LONG = AT_THE_LIMIT + "z"


def reset_link(user: User) -> dict[str, str]:
    """What the reset e-mail's link carries (Django's token generator, as the mail uses)."""
    return {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def test_the_limit_is_128_characters():
    assert len(AT_THE_LIMIT) == PASSWORD_MAX_LENGTH == 128
    assert len(TOO_LONG) == 129


@pytest.mark.parametrize(
    ("method", "url", "fields"),
    [
        ("post", "/api/v1/auth/register/", {"email": "long@example.org", "password": TOO_LONG}),
        ("post", "/api/v1/auth/token/", {"email": "lea@example.org", "password": TOO_LONG}),
        ("post", "/api/v1/me/password/", {"current_password": PASSWORD, "new_password": TOO_LONG}),
        ("post", "/api/v1/me/password/", {"current_password": TOO_LONG, "new_password": PASSWORD}),
        ("post", "/api/v1/me/email/", {"email": "neuf@example.org", "password": TOO_LONG}),
        ("delete", "/api/v1/me/", {"password": TOO_LONG}),
    ],
)
def test_the_api_refuses_a_password_past_the_limit_with_one_message(method, url, fields):
    user = UserFactory(email="lea@example.org")
    client = client_for(user)
    password_before = user.password

    response = getattr(client, method)(url, fields, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    field = next(name for name, value in fields.items() if value == TOO_LONG)
    assert response.json() == {field: [PASSWORD_TOO_LONG]}
    user.refresh_from_db()
    assert user.password == password_before and user.is_active
    assert not User.objects.filter(email="long@example.org").exists()


def test_the_api_reset_refuses_a_new_password_past_the_limit(anonymous_client):
    user = UserFactory()

    response = anonymous_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {**reset_link(user), "new_password": TOO_LONG},
        format="json",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"new_password": [PASSWORD_TOO_LONG]}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_site_registration_refuses_a_password_past_the_limit():
    browser = Client(enforce_csrf_checks=True)

    response = post_form(
        browser, "/inscription/", {"email": "long@example.org", "password": TOO_LONG}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert PASSWORD_TOO_LONG in response.content.decode()
    assert not User.objects.filter(email="long@example.org").exists()


def test_the_site_sign_in_refuses_a_password_past_the_limit():
    UserFactory(email="lea@example.org")
    browser = Client(enforce_csrf_checks=True)

    response = post_form(
        browser, "/connexion/", {"username": "lea@example.org", "password": TOO_LONG}
    )

    assert PASSWORD_TOO_LONG in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_the_site_reset_refuses_a_new_password_past_the_limit():
    user = UserFactory()
    link = reset_link(user)
    browser = Client(enforce_csrf_checks=True)

    response = post_form(
        browser,
        "/compte/mot-de-passe/nouveau/",
        {**link, "new_password": TOO_LONG},
        page=f"/compte/mot-de-passe/nouveau/?uid={link['uid']}&token={link['token']}",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert PASSWORD_TOO_LONG in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_at_the_limit_registered_on_the_site_gets_an_api_token(anonymous_client):
    browser = Client(enforce_csrf_checks=True)

    registered = post_form(
        browser, "/inscription/", {"email": "long@example.org", "password": AT_THE_LIMIT}
    )
    token = anonymous_client.post(
        "/api/v1/auth/token/",
        {"email": "long@example.org", "password": AT_THE_LIMIT},
        format="json",
    )

    assert registered.status_code == HTTPStatus.FOUND
    assert token.status_code == HTTPStatus.OK, token.json()
    assert token.json()["token"]


def test_a_password_at_the_limit_registered_on_the_api_signs_in_on_the_site(anonymous_client):
    registered = anonymous_client.post(
        "/api/v1/auth/register/",
        {"email": "long@example.org", "password": AT_THE_LIMIT},
        format="json",
    )
    browser = Client(enforce_csrf_checks=True)

    signed_in = post_form(
        browser, "/connexion/", {"username": "long@example.org", "password": AT_THE_LIMIT}
    )

    assert registered.status_code == HTTPStatus.CREATED
    assert signed_in.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" in browser.session


def test_the_admin_and_every_password_set_refuse_past_the_limit_too():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password(TOO_LONG)

    assert PASSWORD_TOO_LONG in refused.value.messages
