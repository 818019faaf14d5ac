"""Paying through the served app: its Stripe settings, a reader, checkout, webhooks, its rows."""

import json
from http import HTTPStatus

import requests

from subscriptions.tests.stripe_fake import API_KEY, WEBHOOK_SECRET, signature_header
from subscriptions.tests.stripe_server import StripeServer
from testing.served import ServedApp

OFFER = "mensuelle-numerique"
PASSWORD = "Radiologie-2026!"
TIMEOUT = 1  # STRIPE_TIMEOUT_SECONDS for the served app: short, to keep the tests short
RETRIES = 1  # the default STRIPE_MAX_NETWORK_RETRIES


def stripe_env(stripe: StripeServer, **extra: str) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_TIMEOUT_SECONDS": str(TIMEOUT),
        "STRIPE_MAX_NETWORK_RETRIES": str(RETRIES),
        **extra,
    }


def offer_in_stripe(app: ServedApp) -> None:
    """The monthly offer, its Product and Price made in Stripe (one process, not the demo)."""
    app.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.core.management import call_command; "
        "from subscriptions.models import Offer; "
        f"Offer.objects.create(slug={OFFER!r}, name='Offre mensuelle', price_cents=2300); "
        "call_command('sync_offers')",
    )


def register(app: ServedApp, email: str) -> dict[str, str]:
    response = app.post("/api/v1/auth/register/", json={"email": email, "password": PASSWORD})
    assert response.status_code == HTTPStatus.CREATED, response.text
    return {"Authorization": f"Token {response.json()['token']}"}


def checkout(app: ServedApp, headers: dict[str, str], offer: str = OFFER) -> requests.Response:
    # 20 s: well past the time limit, well before gunicorn's 30 s.
    return app.post(
        "/api/v1/subscriptions/checkout/", json={"offer": offer}, headers=headers, timeout=20
    )


def query(app: ServedApp, expression: str):
    """The value of `expression` (JSON), evaluated on the served app's database."""
    code = f"import json; from subscriptions.models import *; print(json.dumps({expression}))"
    output = app.manage("shell", "--no-imports", "-c", code).stdout
    return json.loads(output.strip().splitlines()[-1])


def deliver(app: ServedApp, event: dict) -> requests.Response:
    payload = json.dumps(event)
    return app.post(
        "/api/v1/stripe/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(payload)},
    )
