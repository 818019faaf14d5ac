"""The registration wall's meter: a few subscriber-only articles a month for a free account.

A signed-in reader without a subscription reads PAYWALL_FREE_ARTICLES_PER_MONTH
subscriber-only articles in full each calendar month, in Europe/Paris; opening one of
them again that month costs nothing. An article an editor marked `never_metered` never
opens this way. The count lives in the database (`MeteredRead`, one row per reader,
month and article), and spending a credit is serialised per reader: two requests for two
new articles with one credit left cannot both open.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone

from accounts.models import User
from subscriptions.access import AnyUser

from .models import Article, MeteredRead


@dataclass(frozen=True)
class MeterState:
    """A signed-in reader's meter for the month, read once per request."""

    used: int
    limit: int
    resets_at: dt.datetime  # the first instant of next month, in Paris
    opened_ids: frozenset[int]  # the articles it opened this month: they stay open

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def meter_limit() -> int:
    return settings.PAYWALL_FREE_ARTICLES_PER_MONTH


def meter_month(at: dt.datetime) -> dt.date:
    """The calendar month (its first day) that `at` falls in, in Paris."""
    return timezone.localdate(at).replace(day=1)


def meter_month_start(at: dt.datetime) -> dt.datetime:
    """The first instant of the month of `at`, in Paris."""
    return timezone.make_aware(dt.datetime.combine(meter_month(at), dt.time()))


def meter_resets_at(at: dt.datetime) -> dt.datetime:
    """When the month of `at` ends in Paris: the meter starts again from zero."""
    following = (meter_month(at) + dt.timedelta(days=32)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(following, dt.time()))


def meter_resets_display(resets_at: dt.datetime) -> str:
    """The day a meter starts again, in French: "1er août 2026"."""
    return "1er " + formats.date_format(timezone.localdate(resets_at), "F Y")


def meter_state_for(user: AnyUser, *, at: dt.datetime | None = None) -> MeterState | None:
    """The meter of a signed-in reader at `at`, in one query; None when the meter is off
    or the reader is anonymous. Asked only for a reader without an entitlement."""
    limit = meter_limit()
    if limit <= 0 or not user.is_authenticated:
        return None
    at = at or timezone.now()
    opened = frozenset(
        MeteredRead.objects.filter(user=user, month=meter_month(at)).values_list(
            "article_id", flat=True
        )
    )
    return _state(opened, at=at)


def _state(opened: frozenset[int], *, at: dt.datetime) -> MeterState:
    return MeterState(
        used=len(opened), limit=meter_limit(), resets_at=meter_resets_at(at), opened_ids=opened
    )


def meter_may_open(state: MeterState | None, article: Article) -> bool:
    """Whether spending a credit of `state` would open `article` (not yet opened by it)."""
    return (
        state is not None
        and state.left > 0
        and article.access == Article.Access.SUBSCRIBERS
        and not article.never_metered
        and article.pk not in state.opened_ids
    )


def meter_spend(*, user: User, article: Article, at: dt.datetime | None = None) -> MeterState:
    """Spend a credit of the month on `article` if one is left; the meter after.

    In a transaction holding the reader's row (PostgreSQL: SELECT … FOR NO KEY UPDATE;
    SQLite: its IMMEDIATE transactions already take the one write lock), so the count
    and the insert of two concurrent requests never interleave. The caller decides from
    the state returned: the article is in `opened_ids` when it opened.
    """
    at = at or timezone.now()
    month = meter_month(at)
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).only("pk").get(pk=user.pk)
        opened = set(
            MeteredRead.objects.filter(user=user, month=month).values_list("article_id", flat=True)
        )
        if article.pk not in opened and len(opened) < meter_limit():
            MeteredRead.objects.create(user=user, article=article, month=month, created_at=at)
            opened.add(article.pk)
    return _state(frozenset(opened), at=at)


def reader_export(user: User) -> list[dict[str, Any]]:
    """What the meter holds about a reader (RGPD export): the articles it opened, by month."""
    return [
        {
            "article": read.article.slug,
            "title": read.article.title,
            "month": read.month.isoformat(),
            "read_at": timezone.localtime(read.created_at).isoformat(),
        }
        for read in MeteredRead.objects.filter(user=user)
        .select_related("article")
        .only("month", "created_at", "article__slug", "article__title")
        .order_by("created_at", "id")
    ]


def reader_erase(user: User) -> None:
    """Forget which articles a deleted account read with the meter, and when
    (settings.ACCOUNT_ERASERS). Nothing else counts these rows: the meter is the
    reader's own, and the dashboard's paywall counters never name a reader."""
    MeteredRead.objects.filter(user=user).delete()
