"""What licences give a reader: the pieces `subscriptions.access.entitlement_for` joins.

A signed-in reader's licences are asked in the same query as their subscriptions
(`licence_rows`, a UNION), an anonymous reader's only when their address is a
candidate (`licences.addresses`), so no request pays a query for licences it cannot
have.

A verified reader at a licensed domain takes a seat at their first request after
verification (`licence_choose`): the seat is theirs from then on, and when the seats
are all taken they read as anyone else would. On site (by address) no seat is taken:
a member's seat is for reading from anywhere.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from imago.exceptions import DomainError

from .models import EmailDomain, IpRange, Membership, active_q
from .services import membership_join

# What each row of `licence_rows` says, beside subscription sources ("stripe", …).
MEMBER = "licence:member"
ADDRESS = "licence:address"
DOMAIN = "licence:domain"
KINDS = (MEMBER, ADDRESS, DOMAIN)

# Columns shared with the subscriptions' side of the UNION: (kind, name, organisation id).
Row = tuple[str, str, int]


@dataclass(frozen=True)
class Licence:
    """The organisation whose licence opens every article to a reader."""

    organisation_id: int
    organisation: str


def no_name() -> Value:
    return Value("", output_field=CharField())


def no_organisation() -> Value:
    return Value(0, output_field=BigIntegerField())


def _kind(kind: str) -> Value:
    return Value(kind, output_field=CharField())


def domain_suffixes(email: str) -> list[str]:
    """The domains an address is at: "a@irm.chu-lille.fr" is at irm.chu-lille.fr and
    chu-lille.fr (never at a bare top-level domain)."""
    labels = email.rpartition("@")[2].lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def member_q(user: User) -> Q:
    """Memberships that open articles to `user` (their licence aside): one by code or
    by staff always, one by domain while the reader's address is verified there."""
    by_hand = Q(via__in=[Membership.Via.CODE, Membership.Via.STAFF])
    if user.email_verified_at is None:
        return by_hand
    return by_hand | Q(
        via=Membership.Via.DOMAIN,
        organisation__domains__domain__in=domain_suffixes(user.email),
    )


def licence_rows(*, user: User, range_ids: Iterable[int], at: dt.datetime) -> QuerySet:
    """The reader's running licences as (kind, organisation name, organisation id) rows,
    to be joined (UNION) to the query of their subscriptions."""
    rows = (
        Membership.objects.filter(member_q(user), active_q(at, "organisation__"), user=user)
        .order_by()
        .values_list(_kind(MEMBER), "organisation__name", "organisation_id")
    )
    range_ids = list(range_ids)
    if range_ids:
        rows = rows.union(
            IpRange.objects.filter(active_q(at, "organisation__"), pk__in=range_ids)
            .order_by()
            .values_list(_kind(ADDRESS), "organisation__name", "organisation_id")
        )
    if user.email_verified_at is not None:
        # Only where a seat is free: a reader of a full licence is not made to wait for
        # its lock at every request (membership_join counts again, under the lock).
        taken = (
            Membership.objects.filter(organisation=OuterRef("organisation"))
            .order_by()
            .values("organisation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = rows.union(
            EmailDomain.objects.filter(
                active_q(at, "organisation__"), domain__in=domain_suffixes(user.email)
            )
            .annotate(seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))
            .filter(organisation__seats__gt=F("seats_taken"))
            .order_by()
            .values_list(_kind(DOMAIN), "organisation__name", "organisation_id")
        )
    return rows


def licence_by_address(*, range_ids: Iterable[int], at: dt.datetime) -> Licence | None:
    """The licence that opens articles to an anonymous request from candidate ranges."""
    row = (
        IpRange.objects.filter(active_q(at, "organisation__"), pk__in=list(range_ids))
        .order_by("organisation__name", "organisation_id")
        .values_list("organisation_id", "organisation__name")
        .first()
    )
    return None if row is None else Licence(organisation_id=row[0], organisation=row[1])


def licence_choose(rows: Iterable[Row], *, user: User, at: dt.datetime) -> Licence | None:
    """The licence that opens articles to `user`: a seat they hold, else the address they
    read from, else a seat they take now by their verified domain (none when full)."""
    found = sorted((name, pk, kind) for kind, name, pk in rows if kind in KINDS)
    for wanted in KINDS:
        for name, pk, kind in found:
            if kind != wanted:
                continue
            if kind == DOMAIN:
                try:
                    membership_join(user=user, organisation_id=pk, via=Membership.Via.DOMAIN, at=at)
                except DomainError:
                    continue  # every seat is taken
            return Licence(organisation_id=pk, organisation=name)
    return None
