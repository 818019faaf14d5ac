"""Reads of the dashboard: each table computed from the database in a bounded number of
queries (conditional aggregates, one per table or so), whatever the number of rows.

Weeks are ISO weeks (Monday to Sunday) in Paris; the last one is the week of `at`, so far.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from articles.models import Article, Rubric
from licences.models import Organisation, active_q
from subscriptions.access import entitlement_q
from subscriptions.models import CheckoutSession, Offer, Subscription

from .models import PaywallView

WEEKS = 12
CURRENCY = "EUR"
Source = Subscription.Source
Status = Subscription.Status
# Never paid: an abandoned first payment is neither a new subscription nor an ended one.
NEVER_STARTED = (Status.INCOMPLETE, Status.INCOMPLETE_EXPIRED)
# Statuses that no longer bill nor grant anything: the subscription has ended.
ENDED = (Status.CANCELED, Status.UNPAID)
NO_RUBRIC = "Sans article d'origine connu"


@dataclass(frozen=True)
class Week:
    """An ISO week in Paris, from its Monday at midnight to the next."""

    monday: dt.date

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.monday, dt.time()))

    @property
    def ends_at(self) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.monday + dt.timedelta(days=7), dt.time())
        )

    def __contains__(self, day: dt.date) -> bool:
        return self.monday <= day < self.monday + dt.timedelta(days=7)


def weeks_until(*, at: dt.datetime, count: int = WEEKS) -> tuple[Week, ...]:
    """The `count` ISO weeks ending with the week of `at` (Paris), oldest first."""
    today = timezone.localdate(at)
    monday = today - dt.timedelta(days=today.weekday())
    return tuple(Week(monday - dt.timedelta(weeks=n)) for n in range(count - 1, -1, -1))


def _week_of(day: dt.date, weeks: Iterable[Week]) -> Week | None:
    return next((week for week in weeks if day in week), None)


def monthly_cents(*, month_cents: int, year_cents: int) -> int:
    """Monthly revenue from the sum of monthly prices and the sum of yearly prices (a
    yearly price counts for a twelfth), rounded to the cent once, at the end."""
    total = Decimal(month_cents) + Decimal(year_cents) / 12
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ratio(part: int, whole: int) -> Decimal | None:
    """`part / whole` as a percentage with one decimal, None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- Subscribers now ------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceRow:
    organisation: str
    seats: int
    members: int
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class SubscribersNow:
    """Subscriptions that give access at `at`, by kind; running licences and their seats."""

    active: int
    trialing: int
    grace: int
    complimentary: int
    licences: tuple[LicenceRow, ...]

    @property
    def licence_members(self) -> int:
        return sum(row.members for row in self.licences)

    @property
    def total(self) -> int:
        return self.active + self.trialing + self.grace + self.complimentary


