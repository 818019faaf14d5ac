"""Fixtures for the Stripe tests: customers, a synced offer and signed webhook deliveries."""

import json
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from subscriptions.models import Customer
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
