"""Stripe slow or down, as production meets it: gunicorn workers, the Stripe stand-in over HTTP.

A slow Stripe once held checkout for the SDK's 80 s per attempt, past gunicorn's 30 s: the
worker was killed and the reader got an HTML 500. Now every call to Stripe ends within
`call_time_limit()` and answers a JSON 503, and nothing is left half-written.
"""

import contextlib
import os
import signal
import threading
import time
from http import HTTPStatus
from pathlib import Path

import requests

from subscriptions.stripe_gateway import STRIPE_UNREACHABLE, call_time_limit
from subscriptions.tests.stripe_server import StripeServer, stripe_server
from subscriptions.views import WEBHOOK_FAILED
from testing.served import ServedApp, served_app
from testing.served_stripe import (
    RETRIES,
    TIMEOUT,
    checkout,
    deliver,
    offer_in_stripe,
    query,
    register,
    stripe_env,
)

UNREACHABLE = {"detail": STRIPE_UNREACHABLE, "code": "stripe_unreachable"}


def test_a_slow_stripe_makes_checkout_a_json_503_in_time_while_other_readers_read():
    limit = call_time_limit(timeout=TIMEOUT, retries=RETRIES)  # 2.5 s
    with stripe_server() as stripe, served_app(workers=2, env=stripe_env(stripe)) as app:
        offer_in_stripe(app)
        reader = register(app, "lente@example.org")
        stripe.delay = 40  # every answer comes after gunicorn's 30 s worker timeout
        answers: dict[str, tuple[requests.Response, float]] = {}

        def click() -> None:
            started = time.monotonic()
            answers["checkout"] = (checkout(app, reader), time.monotonic() - started)

        clicking = threading.Thread(target=click)
        clicking.start()
        time.sleep(0.5)  # the checkout is waiting on Stripe now
        started = time.monotonic()
        articles = app.get("/api/v1/articles/")
        reading_time = time.monotonic() - started
        clicking.join()
        response, elapsed = answers["checkout"]
        customers = query(app, "Customer.objects.filter(user__email='lente@example.org').count()")

        stripe.delay = 0  # Stripe answers again: checkout works again, nothing to repair
        recovered = checkout(app, reader)

    assert articles.status_code == HTTPStatus.OK
    assert reading_time < limit  # not held behind the checkout waiting on Stripe
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == UNREACHABLE
    assert limit <= elapsed < limit + 3  # margin for a loaded machine; before: killed at 30 s
    assert customers == 0  # no local customer without the Stripe one's id
    assert recovered.status_code == HTTPStatus.OK, recovered.text


def test_a_stripe_down_makes_checkout_and_portal_json_503s_and_webhooks_wait_for_it():
    with stripe_server() as stripe, served_app(workers=2, env=stripe_env(stripe)) as app:
        offer_in_stripe(app)
        subscriber = register(app, "abonnee@example.org")
        paid = checkout(app, subscriber)
        assert paid.status_code == HTTPStatus.OK, paid.text
        with stripe.locked():  # she pays; Stripe's event is on its way
            _, remote = stripe.fake.checkout_complete(paid.json()["url"].rsplit("/", 1)[1])
            event = stripe.fake.event("customer.subscription.created", remote)
        newcomer = register(app, "nouvelle@example.org")

        with stripe.down():
            started = time.monotonic()
            refused = checkout(app, newcomer)
            refused_in = time.monotonic() - started
            portal = app.post("/api/v1/subscriptions/portal/", headers=subscriber, timeout=20)
            delivered = deliver(app, event)
            while_down = query(
                app,
                "{'event': WebhookEvent.objects.filter(stripe_event_id="
                f"{event['id']!r}).values_list('status', 'error').get(), "
                "'subscriptions': Subscription.objects.count(), "
                "'newcomer_customers': Customer.objects.filter(user__email='nouvelle@example.org')"
                ".count()}",
            )

        redelivered = deliver(app, event)  # Stripe's retry, once it is back
        active = query(
            app, "Subscription.objects.filter(user__email='abonnee@example.org').get().status"
        )

    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert refused.json() == UNREACHABLE
    assert refused_in < call_time_limit(timeout=0, retries=RETRIES) + 2  # refused: no waiting
    assert portal.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert portal.json() == UNREACHABLE
    assert while_down["newcomer_customers"] == 0
    # The event is verified and kept without Stripe; applying it needs Stripe, so it fails and
    # Stripe is asked to deliver it again.
    assert delivered.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert delivered.json() == {"detail": WEBHOOK_FAILED, "code": "webhook_failed"}
    status, error = while_down["event"]
    assert (status, error.split(":")[0]) == ("failed", "StripeUnreachable")
    assert while_down["subscriptions"] == 0
    assert redelivered.status_code == HTTPStatus.OK
    assert redelivered.json() == {"received": True, "status": "processed"}
    assert active == "active"


def workers_of(app: ServedApp) -> list[int]:
    """The ids of the gunicorn workers (the children of the master this test started)."""
    pid = app.process.pid
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_webhook_cut_off_by_a_killed_worker_is_replayed_by_the_repair():
    """The worker dies while it waits on Stripe: its transaction rolls back and the event
    stays pending. Once stale, `sync_subscriptions` replays it."""
    with (
        stripe_server() as stripe,
        served_app(workers=1, env=stripe_env(stripe, STRIPE_TIMEOUT_SECONDS="10")) as app,
    ):
        offer_in_stripe(app)
        reader = register(app, "coupee@example.org")
        paid = checkout(app, reader)
        with stripe.locked():
            _, remote = stripe.fake.checkout_complete(paid.json()["url"].rsplit("/", 1)[1])
            event = stripe.fake.event("customer.subscription.created", remote)
        stripe.delay = 20  # the worker will be waiting on Stripe when it is killed
        delivering = threading.Thread(target=lambda: _deliver_until_cut(app, event))
        delivering.start()
        _wait_for_stripe_call(stripe, f"/v1/subscriptions/{remote['id']}")
        for worker in workers_of(app):
            os.kill(worker, signal.SIGKILL)
        delivering.join()
        stripe.delay = 0
        left = query(
            app,
            f"list(WebhookEvent.objects.filter(stripe_event_id={event['id']!r})"
            ".values_list('status', 'attempts').get())",
        )
        app.manage(  # STRIPE_EVENT_STALE_MINUTES (5) later
            "shell",
            "--no-imports",
            "-c",
            "import datetime as dt; from django.db.models import F; "
            "from subscriptions.models import WebhookEvent; "
            "WebhookEvent.objects.update(created_at=F('created_at') - dt.timedelta(minutes=6))",
        )
        repair = app.manage("sync_subscriptions").stdout
        after = query(
            app,
            f"[WebhookEvent.objects.get(stripe_event_id={event['id']!r}).status, "
            "Subscription.objects.get().status]",
        )

    assert left == ["pending", 0]
    assert "1 webhook event(s) replayed: 1 processed." in repair
    assert after == ["processed", "active"]


def _deliver_until_cut(app: ServedApp, event: dict) -> None:
    with contextlib.suppress(requests.ConnectionError):
        deliver(app, event)


def _wait_for_stripe_call(stripe: StripeServer, path: str) -> None:
    """Until the served app has asked the stand-in for `path` (its answer is delayed)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if ("GET", path) in stripe.arrived:
            return
        time.sleep(0.05)
    raise AssertionError(f"the served app never asked Stripe for {path}")
