"""Quick clicks on "subscribe", served by several gunicorn workers: one Checkout Session.

Three clicks used to make three sessions, and paying two of them billed the reader twice.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from subscriptions.tests.stripe_server import stripe_server
from testing.served import served_app
from testing.served_stripe import checkout, offer_in_stripe, query, register, stripe_env
from testing.test_served import DATABASES

CLICKS = 3


@pytest.mark.parametrize("database", DATABASES)
def test_three_quick_clicks_open_one_checkout_session(database):
    with (
        stripe_server() as stripe,
        served_app(database=database, workers=CLICKS, env=stripe_env(stripe)) as app,
    ):
        offer_in_stripe(app)
        reader = register(app, "presse@example.org")
        stripe.delay = 0.3  # each Stripe call takes a moment: the clicks overlap
        barrier = threading.Barrier(CLICKS)

        def click(_):
            barrier.wait(timeout=10)
            return checkout(app, reader)

        with ThreadPoolExecutor(CLICKS) as pool:
            responses = list(pool.map(click, range(CLICKS)))
        stored = query(app, "list(CheckoutSession.objects.values_list('status', flat=True))")

    assert [response.status_code for response in responses] == [HTTPStatus.OK] * CLICKS
    assert len({response.json()["url"] for response in responses}) == 1
    assert len(stripe.fake.calls_to("POST", "/v1/checkout/sessions")) == 1
    assert [session["status"] for session in stripe.fake.objects["checkout.session"].values()] == [
        "open"
    ]
    assert len(stripe.fake.objects["customer"]) == 1
    assert stored == ["open"]
