"""Subscriptions ← Stripe: local rows rewritten from Stripe's current state.

Stripe is the source of truth; webhooks and `manage.py sync_subscriptions` both go
through `subscription_sync`, which re-reads the subscription rather than trusting
whatever copy of it they hold.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import stripe_gateway
from .customers import customer_link
from .models import Customer, Offer, Subscription
from .stripe_gateway import StripeCallFailed, StripeDict, object_id

logger = logging.getLogger(__name__)

NO_USER_FOR_SUBSCRIPTION = (
    "Aucun utilisateur pour l'abonnement Stripe {subscription} (client {customer}) : ni "
    "metadata.user_id, ni client_reference_id, ni client Stripe connu."
)


class SubscriptionUnlinked(Exception):
    """No user can be found for a Stripe subscription: retrying will not change that."""


def _timestamp(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def _offer_for(*, price: StripeDict, metadata: dict) -> Offer | None:
    price_id, product_id = object_id(price.get("id")), object_id(price.get("product"))
    return (
        (price_id and Offer.objects.filter(stripe_price_id=price_id).first())
        or (product_id and Offer.objects.filter(stripe_product_id=product_id).first())
        or (metadata.get("offer") and Offer.objects.filter(slug=metadata["offer"]).first())
        or None
    )


def subscription_state(remote: StripeDict) -> dict[str, Any]:
    """The local fields for a Stripe subscription.

    In current API versions the period is on each subscription item, not on the
    subscription; older versions had it on the subscription, read as a fallback.
    """
    items = (remote.get("items") or {}).get("data") or []
    starts = [item["current_period_start"] for item in items if item.get("current_period_start")]
    ends = [item["current_period_end"] for item in items if item.get("current_period_end")]
    period_start = min(starts) if starts else remote.get("current_period_start")
    period_end = max(ends) if ends else remote.get("current_period_end")
    price = (items[0].get("price") or {}) if items else {}
    metadata = remote.get("metadata") or {}
    cancel_at = remote.get("cancel_at")
    return {
        "status": remote["status"],
        "current_period_start": _timestamp(period_start),
        "current_period_end": _timestamp(period_end),
        # Newer portals may set cancel_at to the period end instead of the flag.
        "cancel_at_period_end": bool(remote.get("cancel_at_period_end"))
        or bool(cancel_at and period_end and cancel_at >= period_end),
        "canceled_at": _timestamp(remote.get("canceled_at")),
        "trial_end": _timestamp(remote.get("trial_end")),
        "stripe_created_at": _timestamp(remote.get("created")),
        "stripe_price_id": object_id(price.get("id")) or "",
        "offer": _offer_for(price=price, metadata=metadata),
        "livemode": bool(remote.get("livemode")),
    }


def user_for_subscription(*, remote: StripeDict, client_reference_id: str | None = None):
    """The user a Stripe subscription belongs to, or None.

    In order: the user id Checkout put in the subscription's metadata, the checkout
    session's client_reference_id, then the Customer table.
    """
    User = get_user_model()
    for candidate in [(remote.get("metadata") or {}).get("user_id"), client_reference_id]:
        if candidate and str(candidate).isdigit():
            user = User.objects.filter(pk=int(candidate)).first()
            if user is not None:
                return user
    customer = (
        Customer.objects.select_related("user")
        .filter(stripe_customer_id=object_id(remote.get("customer")))
        .first()
    )
    return customer.user if customer else None


@dataclass
class SubscriptionSyncResult:
    subscription: Subscription
    created: bool
    changed: list[str]


def _sync_locked(
    *, stripe_subscription_id: str, client_reference_id: str | None
) -> SubscriptionSyncResult:
    # Lock first, read Stripe second: of two syncs of one subscription, the one that
    # writes last has read last, so an older state never overwrites a newer one.
    local = (
        Subscription.objects.select_for_update()
        .filter(stripe_subscription_id=stripe_subscription_id)
        .first()
    )
    remote = stripe_gateway.subscription_retrieve(subscription_id=stripe_subscription_id)
    created = local is None
    if local is None:
        user = user_for_subscription(remote=remote, client_reference_id=client_reference_id)
        if user is None:
            raise SubscriptionUnlinked(
                NO_USER_FOR_SUBSCRIPTION.format(
                    subscription=stripe_subscription_id, customer=object_id(remote.get("customer"))
                )
            )
        local = Subscription(
            user=user,
            source=Subscription.Source.STRIPE,
            stripe_subscription_id=stripe_subscription_id,
        )
    customer_link(user=local.user, stripe_customer_id=object_id(remote.get("customer")) or "")
    state = subscription_state(remote)
    changed = [name for name, value in state.items() if getattr(local, name) != value]
    if state["offer"] is None:
        state.pop("offer")  # keep what we knew rather than forget the offer
        changed = [name for name in changed if name != "offer"]
    for name, value in state.items():
        setattr(local, name, value)
    local.synced_at = timezone.now()
    local.save()
    return SubscriptionSyncResult(subscription=local, created=created, changed=changed)


def subscription_sync(
    *, stripe_subscription_id: str, client_reference_id: str | None = None
) -> SubscriptionSyncResult:
    """Re-read a subscription from Stripe and write that state here, whatever was here.

    Raises SubscriptionUnlinked when it is new here and no user can be found for it.
    """
    try:
        with transaction.atomic():
            return _sync_locked(
                stripe_subscription_id=stripe_subscription_id,
                client_reference_id=client_reference_id,
            )
    except IntegrityError:
        # A concurrent sync created the row first; now there is a row to lock and re-read.
        with transaction.atomic():
            return _sync_locked(
                stripe_subscription_id=stripe_subscription_id,
                client_reference_id=client_reference_id,
            )


@dataclass
class RepairReport:
    results: list[SubscriptionSyncResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def subscriptions_repair() -> RepairReport:
    """Re-read every subscription Stripe or we know of and repair local state.

    For missed webhooks; safe any time, as it goes through the same sync as they do.
    """
    stripe_gateway.ensure_configured()
    report = RepairReport()
    ids = dict.fromkeys(
        Subscription.objects.filter(source=Subscription.Source.STRIPE)
        .order_by("pk")
        .values_list("stripe_subscription_id", flat=True)
    )
    for customer in Customer.objects.order_by("pk"):
        try:
            for remote in stripe_gateway.subscriptions_for_customer(
                customer_id=customer.stripe_customer_id
            ):
                ids.setdefault(remote["id"])
        except StripeCallFailed as error:
            report.failures.append(f"customer {customer.stripe_customer_id}: {error}")
    for stripe_subscription_id in filter(None, ids):
        try:
            report.results.append(subscription_sync(stripe_subscription_id=stripe_subscription_id))
        except (StripeCallFailed, SubscriptionUnlinked) as error:
            logger.warning("Subscription %s not repaired: %s", stripe_subscription_id, error)
            report.failures.append(f"subscription {stripe_subscription_id}: {error}")
    return report
