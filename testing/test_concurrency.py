"""Concurrent writes against the app served by several gunicorn workers.

On the embedded SQLite default as on PostgreSQL: parallel registrations, and Stripe's
webhooks shuffled, duplicated and delivered from many threads, end with no 5xx and
the same state as a sequential run would leave.
"""

import datetime as dt
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any

import pytest
import requests

from subscriptions.tests.stripe_fake import API_KEY, WEBHOOK_SECRET, signature_header
from subscriptions.tests.stripe_server import StripeServer, stripe_server
from testing.served import ServedApp, postgres_url, served_app

DATABASES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers"),
    ),
]

REGISTER = "/api/v1/auth/register/"
WEBHOOK = "/api/v1/stripe/webhook/"
PASSWORD = "Radiologie-2026!"
# The throttles are not under test here: a burst from one address must reach the views.
UNTHROTTLED = {"IMAGO_AUTH_THROTTLE": "10000/min", "IMAGO_COMMENT_THROTTLE": "10000/min"}


def in_parallel(call: Callable[[Any], requests.Response], items: Iterable[Any], *, threads: int):
    """Run `call` on every item from `threads` threads released together; the responses."""
    items = list(items)
    threads = min(threads, len(items))
    start = threading.Barrier(threads)
    started = threading.local()

    def run(item):
        if not getattr(started, "yes", False):  # each thread waits once, for all the others
            started.yes = True
            start.wait(timeout=30)
        return call(item)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, items))


def post_json(app: ServedApp, path: str, body: dict, **kwargs) -> requests.Response:
    # One session per call: requests' Session is not meant to be shared between threads.
    return requests.post(app.url + path, json=body, timeout=40, **kwargs)


def server_errors(responses: list[requests.Response]) -> list[str]:
    return [
        f"{r.status_code} {r.text[:200]}"
        for r in responses
        if r.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR
    ]


def stored(app: ServedApp, code: str) -> Any:
    """What the served app's database holds: `code` prints one JSON value."""
    return json.loads(app.shell(code).strip().splitlines()[-1])


@pytest.mark.parametrize("database", DATABASES)
def test_parallel_registrations_all_succeed_and_one_email_makes_one_account(database):
    with served_app(database=database, workers=4, env=UNTHROTTLED) as app:
        distinct = in_parallel(
            lambda i: post_json(
                app, REGISTER, {"email": f"lectrice{i}@example.org", "password": PASSWORD}
            ),
            range(16),
            threads=16,
        )
        same = in_parallel(
            lambda _: post_json(app, REGISTER, {"email": "meme@example.org", "password": PASSWORD}),
            range(8),
            threads=8,
        )
        accounts = stored(
            app,
            "import json; from accounts.models import User; "
            "from rest_framework.authtoken.models import Token; "
            "print(json.dumps([User.objects.count(), Token.objects.count(), "
            "User.objects.filter(email='meme@example.org').count()]))",
        )
        logs = app.logs()

    errors = server_errors(distinct + same)
    assert errors == [], f"{len(errors)} of {len(distinct + same)} answered 5xx: {errors}\n{logs}"
    assert [r.status_code for r in distinct] == [HTTPStatus.CREATED] * 16
    assert [r.status_code for r in same].count(HTTPStatus.CREATED) == 1
    refused = [r for r in same if r.status_code != HTTPStatus.CREATED]
    # Refused as a client error with its reason (today 400 email_taken), never a 5xx.
    assert all(
        HTTPStatus.BAD_REQUEST <= r.status_code < HTTPStatus.INTERNAL_SERVER_ERROR for r in refused
    )
    assert all(
        r.headers["Content-Type"] == "application/json" and r.json()["code"] for r in refused
    )
    assert accounts == [17, 17, 1]  # every account has its token; one for the shared email


# Webhooks: readers subscribe, pay, fail a payment, cancel...; every event is delivered
# one to three times, in random order, from many threads at once.

SUBSCRIPTIONS = 30
DELIVERY_THREADS = 8


