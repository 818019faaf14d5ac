"""Stripe webhooks: verify, store once, apply idempotently.

Every event is stored once by its id (a unique constraint), then processed under a
lock of its row, so two deliveries of one event apply it once. Applying a
subscription-related event never trusts the payload's copy of the subscription: it
re-reads the subscription from Stripe and writes that state, so events may arrive
in any order and an old one never overwrites newer state.

Outcomes, recorded on the event:
- processed: applied (a duplicate delivery is acknowledged and changes nothing);
- ignored: a type we do not handle, an invoice without subscription, or a
  subscription no user can be found for (not in its metadata, nor the checkout's
  client_reference_id, nor the Customer table). Retrying cannot help, so Stripe is
  answered 200 and the reason kept in `error`; staff may replay it from the admin
  once they have linked the customer;
- failed: anything else went wrong (Stripe unreachable, a bug). The error is kept,
  Stripe is answered 500 and retries; a retried delivery is processed again, and
  staff may replay it from the admin.

An event stays `pending` only while it is being processed, or when its processing
was cut off (the worker killed mid-way rolls back everything, status included).
Once older than STRIPE_EVENT_STALE_MINUTES it is stale: staff may replay it, and
`manage.py sync_subscriptions` replays it with the failed ones.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import stripe_gateway
from .billing import checkout_session_completed
from .duplicates import duplicates_resolve
from .models import WebhookEvent
from .services import payment_failed_notice_queue
from .stripe_gateway import StripeDict, StripeObjectMissing, object_id
from .subscription_sync import SubscriptionUnlinked, subscription_sync

logger = logging.getLogger(__name__)

Status = WebhookEvent.Status

UNHANDLED_TYPE = "Type d'événement non traité : rien à faire."
NO_SUBSCRIPTION = "L'événement ne concerne aucun abonnement : rien à faire."
SUBSCRIPTION_MISSING = "Stripe ne connaît pas l'abonnement {subscription} : {error}"

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}
PAYMENT_FAILED = "invoice.payment_failed"
INVOICE_EVENTS = {"invoice.paid", PAYMENT_FAILED}
CHECKOUT_COMPLETED = "checkout.session.completed"
HANDLED_TYPES = SUBSCRIPTION_EVENTS | INVOICE_EVENTS | {CHECKOUT_COMPLETED}

# A duplicate of an event in one of these states is acknowledged and changes nothing.
SETTLED = {Status.PROCESSED, Status.IGNORED}


def invoice_subscription_id(invoice: StripeDict) -> str | None:
    """The subscription an invoice bills.

    Current API versions: invoice.parent.subscription_details.subscription; older ones
    had invoice.subscription; the lines carry it too.
    """
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    found = object_id(details.get("subscription")) or object_id(invoice.get("subscription"))
    if found:
        return found
    for line in (invoice.get("lines") or {}).get("data") or []:
        item_details = (line.get("parent") or {}).get("subscription_item_details") or {}
        found = object_id(item_details.get("subscription")) or object_id(line.get("subscription"))
        if found:
            return found
    return None


def _subscription_reference(event_type: str, obj: StripeDict) -> tuple[str | None, str | None]:
    """(subscription id, client_reference_id) for a handled event."""
    if event_type == CHECKOUT_COMPLETED:
        if obj.get("mode") != "subscription":
            return None, None
        return object_id(obj.get("subscription")), obj.get("client_reference_id")
    if event_type in SUBSCRIPTION_EVENTS:
        return obj.get("id"), None
    return invoice_subscription_id(obj), None


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    user_id: int | None = None  # the reader whose subscription was synced


def _apply(payload: StripeDict) -> Outcome:
    """Apply an event; return its outcome."""
    event_type = payload["type"]
    if event_type not in HANDLED_TYPES:
        return Outcome(Status.IGNORED, UNHANDLED_TYPE)
    obj = payload["data"]["object"]
    if event_type == CHECKOUT_COMPLETED and obj.get("id"):
        checkout_session_completed(stripe_session_id=obj["id"])
    subscription_id, client_reference_id = _subscription_reference(event_type, obj)
    if not subscription_id:
        return Outcome(Status.IGNORED, NO_SUBSCRIPTION)
    try:
        result = subscription_sync(
            stripe_subscription_id=subscription_id, client_reference_id=client_reference_id
        )
    except SubscriptionUnlinked as error:
        return Outcome(Status.IGNORED, str(error))
    except StripeObjectMissing as error:
        return Outcome(
            Status.IGNORED, SUBSCRIPTION_MISSING.format(subscription=subscription_id, error=error)
        )
    if event_type == PAYMENT_FAILED:
        # In the event's transaction: queued if and only if the event is applied.
        payment_failed_notice_queue(invoice=obj, subscription=result.subscription)
    return Outcome(Status.PROCESSED, user_id=result.subscription.user_id)


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"
    if error.__cause__ is not None:
        text += f" (cause: {type(error.__cause__).__name__}: {error.__cause__})"
    return text


def event_store(*, payload: StripeDict) -> WebhookEvent:
    """The stored row for an event, created on its first delivery only."""
    created = payload.get("created")
    # get_or_create absorbs the IntegrityError of a concurrent first delivery.
    event, _ = WebhookEvent.objects.get_or_create(
        stripe_event_id=payload["id"],
        defaults={
            "type": payload["type"],
            "livemode": bool(payload.get("livemode")),
            "stripe_created_at": dt.datetime.fromtimestamp(created, tz=dt.UTC)
            if isinstance(created, int)
            else None,
            "payload": payload,
        },
    )
    return event


def event_process(*, event: WebhookEvent, replay: bool = False) -> WebhookEvent:
    """Apply a stored event once; `replay` applies a settled one again (from the admin).

    The event's row is locked for the whole processing: a concurrent delivery of the
    same event waits, then finds it settled. Once that is committed, a reader it left
    with two entitling subscriptions has the newer one cancelled and refunded
    (duplicates.py); the event's outcome does not depend on that.
    """
    outcome = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if event.status in SETTLED and not replay:
            return event
        event.attempts += 1
        try:
            with transaction.atomic():  # a failure leaves nothing half-written
                outcome = _apply(event.payload)
            event.status, event.error = outcome.status, outcome.reason
        except Exception as error:  # recorded, answered 500, retried by Stripe
            logger.exception("Stripe event %s failed", event.stripe_event_id)
            event.status, event.error = Status.FAILED, _describe(error)
        event.processed_at = timezone.now() if event.status != Status.FAILED else None
        event.save()
    if outcome is not None and outcome.user_id is not None:
        duplicates_resolve(user_id=outcome.user_id)
    return event


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify, store once, and process a delivery of a Stripe event.

    Raises WebhookRejected (400, nothing stored) when the signature or body is bad.
    """
    event = stripe_gateway.event_construct(payload=payload, signature=signature)
    return event_process(event=event_store(payload=event))


def stale_before(*, at: dt.datetime | None = None) -> dt.datetime:
    """Events received before this moment and still pending were cut off mid-processing."""
    return (at or timezone.now()) - dt.timedelta(minutes=settings.STRIPE_EVENT_STALE_MINUTES)


def events_to_repair(*, at: dt.datetime | None = None) -> QuerySet[WebhookEvent]:
    """Events the repair command replays: failed, or pending and stale (not ignored ones,
    which wait for staff to link the customer)."""
    return WebhookEvent.objects.filter(
        Q(status=Status.FAILED) | Q(status=Status.PENDING, created_at__lt=stale_before(at=at))
    ).order_by("created_at", "pk")


def events_replay(*, events, at: dt.datetime | None = None) -> dict[str, int]:
    """Process failed, ignored or stale pending events again; the count of each outcome.

    A pending event younger than STRIPE_EVENT_STALE_MINUTES may be in processing right
    now: it is left alone.
    """
    cutoff = stale_before(at=at)
    outcomes: dict[str, int] = {}
    for event in events:
        stale = event.status == Status.PENDING and event.created_at < cutoff
        if event.status not in (Status.FAILED, Status.IGNORED) and not stale:
            continue
        status = event_process(event=event, replay=True).status
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
