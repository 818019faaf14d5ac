"""What the club shows a reader: a teaser for everyone, the whole of it for subscribers."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from articles import reading
from articles.reading import Reader

from .models import ClubBenefit, ClubBenefitQuerySet

# What anyone may see of a benefit; text, place, link and code are never even read for
# a reader without access.
TEASER_FIELDS = ("id", "title", "starts_at", "ends_at")


@dataclass(frozen=True)
class ClubListing:
    """The club as one reader may see it: decided once, serialised as it is."""

    benefits: ClubBenefitQuerySet
    complete: bool


def club_listing(*, reader: Reader, at: datetime | None = None) -> ClubListing:
    """Current and coming benefits, soonest first: complete for a reader to whom the whole
    archive opens (`reading.opens_archive`), titles and dates only for anyone else."""
    at = at or timezone.now()
    complete = reading.opens_archive(reader, at=at)
    benefits = ClubBenefit.objects.current(at)
    return ClubListing(
        benefits=benefits if complete else benefits.only(*TEASER_FIELDS), complete=complete
    )


def next_club_change(at: datetime) -> datetime | None:
    """When the list next changes with no write: a benefit ends and leaves it."""
    return (
        ClubBenefit.objects.filter(published=True, ends_at__gt=at)
        .order_by("ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
