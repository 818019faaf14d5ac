"""THE one place that decides whether a user has access to subscriber content now."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .models import Subscription

Source = Subscription.Source
Status = Subscription.Status


def entitlement_q(*, at: datetime) -> Q:
    """Subscriptions that entitle their user at `at`.

    - Stripe `active` or `trialing` until the current period ends; a subscription
      set to cancel at period end stays `active` until then, so it is covered too.
    - Stripe `past_due` for SUBSCRIPTION_GRACE_DAYS past the end of the paid period,
      while Stripe retries the payment. Stripe moves a subscription to its next period
      when it bills it, paid or not, so for a past_due subscription read from Stripe the
      paid time ended where the current (unpaid) period starts; without a known start
      (older rows), the period end stands for it.
    - A complimentary grant until its end (no end: until revoked).
    Every other status grants nothing.
    """
    grace = timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    return (
        Q(
            source=Source.STRIPE,
            status__in=[Status.ACTIVE, Status.TRIALING],
            current_period_end__gt=at,
        )
        | (
            Q(source=Source.STRIPE, status=Status.PAST_DUE)
            & (
                Q(current_period_start__gt=at - grace)
                | Q(current_period_start__isnull=True, current_period_end__gt=at - grace)
            )
        )
        | (
            Q(source=Source.COMPLIMENTARY, status=Status.ACTIVE)
            & (Q(current_period_end__isnull=True) | Q(current_period_end__gt=at))
        )
    )


def has_access(user, at: datetime | None = None) -> bool:
    """Whether `user` may read subscriber-only articles at `at` (default: now)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True  # staff preview everything
    at = at or timezone.now()
    return Subscription.objects.filter(entitlement_q(at=at), user=user).exists()


def current_subscription(user, at: datetime | None = None) -> Subscription | None:
    """The subscription to show the reader: the one entitling them, else the latest."""
    if user is None or not user.is_authenticated:
        return None
    at = at or timezone.now()
    subscriptions = Subscription.objects.filter(user=user).select_related("offer")
    return (
        subscriptions.filter(entitlement_q(at=at))
        .order_by(F("current_period_end").desc(nulls_first=True))
        .first()
        or subscriptions.order_by("-created_at").first()
    )
