from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

ENDS_BEFORE_IT_STARTS = "Un avantage ne peut pas finir avant de commencer."


class ClubBenefitQuerySet(models.QuerySet):
    def current(self, at: datetime | None = None) -> "ClubBenefitQuerySet":
        """Published, and not over: under way or to come."""
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), published=True)


class ClubBenefit(models.Model):
    """An advantage of the subscribers' club: an invitation, a discount, an event."""

    title = models.CharField("titre", max_length=200, help_text="Public, comme les dates.")
    text = models.TextField(
        "texte", help_text="Réservé aux abonnés, comme le lieu, le lien et le code."
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin", null=True, blank=True, help_text="Vide : sans fin.")
    place = models.CharField("lieu", max_length=200, blank=True)
    url = models.URLField("lien", max_length=500, blank=True)
    code = models.CharField(
        "code", max_length=100, blank=True, help_text="Code promotionnel, facultatif."
    )
    published = models.BooleanField(
        "publié", default=True, help_text="Décoché : invisible de tous."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClubBenefitQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "avantage du club"
        verbose_name_plural = "avantages du club"
        indexes = [models.Index(fields=["published", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="club_benefit_ends_after_start",
                violation_error_message=ENDS_BEFORE_IT_STARTS,
            )
        ]

    def __str__(self) -> str:
        return self.title
