"""The personal one-click unsubscribe link (RFC 8058): a signed token, no login, no cookie."""

from html import unescape
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from articles.tests.factories import ArticleFactory
from newsletters import selectors, services
from newsletters.models import NewsletterSubscription
from newsletters.rendering import UNSUBSCRIBE_SALT, unsubscribe_token, unsubscribe_url
from outbox.tests.worker import worker_drain

from .factories import MailingFactory, NewsletterFactory, subscribe

pytestmark = pytest.mark.django_db

URL = "/api/v1/newsletters/unsubscribe/"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def newsletter():
    return NewsletterFactory(name="L’hebdo", slug="hebdo")


@pytest.fixture
def reader(newsletter):
    return subscribe(newsletter)


@pytest.fixture
def link(reader, newsletter) -> str:
    """The path and query of the reader's link, as a client requests it."""
    parts = urlsplit(unsubscribe_url(user_id=reader.pk, newsletter_id=newsletter.pk))
    return f"{parts.path}?{parts.query}"


def subscribed(reader, newsletter) -> bool:
    return NewsletterSubscription.objects.filter(
        user=reader, newsletter=newsletter, unsubscribed_at__isnull=True
    ).exists()


def one_click(client: APIClient, path: str, **extra):
    return client.post(path, ONE_CLICK, content_type=FORM, **extra)


def test_a_providers_one_click_post_unsubscribes_with_no_login_and_no_cookie(
    reader, newsletter, link
):
    client = APIClient(enforce_csrf_checks=True)

    response = one_click(client, link)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "detail": "C'est fait : vous ne recevrez plus « L’hebdo ».",
        "newsletter": {"slug": "hebdo", "name": "L’hebdo"},
    }
    assert not subscribed(reader, newsletter)
    assert "no-store" in response["Cache-Control"]
    # Again (the provider, then the reader): still fine.
    assert one_click(client, link).status_code == HTTPStatus.OK


def test_a_get_never_unsubscribes(reader, newsletter, link):
    response = APIClient().get(link)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "newsletter": {"slug": "hebdo", "name": "L’hebdo"},
        "subscribed": True,
    }
    assert subscribed(reader, newsletter)
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_reader_clicking_the_link_gets_a_french_page_whose_button_posts(reader, newsletter, link):
    client = APIClient()

    page = client.get(link, HTTP_ACCEPT=BROWSER)

    assert page.status_code == HTTPStatus.OK
    assert page["Content-Type"] == "text/html; charset=utf-8"
    html = unescape(page.content.decode())
    assert "Vous ne souhaitez plus recevoir « L’hebdo » ?" in html
    assert '<form method="post" action="' in html
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in html
    assert "Me désinscrire" in html
    assert subscribed(reader, newsletter)

    done = one_click(client, link, HTTP_ACCEPT=BROWSER)

    assert done.status_code == HTTPStatus.OK
    assert "C'est fait : vous ne recevrez plus « L’hebdo »." in unescape(done.content.decode())
    assert not subscribed(reader, newsletter)
    again = unescape(client.get(link, HTTP_ACCEPT=BROWSER).content.decode())
    assert "il n'y a rien à faire" in again


@pytest.mark.parametrize(
    "token",
    [
        "",
        "nimportequoi",
        "eyJ1IjoxLCJuIjoxfQ:faux",
        # Signed, but for another purpose (another salt): not an unsubscribe link.
        signing.Signer(salt="autre").sign_object({"u": 1, "n": 1}),
        # Ours, but not a payload we make.
        signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(["u", 1]),
    ],
)
def test_a_bad_or_tampered_link_is_a_400_and_changes_nothing(token, reader, newsletter):
    path = f"{URL}?token={token}"
    for response in (APIClient().get(path), one_click(APIClient(), path)):
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert set(response.json()) in ({"detail", "code"}, {"token"})
    assert subscribed(reader, newsletter)


def test_a_link_altered_to_name_another_reader_is_refused(reader, newsletter):
    other = subscribe(newsletter)
    token = unsubscribe_token(user_id=reader.pk, newsletter_id=newsletter.pk)
    payload, signature = token.split(":")
    forged = unsubscribe_token(user_id=other.pk, newsletter_id=newsletter.pk).split(":")[0]

    response = one_click(APIClient(), f"{URL}?token={forged}:{signature}")

    assert payload != forged
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_token"
    assert subscribed(other, newsletter)


def test_a_bad_link_in_a_browser_says_so_in_french(reader):
    response = APIClient().get(f"{URL}?token=abc", HTTP_ACCEPT=BROWSER)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce lien de désinscription n'est pas valide." in unescape(response.content.decode())


def test_a_one_click_post_in_multipart_form_data_unsubscribes(reader, newsletter, link):
    # RFC 8058 §3.1: the provider's POST SHOULD be multipart/form-data; the test client
    # encodes a dict so, boundary and all, as a provider's would.
    response = Client().post(link, {"List-Unsubscribe": "One-Click"})

    assert response.request["CONTENT_TYPE"].startswith("multipart/form-data; boundary=")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["newsletter"] == {"slug": "hebdo", "name": "L’hebdo"}
    assert not subscribed(reader, newsletter)


def test_a_one_click_post_form_urlencoded_unsubscribes_too(reader, newsletter, link):
    response = Client().post(link, ONE_CLICK, content_type=FORM)

    assert response.status_code == HTTPStatus.OK
    assert not subscribed(reader, newsletter)


def test_a_multipart_post_without_the_one_click_value_is_refused(reader, newsletter, link):
    wrong = Client().post(link, {"List-Unsubscribe": "Yes"})
    missing = Client().post(link, {"other": "One-Click"})

    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert missing.status_code == HTTPStatus.BAD_REQUEST
    assert subscribed(reader, newsletter)


def test_a_post_without_the_one_click_body_is_refused(reader, newsletter, link):
    empty = APIClient().post(link, "", content_type=FORM)
    wrong = APIClient().post(link, "List-Unsubscribe=Yes", content_type=FORM)
    as_json = APIClient().post(link, {"List-Unsubscribe": "One-Click"}, format="json")

    assert empty.status_code == HTTPStatus.BAD_REQUEST
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert as_json.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert subscribed(reader, newsletter)


def test_the_link_of_a_received_mailing_unsubscribes_and_counts_in_its_report(
    smtp_server, newsletter
):
    stays, leaves = subscribe(newsletter), subscribe(newsletter)
    mailing = MailingFactory(newsletter=newsletter, articles=[ArticleFactory()])
    services.mailing_schedule(mailing=mailing)
    worker_drain()
    [received] = smtp_server.to(leaves.email)
    header = received.message["List-Unsubscribe"].strip()
    parts = urlsplit(header.removeprefix("<").removesuffix(">"))

    response = one_click(APIClient(), f"{parts.path}?{parts.query}")

    assert response.status_code == HTTPStatus.OK
    assert not subscribed(leaves, newsletter)
    assert subscribed(stays, newsletter)
    mailing.refresh_from_db()
    report = selectors.mailing_report(mailing=mailing)
    assert (report.recipients, report.sent, report.unsubscribed_since) == (2, 2, 1)


def test_the_link_answers_by_the_accept_header_alone(reader, newsletter, link):
    response = APIClient().get(f"{URL}?token=abc&format=html")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert APIClient().get(f"{link}&format=html").json()["subscribed"] is True
