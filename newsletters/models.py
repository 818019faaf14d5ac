from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models import Article


class Newsletter(models.Model):
    """A letter readers choose to receive: to every verified reader, or to subscribers only."""

    class Audience(models.TextChoices):
        VERIFIED = "verified", "tout lecteur à l'adresse vérifiée"
        SUBSCRIBERS = "subscribers", "abonnés seulement"

    name = models.CharField("nom", max_length=150)
    slug = models.SlugField(unique=True)
    description = models.TextField("description", blank=True)
    audience = models.CharField(
        "destinataires", max_length=12, choices=Audience.choices, default=Audience.VERIFIED
    )
    active = models.BooleanField(
        "active", default=True, help_text="Une newsletter inactive n'est plus proposée."
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "newsletter"

    def __str__(self) -> str:
        return self.name


class NewsletterSubscription(models.Model):
    """A reader's choice of a newsletter; kept when they leave, to count who left when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="newsletter_subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField("inscrit le", auto_now_add=True)
    # Joined again: subscribed_at moves; left: unsubscribed_at is set.
    subscribed_at = models.DateTimeField("inscrit depuis le")
    unsubscribed_at = models.DateTimeField("désinscrit le", null=True, blank=True)

    class Meta:
        ordering = ["-subscribed_at"]
        verbose_name = "inscription à une newsletter"
        verbose_name_plural = "inscriptions aux newsletters"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "newsletter"], name="newsletter_subscription_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["newsletter", "user"],
                name="newsletter_subscribed",
                condition=Q(unsubscribed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.newsletter}"


class Mailing(models.Model):
    """One issue of a newsletter: an introduction and chosen articles, sent once to each reader."""

    class Status(models.TextChoices):
        DRAFT = "draft", "brouillon"
        SCHEDULED = "scheduled", "programmé"
        SENDING = "sending", "en cours d'envoi"
        SENT = "sent", "envoyé"
        CANCELLED = "cancelled", "annulé"

    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.PROTECT, related_name="mailings", verbose_name="newsletter"
    )
    subject = models.CharField("objet", max_length=200)
    introduction = models.TextField(
        "introduction", blank=True, help_text="Markdown, placé avant les articles."
    )
    articles: "models.ManyToManyField[Article, MailingArticle]" = models.ManyToManyField(
        Article, through="MailingArticle", related_name="+", verbose_name="articles"
    )
    edition = models.ForeignKey(
        "editions.Edition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name="numéro annoncé",
        help_text="Annonce un numéro du journal : sa couverture, et quand chacun peut le lire.",
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.DRAFT)
    send_at = models.DateTimeField("envoi prévu le", null=True, blank=True)
    started_at = models.DateTimeField("envoi commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("envoi terminé le", null=True, blank=True)
    # A job sending it is due by then; a lease after that with none seen, the sweep
    # queues another (services.mailing_stalled_requeue).
    job_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "envoi"
        verbose_name_plural = "envois"
        indexes = [
            models.Index(
                fields=["job_due_at"],
                name="mailing_unfinished_due",
                condition=Q(status__in=["scheduled", "sending"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(send_at__isnull=False),
                name="mailing_sent_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED, self.Status.CANCELLED)


class MailingArticle(models.Model):
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="+", verbose_name="article"
    )
    position = models.PositiveSmallIntegerField("position", default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "article de l'envoi"
        verbose_name_plural = "articles de l'envoi"
        constraints = [
            models.UniqueConstraint(fields=["mailing", "article"], name="mailing_article_once")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.article_id}"


class Delivery(models.Model):
    """One mailing to one reader: one row, so no job, restarted or doubled, mails twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "à envoyer"
        SENDING = "sending", "en cours d'envoi"
        SENT = "sent", "envoyé"
        FAILED = "failed", "échec"
        SKIPPED = "skipped", "non envoyé (plus destinataire)"

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    # Null once the reader's account is deleted: the count stays, the person goes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    email = models.CharField("adresse", max_length=254, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    message_id = models.CharField(max_length=200, blank=True)
    # A row being sent is its worker's until then; past it, another worker takes it.
    lease_until = models.DateTimeField(null=True, blank=True)
    # The claim's fencing token: a worker sends a row only while it still bears its own
    # (outbox.delivery), so a row taken back and claimed again is not sent by both.
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    error = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "remise"
        constraints = [
            models.UniqueConstraint(fields=["mailing", "user"], name="delivery_once_per_reader")
        ]
        indexes = [
            models.Index(fields=["mailing", "status"], name="delivery_mailing_status"),
            # The sweep's question, every WORKER_SWEEP_SECONDS: whose lease ran out?
            models.Index(
                fields=["lease_until"],
                name="delivery_sending_lease",
                condition=Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mailing_id} → {self.email}"
