"""The one thing the dashboard stores: how often locked articles were shown, per day.

Everything else it shows is read from the tables that already exist (subscriptions,
offers, checkout sessions, licences).
"""

from django.db import models
from django.db.models import Q


class PaywallView(models.Model):
    """How many times an article was shown locked on a day (Paris), for one reason.

    A counter and nothing else: no reader, no address, no session, no time of day. It
    cannot tell who read what, only how often the paywall was met.
    """

    class Reason(models.TextChoices):
        # The lock reasons of the reading decision (articles/reading.py `Reason`).
        LOGIN_REQUIRED = "login_required", "connexion demandée"
        SUBSCRIPTION_REQUIRED = "subscription_required", "abonnement demandé"
        METER_EXHAUSTED = "meter_exhausted", "compteur épuisé"

    day = models.DateField("jour", help_text="À Paris.")
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="paywall_views",
        verbose_name="article",
    )
    reason = models.CharField("motif", max_length=24, choices=Reason.choices)
    views = models.PositiveIntegerField("vues", default=1)

    class Meta:
        ordering = ["-day", "article", "reason"]
        verbose_name = "vue du paywall"
        verbose_name_plural = "vues du paywall"
        # The dashboard is one page: its permission is declared here, with the counter it
        # reads, rather than on a table made for it.
        permissions = [("view_dashboard", "Peut voir le tableau de bord")]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "article", "reason"], name="paywallview_one_row_a_day"
            ),
            models.CheckConstraint(condition=Q(views__gt=0), name="paywallview_views_positive"),
            models.CheckConstraint(
                condition=Q(
                    reason__in=["login_required", "subscription_required", "meter_exhausted"]
                ),
                name="paywallview_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} — {self.article_id} ({self.reason}) : {self.views}"
