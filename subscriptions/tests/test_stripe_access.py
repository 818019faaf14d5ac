"""The past_due grace on subscriptions read from Stripe, whose period rolls when billed."""

import datetime as dt

import pytest

from subscriptions.access import has_access
from subscriptions.tests.factories import StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

RENEWAL = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def past_due():
    # Stripe bills the new period at RENEWAL and moves to it, paid or not.
    return StripeSubscriptionFactory(
        status="past_due",
        current_period_start=RENEWAL,
        current_period_end=RENEWAL + dt.timedelta(days=31),
    )


def test_past_due_reads_during_the_grace_after_the_paid_period(past_due, settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 3

    assert has_access(past_due.user, at=RENEWAL + dt.timedelta(days=2, hours=23))


def test_past_due_stops_after_the_grace_not_at_the_unpaid_period_end(past_due, settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 3

    assert not has_access(past_due.user, at=RENEWAL + dt.timedelta(days=3, minutes=1))
    assert not has_access(past_due.user, at=RENEWAL + dt.timedelta(days=20))


def test_the_grace_follows_the_setting(past_due, settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 7

    assert has_access(past_due.user, at=RENEWAL + dt.timedelta(days=6))
