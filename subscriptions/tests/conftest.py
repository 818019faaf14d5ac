"""Fixtures for the Stripe tests: a synced offer and signed webhook deliveries."""

import json

import pytest
from rest_framework.test import APIClient

from subscriptions.offer_sync import offer_sync
from subscriptions.tests.stripe_fake import WEBHOOK_SECRET, signature_header

WEBHOOK_URL = "/api/v1/stripe/webhook/"


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
