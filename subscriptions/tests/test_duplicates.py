"""A reader who pays twice keeps one subscription: the newer is cancelled and refunded at once."""

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from conftest import client_for
from subscriptions import duplicates
from subscriptions.access import entitlement_for
from subscriptions.models import DuplicateSubscription, Subscription, WebhookEvent
from subscriptions.tests.conftest import WEBHOOK_URL
from subscriptions.tests.factories import ComplimentaryFactory
from subscriptions.tests.stripe_fake import Obj, signature_header
from subscriptions.tests.test_lifecycle import in_threads, on_postgres
from subscriptions.webhooks import events_replay

pytestmark = pytest.mark.django_db

CHECKOUT_URL = "/api/v1/subscriptions/checkout/"
DUPLICATES_URL = "/admin/subscriptions/duplicatesubscription/"


@dataclass(frozen=True)
class PaidTwice:
    reader: User
    first: Obj  # the older subscription, kept
    second: Obj  # the newer one, to cancel and refund
    events: list[Obj]  # what Stripe sends for both, in order


def payment_events(stripe_fake, session: Obj, subscription: Obj) -> list[Obj]:
    invoice = stripe_fake.get("invoice", subscription["latest_invoice"])
    return [
        stripe_fake.event("checkout.session.completed", session),
        stripe_fake.event("customer.subscription.created", subscription),
        stripe_fake.event("invoice.paid", invoice),
    ]


@pytest.fixture
def paid_twice(stripe_fake, synced_offer, reader) -> PaidTwice:
    """The reader paid two Checkout Sessions: Imago's, and another with the same parameters
    (opened before one open session per reader was the rule), a minute later."""
    response = client_for(reader).post(CHECKOUT_URL, {"offer": synced_offer.slug}, format="json")
    first_id = response.json()["url"].rsplit("/", 1)[1]
    second_id = stripe_fake._checkout_session_create(stripe_fake.checkout_params[first_id])["id"]
    a_minute_ago = dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1)
    first_session, first = stripe_fake.checkout_complete(first_id, now=a_minute_ago)
    second_session, second = stripe_fake.checkout_complete(second_id)
    events = payment_events(stripe_fake, first_session, first) + payment_events(
        stripe_fake, second_session, second
    )
    return PaidTwice(reader=reader, first=first, second=second, events=events)


def refunds(stripe_fake) -> list[Obj]:
    return list(stripe_fake.objects["refund"].values())


def test_a_second_subscription_is_cancelled_and_refunded_at_once(
    stripe_fake, paid_twice, deliver, caplog
):
    caplog.set_level(logging.WARNING, logger="subscriptions.duplicates")

    statuses = [deliver(event).status_code for event in paid_twice.events]

    assert statuses == [HTTPStatus.OK] * len(paid_twice.events)
    first, second = paid_twice.first["id"], paid_twice.second["id"]
    assert stripe_fake.get("subscription", first)["status"] == "active"
    assert stripe_fake.get("subscription", second)["status"] == "canceled"
    invoice = stripe_fake.get("invoice", paid_twice.second["latest_invoice"])
    [payment] = [
        p for p in stripe_fake.objects["invoice_payment"].values() if p["invoice"] == invoice["id"]
    ]
    [refund] = refunds(stripe_fake)
    assert (refund["payment_intent"], refund["amount"], refund["currency"]) == (
        payment["payment"]["payment_intent"],
        2300,
        "eur",
    )
    [refund_call] = stripe_fake.calls_to("POST", "/v1/refunds")
    assert refund_call.params["reason"] == "duplicate"
    assert refund_call.headers["Idempotency-Key"] == (
        f"imago-duplicate-{second}-refund-{payment['id']}"
    )
    duplicate = DuplicateSubscription.objects.get()
    assert duplicate.user == paid_twice.reader
    assert duplicate.subscription.stripe_subscription_id == second
    assert duplicate.kept.stripe_subscription_id == first
    assert (duplicate.status, duplicate.refunded_cents, duplicate.currency) == (
        "settled",
        2300,
        "EUR",
    )
    assert duplicate.refunds == [
        {
            "refund": refund["id"],
            "invoice": invoice["id"],
            "invoice_payment": payment["id"],
            "amount": 2300,
            "currency": "eur",
        }
    ]
    assert duplicate.canceled_at is not None and duplicate.settled_at is not None
    local = dict(Subscription.objects.values_list("stripe_subscription_id", "status"))
    assert local == {first: "active", second: "canceled"}
    assert entitlement_for(paid_twice.reader).via == "subscription"  # the kept one
    logged = caplog.text
    assert f"keeping {first}, cancelling and refunding {second}" in logged
    assert f"Duplicate subscription {second} of reader {paid_twice.reader.pk} cancelled" in logged


