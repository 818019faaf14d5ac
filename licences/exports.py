"""A reader's licence seats in their data export, and given back when their account is
deleted (settings.ACCOUNT_EXPORT_SECTIONS and ACCOUNT_ERASERS, see accounts/self_service.py)."""

from typing import Any

from django.utils import timezone

from accounts.models import User

from .models import Membership


def memberships_export(user: User) -> list[dict[str, Any]]:
    """The organisations whose licence the reader holds a seat of, and how they took it."""
    return [
        {
            "organisation": membership.organisation.name,
            "slug": membership.organisation.slug,
            "via": membership.via,
            "is_manager": membership.is_manager,
            "joined_at": timezone.localtime(membership.joined_at).isoformat(),
        }
        for membership in Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("joined_at", "id")
    ]


def memberships_erase(user: User) -> None:
    """Give the reader's seats back: each organisation counts one member fewer, and its
    seat is free for another reader (a seat kept by a closed account would stay taken
    for good). Usage counters never named the reader (articles/usage.py): they stay."""
    Membership.objects.filter(user=user).delete()
