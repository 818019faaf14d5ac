"""A reader's whole subscription, end to end: the API, the real SDK, a fake Stripe."""

import datetime as dt
import json
import os
import random
import threading
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from articles.tests.factories import ArticleFactory
from conftest import client_for
from subscriptions.access import has_access
from subscriptions.models import Customer, Subscription, WebhookEvent
from subscriptions.tests.conftest import WEBHOOK_URL
from subscriptions.tests.stripe_fake import signature_header

pytestmark = pytest.mark.django_db

CHECKOUT_URL = "/api/v1/subscriptions/checkout/"
DAY = dt.timedelta(days=1)


def now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def reads_in_full(client, article) -> bool:
    response = client.get(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == HTTPStatus.OK
    return response.json()["content"]["complete"]


def register(email: str) -> tuple[APIClient, User]:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/register/", {"email": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client, User.objects.get(email=email)


def pay(stripe_fake, client, offer) -> tuple[dict, dict]:
    """Checkout through the API, then the reader pays on Stripe's page."""
    response = client.post(CHECKOUT_URL, {"offer": offer.slug}, format="json")
    assert response.status_code == HTTPStatus.OK
    session_id = response.json()["url"].rsplit("/", 1)[1]
    return stripe_fake.checkout_complete(session_id)


def test_a_reader_subscribes_reads_and_follows_stripe_to_the_end(
    stripe_fake, synced_offer, deliver
):
    article = ArticleFactory()
    client, user = register("radiologue@example.org")
    assert not reads_in_full(client, article)

    # Checkout, then Stripe's two events: access at once.
    session, remote = pay(stripe_fake, client, synced_offer)
    sub_id = remote["id"]
    assert deliver(stripe_fake.event("checkout.session.completed", session)).status_code == 200
    assert deliver(stripe_fake.event("customer.subscription.created", remote)).status_code == 200
    assert reads_in_full(client, article)
    me = client.get("/api/v1/me/").json()
    assert me["has_access"] is True
    assert me["subscription"]["offer"] == "mensuelle-numerique"
    assert me["subscription"]["source"] == "stripe"
    assert me["subscription"]["status"] == "active"
    assert me["subscription"]["cancel_at_period_end"] is False
    assert dt.datetime.fromisoformat(me["subscription"]["current_period_end"]) == (
        stripe_fake.period_end(sub_id)
    )

    # The renewal fails: Stripe bills the next period (it starts now) and goes past_due.
    renewal = now() - dt.timedelta(hours=1)
    stripe_fake.period_set(sub_id, start=renewal, end=renewal + 30 * DAY)
    stripe_fake.subscription_update(sub_id, status="past_due")
    failed = stripe_fake.invoice_create(sub_id, paid=False)
    assert deliver(stripe_fake.event("invoice.payment_failed", failed)).status_code == 200
    assert Subscription.objects.get().status == "past_due"
    assert reads_in_full(client, article)  # the grace period
    assert has_access(user, at=renewal + 3 * DAY - dt.timedelta(minutes=1))
    assert not has_access(user, at=renewal + 3 * DAY + dt.timedelta(minutes=1))

    # Time passes: four days after the renewal, Stripe is still retrying.
    renewal = now() - 4 * DAY
    stripe_fake.period_set(sub_id, start=renewal, end=renewal + 30 * DAY)
    assert deliver(stripe_fake.event("customer.subscription.updated", remote)).status_code == 200
    assert not reads_in_full(client, article)
    assert client.get("/api/v1/me/").json()["has_access"] is False

    # A retry succeeds.
    stripe_fake.subscription_update(sub_id, status="active")
    paid = stripe_fake.invoice_create(sub_id, paid=True)
    assert deliver(stripe_fake.event("invoice.paid", paid)).status_code == 200
    assert reads_in_full(client, article)

    # The reader cancels in the portal: access until the end of the paid period.
    assert client.post("/api/v1/subscriptions/portal/").status_code == 200
    stripe_fake.subscription_update(
        sub_id, cancel_at_period_end=True, canceled_at=int(now().timestamp())
    )
    assert deliver(stripe_fake.event("customer.subscription.updated", remote)).status_code == 200
    assert reads_in_full(client, article)
    assert client.get("/api/v1/me/").json()["subscription"]["cancel_at_period_end"] is True
    end = stripe_fake.period_end(sub_id)
    assert has_access(user, at=end - dt.timedelta(minutes=1))
    assert not has_access(user, at=end + dt.timedelta(minutes=1))

    # The period ends: Stripe deletes the subscription.
    stripe_fake.subscription_update(sub_id, status="canceled", ended_at=int(now().timestamp()))
    assert deliver(stripe_fake.event("customer.subscription.deleted", remote)).status_code == 200
    assert not reads_in_full(client, article)
    me = client.get("/api/v1/me/").json()
    assert me["has_access"] is False
    assert me["subscription"]["status"] == "canceled"
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def lifecycle_events(stripe_fake, client, offer) -> list[dict]:
    """Play a whole subscription on Stripe's side; the events it sends on the way."""
    session, remote = pay(stripe_fake, client, offer)
    sub_id = remote["id"]
    events = [
        stripe_fake.event("checkout.session.completed", session),
        stripe_fake.event("customer.subscription.created", remote),
    ]
    renewal = now() - 2 * DAY
    stripe_fake.period_set(sub_id, start=renewal, end=renewal + 30 * DAY)
    stripe_fake.subscription_update(sub_id, status="past_due")
    events.append(
        stripe_fake.event("invoice.payment_failed", stripe_fake.invoice_create(sub_id, paid=False))
    )
    events.append(stripe_fake.event("customer.subscription.updated", remote))
    stripe_fake.subscription_update(sub_id, status="active")
    events.append(stripe_fake.event("invoice.paid", stripe_fake.invoice_create(sub_id, paid=True)))
    stripe_fake.subscription_update(sub_id, cancel_at_period_end=True, canceled_at=1_800_000_000)
    events.append(stripe_fake.event("customer.subscription.updated", remote))
    stripe_fake.subscription_update(sub_id, status="canceled", ended_at=1_800_000_100)
    events.append(stripe_fake.event("customer.subscription.deleted", remote))
    return events


SNAPSHOT_FIELDS = [
    "user_id",
    "offer_id",
    "source",
    "status",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "canceled_at",
    "trial_end",
    "stripe_subscription_id",
    "stripe_price_id",
]


def local_state() -> list[dict]:
    return list(Subscription.objects.order_by("pk").values(*SNAPSHOT_FIELDS))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_shuffled_and_duplicated_events_end_in_the_same_state(
    stripe_fake, synced_offer, deliver, seed
):
    client, user = register("ordre@example.org")
    events = lifecycle_events(stripe_fake, client, synced_offer)
    for event in events:
        assert deliver(event).status_code == HTTPStatus.OK
    in_order = local_state()
    Subscription.objects.all().delete()
    WebhookEvent.objects.all().delete()

    shuffled = events * 2
    random.Random(seed).shuffle(shuffled)
    for event in shuffled:
        assert deliver(event).status_code == HTTPStatus.OK

    assert local_state() == in_order
    assert in_order[0]["status"] == "canceled"
    assert in_order[0]["cancel_at_period_end"] is True
    assert WebhookEvent.objects.count() == len(events)
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
    assert not has_access(user)


on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="row locks need PostgreSQL (DATABASE_URL)",
)


