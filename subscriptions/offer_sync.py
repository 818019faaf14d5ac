"""Offers → Stripe: each active offer's Product and Price, created or updated from here.

The offer is the source of truth; Stripe gets what it says (`manage.py sync_offers`,
or at once when the admin changes a price).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import stripe_gateway
from .models import Offer
from .stripe_gateway import StripeDict, StripeObjectMissing, object_id

# The fields a Stripe Price is made of: changing one needs a new Price.
PRICE_FIELDS = frozenset({"price_cents", "currency", "interval"})


@dataclass
class OfferSyncResult:
    offer: Offer
    changes: list[str] = field(default_factory=list)


def _offer_key(offer: Offer, *parts: object) -> str:
    # created_at tells apart two offers that got the same id in a reset database.
    return "-".join(
        ["imago-offer", str(offer.pk), str(int(offer.created_at.timestamp())), *map(str, parts)]
    )


def _retrieve_or_none(retrieve, **kwargs) -> StripeDict | None:
    try:
        return retrieve(**kwargs)
    except StripeObjectMissing:  # e.g. ids from test mode read with live keys: start afresh
        return None


def _product_sync(offer: Offer, result: OfferSyncResult) -> str:
    wanted = {"name": offer.name, "description": offer.tagline}
    remote = None
    if offer.stripe_product_id:
        remote = _retrieve_or_none(
            stripe_gateway.product_retrieve, product_id=offer.stripe_product_id
        )
    if remote is None:
        remote = stripe_gateway.product_create(
            name=offer.name,
            description=offer.tagline,
            offer_slug=offer.slug,
            idempotency_key=_offer_key(offer, "product"),
        )
        result.changes.append(f"product {remote['id']} created")
        return remote["id"]
    changes: dict[str, Any] = {
        name: value for name, value in wanted.items() if (remote.get(name) or "") != value
    }
    if not remote.get("active", True):
        changes["active"] = True
    if changes:
        stripe_gateway.product_update(product_id=remote["id"], changes=changes)
        result.changes.append(f"product {remote['id']} updated ({', '.join(sorted(changes))})")
    return remote["id"]


def _price_matches(price: StripeDict, *, offer: Offer, product_id: str) -> bool:
    recurring = price.get("recurring") or {}
    return (
        bool(price.get("active"))
        and object_id(price.get("product")) == product_id
        and price.get("unit_amount") == offer.price_cents
        and price.get("currency") == offer.currency.lower()
        and recurring.get("interval") == offer.interval
        and recurring.get("interval_count", 1) == 1
        and price.get("tax_behavior") == "inclusive"
    )


def offer_sync(*, offer: Offer) -> OfferSyncResult:
    """Create or update the offer's Stripe Product and Price; nothing when they match.

    Stripe prices are immutable: a new amount or interval makes a new Price, and the
    old one is archived, which hides it from new checkouts while existing subscribers
    stay on it (their rows keep its id; webhooks find the offer through the product).
    """
    result = OfferSyncResult(offer=offer)
    product_id = _product_sync(offer, result)
    current = None
    if offer.stripe_price_id:
        current = _retrieve_or_none(stripe_gateway.price_retrieve, price_id=offer.stripe_price_id)
    if current is None or not _price_matches(current, offer=offer, product_id=product_id):
        price = stripe_gateway.price_create(
            product_id=product_id,
            unit_amount=offer.price_cents,
            currency=offer.currency,
            interval=offer.interval,
            offer_slug=offer.slug,
            # The price it replaces is part of the key: going back to an earlier amount
            # must make a new Price, not replay the one archived since.
            idempotency_key=_offer_key(
                offer,
                "price",
                product_id,
                offer.price_cents,
                offer.currency,
                offer.interval,
                current["id"] if current else "first",
            ),
        )
        result.changes.append(f"price {price['id']} created")
        if current is not None and current.get("active") and current["id"] != price["id"]:
            stripe_gateway.price_archive(price_id=current["id"])
            result.changes.append(f"price {current['id']} archived")
        offer.stripe_price_id = price["id"]
    if offer.stripe_product_id != product_id or result.changes:
        offer.stripe_product_id = product_id
        offer.save(update_fields=["stripe_product_id", "stripe_price_id", "updated_at"])
    return result


@dataclass(frozen=True)
class OfferReprice:
    """What became of an offer's new price: sent to Stripe, refused (`error`), or left
    for `manage.py sync_offers` when Stripe is not configured (neither)."""

    sent: bool
    error: str | None = None


def offer_price_changed(*, changed_fields: Iterable[str]) -> bool:
    return not PRICE_FIELDS.isdisjoint(changed_fields)


def offer_reprice(*, offer: Offer) -> OfferReprice:
    """Send an offer's new price to Stripe at once.

    The offer was saved without a Stripe price, so checkout stays suspended until Stripe
    has the new one: readers are never charged another amount than the one they were shown.
    """
    if not stripe_gateway.is_configured():
        return OfferReprice(sent=False)
    try:
        offer_sync(offer=offer)
    except stripe_gateway.StripeCallFailed as error:
        return OfferReprice(sent=False, error=str(error))
    return OfferReprice(sent=True)
