"""The bulk forms of the one reading decision answer as the per-reader ones do."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from articles import reading
from subscriptions.access import entitled_users_q, entitlement_for, entitlements_for
from subscriptions.models import Subscription
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone():
    """One user of each kind the decision tells apart."""
    now = timezone.now()
    past = now - dt.timedelta(days=10)
    StripeSubscriptionFactory()  # active
    StripeSubscriptionFactory(status=Subscription.Status.TRIALING)
    StripeSubscriptionFactory(
        status=Subscription.Status.PAST_DUE, current_period_start=now - dt.timedelta(days=1)
    )  # within grace
    StripeSubscriptionFactory(status=Subscription.Status.PAST_DUE, current_period_start=past)
    StripeSubscriptionFactory(status=Subscription.Status.CANCELED)
    ComplimentaryFactory()
    ComplimentaryFactory(current_period_end=None)
    ComplimentaryFactory(current_period_end=past)
    both = ComplimentaryFactory().user
    StripeSubscriptionFactory(user=both)
    UserFactory(is_staff=True)
    inactive = ComplimentaryFactory().user
    inactive.is_active = False
    inactive.save()
    UserFactory()
    return list(User.objects.all())


def test_entitlements_for_many_users_match_entitlement_for_each(everyone):
    now = timezone.now()

    bulk = entitlements_for(everyone, at=now)

    assert {u.pk: entitlement_for(u, at=now) for u in everyone if u.pk in bulk} == bulk
    assert all(entitlement_for(u, at=now) is None for u in everyone if u.pk not in bulk)
    assert 0 < len(bulk) < len(everyone)


def test_entitled_users_q_selects_exactly_the_entitled(everyone):
    now = timezone.now()

    selected = set(User.objects.filter(entitled_users_q(at=now)).values_list("pk", flat=True))

    assert selected == {u.pk for u in everyone if entitlement_for(u, at=now) is not None}


def test_readers_for_many_users_read_what_reader_for_each_reads(everyone):
    now = timezone.now()

    readers = reading.readers_for(everyone, at=now)

    for user in everyone:
        one = reading.reader_for(user, at=now)
        assert readers[user.pk] == one
        assert reading.readable_q(readers[user.pk], at=now) == reading.readable_q(one, at=now)
