"""Reads: the organisations a reader belongs to, or manages."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from imago.exceptions import DomainError

from .models import Membership, Organisation

ORGANISATION_NOT_FOUND = "Établissement introuvable."
NOT_MANAGER = "Seuls les gestionnaires de la licence de cet établissement voient ces informations."


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def managed_organisation(*, user: User, slug: str) -> Organisation:
    """The organisation at `slug`, for one of its licence managers only (403 otherwise)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if not Membership.objects.filter(
        organisation=organisation, user=user, is_manager=True
    ).exists():
        raise DomainError(NOT_MANAGER, code="not_licence_manager", status_code=403)
    return organisation


def seats_used(organisation: Organisation) -> int:
    return organisation.memberships.count()
