from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from outbox.services import email_queue

from .models import Offer, Subscription

Source = Subscription.Source
Status = Subscription.Status


@transaction.atomic
def complimentary_grant(
    *,
    user: User,
    until: datetime | None,
    granted_by: User | None = None,
    note: str = "",
    offer: Offer | None = None,
) -> Subscription:
    """Give `user` free access until `until` (None: until revoked).

    A reader holds at most one live grant (a database constraint): granting again
    moves its end instead of stacking grants.
    """
    grant = (
        Subscription.objects.select_for_update()
        .filter(user=user, source=Source.COMPLIMENTARY, status=Status.ACTIVE)
        .first()
    )
    if grant is None:
        grant = Subscription(user=user, source=Source.COMPLIMENTARY, status=Status.ACTIVE)
    grant.current_period_end = until
    grant.granted_by = granted_by or grant.granted_by
    grant.note = note or grant.note
    grant.offer = offer or grant.offer
    grant.save()
    return grant


def complimentary_revoke(*, subscription: Subscription, at: datetime | None = None) -> bool:
    """End a complimentary grant now; Stripe subscriptions are left to Stripe."""
    if subscription.source != Source.COMPLIMENTARY or subscription.status != Status.ACTIVE:
        return False
    subscription.status = Status.CANCELED
    subscription.canceled_at = at or timezone.now()
    subscription.save(update_fields=["status", "canceled_at", "updated_at"])
    return True


def payment_failed_notice_queue(*, invoice: dict, subscription: Subscription) -> None:
    """Tell the reader a payment failed, once per invoice however often Stripe says so.

    Stripe sends invoice.payment_failed at each failed attempt (and may deliver one
    event twice): the key names the invoice, so the reader hears of it once, at the
    first failure. A reader whose account is closed hears nothing.
    """
    amount = invoice.get("amount_due") or 0
    user = subscription.user
    if not invoice.get("id") or amount <= 0 or not user.is_active:
        return
    email_queue(
        key=f"payment-failed:{invoice['id']}",
        composer="subscriptions.payment_failed",
        to=user.email,
        context={
            "user_id": user.pk,
            "subscription_id": subscription.pk,
            "amount_cents": amount,
            "currency": str(invoice.get("currency") or "eur").upper(),
        },
    )
