"""access.has_access: the one decision, rule by rule (SPEC.md, Access)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.tests.factories import UserFactory
from subscriptions.access import has_access
from subscriptions.models import Subscription
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
Status = Subscription.Status


def test_anonymous_and_plain_readers_have_no_access():
    assert has_access(AnonymousUser(), at=NOW) is False
    assert has_access(UserFactory(), at=NOW) is False


def test_staff_preview_everything():
    assert has_access(UserFactory(is_staff=True), at=NOW) is True


def test_inactive_staff_has_no_access():
    assert has_access(UserFactory(is_staff=True, is_active=False), at=NOW) is False


def test_complimentary_until_its_end():
    grant = ComplimentaryFactory(current_period_end=NOW + dt.timedelta(days=1))

    assert has_access(grant.user, at=NOW) is True
    assert has_access(grant.user, at=NOW + dt.timedelta(days=1)) is False


def test_complimentary_without_end_lasts_until_revoked():
    grant = ComplimentaryFactory(current_period_end=None)

    assert has_access(grant.user, at=NOW + dt.timedelta(days=3650)) is True
    grant.status = Status.CANCELED
    grant.save()
    assert has_access(grant.user, at=NOW) is False


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.TRIALING])
def test_active_or_trialing_until_the_period_ends(status):
    sub = StripeSubscriptionFactory(status=status, current_period_end=NOW + dt.timedelta(hours=1))

    assert has_access(sub.user, at=NOW) is True
    assert has_access(sub.user, at=NOW + dt.timedelta(hours=1)) is False


def test_cancel_at_period_end_keeps_access_until_that_end():
    sub = StripeSubscriptionFactory(
        cancel_at_period_end=True, current_period_end=NOW + dt.timedelta(days=5)
    )

    assert has_access(sub.user, at=NOW + dt.timedelta(days=4)) is True
    assert has_access(sub.user, at=NOW + dt.timedelta(days=5, seconds=1)) is False


def test_past_due_keeps_access_during_the_grace_period(settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 3
    sub = StripeSubscriptionFactory(status=Status.PAST_DUE, current_period_end=NOW)

    assert has_access(sub.user, at=NOW + dt.timedelta(days=2, hours=23)) is True
    assert has_access(sub.user, at=NOW + dt.timedelta(days=3, seconds=1)) is False


@pytest.mark.parametrize(
    "status",
    [Status.INCOMPLETE, Status.INCOMPLETE_EXPIRED, Status.CANCELED, Status.UNPAID, Status.PAUSED],
)
def test_other_statuses_grant_nothing(status):
    sub = StripeSubscriptionFactory(status=status, current_period_end=NOW + dt.timedelta(days=10))

    assert has_access(sub.user, at=NOW) is False


def test_defaults_to_now():
    grant = ComplimentaryFactory(current_period_end=timezone.now() + dt.timedelta(minutes=5))

    assert has_access(grant.user) is True
