"""Institutional licences: an organisation pays for its people to read everything.

A licence opens every article, like a subscription, in two ways:

- on site: to any request whose client address lies in one of its ranges (no account,
  no seat taken);
- to its members: readers who joined with its code, or whose verified address is at
  one of its domains (they take a seat at their first request), up to `seats`.

It opens nothing before `starts_on` nor after `ends_on` (dates in Europe/Paris, both
days included).
"""

import datetime as dt
import ipaddress
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

CIDR_INVALID = "« {value} » n'est pas une adresse ni une plage d'adresses IPv4 ou IPv6."
DOMAIN_INVALID = "« {value} » n'est pas un nom de domaine (exemple : chu-lille.fr)."
CODE_MAX_LENGTH = 64  # what a reader may type (spaces and dashes included)
# Join codes are drawn at random, never chosen: a word a person picks ("DEMO-CHU") is
# guessed. 31 signs without look-alikes (no 0/O, 1/I/L), 12 of them: 31**12 ≈ 8e17 codes.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 12
JOIN_CODE_PATTERN = rf"^[{JOIN_CODE_ALPHABET}]{{{JOIN_CODE_LENGTH}}}$"


def active_q(at: dt.datetime | None = None, prefix: str = "") -> Q:
    """Organisations whose licence is running at `at`: started, and not past its last day."""
    # Licences start and end on days in the site's time zone (Paris).
    today = timezone.localdate(at)
    return Q(**{f"{prefix}starts_on__lte": today, f"{prefix}ends_on__gte": today})


def cidr_normalised(value: str) -> str:
    """A range as it is stored: "10.1.2.3/16" is "10.1.0.0/16", an address is its /32 or /128.

    Raises ValidationError in French for anything else.
    """
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ValidationError(CIDR_INVALID.format(value=value), code="invalid") from None
    return str(network)


def domain_normalised(value: str) -> str:
    """A mail domain as it is stored: lower case, no "@", no trailing dot."""
    domain = str(value).strip().lower().removeprefix("@").rstrip(".")
    labels = domain.split(".")
    valid = (
        len(labels) >= 2
        and len(domain) <= 253
        and all(
            0 < len(label) <= 63
            and label[0] != "-"
            and label[-1] != "-"
            and all(c.isalnum() or c == "-" for c in label)
            for label in labels
        )
    )
    if not valid:
        raise ValidationError(DOMAIN_INVALID.format(value=value), code="invalid")
    return domain


def join_code_normalised(value: str) -> str:
    """Codes are compared without case, spaces or dashes: "k7qm-p4xh 9rwd" is "K7QMP4XH9RWD"."""
    return "".join(c for c in str(value) if c not in " -\t").upper()


def join_code_generate() -> str:
    """A new join code: JOIN_CODE_LENGTH signs of JOIN_CODE_ALPHABET, from `secrets`."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def join_code_display(code: str) -> str:
    """A code as readers are given it, in groups of four: "K7QM-P4XH-9RWD"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class Organisation(models.Model):
    """A hospital, a university, a group of practices: one licence and its terms."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True)
    contact_name = models.CharField("contact", max_length=200, blank=True)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    seats = models.PositiveIntegerField(
        "sièges",
        default=0,
        help_text="Lecteurs inscrits au plus (par domaine ou par code). L'accès sur site, "
        "par adresse IP, n'en prend aucun.",
    )
    starts_on = models.DateField("début", default=timezone.localdate)
    ends_on = models.DateField("fin (incluse)")
    join_code = models.CharField(
        "code d'inscription",
        max_length=CODE_MAX_LENGTH,
        unique=True,
        null=True,
        blank=True,
        default=join_code_generate,
        editable=False,
        help_text="Tiré au hasard, donné aux lecteurs de l'établissement ; vide : pas "
        "d'inscription par code.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "établissement sous licence"
        verbose_name_plural = "établissements sous licence"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="organisation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(join_code__isnull=True) | Q(join_code__regex=JOIN_CODE_PATTERN),
                name="organisation_join_code_generated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.join_code = join_code_normalised(self.join_code) if self.join_code else None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "La fin de la licence précède son début."})

    def is_active(self, at: dt.datetime | None = None) -> bool:
        return self.starts_on <= timezone.localdate(at) <= self.ends_on


class IpRange(models.Model):
    """Addresses of the organisation's network: requests from there read everything."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="ip_ranges"
    )
    cidr = models.CharField(
        "plage d'adresses",
        max_length=49,
        help_text="IPv4 ou IPv6, en notation CIDR (193.49.0.0/16, 2001:660:4401::/48) "
        "ou une seule adresse.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "cidr"]
        verbose_name = "plage d'adresses IP"
        verbose_name_plural = "plages d'adresses IP"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "cidr"], name="iprange_unique")
        ]

    def __str__(self) -> str:
        return self.cidr

    def save(self, *args, **kwargs) -> None:
        self.cidr = cidr_normalised(self.cidr)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        try:
            self.cidr = cidr_normalised(self.cidr)
        except ValidationError as error:
            raise ValidationError({"cidr": error.messages}) from None


class EmailDomain(models.Model):
    """A mail domain of the organisation: its verified readers there are members."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        "domaine",
        max_length=253,
        unique=True,
        help_text="Sans « @ » : chu-lille.fr (ses sous-domaines aussi).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "domaine de messagerie"
        verbose_name_plural = "domaines de messagerie"
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")), name="emaildomain_lowercase"
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = domain_normalised(self.domain)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        try:
            self.domain = domain_normalised(self.domain)
        except ValidationError as error:
            raise ValidationError({"domain": error.messages}) from None


class Membership(models.Model):
    """A reader who holds one of the organisation's seats."""

    class Via(models.TextChoices):
        DOMAIN = "domain", "adresse vérifiée du domaine"
        CODE = "code", "code d'inscription"
        STAFF = "staff", "ajouté par l'équipe"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="licence_memberships",
        verbose_name="lecteur",
    )
    via = models.CharField("inscrit par", max_length=6, choices=Via.choices, default=Via.STAFF)
    is_manager = models.BooleanField(
        "gestionnaire",
        default=False,
        help_text="Voit les sièges et les statistiques d'usage de l'établissement.",
    )
    joined_at = models.DateTimeField("inscrit le", default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "joined_at"]
        verbose_name = "membre"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"
