"""Fixtures for the Stripe tests: customers, a synced offer and signed webhook deliveries."""

import datetime as dt
import json
import socket
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from subscriptions import webhooks
from subscriptions.models import Customer, WebhookEvent
from subscriptions.offer_sync import offer_sync
from subscriptions.tests.stripe_fake import WEBHOOK_SECRET, signature_header

WEBHOOK_URL = "/api/v1/stripe/webhook/"


@dataclass(frozen=True)
class StripeCustomer:
    user: User
    stripe_customer_id: str


@pytest.fixture
def make_stripe_customer(stripe_fake):
    """Make a reader (a new one unless given) a Customer in (fake) Stripe.

    `known=True` also stores the local Customer row, as a checkout would have;
    `known=False` leaves it unknown here (made in the Stripe dashboard, say).
    """

    def make(user: User | None = None, *, known: bool = True) -> StripeCustomer:
        reader: User = user or UserFactory()  # type: ignore[assignment]
        remote = stripe_fake._customer_create({"email": reader.email})
        if known:
            Customer.objects.create(user=reader, stripe_customer_id=remote["id"])
        return StripeCustomer(user=reader, stripe_customer_id=remote["id"])

    return make


@pytest.fixture
def synced_offer(stripe_fake, offer):
    """The monthly offer with its Product and Price in (fake) Stripe."""
    offer_sync(offer=offer)
    offer.refresh_from_db()
    stripe_fake.calls.clear()  # tests count their own calls
    return offer


@pytest.fixture
def deliver(stripe_fake):
    """Post an event to the webhook as Stripe does: the raw JSON, signed."""
    client = APIClient()

    def deliver(event, *, secret: str = WEBHOOK_SECRET, at: int | None = None):
        payload = json.dumps(event)
        return client.post(
            WEBHOOK_URL,
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_header(payload, secret=secret, at=at),
        )

    return deliver


@pytest.fixture
def silent_stripe(stripe_settings):
    """Stripe at an address that accepts connections and never answers (a hung server).

    One attempt of one second, so the test waits for a timeout, not for the SDK's retries.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads
        stripe_settings.STRIPE_API_BASE = f"http://127.0.0.1:{listener.getsockname()[1]}"
        stripe_settings.STRIPE_TIMEOUT_SECONDS = 1
        yield stripe_settings


@pytest.fixture
def closed_stripe(stripe_settings):
    """Stripe at a local port where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stripe_settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    return stripe_settings


@pytest.fixture
def cut_off_event(stripe_fake, synced_offer, make_stripe_customer, settings):
    """What a worker killed while processing a delivery leaves: the event stored and pending
    (its processing rolled back), received a minute more than STRIPE_EVENT_STALE_MINUTES ago.

    A checkout of a customer unknown here, so only this event can link its subscription.
    """
    stripe_customer = make_stripe_customer(known=False)
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=stripe_customer.stripe_customer_id, price=price
    )
    session = stripe_fake._checkout_session_create(
        {
            "mode": "subscription",
            "customer": stripe_customer.stripe_customer_id,
            "client_reference_id": str(stripe_customer.user.pk),
            "line_items": [{"price": price["id"]}],
            "success_url": "https://example.org/ok",
            "cancel_url": "https://example.org/ko",
        }
    )
    session.update(status="complete", subscription=remote["id"])
    event = webhooks.event_store(payload=stripe_fake.event("checkout.session.completed", session))
    received = timezone.now() - dt.timedelta(minutes=settings.STRIPE_EVENT_STALE_MINUTES + 1)
    WebhookEvent.objects.filter(pk=event.pk).update(created_at=received)
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.PENDING
    return event
