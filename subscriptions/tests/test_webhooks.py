import datetime as dt
import json
import time
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from subscriptions import stripe_gateway, webhooks
from subscriptions.models import Customer, Subscription, WebhookEvent
from subscriptions.tests.conftest import WEBHOOK_URL
from subscriptions.tests.stripe_fake import API_KEY, signature_header

pytestmark = pytest.mark.django_db

Status = WebhookEvent.Status


@pytest.fixture
def customer(make_stripe_customer):
    """A reader whose Stripe customer we know."""
    return make_stripe_customer()


@pytest.fixture
def remote_subscription(stripe_fake, synced_offer, customer):
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    return stripe_fake.subscription_create(
        customer=customer.stripe_customer_id,
        price=price,
        metadata={"user_id": str(customer.user.pk)},
    )


def post_raw(payload: bytes | str, signature: str | None):
    headers: dict[str, Any] = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    return Client().post(WEBHOOK_URL, data=payload, content_type="application/json", **headers)


def assert_nothing_stored(stripe_fake):
    assert WebhookEvent.objects.count() == 0
    assert Subscription.objects.count() == 0
    assert stripe_fake.calls == []


def test_an_event_is_stored_and_applied(stripe_fake, remote_subscription, deliver, customer):
    event = stripe_fake.event("customer.subscription.created", remote_subscription)

    response = deliver(event)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": True, "status": "processed"}
    stored = WebhookEvent.objects.get()
    assert (stored.stripe_event_id, stored.type, stored.status) == (
        event["id"],
        "customer.subscription.created",
        Status.PROCESSED,
    )
    assert stored.payload == event
    subscription = Subscription.objects.get()
    assert subscription.user == customer.user
    assert subscription.source == Subscription.Source.STRIPE
    assert subscription.status == "active"
    assert subscription.current_period_end == stripe_fake.period_end(remote_subscription["id"])
    assert subscription.offer.slug == "mensuelle-numerique"


def test_a_bad_signature_is_400_and_nothing_is_stored(stripe_fake, remote_subscription, deliver):
    stripe_fake.calls.clear()
    event = stripe_fake.event("customer.subscription.created", remote_subscription)

    response = deliver(event, secret="whsec_someone_else")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "detail": stripe_gateway.SIGNATURE_INVALID,
        "code": "invalid_signature",
    }
    assert_nothing_stored(stripe_fake)


def test_a_missing_signature_is_400(stripe_fake, remote_subscription):
    stripe_fake.calls.clear()
    payload = json.dumps(stripe_fake.event("customer.subscription.created", remote_subscription))

    response = post_raw(payload, signature=None)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_signature"
    assert_nothing_stored(stripe_fake)


def test_a_stale_signature_is_400(stripe_fake, remote_subscription, deliver):
    stripe_fake.calls.clear()
    event = stripe_fake.event("customer.subscription.created", remote_subscription)

    response = deliver(event, at=int(time.time()) - 10 * 60)  # the SDK allows 5 minutes

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_signature"
    assert_nothing_stored(stripe_fake)


def test_a_tampered_body_is_400(stripe_fake, remote_subscription):
    stripe_fake.calls.clear()
    payload = json.dumps(stripe_fake.event("customer.subscription.created", remote_subscription))
    signature = signature_header(payload)

    response = post_raw(payload.replace('"active"', '"canceled"'), signature)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert_nothing_stored(stripe_fake)


@pytest.mark.parametrize("payload", ['{"id": "evt_1", "type":', "[]", '{"hello": "world"}'])
def test_a_signed_body_that_is_not_an_event_is_400(stripe_fake, payload):
    response = post_raw(payload, signature_header(payload))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "detail": stripe_gateway.PAYLOAD_INVALID,
        "code": "invalid_payload",
    }
    assert_nothing_stored(stripe_fake)


def test_webhooks_answer_503_without_a_webhook_secret(stripe_fake, settings, remote_subscription):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = json.dumps(stripe_fake.event("customer.subscription.created", remote_subscription))

    response = post_raw(payload, signature_header(payload))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["code"] == "payments_unavailable"
    assert WebhookEvent.objects.count() == 0


