"""The account e-mails as received: links to the pages' final addresses, a real Date.

Through the API, the real worker and the real SMTP server (`smtp_server`); each link
is followed as a reader's browser would, with the test client, without redirects.
"""

import datetime as dt
import email.utils
from http import HTTPStatus
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import LINK
from outbox.tests.smtp import Received
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def links_to_the_site(received: Received) -> list[str]:
    links = [link for link in LINK.findall(received.text) if link.startswith(settings.SITE_URL)]
    assert links
    return links


def followed(link: str, *, by: str):
    """GET the link's path and query on the site as its recipient, redirects not followed.

    Signed in, as the reader who opens the welcome's link to their account would be.
    """
    browser = Client()
    browser.force_login(User.objects.get(email=by))
    parts = urlsplit(link)
    return browser.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


def test_every_site_link_of_the_account_emails_answers_200_without_a_redirect(smtp_server):
    # The verification (registration), the reset link, the welcome (the reset verified
    # the address) and the "password changed" notice's link to the forgotten password.
    registered = APIClient().post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )
    assert registered.status_code == HTTPStatus.CREATED
    UserFactory(email="marc@example.org")
    APIClient().post("/api/v1/auth/password-reset/", {"email": "marc@example.org"}, format="json")
    worker_drain()
    [reset] = smtp_server.to("marc@example.org")
    [reset_link] = links_to_the_site(reset)
    query = dict(pair.split("=", 1) for pair in urlsplit(reset_link).query.split("&"))
    confirmed = APIClient().post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": query["uid"], "token": query["token"], "new_password": "Echographie-2027?"},
        format="json",
    )
    assert confirmed.status_code == HTTPStatus.OK
    worker_drain()

    subjects = {received.subject for received in smtp_server.messages}
    assert {
        "Confirmez votre adresse e-mail",
        "Choisissez un nouveau mot de passe",
        "Votre mot de passe a été modifié",
        "Bienvenue sur Docteur Imago",
    } <= subjects
    for received in smtp_server.messages:
        for link in links_to_the_site(received):
            response = followed(link, by=received.to)
            assert response.status_code == HTTPStatus.OK, (received.subject, link)


def test_a_sent_messages_date_carries_the_paris_offset_not_an_unknown_one(smtp_server):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    APIClient().post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )
    worker_drain()

    [received] = smtp_server.to("lea@example.org")
    header = str(received.message["Date"])
    # RFC 5322 §3.3: "-0000" says the offset is unknown.
    assert not header.endswith("-0000"), header
    sent = email.utils.parsedate_to_datetime(header)
    assert sent.utcoffset() == sent.astimezone(PARIS).utcoffset()  # +0100 or +0200
    assert before <= sent <= dt.datetime.now(dt.UTC)
