from django.db.models import QuerySet

from accounts.models import User

from .models import Offer, Subscription


def active_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(is_active=True)


def renewing_subscriptions(*, user: User) -> QuerySet[Subscription]:
    """The reader's paid subscriptions that Stripe will still charge.

    Every Stripe subscription that has not ended (canceled, or incomplete and expired)
    and is not set to cancel at the end of its period: active or trialing, and also
    past_due, unpaid, incomplete or paused ones, which may still be paid or resumed.
    Complimentary access costs nothing and never counts.
    """
    Status = Subscription.Status
    return Subscription.objects.filter(
        user=user, source=Subscription.Source.STRIPE, cancel_at_period_end=False
    ).exclude(status__in=[Status.CANCELED, Status.INCOMPLETE_EXPIRED])