def _stripe_story(stripe: StripeServer, users: dict[str, int], price_id: str) -> list[dict]:
    """Play Stripe's side for every reader; the events it sends, in the order it made them."""
    fake = stripe.fake
    events: list[dict] = []
    now = dt.datetime.now(tz=dt.UTC)
    with stripe.locked():
        for index, (email, user_id) in enumerate(sorted(users.items())):
            customer = fake._customer_create({"email": email})
            session = fake._checkout_session_create(
                {
                    "customer": customer["id"],
                    "mode": "subscription",
                    "line_items": [{"price": price_id, "quantity": "1"}],
                    "client_reference_id": str(user_id),
                    "subscription_data": {"metadata": {"user_id": str(user_id)}},
                    "success_url": "https://example.org/merci",
                    "cancel_url": "https://example.org/abonnement",
                }
            )
            session, subscription = fake.checkout_complete(session["id"], now=now)
            sub_id = subscription["id"]
            events += [
                fake.event("checkout.session.completed", session),
                fake.event("customer.subscription.created", subscription),
                fake.event("invoice.paid", fake.invoice_create(sub_id, paid=True)),
            ]
            match index % 4:
                case 1:  # the renewal fails
                    fake.subscription_update(sub_id, status="past_due")
                    events += [
                        fake.event(
                            "invoice.payment_failed", fake.invoice_create(sub_id, paid=False)
                        ),
                        fake.event("customer.subscription.updated", subscription),
                    ]
                case 2:  # cancelled at once
                    fake.subscription_update(
                        sub_id,
                        status="canceled",
                        canceled_at=int(now.timestamp()),
                        ended_at=int(now.timestamp()),
                    )
                    events.append(fake.event("customer.subscription.deleted", subscription))
                case 3:  # renewed, then set to stop at the end of the new period
                    fake.period_set(
                        sub_id, start=now + dt.timedelta(days=30), end=now + dt.timedelta(days=61)
                    )
                    events.append(
                        fake.event("invoice.paid", fake.invoice_create(sub_id, paid=True))
                    )
                    fake.subscription_update(sub_id, cancel_at_period_end=True)
                    events.append(fake.event("customer.subscription.updated", subscription))
    return events


def _stripe_state(stripe: StripeServer) -> dict[str, list]:
    with stripe.locked():
        return {
            sub_id: [
                int(sub["metadata"]["user_id"]),
                sub["status"],
                sub["items"]["data"][0]["current_period_end"],
                bool(sub["cancel_at_period_end"]),
            ]
            for sub_id, sub in stripe.fake.objects["subscription"].items()
        }


LOCAL_STATE = """
import json
from collections import Counter
from subscriptions.models import Subscription, WebhookEvent
print(json.dumps({
    "subscriptions": {
        s.stripe_subscription_id: [
            s.user_id, s.status, int(s.current_period_end.timestamp()), s.cancel_at_period_end
        ]
        for s in Subscription.objects.filter(source="stripe")
    },
    "events": dict(Counter(WebhookEvent.objects.values_list("status", flat=True))),
    "event_count": WebhookEvent.objects.count(),
}))
"""


@pytest.mark.parametrize("database", DATABASES)
def test_webhooks_shuffled_and_duplicated_from_many_threads_end_in_stripes_state(database):
    randomness = random.Random(8)
    with stripe_server() as stripe:
        env = {
            **UNTHROTTLED,
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.url,
        }
        with served_app(database=database, workers=4, env=env, demo=True) as app:
            app.manage("sync_offers")
            users = stored(
                app,
                "import json; from accounts.models import User; "
                f"users = [User.objects.create_user(f'abonne{{i}}@example.org') "
                f"for i in range({SUBSCRIPTIONS})]; "
                "print(json.dumps({u.email: u.pk for u in users}))",
            )
            price_id = stored(
                app,
                "import json; from subscriptions.models import Offer; "
                "print(json.dumps(Offer.objects.get(slug='mensuelle-numerique').stripe_price_id))",
            )
            events = _stripe_story(stripe, users, price_id)
            deliveries = [
                json.dumps(event) for event in events for _ in range(randomness.randint(1, 3))
            ]
            randomness.shuffle(deliveries)

            def deliver(payload: str) -> requests.Response:
                return requests.post(
                    app.url + WEBHOOK,
                    data=payload,
                    headers={
                        "Content-Type": "application/json",
                        "Stripe-Signature": signature_header(payload),
                    },
                    timeout=40,
                )

            answers = in_parallel(deliver, deliveries, threads=DELIVERY_THREADS)
            local = stored(app, LOCAL_STATE)
            logs = app.logs()
        remote = _stripe_state(stripe)

    errors = server_errors(answers)
    assert len(deliveries) >= 200
    assert errors == [], (
        f"{len(errors)} of {len(deliveries)} deliveries answered 5xx: "
        f"{Counter(errors).most_common(3)}\n{logs[-3000:]}"
    )
    assert Counter(r.status_code for r in answers) == {HTTPStatus.OK: len(deliveries)}
    assert local["event_count"] == len(events)
    assert local["events"] == {"processed": len(events)}  # none pending, none failed
    assert local["subscriptions"] == remote
