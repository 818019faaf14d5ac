"""The daily paywall counter: one row per day, article and reason, and nothing personal."""

import datetime as dt
import threading
from typing import get_args

import pytest
from django.db import connection, transaction

from articles.reading import Reason
from articles.tests.factories import ArticleFactory
from dashboard.models import PaywallView
from dashboard.services import REASON_UNKNOWN, paywall_view_record

pytestmark = pytest.mark.django_db

# 23:30 UTC on 26 November is already 27 November in Paris.
LATE = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)
NOON = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)


def counts() -> dict[tuple[dt.date, int, str], int]:
    return {(row.day, row.article_id, row.reason): row.views for row in PaywallView.objects.all()}


def test_each_view_adds_one_to_its_days_row_by_article_and_reason(offer):
    article, other = ArticleFactory(), ArticleFactory()

    paywall_view_record(article_id=article.pk, reason="login_required", at=NOON)
    paywall_view_record(article_id=article.pk, reason="login_required", at=NOON)
    paywall_view_record(article_id=article.pk, reason="meter_exhausted", at=NOON)
    paywall_view_record(article_id=other.pk, reason="login_required", at=NOON)

    day = dt.date(2026, 11, 26)
    assert counts() == {
        (day, article.pk, "login_required"): 2,
        (day, article.pk, "meter_exhausted"): 1,
        (day, other.pk, "login_required"): 1,
    }


def test_the_day_is_the_day_in_paris():
    article = ArticleFactory()

    paywall_view_record(article_id=article.pk, reason="subscription_required", at=LATE)

    assert counts() == {(dt.date(2026, 11, 27), article.pk, "subscription_required"): 1}


def test_an_existing_row_is_incremented_in_one_statement(django_assert_num_queries):
    article = ArticleFactory()
    PaywallView.objects.create(
        day=dt.date(2026, 11, 26), article=article, reason="login_required", views=41
    )

    # SAVEPOINT, INSERT … ON CONFLICT DO UPDATE, RELEASE (the test runs in a transaction)
    with django_assert_num_queries(3):
        paywall_view_record(article_id=article.pk, reason="login_required", at=NOON)

    assert PaywallView.objects.get().views == 42


def test_the_callers_transaction_goes_on_after_the_count():
    article = ArticleFactory()

    with transaction.atomic():
        paywall_view_record(article_id=article.pk, reason="login_required", at=NOON)
        article.title = "Changé après le comptage"
        article.save(update_fields=["title"])

    article.refresh_from_db()
    assert article.title == "Changé après le comptage"
    assert PaywallView.objects.get().views == 1


def test_an_unknown_reason_is_refused():
    article = ArticleFactory()

    with pytest.raises(ValueError, match=REASON_UNKNOWN.format(reason="because")):
        paywall_view_record(article_id=article.pk, reason="because", at=NOON)

    assert not PaywallView.objects.exists()


def test_the_reasons_are_the_reading_decisions_lock_reasons():
    assert set(PaywallView.Reason.values) == set(get_args(Reason))


def test_the_counter_holds_no_personal_data():
    assert {field.name for field in PaywallView._meta.get_fields()} == {
        "id",
        "day",
        "article",
        "reason",
        "views",
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_are_all_counted():
    article = ArticleFactory()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def view_many():
        try:
            start.wait()
            for _ in range(10):
                paywall_view_record(article_id=article.pk, reason="login_required", at=NOON)
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=view_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert PaywallView.objects.get().views == 40
