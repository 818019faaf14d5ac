from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .storage import edition_storage

MB = 1024 * 1024
COVER_MAX_MB = 5
PDF_MAGIC = b"%PDF-"
# What browsers and clients declare for a PDF; the first bytes decide anyway.
PDF_CONTENT_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/octet-stream"})

NOT_A_PDF = "Ce fichier n'est pas un PDF."
PDF_TOO_LARGE = "Le PDF dépasse {max_mb} Mo."
COVER_TOO_LARGE = "La couverture dépasse {max_mb} Mo."
PUBLIC_BEFORE_PUBLICATION = (
    "Un numéro ne peut pas être accessible à tous avant sa parution pour les abonnés."
)


def _is_new_upload(file: File) -> bool:
    # A file already stored was checked when it was uploaded: an edit that keeps it
    # must not read it back (from S3) to check it again.
    return not getattr(file, "_committed", False)


def validate_pdf(file: File) -> None:
    """A PDF by its first bytes (and its declared type, when the upload says one)."""
    if not _is_new_upload(file):
        return
    if file.size is not None and file.size > settings.EDITION_PDF_MAX_MB * MB:
        raise ValidationError(
            PDF_TOO_LARGE.format(max_mb=settings.EDITION_PDF_MAX_MB), code="too_large"
        )
    # What the upload declared (on the uploaded file a FieldFile wraps).
    content_type = getattr(getattr(file, "file", file), "content_type", None)
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    file.seek(0)
    if head != PDF_MAGIC or (content_type and content_type not in PDF_CONTENT_TYPES):
        raise ValidationError(NOT_A_PDF, code="not_a_pdf")


def validate_cover(file: File) -> None:
    if _is_new_upload(file) and file.size is not None and file.size > COVER_MAX_MB * MB:
        raise ValidationError(COVER_TOO_LARGE.format(max_mb=COVER_MAX_MB), code="too_large")


def pdf_path(edition: "Edition", filename: str) -> str:
    # The stored name is what the reader's download is called.
    return f"pdf/docteur-imago-{edition.number}.pdf"


def cover_path(edition: "Edition", filename: str) -> str:
    # A replaced cover gets a new name (storages never overwrite): its URL changes too.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"covers/docteur-imago-{edition.number}{suffix}"


class EditionQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> "EditionQuerySet":
        """Out for subscribers, at least: listed from then on."""
        return self.filter(published_at__lte=at or timezone.now())


class Edition(models.Model):
    """One issue of the digital edition: subscribers first, everyone later (or never)."""

    number = models.PositiveIntegerField("numéro", unique=True)
    title = models.CharField("titre", max_length=200)
    date = models.DateField("date du numéro")
    published_at = models.DateTimeField(
        "parution pour les abonnés", help_text="Listé et téléchargeable par les abonnés dès lors."
    )
    public_from = models.DateTimeField(
        "accessible à tous à partir du",
        null=True,
        blank=True,
        help_text="Vide : réservé aux abonnés, toujours.",
    )
    cover = models.ImageField(
        "couverture",
        upload_to=cover_path,
        storage=edition_storage,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_cover],
        help_text=f"JPEG, PNG ou WebP, {COVER_MAX_MB} Mo au plus. Publique dès la parution.",
    )
    pdf = models.FileField(
        "PDF",
        upload_to=pdf_path,
        storage=edition_storage,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf],
        help_text="Jamais à une adresse publique : chaque téléchargement reçoit un lien signé "
        "de quelques minutes.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditionQuerySet.as_manager()

    if TYPE_CHECKING:
        # Annotated by selectors.edition_list for the reader who asks.
        available_from: datetime | None
        available_to_you: bool

    class Meta:
        ordering = ["-number"]
        verbose_name = "numéro du journal"
        verbose_name_plural = "numéros du journal"
        indexes = [models.Index(fields=["published_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_gte_1"),
            models.CheckConstraint(
                condition=Q(public_from__isnull=True) | Q(public_from__gte=F("published_at")),
                name="edition_public_after_publication",
                violation_error_message=PUBLIC_BEFORE_PUBLICATION,
            ),
        ]

    def __str__(self) -> str:
        return f"N° {self.number} — {self.title}"

    @property
    def cover_path(self) -> str:
        """Where the cover is served (files/covers/…), a path of this site."""
        return reverse(
            "edition-cover", kwargs={"filename": self.cover.name.removeprefix("covers/")}
        )
