"""What a reader does with Stripe: get a Customer, pay through Checkout, manage in the portal."""

import datetime as dt
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User, email_canonical
from imago.exceptions import DomainError

from . import stripe_gateway
from .access import entitlement_for
from .models import CheckoutSession, Customer, Offer, SpentTrial, Subscription
from .subscription_sync import SubscriptionUnlinked, subscription_sync

OFFER_UNAVAILABLE = "Cette offre n'existe pas ou n'est plus proposée."
ALREADY_SUBSCRIBED = "Vous avez déjà accès aux contenus réservés aux abonnés."
OFFER_NOT_IN_STRIPE = "Cette offre n'est pas encore disponible au paiement."
NO_CUSTOMER = "Aucun compte de paiement n'est associé à votre compte."
PAYMENT_DUE = (
    "Votre abonnement attend un paiement : mettez à jour votre moyen de paiement "
    "dans l'espace client plutôt que de souscrire à nouveau."
)
CHECKOUT_IN_PROGRESS = (
    "Votre page de paiement est en cours de préparation ; réessayez dans un instant."
)
CHECKOUT_ALREADY_PAID = "Votre paiement a été reçu : votre accès s'ouvre dans un instant."

# Stripe subscriptions still alive though they give no access now: a new checkout
# would bill the reader twice once the old one is paid. Not `incomplete`: its first
# payment never went through and Stripe lets it expire within a day, so a new
# checkout is the reader's way to try again.
AWAITING_PAYMENT = [
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
    Subscription.Status.PAUSED,
]

# An open session with less time left is replaced: the reader needs the time to pay.
CHECKOUT_REUSE_MARGIN = dt.timedelta(minutes=10)
# A claim this old was left by a worker killed mid-request (gunicorn kills at 30 s).
CHECKOUT_CLAIM_ABANDONED_AFTER = dt.timedelta(minutes=2)
# Seconds between two looks at the session another click of the reader is creating.
CHECKOUT_WAIT_STEP = 0.1

CHECKOUT_LOCALE = "fr"


def customer_get_or_create(*, user: User) -> Customer:
    """The user's one Stripe Customer, created on first need and reused after.

    No transaction is held while Stripe is asked (a database lock held for a slow
    Stripe's time stalls every other writer on SQLite). Checkout calls this under its
    claim, one click of a reader at a time; should two calls race anyway, the
    idempotency key makes Stripe answer both with the same customer and the unique
    `user` column keeps one row.
    """
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    remote = stripe_gateway.customer_create(
        email=user.email,
        user_id=user.pk,
        # date_joined tells apart two users who got the same id in a reset database.
        idempotency_key=f"imago-customer-{user.pk}-{int(user.date_joined.timestamp())}",
    )
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, stripe_customer_id=remote["id"])
    except IntegrityError:
        return Customer.objects.get(user=user)


def trial_days_for(*, user: User, offer: Offer) -> int:
    """The free days `user` gets on subscribing to `offer`: its trial, once in a life.

    None for a reader who ever had a Stripe subscription, whatever became of it (a past
    trial, cancelled, never paid), or who paid a Checkout page (its subscription may not
    have reached us yet). Complimentary grants do not count: staff give them for reasons
    of their own (press, a partner, a goodwill gesture), and they cost the reader nothing
    they chose; the trial is the one free start of a paid subscription.
    """
    if offer.trial_days == 0:
        return 0
    spent = (
        trial_spent(user=user)
        or SpentTrial.objects.filter(address_digest__in=trial_address_digests(user.email)).exists()
    )
    return 0 if spent else offer.trial_days


def trial_spent(*, user: User) -> bool:
    """Whether this account had its trial (see trial_days_for)."""
    return (
        Subscription.objects.filter(user=user, source=Subscription.Source.STRIPE).exists()
        or CheckoutSession.objects.filter(
            user=user, status=CheckoutSession.Status.COMPLETE
        ).exists()
    )


TRIAL_DIGEST_SALT = "imago.subscriptions.spent-trial"
# Gmail delivers "s.a.m+essai@googlemail.com" to "sam@gmail.com": one mailbox, one trial.
# Elsewhere dots and "+" may name other mailboxes, and are kept.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def trial_mailbox(email: str) -> str:
    """The mailbox an address reaches, for the trial: the account's canonical address
    (case and Unicode folded), and for Gmail without its dots and "+tag"."""
    local, _, domain = email_canonical(email).rpartition("@")
    if domain in GMAIL_DOMAINS:
        return f"{local.split('+', 1)[0].replace('.', '')}@gmail.com"
    return f"{local}@{domain}"


