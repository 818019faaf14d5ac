"""A reader billed twice: the newer of two entitling Stripe subscriptions is cancelled and refunded.

Checkout keeps one open session per reader, so this should not happen; when it does
anyway (a session opened before that rule, or elsewhere, a Stripe outage while an old
session was being expired), the reader keeps the oldest subscription and every newer
one that also entitles them is recorded as a DuplicateSubscription, then settled:
cancelled at Stripe at once, and every payment of its paid invoices refunded.

Found after the sync that made it visible has committed (from the webhook, after the
event's transaction; from the repair command), so of two syncs racing for one reader
the later one sees both subscriptions. Settled outside any transaction, under a claim of
the row, each step recorded as it succeeds; refunds carry a key derived from the
payment they refund. So a replayed, duplicated or concurrent event never cancels or
refunds twice, and a settlement cut off half-way resumes where it stopped.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import stripe_gateway
from .access import entitlement_q
from .models import DuplicateSubscription, Subscription
from .stripe_gateway import StripeCallFailed, StripeUnreachable, object_id
from .subscription_sync import subscription_sync

logger = logging.getLogger(__name__)

Status = DuplicateSubscription.Status

CANCEL_COMMENT = "Abonnement en double : annulé et remboursé par Imago ({kept} est conservé)."
NOT_REFUNDABLE = "Paiement {payment} de type {kind} : à rembourser à la main depuis Stripe."

# A claim this old was left by a process stopped mid-way: another may settle the row.
SETTLE_ABANDONED_AFTER = dt.timedelta(minutes=5)


def duplicates_record(
    *, user_id: int, at: dt.datetime | None = None
) -> list[DuplicateSubscription]:
    """Every entitling Stripe subscription of the reader but the oldest, recorded once.

    Oldest by Stripe's creation time (one not known yet counts as the oldest: it was
    here first), then by id.
    """
    entitling = list(
        Subscription.objects.filter(
            entitlement_q(at=at or timezone.now()),
            user_id=user_id,
            source=Subscription.Source.STRIPE,
        ).order_by(F("stripe_created_at").asc(nulls_first=True), "stripe_subscription_id")
    )
    if len(entitling) < 2:
        return []
    kept, newer = entitling[0], entitling[1:]
    found = []
    for subscription in newer:
        try:
            with transaction.atomic():
                duplicate, created = DuplicateSubscription.objects.get_or_create(
                    subscription=subscription, defaults={"user_id": user_id, "kept": kept}
                )
        except IntegrityError:  # a concurrent sync recorded it first
            duplicate, created = DuplicateSubscription.objects.get(subscription=subscription), False
        if created:
            logger.warning(
                "Reader %s has two entitling Stripe subscriptions: keeping %s, cancelling and "
                "refunding %s.",
                user_id,
                kept.stripe_subscription_id,
                subscription.stripe_subscription_id,
            )
        found.append(duplicate)
    return found


def duplicates_resolve(*, user_id: int) -> list[DuplicateSubscription]:
    """Record the reader's duplicates and settle those not settled yet."""
    return [
        duplicate_settle(duplicate=duplicate)
        for duplicate in duplicates_record(user_id=user_id)
        if duplicate.status == Status.PENDING
    ]


def duplicates_settle_pending() -> list[DuplicateSubscription]:
    """Settle every duplicate still pending (Stripe was unreachable, say): the repair's job."""
    pending = DuplicateSubscription.objects.filter(status=Status.PENDING).order_by("created_at")
    return [duplicate_settle(duplicate=duplicate) for duplicate in pending]


def duplicate_settle(
    *, duplicate: DuplicateSubscription, at: dt.datetime | None = None
) -> DuplicateSubscription:
    """Cancel the duplicate at Stripe and refund what it charged; failures are recorded on it.

    Nothing happens while another process holds its claim, or once it is settled.
    """
    now = at or timezone.now()
    claimed = (
        DuplicateSubscription.objects.filter(pk=duplicate.pk, status=Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SETTLE_ABANDONED_AFTER))
        .update(claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    )
    duplicate.refresh_from_db()
    if not claimed:
        return duplicate
    try:
        _settle(duplicate)
    except Exception as error:  # recorded for staff, retried by the next event or the repair
        logger.exception(
            "Duplicate subscription %s of reader %s not settled",
            duplicate.subscription.stripe_subscription_id,
            duplicate.user_id,
        )
        duplicate.error = f"{type(error).__name__}: {error}"
    duplicate.claimed_at = None
    duplicate.save()
    return duplicate


def _settle(duplicate: DuplicateSubscription) -> None:
    subscription_id = duplicate.subscription.stripe_subscription_id or ""
    if duplicate.canceled_at is None:
        _cancel(duplicate, subscription_id)
    refunded = {refund["invoice_payment"] for refund in duplicate.refunds}
    for invoice in stripe_gateway.invoices_paid(subscription_id=subscription_id):
        for payment in stripe_gateway.invoice_payments_paid(invoice_id=invoice["id"]):
            if payment["id"] in refunded or not payment.get("amount_paid"):
                continue
            _refund(duplicate, subscription_id, invoice, payment)
    duplicate.status = Status.SETTLED
    duplicate.settled_at = timezone.now()
    duplicate.error = ""
    logger.warning(
        "Duplicate subscription %s of reader %s cancelled, %s refunded (%s cents %s).",
        subscription_id,
        duplicate.user_id,
        ", ".join(refund["refund"] for refund in duplicate.refunds) or "nothing",
        duplicate.refunded_cents,
        duplicate.currency,
    )


def _cancel(duplicate: DuplicateSubscription, subscription_id: str) -> None:
    kept = duplicate.kept.stripe_subscription_id if duplicate.kept else "l'autre abonnement"
    try:
        stripe_gateway.subscription_cancel(
            subscription_id=subscription_id, comment=CANCEL_COMMENT.format(kept=kept)
        )
    except StripeUnreachable:
        raise
    except StripeCallFailed:
        # Stripe refuses to cancel what has ended already (by the reader, by staff): fine.
        remote = stripe_gateway.subscription_retrieve(subscription_id=subscription_id)
        if remote["status"] not in ("canceled", "incomplete_expired"):
            raise
    duplicate.canceled_at = timezone.now()
    duplicate.save(update_fields=["canceled_at", "updated_at"])
    subscription_sync(stripe_subscription_id=subscription_id)  # no access from it any more


def _refund(
    duplicate: DuplicateSubscription, subscription_id: str, invoice: dict, payment: dict
) -> None:
    paid_with = payment.get("payment") or {}
    kind = paid_with.get("type")
    if kind not in ("payment_intent", "charge"):
        raise StripeCallFailed(reason=NOT_REFUNDABLE.format(payment=payment["id"], kind=kind))
    refund = stripe_gateway.refund_create(
        payment_intent_id=object_id(paid_with.get("payment_intent")),
        charge_id=object_id(paid_with.get("charge")),
        amount=payment["amount_paid"],
        metadata={"duplicate_subscription": subscription_id, "invoice": invoice["id"]},
        # The same key for the same payment, whoever retries: Stripe refunds it once.
        idempotency_key=f"imago-duplicate-{subscription_id}-refund-{payment['id']}",
    )
    duplicate.refunds = [
        *duplicate.refunds,
        {
            "refund": refund["id"],
            "invoice": invoice["id"],
            "invoice_payment": payment["id"],
            "amount": refund["amount"],
            "currency": refund["currency"],
        },
    ]
    duplicate.refunded_cents += refund["amount"]
    duplicate.currency = refund["currency"].upper()
    duplicate.save(update_fields=["refunds", "refunded_cents", "currency", "updated_at"])
