"""Whether a user may read every subscriber-only article now (their entitlement), and why.

`articles.reading` decides article by article, and takes this answer as one of its
sources. Each answer has a single form (`entitlement_for`, one reader, from an address)
and bulk forms (`entitlements_for`, `entitled_users_q`, a mailing's readers, without an
address), built from the same pieces: `entitlement_q` for subscriptions and grants,
`licences.access` for licences. newsletters/tests/test_readers_in_bulk.py holds them
to the same answers for every kind of reader.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from licences import access as licences
from licences.addresses import licensed_range_ids

from .models import Subscription

Source = Subscription.Source
Status = Subscription.Status

AnyUser = User | AnonymousUser

EntitlementVia = Literal["subscription", "complimentary", "staff", "licence"]


@dataclass(frozen=True)
class Entitlement:
    """Why a user may read every subscriber-only article now."""

    via: EntitlementVia
    # A licence's organisation (licences/): its name, as readers are told, and its id.
    organisation: str | None = None
    organisation_id: int | None = None


def entitlement_q(*, at: datetime) -> Q:
    """Subscriptions that entitle their user at `at`.

    - Stripe `active` or `trialing` until the current period ends; a subscription
      set to cancel at period end stays `active` until then, so it is covered too.
    - Stripe `past_due` for SUBSCRIPTION_GRACE_DAYS past the end of the paid period,
      while Stripe retries the payment. Stripe moves a subscription to its next period
      when it bills it, paid or not, so for a past_due subscription read from Stripe the
      paid time ended where the current (unpaid) period starts; without a known start
      (older rows), the period end stands for it.
    - A complimentary grant until its end (no end: until revoked).
    Every other status grants nothing.
    """
    grace = timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    return (
        Q(
            source=Source.STRIPE,
            status__in=[Status.ACTIVE, Status.TRIALING],
            current_period_end__gt=at,
        )
        | (
            Q(source=Source.STRIPE, status=Status.PAST_DUE)
            & (
                Q(current_period_start__gt=at - grace)
                | Q(current_period_start__isnull=True, current_period_end__gt=at - grace)
            )
        )
        | (
            Q(source=Source.COMPLIMENTARY, status=Status.ACTIVE)
            & (Q(current_period_end__isnull=True) | Q(current_period_end__gt=at))
        )
    )


def entitlement_for(
    user: AnyUser | None, at: datetime | None = None, *, client_address: str | None = None
) -> Entitlement | None:
    """Why `user`, reading from `client_address`, may read subscriber-only articles at
    `at` (default: now), or None.

    One query at most: staff preview everything without one; a signed-in reader's
    subscriptions and licences are read together (a UNION); an anonymous reader's
    licence is asked only when their address lies in a licensed range (known from
    memory, licences/addresses.py). A paying subscription is named before a
    complimentary grant, both before a licence. Once in a reader's life a write
    follows: a verified reader at a licensed domain takes a seat (licences/access.py).
    """
    at = at or timezone.now()
    if user is not None and user.is_authenticated:
        if not user.is_active:
            return None
        if user.is_staff:
            return Entitlement(via="staff")
    range_ids = licensed_range_ids(client_address, at=at)
    if user is None or not user.is_authenticated:
        licence = licences.licence_by_address(range_ids=range_ids, at=at) if range_ids else None
        return _licensed(licence)
    rows = list(
        Subscription.objects.filter(entitlement_q(at=at), user=user)
        .order_by()
        .values_list("source", licences.no_name(), licences.no_organisation())
        .union(licences.licence_rows(user=user, range_ids=range_ids, at=at))
    )
    entitlement = _entitlement_from({kind for kind, _name, _organisation in rows})
    if entitlement is not None:
        return entitlement
    return _licensed(licences.licence_choose(rows, user=user, at=at))


def _entitlement_from(sources: set[str]) -> Entitlement | None:
    """A paying subscription is named before a complimentary grant."""
    if Source.STRIPE in sources:
        return Entitlement(via="subscription")
    if Source.COMPLIMENTARY in sources:
        return Entitlement(via="complimentary")
    return None


def entitlements_for(users: Iterable[User], *, at: datetime) -> dict[int, Entitlement]:
    """`entitlement_for` of many users at once, without an address (a mailing's batch):
    from the same sources, in the same order (staff, a paying subscription, a grant, a
    licence), in three queries whatever the batch; no seat is taken.

    Keyed by user id; a user without entitlement is absent.
    """
    users = [user for user in users if user.is_active]
    entitled = {user.pk: Entitlement(via="staff") for user in users if user.is_staff}
    others = [user for user in users if not user.is_staff]
    sources: dict[int, set[str]] = {}
    for user_id, source in (
        Subscription.objects.filter(entitlement_q(at=at), user_id__in=[user.pk for user in others])
        .values_list("user_id", "source")
        .distinct()
    ):
        sources.setdefault(user_id, set()).add(source)
    for user_id, found in sources.items():
        if (entitlement := _entitlement_from(found)) is not None:
            entitled[user_id] = entitlement
    licensed = licences.licences_of([user for user in others if user.pk not in entitled], at=at)
    for user_id, licence in licensed.items():
        entitled[user_id] = Entitlement(
            via="licence",
            organisation=licence.organisation,
            organisation_id=licence.organisation_id,
        )
    return entitled


def entitled_users_q(*, at: datetime) -> Q:
    """The users `entitlement_for` entitles at `at` without an address (a mailing has
    none), as one predicate over users: `entitlements_for` as SQL."""
    return Q(is_active=True) & (
        Q(is_staff=True)
        | Q(pk__in=Subscription.objects.filter(entitlement_q(at=at)).values("user_id"))
        | licences.licensed_users_q(at=at)
    )


def _licensed(licence: licences.Licence | None) -> Entitlement | None:
    if licence is None:
        return None
    return Entitlement(
        via="licence", organisation=licence.organisation, organisation_id=licence.organisation_id
    )


def has_access(
    user: AnyUser | None, at: datetime | None = None, *, client_address: str | None = None
) -> bool:
    """Whether `user` (reading from `client_address`) may read subscriber-only articles."""
    return entitlement_for(user, at=at, client_address=client_address) is not None


def current_subscription(user: AnyUser | None, at: datetime | None = None) -> Subscription | None:
    """The subscription to show the reader: the one entitling them, else the latest."""
    if user is None or not user.is_authenticated:
        return None
    at = at or timezone.now()
    subscriptions = Subscription.objects.filter(user=user).select_related("offer")
    return (
        subscriptions.filter(entitlement_q(at=at))
        .order_by(F("current_period_end").desc(nulls_first=True))
        .first()
        or subscriptions.order_by("-created_at").first()
    )
