"""Writes of the dashboard: the daily paywall counter."""

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import PaywallView

logger = logging.getLogger(__name__)

REASON_UNKNOWN = "Motif de paywall inconnu : {reason}"


def _upsert_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(PaywallView._meta.db_table)
    return (
        f"INSERT INTO {table} ({quote('day')}, {quote('article_id')}, {quote('reason')}, "
        f"{quote('views')}) VALUES (%s, %s, %s, 1) "
        f"ON CONFLICT ({quote('day')}, {quote('article_id')}, {quote('reason')}) "
        f"DO UPDATE SET {quote('views')} = {table}.{quote('views')} + 1"
    )


def paywall_view_record(*, article_id: int, reason: str, at: dt.datetime | None = None) -> None:
    """Count one showing of a locked article, on its day in Paris.

    One statement, atomic in the database whatever the concurrency: INSERT the day's row
    with 1, or, when it exists (the unique day-article-reason), add 1 to it (`INSERT …
    ON CONFLICT DO UPDATE`, in PostgreSQL and SQLite alike). Inside the caller's
    transaction it runs in a savepoint, so a failure leaves that transaction as it was;
    and a reading never fails for its counter: a database error is logged, the view is
    not counted.
    """
    if reason not in PaywallView.Reason.values:
        raise ValueError(REASON_UNKNOWN.format(reason=reason))
    params = [connection.ops.adapt_datefield_value(timezone.localdate(at)), article_id, reason]
    try:
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_upsert_sql(), params)
        else:  # autocommit: the statement is its own transaction
            with connection.cursor() as cursor:
                cursor.execute(_upsert_sql(), params)
    except DatabaseError:
        logger.warning("Paywall view not counted", exc_info=True)


def paywall_shown_count(*, article_id: int, reason: str, **signal: object) -> None:
    """The receiver of `articles.signals.paywall_shown` (connected in apps.py): the
    staff dashboard's funnel counts how often the paywall was met, never by whom."""
    paywall_view_record(article_id=article_id, reason=reason)
