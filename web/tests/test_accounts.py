"""Registration, sign-in, sign-out and Mon compte on the site, with CSRF as in production."""

import re
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import EMAIL_TAKEN, User
from accounts.tests.factories import PASSWORD, UserFactory
from outbox.models import OutboundEmail
from web.forms import SIGN_IN_FAILED

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def post_form(client: Client, url: str, data: dict, *, page: str | None = None):
    """Post as a browser does: the form's page first, its CSRF token with the fields."""
    html = client.get(page or url).content.decode()
    token = CSRF.search(html).group(1)  # type: ignore[union-attr]
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def signed_in_email(client: Client) -> str | None:
    html = client.get("/compte/")
    if html.status_code != HTTPStatus.OK:
        return None
    return User.objects.get(pk=client.session["_auth_user_id"]).email


def test_registration_creates_the_account_signs_in_and_sends_the_verification(browser):
    response = post_form(
        browser, "/inscription/", {"email": "Lea@Example.org", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/compte/"
    user = User.objects.get(email="lea@example.org")
    assert user.check_password(PASSWORD)
    assert signed_in_email(browser) == "lea@example.org"
    assert OutboundEmail.objects.filter(to="lea@example.org").count() == 1


def test_registration_follows_a_safe_next_only(browser):
    good = post_form(
        browser,
        "/inscription/",
        {"email": "a@example.org", "password": PASSWORD, "next": "/articles/x/"},
    )
    other = Client(enforce_csrf_checks=True)
    bad = post_form(
        other,
        "/inscription/",
        {"email": "b@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert good["Location"] == "/articles/x/"
    assert bad["Location"] == "/compte/"


def test_registration_with_a_taken_address_says_so_next_to_the_field(browser):
    UserFactory(email="lea@example.org")

    response = post_form(
        browser, "/inscription/", {"email": "LEA@example.org", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert re.search(
        r'id="id_email_error"><li>' + re.escape(EMAIL_TAKEN), html.replace("&#x27;", "'")
    )
    assert User.objects.count() == 1
    assert OutboundEmail.objects.count() == 0


@pytest.mark.parametrize("password", ["123456789", "court", "motdepasse"])
def test_registration_with_a_weak_password_stores_nothing(browser, password):
    response = post_form(
        browser, "/inscription/", {"email": "lea@example.org", "password": password}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_password_error"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()  # the field says it is wrong
    assert not User.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert "_auth_user_id" not in browser.session


def test_registration_with_a_bad_address_is_a_field_error(browser):
    response = post_form(
        browser, "/inscription/", {"email": "pas-une-adresse", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_email_error"' in response.content.decode()
    assert not User.objects.exists()


def test_sign_in_with_the_right_password_opens_the_session_and_follows_next(browser):
    UserFactory(email="lea@example.org")

    response = post_form(
        browser,
        "/connexion/",
        {"username": "LEA@example.org", "password": PASSWORD, "next": "/articles/un-article/"},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/articles/un-article/"
    assert signed_in_email(browser) == "lea@example.org"


def test_sign_in_with_a_wrong_password_is_refused_and_counted(browser):
    UserFactory(email="lea@example.org")

    response = post_form(
        browser, "/connexion/", {"username": "lea@example.org", "password": "faux"}
    )

    assert response.status_code == HTTPStatus.OK
    assert SIGN_IN_FAILED in response.content.decode()
    assert "_auth_user_id" not in browser.session
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_sign_in_is_locked_out_after_too_many_failures(browser, settings):
    UserFactory(email="lea@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_form(browser, "/connexion/", {"username": "lea@example.org", "password": "faux"})

    response = post_form(
        browser, "/connexion/", {"username": "lea@example.org", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Connexion bloquée" in response.content.decode()
    assert "administration" not in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_sign_out_is_a_post_that_ends_the_session(reader_browser):
    assert reader_browser.get("/deconnexion/").status_code == HTTPStatus.METHOD_NOT_ALLOWED

    response = post_form(reader_browser, "/deconnexion/", {}, page="/compte/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"
    assert reader_browser.get("/compte/").status_code == HTTPStatus.FOUND


def test_a_form_without_its_csrf_token_is_refused(browser):
    UserFactory(email="lea@example.org")

    response = browser.post("/connexion/", {"username": "lea@example.org", "password": PASSWORD})
    registration = browser.post("/inscription/", {"email": "x@example.org", "password": PASSWORD})

    assert response.status_code == registration.status_code == HTTPStatus.FORBIDDEN
    assert "Accès refusé" in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


def test_my_account_sends_an_anonymous_visitor_to_sign_in(browser):
    response = browser.get("/compte/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/connexion/?next=/compte/"


def test_my_account_shows_the_subscription_state(subscriber_browser, subscriber):
    html = subscriber_browser.get("/compte/").content.decode()

    assert subscriber.email in html
    assert "Accès offert" in html
    assert "<h1>Mon compte</h1>" in html


def test_my_account_without_a_subscription_points_to_the_offers(reader_browser):
    html = reader_browser.get("/compte/").content.decode()

    assert "Aucun abonnement" in html
    assert 'href="/abonnement/"' in html


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("/compte/adresse/verifier/", {"token": "pas-un-jeton"}),
        ("/compte/mot-de-passe/oubli/", {"email": "pas-une-adresse"}),
    ],
)
def test_refused_verifications_and_reset_requests_count_against_the_auth_throttle(
    browser, monkeypatch, url, refused
):
    """A refusal (400) must not roll the throttle's count back with the request."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})

    statuses = [post_form(browser, url, refused).status_code for _ in range(3)]

    assert statuses == [
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]


def test_registration_is_throttled_like_the_api(browser, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    for n in range(2):
        post_form(browser, "/inscription/", {"email": f"x{n}@example.org", "password": "court"})

    response = post_form(
        browser, "/inscription/", {"email": "lea@example.org", "password": PASSWORD}
    )

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Trop de tentatives" in response.content.decode()
    assert not User.objects.exists()
