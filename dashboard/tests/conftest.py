"""A small world at a fixed moment, with one subscription in each state the dashboard
tells apart, paywall views and checkouts: the expected numbers are worked out by hand
in test_selectors.py."""

import datetime as dt
import itertools

import pytest

from accounts.tests.factories import UserFactory
from articles.tests.factories import ArticleFactory, RubricFactory
from dashboard.tests.factories import PaywallViewFactory
from licences.tests.factories import MembershipFactory, OrganisationFactory
from subscriptions.models import CheckoutSession, Offer, Subscription
from subscriptions.tests.factories import (
    ComplimentaryFactory,
    OfferFactory,
    StripeSubscriptionFactory,
)

# A Thursday; its ISO week (2026-W48) started on Monday 23 November, in Paris.
AT = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


SESSION_NUMBERS = itertools.count(1)


def checkout(*, offer, created_at, article="", paid=False) -> CheckoutSession:
    session = CheckoutSession.objects.create(
        user=UserFactory.create(),
        offer=offer,
        status=CheckoutSession.Status.COMPLETE if paid else CheckoutSession.Status.EXPIRED,
        stripe_session_id=f"cs_test_{next(SESSION_NUMBERS)}",
        expires_at=created_at + DAY,
        source_article=article,
    )
    CheckoutSession.objects.filter(pk=session.pk).update(created_at=created_at)
    return session


@pytest.fixture
def world(db):
    monthly = OfferFactory(price_cents=2300)
    yearly = OfferFactory(
        slug="annuelle", name="Annuelle", price_cents=24000, interval=Offer.Interval.YEAR
    )
    Status = Subscription.Status
    # Paid, monthly, since 5 November (week 45).
    StripeSubscriptionFactory(
        offer=monthly, stripe_created_at=AT - 21 * DAY, current_period_end=AT + 10 * DAY
    )
    # Paid, yearly, since Tuesday (this week).
    StripeSubscriptionFactory(
        offer=yearly, stripe_created_at=AT - 2 * DAY, current_period_end=AT + 363 * DAY
    )
    # A trial since yesterday.
    StripeSubscriptionFactory(
        offer=monthly,
        status=Status.TRIALING,
        stripe_created_at=AT - DAY,
        trial_end=AT + 13 * DAY,
        current_period_end=AT + 13 * DAY,
    )
    # A payment failed yesterday: in grace.
    StripeSubscriptionFactory(
        offer=monthly,
        status=Status.PAST_DUE,
        stripe_created_at=AT - 40 * DAY,
        current_period_start=AT - DAY,
        current_period_end=AT + 29 * DAY,
    )
    # Cancelled at once on Wednesday 18 November (last week), after two months.
    StripeSubscriptionFactory(
        offer=monthly,
        status=Status.CANCELED,
        stripe_created_at=AT - 60 * DAY,
        canceled_at=AT - 8 * DAY,
        current_period_end=AT + 5 * DAY,
    )
    # A first payment never made: nowhere.
    StripeSubscriptionFactory(
        offer=monthly, status=Status.INCOMPLETE, stripe_created_at=AT - DAY, current_period_end=None
    )
    ComplimentaryFactory(current_period_end=None)
    ComplimentaryFactory(current_period_end=AT - DAY)  # over
    chu = OrganisationFactory(name="CHU de Lille", seats=40)
    MembershipFactory.create_batch(2, organisation=chu)
    MembershipFactory(
        organisation=OrganisationFactory(
            name="Fini", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31)
        )
    )

    imaging = RubricFactory(name="Imagerie", slug="imagerie")
    practice = RubricFactory(name="Pratique", slug="pratique")
    scanner = ArticleFactory(slug="scanner", rubric=imaging)
    cabinet = ArticleFactory(slug="cabinet", rubric=practice)
    today = dt.date(2026, 11, 26)
    PaywallViewFactory(day=today, article=scanner, reason="login_required", views=5)
    PaywallViewFactory(day=today, article=scanner, reason="subscription_required", views=2)
    PaywallViewFactory(day=dt.date(2026, 11, 22), article=cabinet, views=3)  # last Sunday
    PaywallViewFactory(day=dt.date(2026, 6, 1), article=cabinet, views=100)  # before the weeks
    checkout(offer=monthly, created_at=AT - DAY, article="scanner", paid=True)
    checkout(offer=monthly, created_at=AT - 2 * DAY, article="scanner")
    checkout(offer=monthly, created_at=AT - DAY)
    checkout(offer=monthly, created_at=AT - 6 * DAY, article="plus-publie")
    return {"monthly": monthly, "yearly": yearly}
