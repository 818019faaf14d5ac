"""What a reader does with Stripe: get a Customer, pay through Checkout, manage in the portal."""

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from imago.exceptions import DomainError

from . import stripe_gateway
from .access import has_access
from .models import Customer, Offer, Subscription

OFFER_UNAVAILABLE = "Cette offre n'existe pas ou n'est plus proposée."
ALREADY_SUBSCRIBED = "Vous avez déjà accès aux contenus réservés aux abonnés."
OFFER_NOT_IN_STRIPE = "Cette offre n'est pas encore disponible au paiement."
NO_CUSTOMER = "Aucun compte de paiement n'est associé à votre compte."
PAYMENT_DUE = (
    "Votre abonnement attend un paiement : mettez à jour votre moyen de paiement "
    "dans l'espace client plutôt que de souscrire à nouveau."
)

# Stripe subscriptions still alive though they give no access now: a new checkout
# would bill the reader twice once the old one is paid. Not `incomplete`: its first
# payment never went through and Stripe lets it expire within a day, so a new
# checkout is the reader's way to try again.
AWAITING_PAYMENT = [
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
    Subscription.Status.PAUSED,
]

CHECKOUT_LOCALE = "fr"


def customer_get_or_create(*, user: User) -> Customer:
    """The user's one Stripe Customer, created on first need and reused after.

    Concurrent first requests queue on a lock of the user's row, and the second
    finds the first one's Customer. Where rows cannot be locked (SQLite), the
    idempotency key makes Stripe answer both creates with the same customer and the
    unique `user` column keeps one row.
    """
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk=user.pk).only("pk"))
            existing = Customer.objects.filter(user=user).first()
            if existing is not None:
                return existing
            remote = stripe_gateway.customer_create(
                email=user.email,
                user_id=user.pk,
                # date_joined tells apart two users who got the same id in a reset database.
                idempotency_key=f"imago-customer-{user.pk}-{int(user.date_joined.timestamp())}",
            )
            return Customer.objects.create(user=user, stripe_customer_id=remote["id"])
    except IntegrityError:
        return Customer.objects.get(user=user)


def customer_link(*, user: User, stripe_customer_id: str) -> None:
    """Remember a customer Stripe tied to `user`, unless either already has one here."""
    if not stripe_customer_id:
        return
    if Customer.objects.filter(user=user).exists():
        return
    if Customer.objects.filter(stripe_customer_id=stripe_customer_id).exists():
        return
    try:
        with transaction.atomic():
            Customer.objects.create(user=user, stripe_customer_id=stripe_customer_id)
    except IntegrityError:
        pass  # a concurrent request linked it first


def checkout_session_start(*, user: User, offer_slug: str) -> str:
    """The URL of a Stripe Checkout page where `user` subscribes to the offer."""
    stripe_gateway.ensure_configured()
    offer = Offer.objects.filter(slug=offer_slug, is_active=True).first()
    if offer is None:
        raise DomainError(OFFER_UNAVAILABLE, code="offer_unavailable")
    if has_access(user):
        raise DomainError(ALREADY_SUBSCRIBED, code="already_subscribed", status_code=409)
    if Subscription.objects.filter(
        user=user, source=Subscription.Source.STRIPE, status__in=AWAITING_PAYMENT
    ).exists():
        raise DomainError(PAYMENT_DUE, code="payment_due", status_code=409)
    if not offer.stripe_price_id:  # `manage.py sync_offers` has not run
        raise stripe_gateway.StripeUnavailable(OFFER_NOT_IN_STRIPE, code="offer_not_in_stripe")
    customer = customer_get_or_create(user=user)
    session = stripe_gateway.checkout_session_create(
        customer_id=customer.stripe_customer_id,
        price_id=offer.stripe_price_id,
        user_id=user.pk,
        metadata={"user_id": str(user.pk), "offer": offer.slug},
        locale=CHECKOUT_LOCALE,
        success_url=settings.STRIPE_CHECKOUT_SUCCESS_URL,
        cancel_url=settings.STRIPE_CHECKOUT_CANCEL_URL,
    )
    return session["url"]


def portal_session_start(*, user: User) -> str:
    """The URL of the Stripe customer portal, where a subscriber manages their subscription."""
    stripe_gateway.ensure_configured()
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise DomainError(NO_CUSTOMER, code="no_stripe_customer", status_code=404)
    session = stripe_gateway.portal_session_create(
        customer_id=customer.stripe_customer_id,
        return_url=settings.STRIPE_PORTAL_RETURN_URL,
    )
    return session["url"]