def trial_address_digests(email: str) -> list[str]:
    """The keyed hashes an address's spent trial may be kept under: with SECRET_KEY first
    (what is stored), then each of SECRET_KEY_FALLBACKS, so a rotated key still finds it.

    Of its mailbox (trial_mailbox), so that every spelling of it is the same; keyed, so
    that a list of known addresses cannot be hashed and matched."""
    canonical = trial_mailbox(email)
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [
        salted_hmac(TRIAL_DIGEST_SALT, canonical, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets
    ]


def spent_trial_keep(user: User) -> None:
    """Account eraser (ACCOUNT_ERASERS): remember that this address had its trial.

    Runs in the deletion's transaction, while the account still has its address."""
    if trial_spent(user=user):
        SpentTrial.objects.get_or_create(address_digest=trial_address_digests(user.email)[0])


def checkout_session_start(*, user: User, offer_slug: str, source_article: str = "") -> str:
    """The URL of a Stripe Checkout page where `user` subscribes to the offer.

    A reader has one open session at most, so that quick clicks, two tabs or a change
    of mind never leave two payable sessions (paying both made two subscriptions): the
    open session for this offer is reused; one for another offer, or about to expire,
    is expired at Stripe before a new one is created. The click that creates it first
    claims the creation (a `creating` row, one per reader); the reader's concurrent
    clicks wait for it, STRIPE_TIMEOUT_SECONDS at most (then 409), and reuse its session.

    The session offers the trial the reader is due (`trial_days_for`). One open session at
    most also means one trial at most: a reader cannot pay two trial pages, and a page paid
    but not yet known here stops the next checkout (409 `checkout_complete`).

    `source_article`: the slug of the article the reader subscribes from, kept on the
    session it creates (a reused session keeps its own).
    """
    stripe_gateway.ensure_configured()
    offer = Offer.objects.filter(slug=offer_slug, is_active=True).first()
    if offer is None:
        raise DomainError(OFFER_UNAVAILABLE, code="offer_unavailable")
    entitlement = entitlement_for(user)
    # A licence is the institution's: its members may still subscribe for themselves.
    if entitlement is not None and entitlement.via != "licence":
        raise DomainError(ALREADY_SUBSCRIBED, code="already_subscribed", status_code=409)
    if Subscription.objects.filter(
        user=user, source=Subscription.Source.STRIPE, status__in=AWAITING_PAYMENT
    ).exists():
        raise DomainError(PAYMENT_DUE, code="payment_due", status_code=409)
    if not offer.stripe_price_id:  # `manage.py sync_offers` has not run
        raise stripe_gateway.StripeUnavailable(OFFER_NOT_IN_STRIPE, code="offer_not_in_stripe")
    trial_days = trial_days_for(user=user, offer=offer)
    wait_until = time.monotonic() + settings.STRIPE_TIMEOUT_SECONDS
    while True:
        reusable = checkout_session_reusable(user=user, offer=offer, trial_days=trial_days)
        if reusable is not None:
            return reusable.url
        claim = _checkout_claim(
            user=user, offer=offer, trial_days=trial_days, source_article=source_article
        )
        if claim is not None:
            return _checkout_session_open(claim=claim)
        if time.monotonic() >= wait_until:
            raise DomainError(CHECKOUT_IN_PROGRESS, code="checkout_in_progress", status_code=409)
        time.sleep(CHECKOUT_WAIT_STEP)


def checkout_session_reusable(
    *, user: User, offer: Offer, trial_days: int, at: dt.datetime | None = None
) -> CheckoutSession | None:
    """The reader's open session for `offer` with this trial, if it leaves the time to pay."""
    at = at or timezone.now()
    return CheckoutSession.objects.filter(
        user=user,
        offer=offer,
        trial_days=trial_days,
        status=CheckoutSession.Status.OPEN,
        expires_at__gt=at + CHECKOUT_REUSE_MARGIN,
    ).first()


def _checkout_claim(
    *, user: User, offer: Offer, trial_days: int, source_article: str = ""
) -> CheckoutSession | None:
    """The claim to create the reader's next session, or None while another click has it."""
    abandoned = timezone.now() - CHECKOUT_CLAIM_ABANDONED_AFTER
    CheckoutSession.objects.filter(
        user=user, status=CheckoutSession.Status.CREATING, created_at__lt=abandoned
    ).delete()
    try:
        with transaction.atomic():
            return CheckoutSession.objects.create(
                user=user, offer=offer, trial_days=trial_days, source_article=source_article
            )
    except IntegrityError:  # the reader's other click holds it
        return None


def _checkout_session_open(*, claim: CheckoutSession) -> str:
    """Under the claim: expire the reader's open session, create the new one, return its URL.

    Whatever goes wrong (Stripe unreachable, the worker stopped), the claim is removed:
    nothing half-made stays, and the next click starts again.
    """
    user, offer = claim.user, claim.offer
    try:
        # A click that finished between our look and our claim may have opened it.
        reusable = checkout_session_reusable(user=user, offer=offer, trial_days=claim.trial_days)
        if reusable is not None:
            claim.delete()
            return reusable.url
        customer = customer_get_or_create(user=user)
        for previous in CheckoutSession.objects.filter(
            user=user, status=CheckoutSession.Status.OPEN
        ):
            _checkout_session_close(session=previous)
        remote = stripe_gateway.checkout_session_create(
            customer_id=customer.stripe_customer_id,
            price_id=offer.stripe_price_id,
            user_id=user.pk,
            metadata={"user_id": str(user.pk), "offer": offer.slug},
            locale=CHECKOUT_LOCALE,
            success_url=settings.STRIPE_CHECKOUT_SUCCESS_URL,
            cancel_url=settings.STRIPE_CHECKOUT_CANCEL_URL,
            trial_days=claim.trial_days,
        )
    except BaseException:
        claim.delete()
        raise
    claim.stripe_session_id = remote["id"]
    claim.url = remote["url"]
    claim.expires_at = dt.datetime.fromtimestamp(remote["expires_at"], tz=dt.UTC)
    claim.status = CheckoutSession.Status.OPEN
    claim.save()
    return claim.url


def _checkout_session_close(*, session: CheckoutSession) -> None:
    """Make sure an open session can no longer be paid, before the reader gets another.

    Raises DomainError (409) when Stripe says it was paid: the subscription is on its way.
    """
    if session.expires_at is not None and session.expires_at <= timezone.now():
        status = "expired"  # Stripe expired it by itself
    else:
        try:
            status = stripe_gateway.checkout_session_expire(
                session_id=session.stripe_session_id or ""
            )["status"]
        except stripe_gateway.StripeUnreachable:
            raise
        except stripe_gateway.StripeCallFailed as refused:
            # Stripe expires open sessions only: see what became of this one.
            status = stripe_gateway.checkout_session_retrieve(
                session_id=session.stripe_session_id or ""
            )["status"]
            if status == "open":
                raise refused
    session.status = (
        CheckoutSession.Status.COMPLETE if status == "complete" else CheckoutSession.Status.EXPIRED
    )
    session.save(update_fields=["status", "updated_at"])
    if session.status == CheckoutSession.Status.COMPLETE:
        raise DomainError(CHECKOUT_ALREADY_PAID, code="checkout_complete", status_code=409)


def checkout_session_completed(*, stripe_session_id: str) -> None:
    """Stripe says the reader paid this session (checkout.session.completed)."""
    CheckoutSession.objects.filter(stripe_session_id=stripe_session_id).exclude(
        status=CheckoutSession.Status.COMPLETE
    ).update(status=CheckoutSession.Status.COMPLETE, updated_at=timezone.now())


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


def checkout_session_return(*, user: User, stripe_session_id: str) -> bool:
    """The reader is back from a Checkout page: whether they have access now.

    The webhook may not have arrived yet. When the session is one of this reader's and
    Stripe says it is complete, its subscription is read from Stripe and written here, as
    the webhook would (`subscription_sync`, idempotent): the reader reads at once. A
    session id that is not the reader's is never asked of Stripe.
    """
    if entitlement_for(user) is not None:
        return True
    if not stripe_session_id:  # NULL would match the reader's claim still being created
        return False
    known = CheckoutSession.objects.filter(user=user, stripe_session_id=stripe_session_id).exists()
    if not known:
        return False
    remote = stripe_gateway.checkout_session_retrieve(session_id=stripe_session_id)
    subscription_id = stripe_gateway.object_id(remote.get("subscription"))
    if remote.get("status") != "complete" or not subscription_id:
        return False
    checkout_session_completed(stripe_session_id=stripe_session_id)
    try:
        subscription_sync(stripe_subscription_id=subscription_id, client_reference_id=str(user.pk))
    except SubscriptionUnlinked:
        return False
    return entitlement_for(user) is not None
