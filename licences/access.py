"""What licences give a reader: the pieces `subscriptions.access.entitlement_for` joins.

A signed-in reader's licences are asked in the same query as their subscriptions
(`licence_rows`, a UNION), an anonymous reader's only when their address is a
candidate (`licences.addresses`), so no request pays a query for licences it cannot
have.

A verified reader at a licensed domain takes a seat at their first request after
verification (`licence_choose`): the seat is theirs from then on, and when the seats
are all taken they read as anyone else would. On site (by address) no seat is taken:
a member's seat is for reading from anywhere.

A mailing asks the same of many readers at once (`licences_of`, `licensed_users_q`),
from the same pieces (`seats_held`, `seats_free`), without an address and without
taking a seat.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.db.models.lookups import IEndsWith

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


def at_domain_q(email: Expression | F) -> Q:
    """Over EmailDomain: the address `email` (a column, an outer reference) is at the
    domain or at one of its subdomains, as `domain_suffixes` says of one address."""
    return Q(IEndsWith(email, Concat(Value("@"), F("domain")))) | Q(
        IEndsWith(email, Concat(Value("."), F("domain")))
    )


def seats_held(at: dt.datetime) -> QuerySet[Membership]:
    """Seats that open articles to their holder at `at`: of a running licence, taken by
    code or by staff always, by domain while the holder's address is verified at one of
    the organisation's domains. The one definition, for one reader and for many."""
    still_at_domain = EmailDomain.objects.filter(
        at_domain_q(OuterRef("user__email")), organisation=OuterRef("organisation")
    )
    return Membership.objects.filter(
        Q(via__in=[Membership.Via.CODE, Membership.Via.STAFF])
        | (
            Q(via=Membership.Via.DOMAIN, user__email_verified_at__isnull=False)
            & Exists(still_at_domain)
        ),
        active_q(at, "organisation__"),
    )


def seats_free(at: dt.datetime) -> QuerySet[EmailDomain]:
    """Domains of running licences with a seat free at `at`: a verified reader there takes
    one at their next request (`licence_choose`)."""
    # Only where a seat is free: a reader of a full licence is not made to wait for its
    # lock at every request (membership_join counts again, under the lock).
    taken = (
        Membership.objects.filter(organisation=OuterRef("organisation"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        EmailDomain.objects.filter(active_q(at, "organisation__"))
        .annotate(seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))
        .filter(organisation__seats__gt=F("seats_taken"))
    )


def licence_rows(*, user: User, range_ids: Iterable[int], at: dt.datetime) -> QuerySet:
    """The reader's running licences as (kind, organisation name, organisation id) rows,
    to be joined (UNION) to the query of their subscriptions."""
    rows = (
        seats_held(at)
        .filter(user=user)
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
        rows = rows.union(
            seats_free(at)
            .filter(domain__in=domain_suffixes(user.email))
            .order_by()
            .values_list(_kind(DOMAIN), "organisation__name", "organisation_id")
        )
    return rows


def licensed_users_q(*, at: dt.datetime) -> Q:
    """Over users: those `licence_rows` gives a licence at `at`, without an address (a
    mailing has none): a seat they hold, or a free one their verified address would take.

    A domain's readers without a seat are each counted while one is free, as each would
    take it at their next request; until they do, more of them may be counted than there
    are seats left.
    """
    # The free domains are found once (an uncorrelated subquery), not again per user.
    free = EmailDomain.objects.filter(pk__in=seats_free(at).values("pk"))
    return Q(pk__in=seats_held(at).values("user_id")) | Q(
        Q(email_verified_at__isnull=False) & Exists(free.filter(at_domain_q(OuterRef("email"))))
    )


def licences_of(users: Iterable[User], *, at: dt.datetime) -> dict[int, Licence]:
    """`licence_rows` of many users at once, without an address (a mailing's batch), each
    chosen as `licence_choose` would, but never taking a seat: two queries.

    Keyed by user id; a user without a licence is absent.
    """
    users = list(users)
    rows: dict[int, list[Row]] = {}
    for user_id, name, organisation_id in (
        seats_held(at)
        .filter(user_id__in=[user.pk for user in users])
        .values_list("user_id", "organisation__name", "organisation_id")
    ):
        rows.setdefault(user_id, []).append((MEMBER, name, organisation_id))
    verified = {user.pk: domain_suffixes(user.email) for user in users if user.email_verified_at}
    wanted = {domain for domains in verified.values() for domain in domains}
    if wanted:
        free = list(
            seats_free(at)
            .filter(domain__in=wanted)
            .values_list("domain", "organisation__name", "organisation_id")
        )
        for user_id, domains in verified.items():
            rows.setdefault(user_id, []).extend(
                (DOMAIN, name, pk) for domain, name, pk in free if domain in domains
            )
    chosen = {}
    for user_id, found in rows.items():
        ordered = licences_in_order(found)
        if ordered:
            _kind, name, pk = ordered[0]
            chosen[user_id] = Licence(organisation_id=pk, organisation=name)
    return chosen


def licence_by_address(*, range_ids: Iterable[int], at: dt.datetime) -> Licence | None:
    """The licence that opens articles to an anonymous request from candidate ranges."""
    row = (
        IpRange.objects.filter(active_q(at, "organisation__"), pk__in=list(range_ids))
        .order_by("organisation__name", "organisation_id")
        .values_list("organisation_id", "organisation__name")
        .first()
    )
    return None if row is None else Licence(organisation_id=row[0], organisation=row[1])


def licences_in_order(rows: Iterable[Row]) -> list[Row]:
    """Licence rows in the order they are chosen: a seat held, then the address read from,
    then a seat to take by domain; by organisation name within a kind."""
    found = sorted((KINDS.index(kind), name, pk) for kind, name, pk in rows if kind in KINDS)
    return [(KINDS[rank], name, pk) for rank, name, pk in found]


def licence_choose(rows: Iterable[Row], *, user: User, at: dt.datetime) -> Licence | None:
    """The licence that opens articles to `user`: a seat they hold, else the address they
    read from, else a seat they take now by their verified domain (none when full)."""
    for kind, name, pk in licences_in_order(rows):
        if kind == DOMAIN:
            try:
                membership_join(user=user, organisation_id=pk, via=Membership.Via.DOMAIN, at=at)
            except DomainError:
                continue  # every seat is taken
        return Licence(organisation_id=pk, organisation=name)
    return None
