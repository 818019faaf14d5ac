"""What an editor does in the admin: compose, preview, test, send or schedule, read the report."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from articles.models import Article
from articles.paywall import html_to_text
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from newsletters.models import Delivery, Mailing, Newsletter
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain

from .factories import MailingFactory, NewsletterFactory, subscribe

pytestmark = pytest.mark.django_db

ADMIN = "/admin/newsletters/"


@pytest.fixture
def newsletter():
    return NewsletterFactory(name="L’hebdo", slug="hebdo")


@pytest.fixture
def article():
    return ArticleFactory(title="Ce que l’IA change au CHU")


@pytest.fixture
def mailing(newsletter, article):
    return MailingFactory(newsletter=newsletter, articles=[article])


def test_an_editor_creates_a_newsletter(editor_client):
    response = editor_client.post(
        f"{ADMIN}newsletter/add/",
        {
            "name": "Le club abonnés",
            "slug": "club",
            "description": "Pour les abonnés.",
            "audience": "subscribers",
            "active": "on",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    club = Newsletter.objects.get(slug="club")
    assert club.audience == Newsletter.Audience.SUBSCRIBERS


def test_an_editor_composes_a_mailing_from_an_introduction_and_ordered_articles(
    editor_client, editor, newsletter
):
    first, second = ArticleFactory(), ArticleFactory()

    response = editor_client.post(
        f"{ADMIN}mailing/add/",
        {
            "newsletter": newsletter.pk,
            "subject": "Cette semaine",
            "introduction": "Bonjour à toutes et à tous.",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-article": second.pk,
            "items-0-position": "2",
            "items-1-article": first.pk,
            "items-1-position": "1",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[-3000:]
    mailing = Mailing.objects.get()
    assert mailing.status == Mailing.Status.DRAFT
    assert mailing.created_by == editor
    assert [i.article for i in mailing.items.all()] == [first, second]
    # The articles are chosen with autocomplete.
    form = editor_client.get(f"{ADMIN}mailing/{mailing.pk}/change/").content.decode()
    assert "admin-autocomplete" in form
    assert "Prévisualiser" in form and "Tester, envoyer, programmer" in form


def test_the_preview_shows_what_a_subscriber_and_a_non_subscriber_receive(
    editor_client, mailing, article
):
    url = f"{ADMIN}mailing/{mailing.pk}/preview/"

    as_subscriber = editor_client.get(url, {"as": "subscriber"})
    as_reader = editor_client.get(url, {"as": "reader"})

    assert as_subscriber.status_code == as_reader.status_code == HTTPStatus.OK
    full = as_subscriber.context["composed"]
    assert HIDDEN_SENTENCE in full.text and HIDDEN_SENTENCE in html_to_text(full.html)
    teaser = as_reader.context["composed"]
    assert HIDDEN_SENTENCE not in teaser.text and HIDDEN_SENTENCE not in teaser.html
    assert "Il vous reste" in teaser.text
    page = as_reader.content.decode()
    assert "un lecteur sans abonnement" in page
    assert "srcdoc=" in page and "<pre" in page  # HTML and text side by side


def test_an_editor_sends_a_test_to_themselves_which_the_report_does_not_count(
    editor_client, editor, smtp_server, newsletter, mailing
):
    subscribe(newsletter)

    response = editor_client.post(
        f"{ADMIN}mailing/{mailing.pk}/send/", {"action": "test", "kind": "reader"}
    )

    assert response.status_code == HTTPStatus.FOUND
    worker_drain()
    [received] = smtp_server.messages
    assert received.to == editor.email
    assert received.subject.strip() == "[Test] Cette semaine : l’IA à l’hôpital"  # maybe folded
    assert "Envoi de test, tel que le reçoit : un lecteur sans abonnement." in received.text
    assert HIDDEN_SENTENCE not in received.text
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboundEmail.objects.get().composer == "newsletters.mailing_test"
    assert not Delivery.objects.exists()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_an_editor_sends_now_and_reads_the_report(editor_client, smtp_server, newsletter, mailing):
    readers = [subscribe(newsletter), subscribe(newsletter, subscriber=True)]
    send_page = f"{ADMIN}mailing/{mailing.pk}/send/"
    assert "Envoyer maintenant à 2 lecteurs" in editor_client.get(send_page).content.decode()

    response = editor_client.post(send_page, {"action": "now"})

    assert response.status_code == HTTPStatus.FOUND
    worker_drain()
    assert sorted(m.to for m in smtp_server.messages) == sorted(r.email for r in readers)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    change = editor_client.get(f"{ADMIN}mailing/{mailing.pk}/change/").content.decode()
    assert "<tr><th>Envoyés</th><td>2</td></tr>" in change
    assert "<tr><th>Échecs</th><td>0</td></tr>" in change
    assert "<tr><th>Désinscrits depuis l&#x27;envoi</th><td>0</td></tr>" in change
    # Sent: nothing of it can be changed any more, nor sent again.
    assert 'name="subject"' not in change
    assert editor_client.post(send_page, {"action": "now"}).status_code == HTTPStatus.OK
    delete = editor_client.post(f"{ADMIN}mailing/{mailing.pk}/delete/", {"post": "yes"})
    assert delete.status_code == HTTPStatus.FORBIDDEN
    assert Delivery.objects.count() == 2
    changelist = editor_client.get(f"{ADMIN}mailing/").content.decode()
    assert "Cette semaine : l’IA à l’hôpital" in changelist


def test_an_editor_schedules_then_cancels(editor_client, smtp_server, newsletter, mailing):
    subscribe(newsletter)
    send_page = f"{ADMIN}mailing/{mailing.pk}/send/"
    send_at = timezone.localtime() + dt.timedelta(days=1)

    response = editor_client.post(
        send_page, {"action": "schedule", "send_at": send_at.strftime("%Y-%m-%dT%H:%M")}
    )

    assert response.status_code == HTTPStatus.FOUND
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    assert mailing.send_at == send_at.replace(second=0, microsecond=0)
    worker_drain()
    assert smtp_server.messages == []

    assert editor_client.post(send_page, {"action": "cancel"}).status_code == HTTPStatus.FOUND
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.CANCELLED


def test_a_refused_send_says_why_and_sends_nothing(editor_client, newsletter, mailing):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, title="Pas prêt")
    mailing.items.create(article=draft, position=5)

    response = editor_client.post(f"{ADMIN}mailing/{mailing.pk}/send/", {"action": "now"})

    assert response.status_code == HTTPStatus.OK
    assert "« Pas prêt » ne sera pas publié" in response.content.decode()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_staff_outside_the_editors_may_not_preview_nor_send(manager_client, mailing):
    for url in (f"{ADMIN}mailing/{mailing.pk}/preview/", f"{ADMIN}mailing/{mailing.pk}/send/"):
        assert manager_client.get(url).status_code == HTTPStatus.FORBIDDEN
    response = manager_client.post(f"{ADMIN}mailing/{mailing.pk}/send/", {"action": "now"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Delivery.objects.exists()