def test_the_webhook_secret_alone_verifies_and_stores_events(
    stripe_fake, settings, remote_subscription, deliver
):
    """Without the API key, events are still checked and kept; applying one reads Stripe,
    so it fails (500: Stripe retries) until the key is set, then applies."""
    settings.STRIPE_SECRET_KEY = ""
    event = stripe_fake.event("customer.subscription.created", remote_subscription)
    unhandled = stripe_fake.event("product.created", stripe_fake._product_create({"name": "X"}))
    stripe_fake.calls.clear()

    forged = deliver(event, secret="whsec_someone_else")
    response = deliver(event)
    other = deliver(unhandled)

    assert forged.status_code == HTTPStatus.BAD_REQUEST
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    stored = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert (stored.status, stored.payload) == (Status.FAILED, event)
    assert stored.error.startswith("StripeUnavailable: ")
    assert other.status_code == HTTPStatus.OK
    assert WebhookEvent.objects.get(stripe_event_id=unhandled["id"]).status == Status.IGNORED
    assert stripe_fake.calls == []  # nothing left for Stripe without a key
    assert Subscription.objects.count() == 0

    settings.STRIPE_SECRET_KEY = API_KEY
    retried = deliver(event)  # Stripe's next retry, once the key is set

    assert retried.status_code == HTTPStatus.OK
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (Status.PROCESSED, 2)
    assert Subscription.objects.get().status == "active"


def test_the_webhook_needs_no_csrf_token_nor_session(stripe_fake, remote_subscription):
    # A signed-in staff browser posting without a CSRF token is still just Stripe's delivery.
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True))
    payload = json.dumps(stripe_fake.event("customer.subscription.created", remote_subscription))

    response = client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload),
    )

    assert response.status_code == HTTPStatus.OK


def test_the_webhook_only_takes_post(stripe_fake):
    response = Client().get(WEBHOOK_URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert set(response.json()) == {"detail", "code"}


def test_an_unhandled_type_is_stored_and_acknowledged(stripe_fake, deliver):
    product = stripe_fake._product_create({"name": "Autre"})
    event = stripe_fake.event("product.created", product)

    response = deliver(event)

    assert response.status_code == HTTPStatus.OK
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.error) == (Status.IGNORED, webhooks.UNHANDLED_TYPE)
    assert stripe_fake.calls == []


def test_a_duplicate_delivery_is_acknowledged_and_changes_nothing(
    stripe_fake, remote_subscription, deliver
):
    event = stripe_fake.event("customer.subscription.created", remote_subscription)
    deliver(event)
    stripe_fake.subscription_update(remote_subscription["id"], status="past_due")

    response = deliver(event)

    assert response.status_code == HTTPStatus.OK
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == (Status.PROCESSED, 1)
    assert len(stripe_fake.calls_to("GET", f"/v1/subscriptions/{remote_subscription['id']}")) == 1
    assert Subscription.objects.get().status == "active"


def test_an_old_event_never_overwrites_newer_state(stripe_fake, remote_subscription, deliver):
    created = stripe_fake.event("customer.subscription.created", remote_subscription)
    stripe_fake.subscription_update(
        remote_subscription["id"], status="canceled", canceled_at=int(time.time())
    )
    deleted = stripe_fake.event("customer.subscription.deleted", remote_subscription)

    deliver(deleted)
    deliver(created)  # arrives late, its payload says "active"

    assert Subscription.objects.get().status == "canceled"


def test_an_event_for_an_unknown_customer_is_recorded_as_ignored(
    stripe_fake, synced_offer, deliver, make_stripe_customer
):
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    stranger = make_stripe_customer(known=False)
    remote = stripe_fake.subscription_create(customer=stranger.stripe_customer_id, price=price)
    event = stripe_fake.event("customer.subscription.created", remote)

    first, second = deliver(event), deliver(event)

    # Retrying cannot find a user that does not exist: 200, so Stripe does not loop.
    assert first.status_code == second.status_code == HTTPStatus.OK
    stored = WebhookEvent.objects.get()
    assert stored.status == Status.IGNORED
    assert remote["id"] in stored.error
    assert stranger.stripe_customer_id in stored.error
    assert stored.attempts == 1
    assert Subscription.objects.count() == 0
    assert Customer.objects.count() == 0


def test_the_subscription_metadata_links_a_user_we_had_no_customer_for(
    stripe_fake, synced_offer, deliver, make_stripe_customer
):
    customer = make_stripe_customer(known=False)
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=customer.stripe_customer_id,
        price=price,
        metadata={"user_id": str(customer.user.pk)},
    )

    deliver(stripe_fake.event("customer.subscription.created", remote))

    assert Subscription.objects.get().user == customer.user
    assert Customer.objects.get(user=customer.user).stripe_customer_id == (
        customer.stripe_customer_id
    )