def test_the_newer_is_cancelled_whichever_event_comes_first(stripe_fake, paid_twice, deliver):
    for event in reversed(paid_twice.events):
        deliver(event)

    assert stripe_fake.get("subscription", paid_twice.first["id"])["status"] == "active"
    assert stripe_fake.get("subscription", paid_twice.second["id"])["status"] == "canceled"
    assert len(refunds(stripe_fake)) == 1


def test_replayed_and_repeated_events_never_refund_twice(
    stripe_fake, paid_twice, deliver, make_stripe_customer
):
    for event in paid_twice.events:
        deliver(event)

    for event in paid_twice.events:  # Stripe delivers again
        deliver(event)
    events_replay(events=WebhookEvent.objects.all())  # nothing to replay: all processed
    WebhookEvent.objects.update(status="failed", error="pour le test")
    events_replay(events=WebhookEvent.objects.order_by("created_at"))  # staff replay them all
    deliver(stripe_fake.event("customer.subscription.updated", paid_twice.second))
    call_command("sync_subscriptions", stdout=io.StringIO())

    assert len(refunds(stripe_fake)) == 1
    assert len(stripe_fake.calls_to("POST", "/v1/refunds")) == 1
    second_path = f"/v1/subscriptions/{paid_twice.second['id']}"
    assert len(stripe_fake.calls_to("DELETE", second_path)) == 1
    assert DuplicateSubscription.objects.get().status == "settled"


def test_a_refund_stripe_fails_is_kept_for_the_repair_which_does_not_cancel_again(
    stripe_fake, paid_twice, deliver
):
    stripe_fake.fail("POST", "/v1/refunds")

    statuses = [deliver(event).status_code for event in paid_twice.events]

    assert statuses == [HTTPStatus.OK] * len(paid_twice.events)  # the events did apply
    duplicate = DuplicateSubscription.objects.get()
    assert (duplicate.status, duplicate.refunds) == ("pending", [])
    assert duplicate.canceled_at is not None  # cancelled already: no more charges
    assert duplicate.error.startswith("StripeCallFailed: ")
    assert stripe_fake.get("subscription", paid_twice.second["id"])["status"] == "canceled"

    output = io.StringIO()
    call_command("sync_subscriptions", stdout=output)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.refunded_cents, duplicate.error) == ("settled", 2300, "")
    assert len(refunds(stripe_fake)) == 1
    second_path = f"/v1/subscriptions/{paid_twice.second['id']}"
    assert len(stripe_fake.calls_to("DELETE", second_path)) == 1
    assert f"{paid_twice.second['id']} " in output.getvalue()
    assert "duplicate cancelled, 2300 cents refunded." in output.getvalue()


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_both_subscriptions_events_at_once_cancel_and_refund_once(stripe_fake, paid_twice):
    """Each sync looks for duplicates once committed: of two racing syncs, the later sees both."""
    payloads = [json.dumps(event) for event in paid_twice.events]

    def deliver_one() -> int:
        payload = payloads.pop()  # atomic: each thread delivers its own event
        return (
            Client()
            .post(
                WEBHOOK_URL,
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature_header(payload),
            )
            .status_code
        )

    statuses = in_threads(len(paid_twice.events), deliver_one)

    assert statuses == [HTTPStatus.OK] * len(paid_twice.events)
    assert stripe_fake.get("subscription", paid_twice.first["id"])["status"] == "active"
    assert stripe_fake.get("subscription", paid_twice.second["id"])["status"] == "canceled"
    assert len(stripe_fake.calls_to("POST", "/v1/refunds")) == 1
    assert DuplicateSubscription.objects.get().status == "settled"


