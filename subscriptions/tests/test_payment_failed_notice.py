"""A failed renewal is told to the reader once, by email, through Stripe's signed webhook."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.conf import settings

from accounts.tests.factories import PASSWORD
from conftest import client_for
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain
from subscriptions.models import Subscription

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def past_due(stripe_fake, synced_offer, make_stripe_customer):
    """Léa's subscription, whose renewal Stripe just failed to charge (23 €)."""
    customer = make_stripe_customer()
    customer.user.email = "lea@example.org"
    customer.user.save()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=customer.stripe_customer_id,
        price=price,
        metadata={"user_id": str(customer.user.pk)},
    )
    renewal = dt.datetime(2026, 5, 12, 6, 0, tzinfo=dt.UTC)
    stripe_fake.period_set(remote["id"], start=renewal, end=renewal + 30 * DAY)
    stripe_fake.subscription_update(remote["id"], status="past_due")
    invoice = stripe_fake.invoice_create(remote["id"], paid=False)
    return customer.user, remote, invoice


def test_the_reader_is_told_the_amount_what_happens_next_and_where_to_pay(
    stripe_fake, deliver, past_due, smtp_server
):
    _, _, invoice = past_due

    response = deliver(stripe_fake.event("invoice.payment_failed", invoice))
    worker_drain()

    assert response.status_code == HTTPStatus.OK
    assert Subscription.objects.get().status == "past_due"
    [received] = smtp_server.messages
    assert received.to == "lea@example.org"
    assert received.subject == "Votre paiement n’a pas abouti"
    assert "Le paiement de 23,00 € pour votre abonnement" in received.text
    assert "<strong>23,00 €</strong>" in received.html
    # The account page, where the reader opens Stripe's portal to change the card.
    assert f"{settings.SITE_URL}/compte/" in received.text.splitlines()
    assert f'href="{settings.SITE_URL}/compte/"' in received.html
    # The grace period: three days from the unpaid period's start, told in Paris time.
    assert "reste ouvert jusqu’au 15 mai 2026 à 08:00 (heure de Paris)" in received.text
    assert OutboundEmail.objects.get().key == f"payment-failed:{invoice['id']}"


def test_the_notice_is_sent_once_when_the_event_comes_twice(
    stripe_fake, deliver, past_due, smtp_server
):
    _, _, invoice = past_due
    event = stripe_fake.event("invoice.payment_failed", invoice)

    statuses = [deliver(event).status_code, deliver(event).status_code]
    # Stripe's next attempt at the same invoice fails too: a new event, the same invoice.
    statuses.append(deliver(stripe_fake.event("invoice.payment_failed", invoice)).status_code)
    worker_drain()

    assert statuses == [HTTPStatus.OK] * 3
    assert len(smtp_server.messages) == 1


def test_a_new_invoice_that_fails_is_told_again(stripe_fake, deliver, past_due, smtp_server):
    _, remote, first = past_due
    deliver(stripe_fake.event("invoice.payment_failed", first))
    second = stripe_fake.invoice_create(remote["id"], paid=False)

    deliver(stripe_fake.event("invoice.payment_failed", second))
    worker_drain()

    assert len(smtp_server.messages) == 2


def test_a_paid_invoice_sends_no_notice(stripe_fake, deliver, past_due, smtp_server):
    _, remote, _ = past_due
    stripe_fake.subscription_update(remote["id"], status="active")

    deliver(stripe_fake.event("invoice.paid", stripe_fake.invoice_create(remote["id"], paid=True)))
    worker_drain()

    assert smtp_server.messages == []


def test_an_event_that_fails_to_apply_queues_nothing(stripe_fake, deliver, past_due, smtp_server):
    _, remote, invoice = past_due
    stripe_fake.fail("GET", f"/v1/subscriptions/{remote['id']}")

    response = deliver(stripe_fake.event("invoice.payment_failed", invoice))
    worker_drain()

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert not OutboundEmail.objects.exists()
    assert smtp_server.messages == []


def test_a_deleted_reader_is_not_written_to(stripe_fake, deliver, past_due, smtp_server):
    user, remote, invoice = past_due
    # Deletion is allowed once the subscription is set to cancel at the period's end.
    deliver(stripe_fake.event("invoice.payment_failed", invoice))
    Subscription.objects.update(cancel_at_period_end=True)
    stripe_fake.subscription_update(remote["id"], cancel_at_period_end=True)
    deleted = client_for(user).delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    later = stripe_fake.invoice_create(remote["id"], paid=False)

    deliver(stripe_fake.event("invoice.payment_failed", later))
    worker_drain()

    assert smtp_server.messages == []
    assert Subscription.objects.get().user_id == user.pk  # kept, for the invoices