def in_threads(count: int, work) -> list:
    """Run `work` in `count` threads released at once; their results."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_store_one_row_and_apply_once(
    stripe_fake, synced_offer, make_stripe_customer
):
    customer = make_stripe_customer()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=customer.stripe_customer_id,
        price=price,
        metadata={"user_id": str(customer.user.pk)},
    )
    payload = json.dumps(stripe_fake.event("customer.subscription.created", remote))
    signature = signature_header(payload)

    def deliver():
        response = Client().post(
            WEBHOOK_URL,
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        return response.status_code

    statuses = in_threads(4, deliver)

    assert statuses == [HTTPStatus.OK] * 4
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == ("processed", 1)
    assert len(stripe_fake.calls_to("GET", f"/v1/subscriptions/{remote['id']}")) == 1
    assert Subscription.objects.get().status == "active"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_checkouts_make_one_customer(stripe_fake, synced_offer):
    user = UserFactory()
    client_for(user)  # its token, made before the race

    def checkout():
        client = client_for(user)
        return client.post(CHECKOUT_URL, {"offer": synced_offer.slug}, format="json").status_code

    statuses = in_threads(4, checkout)

    assert statuses == [HTTPStatus.OK] * 4
    assert Customer.objects.filter(user=user).count() == 1
    assert len(stripe_fake.calls_to("POST", "/v1/customers")) == 1
    assert len(stripe_fake.calls_to("POST", "/v1/checkout/sessions")) == 1  # and one session