def subscribers_now(*, at: dt.datetime) -> SubscribersNow:
    """Two queries. Exactly the subscriptions `subscriptions.access` says entitle their
    reader at `at`, split by kind: Stripe `active` (paid, period running), `trialing`,
    `past_due` within SUBSCRIPTION_GRACE_DAYS (in grace), complimentary grants. A reader
    holding two (a grant and a subscription) counts in both. Licences: running ones, with
    the readers holding a seat; access by address takes no seat and is not counted."""
    entitled = Subscription.objects.filter(entitlement_q(at=at))
    stripe = Q(source=Source.STRIPE)
    counts = entitled.aggregate(
        active=Count("pk", filter=stripe & Q(status=Status.ACTIVE)),
        trialing=Count("pk", filter=stripe & Q(status=Status.TRIALING)),
        grace=Count("pk", filter=stripe & Q(status=Status.PAST_DUE)),
        complimentary=Count("pk", filter=Q(source=Source.COMPLIMENTARY)),
    )
    licences = tuple(
        LicenceRow(
            organisation=row["name"],
            seats=row["seats"],
            members=row["members"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
        )
        for row in Organisation.objects.filter(active_q(at))
        .annotate(members=Count("memberships"))
        .values("name", "seats", "members", "starts_on", "ends_on")
        .order_by("name")
    )
    return SubscribersNow(licences=licences, **counts)


# --- Subscriptions week by week -------------------------------------------------------


def _started() -> Coalesce:
    # Stripe's own creation time when known (a subscription synced later keeps it).
    return Coalesce("stripe_created_at", "created_at")


def _ended() -> Case:
    """When an ended subscription stopped: at the end of its last period when it was set
    to cancel there, else when it was cancelled (Stripe's `canceled_at`), else at its
    period's end. NULL for a subscription that has not ended."""
    return Case(
        When(
            Q(status__in=ENDED, cancel_at_period_end=True, current_period_end__isnull=False),
            then=F("current_period_end"),
        ),
        When(
            status__in=ENDED,
            then=Coalesce("canceled_at", "current_period_end", "updated_at"),
        ),
        default=Value(None),
        output_field=DateTimeField(),
    )


def _alive(t: dt.datetime) -> Q:
    """Started by `t` and not ended by then (trials included)."""
    return Q(started__lte=t) & (Q(ended__isnull=True) | Q(ended__gt=t))


def _paying(t: dt.datetime) -> Q:
    """Alive at `t` and out of its free trial."""
    return _alive(t) & (Q(trial_end__isnull=True) | Q(trial_end__lte=t))


def paid_subscriptions():
    """Stripe subscriptions that started (a first payment or a trial), with when they
    started and, if so, ended."""
    return (
        Subscription.objects.filter(source=Source.STRIPE)
        .exclude(status__in=NEVER_STARTED)
        .annotate(started=_started(), ended=_ended())
    )


@dataclass(frozen=True)
class WeekRow:
    week: Week
    new: int  # Stripe subscriptions started in the week (trials included)
    ended: int  # ... that ended in the week
    active_at_start: int  # ... alive at the week's start (trials included)
    mrr_cents: int  # at the week's end (or at `at` for the current week)

    @property
    def churn(self) -> Decimal | None:
        """Ended in the week, in % of those alive at its start."""
        return ratio(self.ended, self.active_at_start)


def subscriptions_by_week(*, at: dt.datetime, weeks: int = WEEKS) -> tuple[WeekRow, ...]:
    """New, ended, alive at the start and MRR, week by week: one query.

    MRR: the offers' prices today (a yearly one for a twelfth), in EUR, of the Stripe
    subscriptions alive and out of trial at the week's end; a past_due subscription counts
    until it ends (cancelled or unpaid). Complimentary grants bring nothing and are not
    counted here.
    """
    periods = weeks_until(at=at, count=weeks)
    aggregates: dict[str, Aggregate] = {}
    for n, week in enumerate(periods):
        end = min(week.ends_at, at)
        euros = Q(offer__currency=CURRENCY)
        aggregates |= {
            f"new_{n}": Count(
                "pk", filter=Q(started__gte=week.starts_at, started__lt=week.ends_at)
            ),
            f"ended_{n}": Count(
                "pk", filter=Q(ended__gte=week.starts_at, ended__lt=week.ends_at, ended__lte=at)
            ),
            f"alive_{n}": Count("pk", filter=_alive(week.starts_at)),
            f"month_{n}": Sum(
                "offer__price_cents",
                filter=_paying(end) & euros & Q(offer__interval=Offer.Interval.MONTH),
            ),
            f"year_{n}": Sum(
                "offer__price_cents",
                filter=_paying(end) & euros & Q(offer__interval=Offer.Interval.YEAR),
            ),
        }
    values = paid_subscriptions().aggregate(**aggregates)
    return tuple(
        WeekRow(
            week=week,
            new=values[f"new_{n}"],
            ended=values[f"ended_{n}"],
            active_at_start=values[f"alive_{n}"],
            mrr_cents=monthly_cents(
                month_cents=values[f"month_{n}"] or 0, year_cents=values[f"year_{n}"] or 0
            ),
        )
        for n, week in enumerate(periods)
    )


# --- The paywall funnel ---------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    label: str  # a week ("2026-W47") or a rubric's name
    views: int  # locked articles shown (PaywallView)
    checkouts: int  # checkout sessions opened
    subscriptions: int

    @property
    def checkout_rate(self) -> Decimal | None:
        return ratio(self.checkouts, self.views)

    @property
    def subscription_rate(self) -> Decimal | None:
        return ratio(self.subscriptions, self.checkouts)


def _by_day(rows: Iterable[dict], periods: tuple[Week, ...], field: str) -> dict[Week, int]:
    totals = dict.fromkeys(periods, 0)
    for row in rows:
        week = _week_of(row["day"], periods)
        if week is not None:
            totals[week] += row[field] or 0
    return totals


def funnel_by_week(*, at: dt.datetime, weeks: int = WEEKS) -> tuple[FunnelRow, ...]:
    """Locked articles shown → checkout sessions opened → Stripe subscriptions started,
    week by week: three queries, each grouped by day in the database."""
    periods = weeks_until(at=at, count=weeks)
    start = periods[0].starts_at
    views = _by_day(
        PaywallView.objects.filter(day__gte=periods[0].monday, day__lte=timezone.localdate(at))
        .values("day")
        .annotate(total=Sum("views"))
        .order_by(),
        periods,
        "total",
    )
    checkouts = _by_day(
        CheckoutSession.objects.filter(created_at__gte=start, created_at__lte=at)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Count("pk"))
        .order_by(),
        periods,
        "total",
    )
    subscriptions = _by_day(
        paid_subscriptions()
        .filter(started__gte=start, started__lte=at)
        .annotate(day=TruncDate("started"))
        .values("day")
        .annotate(total=Count("pk"))
        .order_by(),
        periods,
        "total",
    )
    return tuple(
        FunnelRow(
            label=week.label,
            views=views[week],
            checkouts=checkouts[week],
            subscriptions=subscriptions[week],
        )
        for week in periods
    )