def test_a_settlement_cut_off_after_stripe_refunded_does_not_refund_again(
    stripe_fake, paid_twice, deliver
):
    for event in paid_twice.events:
        deliver(event)
    [refund] = refunds(stripe_fake)
    # What a worker killed between Stripe's refund and our record of it leaves behind.
    DuplicateSubscription.objects.update(
        status="pending", settled_at=None, refunds=[], refunded_cents=0
    )

    duplicate = duplicates.duplicate_settle(duplicate=DuplicateSubscription.objects.get())

    assert duplicate.status == "settled"
    assert [recorded["refund"] for recorded in duplicate.refunds] == [refund["id"]]
    assert refunds(stripe_fake) == [refund]  # Stripe answered the same key with the same refund
    assert stripe_fake.refunded[refund["payment_intent"]] == 2300


def test_a_duplicate_claimed_by_another_process_is_left_to_it(stripe_fake, paid_twice, deliver):
    stripe_fake.fail("POST", "/v1/refunds")
    for event in paid_twice.events:
        deliver(event)
    DuplicateSubscription.objects.update(claimed_at=timezone.now())
    stripe_fake.calls.clear()

    duplicate = duplicates.duplicate_settle(duplicate=DuplicateSubscription.objects.get())

    assert duplicate.status == "pending"
    assert stripe_fake.calls == []


def test_a_complimentary_grant_and_a_paid_subscription_are_no_duplicate(
    stripe_fake, synced_offer, reader, deliver
):
    response = client_for(reader).post(CHECKOUT_URL, {"offer": synced_offer.slug}, format="json")
    session, subscription = stripe_fake.checkout_complete(response.json()["url"].rsplit("/")[-1])
    ComplimentaryFactory(user=reader)  # granted by staff while the reader was paying

    for event in payment_events(stripe_fake, session, subscription):
        deliver(event)

    assert not DuplicateSubscription.objects.exists()
    assert stripe_fake.calls_to("POST", "/v1/refunds") == []
    assert stripe_fake.get("subscription", subscription["id"])["status"] == "active"


def test_a_manager_sees_what_was_cancelled_and_refunded(
    stripe_fake, paid_twice, deliver, manager_client
):
    for event in paid_twice.events:
        deliver(event)
    duplicate = DuplicateSubscription.objects.get()

    listing = manager_client.get(DUPLICATES_URL)
    detail = manager_client.get(f"{DUPLICATES_URL}{duplicate.pk}/change/")

    assert listing.status_code == detail.status_code == HTTPStatus.OK
    assert "23 €" in listing.content.decode()
    page = detail.content.decode()
    assert duplicate.refunds[0]["refund"] in page
    assert f"/test/subscriptions/{paid_twice.second['id']}" in page
    assert 'name="_save"' not in page
    assert manager_client.get(f"{DUPLICATES_URL}add/").status_code == HTTPStatus.FORBIDDEN


def test_a_manager_settles_a_pending_duplicate_from_the_admin(
    stripe_fake, paid_twice, deliver, manager_client
):
    stripe_fake.fail("POST", "/v1/refunds")
    for event in paid_twice.events:
        deliver(event)
    duplicate = DuplicateSubscription.objects.get()

    response = manager_client.post(
        DUPLICATES_URL, {"action": "settle", "_selected_action": [duplicate.pk]}, follow=True
    )

    assert response.status_code == HTTPStatus.OK
    assert "1 réglé(s), 0 en échec." in response.content.decode()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.refunded_cents) == ("settled", 2300)
