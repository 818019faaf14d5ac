"""Which editions a reader sees, and from when each one is theirs to download."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from articles import reading
from articles.reading import Reader
from imago.exceptions import DomainError

from .models import Edition

EDITION_NOT_FOUND = "Numéro introuvable."
EDITION_LOGIN_REQUIRED = "Connectez-vous avec un abonnement pour télécharger ce numéro."
EDITION_SUBSCRIPTION_REQUIRED = "Ce numéro est réservé aux abonnés."
# The largest number every database stores in a PositiveIntegerField: a larger one in a
# URL is simply not found, never an overflow.
MAX_NUMBER = 2_147_483_647


def edition_list(*, reader: Reader, at: datetime | None = None) -> QuerySet[Edition]:
    """Published editions, newest first, each with when `reader` may download it.

    `available_from`: the publication for a reader to whom the whole archive opens
    (`reading.opens_archive`: a subscription, a grant, staff); the public date for
    everyone else, NULL when the edition stays subscriber-only. `available_to_you`: that
    moment has come.
    """
    at = at or timezone.now()
    opening = "published_at" if reading.opens_archive(reader, at=at) else "public_from"
    return Edition.objects.published(at).annotate(
        available_from=F(opening),
        available_to_you=Case(
            When(Q(**{f"{opening}__lte": at}), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def edition_to_download(*, number: int, reader: Reader, at: datetime | None = None) -> Edition:
    """The edition `number` if `reader` may download it now; else why not, as an error."""
    edition = (
        edition_list(reader=reader, at=at).filter(number=number).first()
        if 1 <= number <= MAX_NUMBER
        else None
    )
    if edition is None:
        raise Http404(EDITION_NOT_FOUND)
    if not edition.available_to_you:
        if reader.is_anonymous:
            raise DomainError(EDITION_LOGIN_REQUIRED, code="login_required", status_code=401)
        raise DomainError(
            EDITION_SUBSCRIPTION_REQUIRED, code="subscription_required", status_code=403
        )
    return edition


@dataclass(frozen=True)
class Cover:
    """A stored cover a request may see, and whether shared caches may keep it."""

    name: str
    public: bool


def edition_cover(*, name: str, staff: bool, at: datetime | None = None) -> Cover | None:
    """The cover stored as `name`, once its edition is published, or for staff (the
    admin's preview) before. A cover is what the edition is sold with: public."""
    if "\x00" in name:
        # No stored name holds a NUL, and PostgreSQL refuses one in a query (DataError).
        return None
    at = at or timezone.now()
    published_at = Edition.objects.filter(cover=name).values_list("published_at", flat=True).first()
    if published_at is None or (published_at > at and not staff):
        return None
    return Cover(name=name, public=published_at <= at)


def edition_number_of_pdf(*, name: str, at: datetime | None = None) -> int | None:
    """The number of the published edition whose PDF is stored as `name`, if any."""
    if not name or "\x00" in name:
        return None
    return (
        Edition.objects.published(at or timezone.now())
        .filter(pdf=name)
        .values_list("number", flat=True)
        .first()
    )


def next_edition_change(at: datetime) -> datetime | None:
    """When the list next changes with no write: an edition appears, or opens to all."""
    moments = [
        Edition.objects.filter(**{f"{column}__gt": at})
        .order_by(column)
        .values_list(column, flat=True)
        .first()
        for column in ("published_at", "public_from")
    ]
    return min((moment for moment in moments if moment is not None), default=None)
