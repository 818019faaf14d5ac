"""Each table's numbers, from the world of conftest.py at AT (Thursday 26 November 2026)."""

import datetime as dt
from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.tests.conftest import AT

pytestmark = pytest.mark.django_db


def test_weeks_are_the_last_twelve_iso_weeks_in_paris():
    weeks = selectors.weeks_until(at=AT)

    assert len(weeks) == 12
    assert (weeks[0].label, weeks[-1].label) == ("2026-W37", "2026-W48")
    assert weeks[-1].monday == dt.date(2026, 11, 23)
    assert weeks[-1].starts_at == dt.datetime(2026, 11, 22, 23, tzinfo=dt.UTC)


def test_a_sunday_evening_in_utc_is_already_next_weeks_monday_in_paris():
    sunday_night = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)

    assert selectors.weeks_until(at=sunday_night)[-1].label == "2026-W49"


def test_subscribers_now_by_state_and_licence(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        now = selectors.subscribers_now(at=AT)

    assert (now.active, now.trialing, now.grace, now.complimentary) == (2, 1, 1, 1)
    assert now.total == 5
    assert [(row.organisation, row.members, row.seats) for row in now.licences] == [
        ("CHU de Lille", 2, 40)
    ]
    assert now.licence_members == 2


def test_new_ended_churn_and_mrr_by_week(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        weeks = selectors.subscriptions_by_week(at=AT)

    this, last = weeks[-1], weeks[-2]
    # This week: the yearly one and the trial started; the monthly and the one in grace
    # were alive on Monday. MRR: 23 € + 240 € / 12 + 23 € (in grace): the trial pays nothing.
    assert (this.new, this.ended, this.active_at_start, this.churn) == (2, 0, 2, Decimal(0))
    assert this.mrr_cents == 2300 + 2000 + 2300
    # Last week: the cancellation, of the three alive on its Monday.
    assert (last.new, last.ended, last.active_at_start) == (0, 1, 3)
    assert last.churn == Decimal("33.3")
    assert last.mrr_cents == 2300 + 2300
    # Week 45 (2–8 November): the monthly one started.
    assert weeks[-4].week.label == "2026-W45"
    assert weeks[-4].new == 1
    assert sum(row.new for row in weeks) == 5  # the incomplete one never counts


def test_a_week_with_nobody_has_no_churn_rather_than_zero(db):
    weeks = selectors.subscriptions_by_week(at=AT)

    assert weeks[-1].churn is None
    assert weeks[-1].mrr_cents == 0


def test_the_funnel_by_week(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        rows = selectors.funnel_by_week(at=AT)

    this, last = rows[-1], rows[-2]
    assert (this.label, this.views, this.checkouts, this.subscriptions) == ("2026-W48", 7, 3, 2)
    assert (last.views, last.checkouts, last.subscriptions) == (3, 1, 0)
    assert this.checkout_rate == Decimal("42.9")
    assert this.subscription_rate == Decimal("66.7")
    assert sum(row.views for row in rows) == 10  # June's views are before the period


def test_the_funnel_by_rubric_follows_the_checkouts_source_article(
    world, django_assert_num_queries
):
    with django_assert_num_queries(4):
        rows = selectors.funnel_by_rubric(at=AT)

    found = {
        row.label: (row.views, row.checkouts, row.subscriptions)
        for row in rows
        if row.views or row.checkouts
    }
    assert found == {
        "Imagerie": (7, 2, 1),
        "Pratique": (3, 0, 0),
        # One started from no article, one from a slug no article has.
        selectors.NO_RUBRIC: (0, 2, 0),
    }


def test_monthly_revenue_counts_a_yearly_price_for_a_twelfth_rounded_once():
    assert selectors.monthly_cents(month_cents=2300, year_cents=0) == 2300
    assert selectors.monthly_cents(month_cents=0, year_cents=24000) == 2000
    # 3 yearly subscriptions at 230 €: 575 € a month, exactly.
    assert selectors.monthly_cents(month_cents=0, year_cents=3 * 23000) == 5750
    assert selectors.monthly_cents(month_cents=0, year_cents=100) == 8  # 8,33 cents
