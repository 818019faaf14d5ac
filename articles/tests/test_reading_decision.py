"""One reading decision: every surface gives each kind of reader the same answer.

The list's `locked`, the detail's content and `access.via`, search on words past the
split and the discussion all come from `articles.reading`; this table holds them to it.
"""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from articles import reading
from articles.models import Article
from articles.tests.factories import ArticleFactory
from conftest import client_for
from subscriptions.models import Subscription
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

# A word found only past the split of the factory's body.
HIDDEN_WORD = "secrète"


def _stripe(status: str, *, period_start_days: int = -10, period_end_days: int = 20):
    now = timezone.now()
    return lambda: (
        StripeSubscriptionFactory(
            status=status,
            current_period_start=now + dt.timedelta(days=period_start_days),
            current_period_end=now + dt.timedelta(days=period_end_days),
        ).user
    )


PAST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

# kind of reader → (how to make them, what opens subscriber-only articles to them)
READERS = {
    "anonymous": (lambda: None, None),
    "signed in, never subscribed": (UserFactory, None),
    "complimentary grant": (lambda: ComplimentaryFactory().user, "complimentary"),
    "expired grant": (lambda: ComplimentaryFactory(current_period_end=PAST).user, None),
    "staff": (lambda: UserFactory(is_staff=True), "staff"),
    "stripe active": (_stripe(Subscription.Status.ACTIVE), "subscription"),
    "stripe trialing": (_stripe(Subscription.Status.TRIALING), "subscription"),
    "stripe past due, in grace": (
        _stripe(Subscription.Status.PAST_DUE, period_start_days=-1),
        "subscription",
    ),
    "stripe past due, grace over": (
        _stripe(Subscription.Status.PAST_DUE, period_start_days=-5),
        None,
    ),
    "stripe canceled": (_stripe(Subscription.Status.CANCELED), None),
    "stripe unpaid": (_stripe(Subscription.Status.UNPAID), None),
}


@pytest.mark.parametrize("access", [Article.Access.SUBSCRIBERS, Article.Access.FREE])
@pytest.mark.parametrize("kind", READERS)
def test_every_surface_agrees_on_what_a_reader_may_read(kind, access):
    make_user, via = READERS[kind]
    user = make_user()
    client = client_for(user)
    article = ArticleFactory(access=access)
    if access == Article.Access.FREE:
        via = "free"
    opens = via is not None

    listed = client.get("/api/v1/articles/").json()["results"]
    detail = client.get(f"/api/v1/articles/{article.slug}/").json()
    found = client.get("/api/v1/articles/", {"q": HIDDEN_WORD}).json()["results"]
    discussion = client.get(f"/api/v1/articles/{article.slug}/comments/")

    assert [item["locked"] for item in listed] == [not opens]
    assert detail["locked"] is (not opens)
    assert detail["content"]["complete"] is opens
    assert detail["access"] == ({"via": via} if opens else None)
    assert (detail["paywall"] is None) is opens
    assert [item["slug"] for item in found] == ([article.slug] if opens else [])
    if opens:
        assert discussion.status_code == HTTPStatus.OK
    elif user is None:
        assert discussion.status_code == HTTPStatus.UNAUTHORIZED
    else:
        assert discussion.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("anonymous", "login_required"), ("signed in, never subscribed", "subscription_required")],
)
def test_paywall_reason_follows_the_reader(kind, reason):
    user = READERS[kind][0]()
    article = ArticleFactory()

    detail = client_for(user).get(f"/api/v1/articles/{article.slug}/").json()

    assert detail["paywall"]["reason"] == reason


def test_a_paying_subscription_is_named_before_a_complimentary_grant():
    user = _stripe(Subscription.Status.ACTIVE)()
    ComplimentaryFactory(user=user)
    article = ArticleFactory()

    detail = client_for(user).get(f"/api/v1/articles/{article.slug}/").json()

    assert detail["access"] == {"via": "subscription"}


@pytest.mark.parametrize("kind", READERS)
def test_the_whole_archive_opens_to_exactly_the_readers_whose_entitlement_opens_it(kind):
    """`opens_archive` (the edition and the club ask it) agrees with the articles' decision."""
    make_user, via = READERS[kind]
    user = make_user()

    reader = reading.ANONYMOUS if user is None else reading.reader_for(user)

    assert reading.opens_archive(reader) is (via is not None)