def funnel_by_rubric(*, at: dt.datetime, weeks: int = WEEKS) -> tuple[FunnelRow, ...]:
    """The funnel over the whole period, by rubric: four queries.

    A checkout belongs to the rubric of the article it was started from (the session's
    `source_article`); its subscription is the session paid (status `complete`). A
    checkout started elsewhere, or from a slug no article has, is in NO_RUBRIC.
    """
    periods = weeks_until(at=at, count=weeks)
    rubrics = {pk: name for pk, name in Rubric.objects.order_by("name").values_list("pk", "name")}
    views: dict[int | None, int] = {
        row["article__rubric_id"]: row["total"]
        for row in PaywallView.objects.filter(
            day__gte=periods[0].monday, day__lte=timezone.localdate(at)
        )
        .values("article__rubric_id")
        .annotate(total=Sum("views"))
        .order_by()
    }
    sessions = list(
        CheckoutSession.objects.filter(created_at__gte=periods[0].starts_at, created_at__lte=at)
        .values("source_article")
        .annotate(
            started=Count("pk"),
            paid=Count("pk", filter=Q(status=CheckoutSession.Status.COMPLETE)),
        )
        .order_by()
    )
    slugs = {row["source_article"] for row in sessions if row["source_article"]}
    rubric_of = (
        dict(Article.objects.filter(slug__in=slugs).values_list("slug", "rubric_id"))
        if slugs
        else {}
    )
    checkouts: dict[int | None, int] = {}
    paid: dict[int | None, int] = {}
    for row in sessions:
        rubric = rubric_of.get(row["source_article"])
        checkouts[rubric] = checkouts.get(rubric, 0) + row["started"]
        paid[rubric] = paid.get(rubric, 0) + row["paid"]
    rows = [
        FunnelRow(
            label=name,
            views=views.get(pk, 0),
            checkouts=checkouts.get(pk, 0),
            subscriptions=paid.get(pk, 0),
        )
        for pk, name in rubrics.items()
    ]
    rows.append(
        FunnelRow(
            label=NO_RUBRIC,
            views=0,
            checkouts=checkouts.get(None, 0),
            subscriptions=paid.get(None, 0),
        )
    )
    return tuple(rows)
