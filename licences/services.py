"""Writes with rules: a reader takes one of an organisation's seats."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from imago.exceptions import DomainError

from .models import Membership, Organisation, join_code_generate, join_code_normalised

JOIN_CODE_UNKNOWN = "Ce code d'inscription ne correspond à aucun établissement."
LICENCE_INACTIVE = "La licence de {organisation} n'est pas en cours : elle ne donne pas accès."
LICENCE_FULL = (
    "Les {seats} places de la licence de {organisation} sont toutes prises : demandez à "
    "votre établissement d'en ajouter ou de libérer celle d'un ancien membre."
)


def membership_join(
    *,
    user: User,
    organisation_id: int,
    via: Membership.Via,
    at: dt.datetime | None = None,
) -> tuple[Membership, bool]:
    """Give `user` a seat of the organisation: (the membership, whether it is new).

    A reader who already holds one keeps it. The organisation's row is locked while its
    seats are counted, so two readers joining at once never take more than there are.
    """
    at = at or timezone.now()
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        existing = Membership.objects.filter(user=user, organisation=organisation).first()
        if existing is not None:
            return existing, False
        if not organisation.is_active(at):
            raise DomainError(
                LICENCE_INACTIVE.format(organisation=organisation.name),
                code="licence_inactive",
                status_code=409,
            )
        if organisation.memberships.count() >= organisation.seats:
            raise DomainError(
                LICENCE_FULL.format(organisation=organisation.name, seats=organisation.seats),
                code="licence_full",
                status_code=409,
            )
        membership = Membership.objects.create(
            organisation=organisation, user=user, via=via, joined_at=at
        )
        return membership, True


def membership_join_by_code(
    *, user: User, code: str, at: dt.datetime | None = None
) -> tuple[Membership, bool]:
    """Join the organisation whose join code this is."""
    normalised = join_code_normalised(code)
    organisation = (
        Organisation.objects.filter(join_code=normalised).only("pk").first() if normalised else None
    )
    if organisation is None:
        raise DomainError(JOIN_CODE_UNKNOWN, code="join_code_unknown")
    return membership_join(
        user=user, organisation_id=organisation.pk, via=Membership.Via.CODE, at=at
    )


def join_code_renew(*, organisation: Organisation) -> str:
    """Draw a new join code for `organisation` (the old one stops working); seats stay."""
    organisation.join_code = join_code_generate()
    organisation.save(update_fields=["join_code", "updated_at"])
    return organisation.join_code
