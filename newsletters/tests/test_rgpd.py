"""The reader's newsletter data: exported, and erased (accounts' export and deletion call these)."""

import pytest
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from articles.tests.factories import ArticleFactory
from conftest import client_for
from newsletters import selectors, services
from newsletters.models import Delivery, NewsletterSubscription
from outbox.tests.worker import worker_drain

from .factories import MailingFactory, NewsletterFactory, NewsletterSubscriptionFactory, subscribe

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_readers_choices_and_the_mailings_sent_to_them(smtp_server):
    weekly = NewsletterFactory(name="L’hebdo", slug="hebdo")
    club = NewsletterFactory(name="Le club", slug="club")
    reader = subscribe(weekly)
    NewsletterSubscriptionFactory(user=reader, newsletter=club, unsubscribed_at=timezone.now())
    subscribe(weekly)  # someone else
    mailing = MailingFactory(newsletter=weekly, articles=[ArticleFactory()])
    services.mailing_schedule(mailing=mailing)
    worker_drain()

    exported = selectors.reader_export(reader)

    assert [(s["slug"], s["subscribed"]) for s in exported["subscriptions"]] == [
        ("club", False),
        ("hebdo", True),
    ]
    [received] = exported["mailings_received"]
    assert received["subject"] == mailing.subject
    assert received["email"] == reader.email
    assert received["sent_at"]


def test_erasing_deletes_the_choices_and_blanks_the_address_of_every_delivery(smtp_server):
    weekly = NewsletterFactory()
    reader, other = subscribe(weekly), subscribe(weekly)
    sent = MailingFactory(newsletter=weekly, articles=[ArticleFactory()])
    services.mailing_schedule(mailing=sent)
    worker_drain()
    waiting = MailingFactory(newsletter=weekly, articles=[ArticleFactory()])
    services.mailing_schedule(mailing=waiting, send_at=timezone.now() + timezone.timedelta(days=1))

    theirs = list(Delivery.objects.filter(user=reader).values_list("pk", flat=True))

    services.reader_erase(reader)

    assert not NewsletterSubscription.objects.filter(user=reader).exists()
    erased = Delivery.objects.filter(pk__in=theirs)
    assert set(erased.values_list("email", "user")) == {("", None)}
    assert erased.get(mailing=waiting).status == Delivery.Status.SKIPPED
    assert Delivery.objects.get(user=other, mailing=sent).email == other.email
    assert selectors.reader_export(reader) == {"subscriptions": [], "mailings_received": []}
    # The report of the mailing sent still counts them.
    assert selectors.mailing_report(mailing=sent).sent == 2


def test_the_readers_export_through_the_api_holds_their_newsletters():
    reader = subscribe(NewsletterFactory(name="L’hebdo", slug="hebdo"))

    data = client_for(reader).get("/api/v1/me/export/").json()

    assert [s["slug"] for s in data["newsletters"]["subscriptions"]] == ["hebdo"]


def test_deleting_the_account_through_the_api_forgets_its_newsletters():
    reader = subscribe(NewsletterFactory())

    response = client_for(reader).delete("/api/v1/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not NewsletterSubscription.objects.filter(user=reader).exists()
