import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

CURRENCY_SYMBOLS = {"EUR": "€"}
INTERVAL_LABELS = {"month": "par mois", "year": "par an"}
# Stripe refuses a longer trial_period_days.
MAX_TRIAL_DAYS = 730


def money_display(cents: int, currency: str, *, with_cents: bool = False) -> str:
    """An amount as the site prints it: "23 €", "23,50 €"; "23,00 €" `with_cents` (a bill)."""
    euros, rest = divmod(cents, 100)
    number = f"{euros}" if rest == 0 and not with_cents else f"{euros},{rest:02d}"
    return f"{number} {CURRENCY_SYMBOLS.get(currency, currency)}"


class Offer(models.Model):
    """What a reader can buy: a price per interval, and the benefits it brings."""

    class Interval(models.TextChoices):
        MONTH = "month", "mensuel"
        YEAR = "year", "annuel"

    name = models.CharField("nom", max_length=120)
    slug = models.SlugField(unique=True)
    tagline = models.CharField("accroche", max_length=200, blank=True)
    price_cents = models.PositiveIntegerField("prix TTC (centimes)")
    currency = models.CharField("devise", max_length=3, default="EUR")
    interval = models.CharField(
        "périodicité", max_length=5, choices=Interval.choices, default=Interval.MONTH
    )
    benefits = models.JSONField("avantages", default=list, blank=True)
    is_active = models.BooleanField("active", default=True)
    position = models.PositiveSmallIntegerField(default=0)
    trial_days = models.PositiveSmallIntegerField(
        "jours d'essai offerts",
        default=0,
        validators=[MaxValueValidator(MAX_TRIAL_DAYS)],
        help_text=(
            "0 : pas d'essai. Un lecteur n'a droit qu'à un essai : celui qui a déjà eu un "
            f"abonnement payant ou un essai paie dès le premier jour. {MAX_TRIAL_DAYS} au plus."
        ),
    )
    stripe_product_id = models.CharField(max_length=255, blank=True, editable=False)
    stripe_price_id = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "price_cents"]
        verbose_name = "offre"
        constraints = [
            models.CheckConstraint(condition=Q(price_cents__gt=0), name="offer_price_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="offer_currency_iso_upper"
            ),
            models.CheckConstraint(
                condition=Q(trial_days__lte=MAX_TRIAL_DAYS), name="offer_trial_days_at_most_730"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return Decimal(self.price_cents) / 100

    @property
    def display_price(self) -> str:
        """The price as the site prints it: "23 € par mois", "23,50 € par mois"."""
        return f"{money_display(self.price_cents, self.currency)} {INTERVAL_LABELS[self.interval]}"

    @property
    def trial_text(self) -> str | None:
        """The trial as the site prints it: "14 jours offerts, puis 23 € par mois"."""
        if not self.trial_days:
            return None
        days = "1 jour offert" if self.trial_days == 1 else f"{self.trial_days} jours offerts"
        return f"{days}, puis {self.display_price}"


class Customer(models.Model):
    """The one Stripe Customer of a user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "client Stripe"
        verbose_name_plural = "clients Stripe"

    def __str__(self) -> str:
        return f"{self.user} ({self.stripe_customer_id})"


class SpentTrial(models.Model):
    """An address whose account had its one trial, kept after the account was deleted.

    A deleted account is anonymised (RGPD): without this, registering the same address
    again would start a second free trial. Only a keyed hash of the canonical address is
    kept (subscriptions.billing.trial_address_digests), never the address: it tells
    whether an address comes back, and cannot give the address out.
    """

    address_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "essai gratuit déjà utilisé"
        verbose_name_plural = "essais gratuits déjà utilisés"

    def __str__(self) -> str:
        return self.address_digest[:12]


class CheckoutSession(models.Model):
    """A Stripe Checkout Session opened for a reader.

    A reader has at most one open session (a database constraint): a new click reuses
    it, or expires it at Stripe before another is created, so two clicks can never
    become two subscriptions. The row is written `creating` before Stripe is asked
    (one per reader, also a constraint): it is the claim that makes concurrent clicks
    wait for the first one instead of each creating a session.
    """

    class Status(models.TextChoices):
        CREATING = "creating", "en création"
        OPEN = "open", "ouverte"
        COMPLETE = "complete", "payée"
        EXPIRED = "expired", "expirée"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkout_sessions"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATING)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    url = models.URLField("page de paiement", max_length=2000, blank=True)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    # The free days this session was opened with (0: none): a reused session must offer
    # what the reader is due now.
    trial_days = models.PositiveSmallIntegerField("jours d'essai", default=0)
    # The slug of the article whose paywall the reader subscribed from, as the client sent
    # it (a plain string: subscriptions knows nothing of articles); empty: from elsewhere.
    # The dashboard's funnel attributes checkouts to rubrics by it.
    source_article = models.CharField("article d'origine", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "session de paiement Stripe"
        verbose_name_plural = "sessions de paiement Stripe"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="open"),
                name="checkoutsession_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="creating"),
                name="checkoutsession_one_creating_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status="creating")
                | (Q(stripe_session_id__isnull=False) & Q(expires_at__isnull=False)),
                name="checkoutsession_created_has_stripe_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.offer} ({self.get_status_display()})"


class Subscription(models.Model):
    class Source(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        COMPLIMENTARY = "complimentary", "offert"

    class Status(models.TextChoices):
        # Stripe's statuses; a complimentary subscription is "active" until revoked.
        ACTIVE = "active", "actif"
        TRIALING = "trialing", "essai"
        PAST_DUE = "past_due", "paiement en retard"
        CANCELED = "canceled", "annulé"
        UNPAID = "unpaid", "impayé"
        INCOMPLETE = "incomplete", "incomplet"
        INCOMPLETE_EXPIRED = "incomplete_expired", "incomplet expiré"
        PAUSED = "paused", "en pause"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # From Stripe's subscription item (current API versions keep the period there). The start
    # of an unpaid period is where the paid time ended: the past_due grace counts from it.
    current_period_start = models.DateTimeField("début de période", null=True, blank=True)
    current_period_end = models.DateTimeField("fin de période", null=True, blank=True)
    cancel_at_period_end = models.BooleanField("s'arrête en fin de période", default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField("fin de l'essai", null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Which of a reader's two subscriptions is the newer: the one to cancel.
    stripe_created_at = models.DateTimeField("créé chez Stripe le", null=True, blank=True)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    livemode = models.BooleanField("mode live Stripe", default=False)
    synced_at = models.DateTimeField("relu chez Stripe le", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="accordé par",
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "abonnement"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source="stripe", stripe_subscription_id__isnull=False)
                    | Q(source="complimentary", stripe_subscription_id__isnull=True)
                ),
                name="subscription_stripe_id_matches_source",
            ),
            # A reader holds at most one live complimentary grant: granting again extends it.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(source="complimentary", status="active"),
                name="subscription_one_live_complimentary_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_source_display()} ({self.get_status_display()})"

    @property
    def trial_ends_at(self) -> dt.datetime | None:
        """When the free trial ends and the first payment is due; None unless in trial."""
        return self.trial_end if self.status == self.Status.TRIALING else None


class DuplicateSubscription(models.Model):
    """A reader's second entitling Stripe subscription, to cancel at once and refund.

    Checkout keeps one open session per reader, but a second subscription can still come
    (a session opened elsewhere, a Stripe outage while replacing one): the newer is
    cancelled and what it charged refunded. One row per duplicate (the one-to-one), each
    refund recorded as soon as Stripe makes it, and deterministic idempotency keys: a
    replayed or duplicated event never refunds twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "à annuler et rembourser"
        SETTLED = "settled", "annulé et remboursé"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="lecteur"
    )
    subscription = models.OneToOneField(
        Subscription,
        on_delete=models.CASCADE,
        related_name="duplicate",
        verbose_name="abonnement en double",
    )
    kept = models.ForeignKey(
        Subscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="abonnement conservé",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    canceled_at = models.DateTimeField("annulé chez Stripe le", null=True, blank=True)
    refunds = models.JSONField("remboursements", default=list, blank=True)
    refunded_cents = models.PositiveIntegerField("remboursé (centimes)", default=0)
    currency = models.CharField("devise", max_length=3, blank=True)
    error = models.TextField("dernière erreur", blank=True)
    attempts = models.PositiveIntegerField("tentatives", default=0)
    # While one process settles it (Stripe calls are made outside any transaction).
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    settled_at = models.DateTimeField("réglé le", null=True, blank=True)
    created_at = models.DateTimeField("trouvé le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "abonnement en double"
        verbose_name_plural = "abonnements en double"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(canceled_at__isnull=False, settled_at__isnull=False),
                name="duplicatesubscription_settled_is_canceled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.subscription.stripe_subscription_id}"


class WebhookEvent(models.Model):
    """A Stripe event, stored once by its id whatever the number of deliveries."""

    class Status(models.TextChoices):
        PENDING = "pending", "reçu"
        PROCESSED = "processed", "traité"
        # Nothing to do (a type we do not handle) or nothing that can ever be done (no user
        # for it): acknowledged so Stripe stops, with the reason in `error`.
        IGNORED = "ignored", "ignoré"
        FAILED = "failed", "en échec"

    stripe_event_id = models.CharField("id de l'événement", max_length=255)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    stripe_created_at = models.DateTimeField("créé chez Stripe le", null=True, blank=True)
    payload = models.JSONField("contenu")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField("erreur ou motif", blank=True)
    attempts = models.PositiveIntegerField("traitements", default=0)
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    created_at = models.DateTimeField("reçu le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "événement Stripe"
        verbose_name_plural = "événements Stripe"
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_event_id"], name="webhookevent_stripe_event_id_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed", error=""), name="webhookevent_failure_has_error"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"
