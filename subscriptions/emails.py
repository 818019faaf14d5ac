"""The messages about a reader's subscription, composed when the worker sends them."""

import datetime as dt

from django.conf import settings

from accounts.models import User
from outbox.composers import Composed, composed_from_templates, composer

from .models import Subscription, money_display


def grace_ends_at(subscription: Subscription) -> dt.datetime | None:
    """When a past-due subscription stops giving access (subscriptions/access.py's rule)."""
    if subscription.status != Subscription.Status.PAST_DUE:
        return None
    unpaid_since = subscription.current_period_start or subscription.current_period_end
    if unpaid_since is None:
        return None
    return unpaid_since + dt.timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)


@composer("subscriptions.payment_failed")
def payment_failed(
    *, user_id: int, subscription_id: int, amount_cents: int, currency: str
) -> Composed | None:
    """The payment of a renewal failed: the amount, what happens next, where to fix it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    subscription = Subscription.objects.filter(pk=subscription_id).select_related("offer").first()
    if user is None or subscription is None:
        return None
    return composed_from_templates(
        "subscriptions/emails/payment_failed",
        {
            "amount": money_display(amount_cents, currency, with_cents=True),
            "offer": subscription.offer.name if subscription.offer else None,
            "grace_ends_at": grace_ends_at(subscription),
            "grace_days": settings.SUBSCRIPTION_GRACE_DAYS,
            # The account page of the reading site, where the reader opens Stripe's portal.
            "account_url": settings.STRIPE_PORTAL_RETURN_URL,
        },
    )