def test_checkout_completed_links_through_client_reference_id(
    stripe_fake, synced_offer, deliver, make_stripe_customer
):
    customer = make_stripe_customer(known=False)
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(customer=customer.stripe_customer_id, price=price)
    session = stripe_fake._checkout_session_create(
        {
            "mode": "subscription",
            "customer": customer.stripe_customer_id,
            "client_reference_id": str(customer.user.pk),
            "line_items": [{"price": price["id"]}],
            "success_url": "https://example.org/ok",
            "cancel_url": "https://example.org/ko",
        }
    )
    session.update(status="complete", subscription=remote["id"])

    deliver(stripe_fake.event("checkout.session.completed", session))

    assert Subscription.objects.get().user == customer.user


def test_a_processing_error_is_recorded_answered_500_and_retried(
    stripe_fake, remote_subscription, deliver
):
    event = stripe_fake.event("customer.subscription.created", remote_subscription)
    stripe_fake.fail("GET", f"/v1/subscriptions/{remote_subscription['id']}")

    failed = deliver(event)

    assert failed.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert set(failed.json()) == {"detail", "code"}
    stored = WebhookEvent.objects.get()
    assert stored.status == Status.FAILED
    assert "StripeCallFailed" in stored.error
    assert stored.processed_at is None
    assert Subscription.objects.count() == 0  # nothing half-written

    retried = deliver(event)  # Stripe delivers it again

    assert retried.status_code == HTTPStatus.OK
    stored.refresh_from_db()
    assert (stored.status, stored.error, stored.attempts) == (Status.PROCESSED, "", 2)
    assert Subscription.objects.get().status == "active"


def test_a_subscription_stripe_does_not_know_is_ignored(stripe_fake, customer, deliver):
    ghost = {"id": "sub_ghost", "object": "subscription", "customer": customer.stripe_customer_id}

    response = deliver(stripe_fake.event("customer.subscription.updated", ghost))

    assert response.status_code == HTTPStatus.OK
    stored = WebhookEvent.objects.get()
    assert stored.status == Status.IGNORED
    assert "sub_ghost" in stored.error


@pytest.mark.parametrize("legacy_shape", [False, True])
def test_invoice_events_find_their_subscription(
    stripe_fake, remote_subscription, deliver, legacy_shape
):
    invoice = stripe_fake.invoice_create(
        remote_subscription["id"], paid=True, legacy_shape=legacy_shape
    )

    deliver(stripe_fake.event("invoice.paid", invoice))

    assert Subscription.objects.get().stripe_subscription_id == remote_subscription["id"]
    assert WebhookEvent.objects.get().status == Status.PROCESSED


def test_an_invoice_without_subscription_is_ignored(stripe_fake, remote_subscription, deliver):
    invoice = stripe_fake.invoice_create(remote_subscription["id"], paid=True)
    invoice.update(parent=None, subscription=None)

    deliver(stripe_fake.event("invoice.paid", invoice))

    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.error) == (Status.IGNORED, webhooks.NO_SUBSCRIPTION)
    assert Subscription.objects.count() == 0


def test_a_payment_mode_checkout_is_ignored(stripe_fake, deliver):
    session = stripe_fake.event("checkout.session.completed", {"id": "cs_1", "mode": "payment"})

    deliver(session)

    assert WebhookEvent.objects.get().status == Status.IGNORED


def test_the_period_and_cancellation_come_from_stripe(stripe_fake, remote_subscription, deliver):
    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    start, end = now - dt.timedelta(days=10), now + dt.timedelta(days=20)
    stripe_fake.period_set(remote_subscription["id"], start=start, end=end)
    stripe_fake.subscription_update(
        remote_subscription["id"],
        cancel_at_period_end=True,
        canceled_at=int(now.timestamp()),
        trial_end=int(start.timestamp()),
    )

    deliver(stripe_fake.event("customer.subscription.updated", remote_subscription))

    subscription = Subscription.objects.get()
    assert (subscription.current_period_start, subscription.current_period_end) == (start, end)
    assert subscription.cancel_at_period_end is True
    assert subscription.canceled_at == now
    assert subscription.trial_end == start
    assert subscription.stripe_price_id == remote_subscription["items"]["data"][0]["price"]["id"]
    assert subscription.synced_at is not None
