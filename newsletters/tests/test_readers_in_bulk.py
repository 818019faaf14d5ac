"""The bulk forms of the one entitlement decision answer as the per-reader one does.

`entitlement_for` (one reader, at a request) and its bulk forms, `entitlements_for` and
`entitled_users_q` (a mailing's readers), are built from the same sources; these tests
hold them to the same answer for every kind of reader the decision tells apart. A
mailing has no address: licences by address do not apply to it (anonymous readers,
who only have one, never receive a mailing).
"""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from articles import reading
from licences.models import Membership
from licences.tests.factories import MembershipFactory, OrganisationFactory, expired, not_started
from subscriptions.access import entitled_users_q, entitlement_for, entitlements_for
from subscriptions.models import Subscription
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

DOMAIN = Membership.Via.DOMAIN


def verified(email: str, **fields):
    return UserFactory(email=email, email_verified_at=timezone.now(), **fields)


@pytest.fixture
def everyone() -> dict:
    """One user of each kind the decision tells apart: name -> (user, expected `via`,
    with the organisation for a licence)."""
    now = timezone.now()
    past = now - dt.timedelta(days=10)
    grace = dt.timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    lille = OrganisationFactory(name="CHU de Lille", seats=50, domains=["chu-lille.fr"])
    brest = OrganisationFactory(name="CHU de Brest", seats=50)
    full = OrganisationFactory(name="CHU complet", seats=1, domains=["chu-complet.fr"])
    MembershipFactory(organisation=full)
    caen = expired(name="CHU de Caen", domains=["chu-caen.fr"])
    nantes = not_started(name="CHU de Nantes")

    def stripe(**fields):
        return StripeSubscriptionFactory(**fields).user

    def seat(organisation, user=None, via=Membership.Via.CODE):
        user = user or UserFactory()
        return MembershipFactory(organisation=organisation, via=via, user=user).user

    def domain_seat(email: str, *, is_verified: bool = True):
        user = verified(email) if is_verified else UserFactory(email=email)
        return seat(lille, user, DOMAIN)

    both = ComplimentaryFactory().user
    StripeSubscriptionFactory(user=both)
    member_subscriber = stripe()
    seat(lille, member_subscriber)
    two_seats = seat(lille)
    seat(brest, two_seats)
    inactive = ComplimentaryFactory(user=UserFactory(is_active=False)).user
    inactive_member = seat(lille, UserFactory(is_active=False))
    moved = domain_seat("partie@chu-lille.fr")
    moved.email = "partie@gmail.com"
    moved.save()
    kinds = {
        "plain user": (UserFactory(), None),
        "active subscriber": (stripe(), "subscription"),
        "trialing": (stripe(status=Subscription.Status.TRIALING), "subscription"),
        "past due, in grace": (
            stripe(status=Subscription.Status.PAST_DUE, current_period_start=now - grace / 2),
            "subscription",
        ),
        "past due, after grace": (
            stripe(status=Subscription.Status.PAST_DUE, current_period_start=now - grace * 2),
            None,
        ),
        "past due, no start, in grace": (
            stripe(
                status=Subscription.Status.PAST_DUE,
                current_period_start=None,
                current_period_end=now - grace / 2,
            ),
            "subscription",
        ),
        "canceled": (stripe(status=Subscription.Status.CANCELED), None),
        "cancels at period end": (stripe(cancel_at_period_end=True), "subscription"),
        "period over": (stripe(current_period_end=past), None),
        "complimentary": (ComplimentaryFactory().user, "complimentary"),
        "complimentary, no end": (
            ComplimentaryFactory(current_period_end=None).user,
            "complimentary",
        ),
        "complimentary, expired": (ComplimentaryFactory(current_period_end=past).user, None),
        "complimentary, revoked": (
            ComplimentaryFactory(status=Subscription.Status.CANCELED).user,
            None,
        ),
        "subscriber with a grant": (both, "subscription"),
        "staff": (UserFactory(is_staff=True), "staff"),
        "inactive with a grant": (inactive, None),
        "inactive member": (inactive_member, None),
        "member by code": (seat(lille), "licence:CHU de Lille"),
        "member added by staff": (seat(lille, via=Membership.Via.STAFF), "licence:CHU de Lille"),
        "member of two licences": (two_seats, "licence:CHU de Brest"),
        "member who subscribes": (member_subscriber, "subscription"),
        "verified domain member": (domain_seat("ana@chu-lille.fr"), "licence:CHU de Lille"),
        "verified domain member, subdomain": (
            domain_seat("bob@irm.chu-lille.fr"),
            "licence:CHU de Lille",
        ),
        "domain member, address no longer verified": (
            domain_seat("cy@chu-lille.fr", is_verified=False),
            None,
        ),
        "domain member, address moved elsewhere": (moved, None),
        "verified at a licensed domain, no seat yet": (
            verified("dee@chu-lille.fr"),
            "licence:CHU de Lille",
        ),
        "verified at a subdomain, no seat yet": (
            verified("eve@scanner.chu-lille.fr"),
            "licence:CHU de Lille",
        ),
        "verified at a look-alike domain": (verified("fay@notchu-lille.fr"), None),
        "unverified address at a licensed domain": (UserFactory(email="gil@chu-lille.fr"), None),
        "verified at the domain of a full licence": (verified("hal@chu-complet.fr"), None),
        "verified at the domain of an expired licence": (verified("ida@chu-caen.fr"), None),
        "member of an expired licence": (seat(caen), None),
        "domain member of an expired licence": (
            seat(caen, verified("jo@chu-caen.fr"), DOMAIN),
            None,
        ),
        "member of a licence not started": (seat(nantes), None),
    }
    return kinds


def via(entitlement) -> str | None:
    if entitlement is None:
        return None
    if entitlement.via == "licence":
        return f"licence:{entitlement.organisation}"
    return entitlement.via


def test_every_kind_of_reader_is_told_apart_as_expected(everyone):
    """What the single form says of each kind (so that agreeing is not agreeing on None)."""
    now = timezone.now()

    single = {name: via(entitlement_for(user, at=now)) for name, (user, _) in everyone.items()}

    assert single == {name: expected for name, (_, expected) in everyone.items()}


def test_entitlements_for_many_users_match_entitlement_for_each(everyone):
    now = timezone.now()
    users = [user for user, _ in everyone.values()]

    bulk = entitlements_for(users, at=now)  # before the single form takes any seat

    assert {name: bulk.get(user.pk) for name, (user, _) in everyone.items()} == {
        name: entitlement_for(user, at=now) for name, (user, _) in everyone.items()
    }


def test_entitled_users_q_selects_exactly_the_entitled(everyone):
    now = timezone.now()

    selected = set(User.objects.filter(entitled_users_q(at=now)).values_list("pk", flat=True))

    assert {name for name, (user, _) in everyone.items() if user.pk in selected} == {
        name for name, (user, _) in everyone.items() if entitlement_for(user, at=now) is not None
    }


def test_readers_for_many_users_read_what_reader_for_each_reads(everyone):
    now = timezone.now()
    users = [user for user, _ in everyone.values()]

    readers = reading.readers_for(users, at=now)

    for user in users:
        one = reading.reader_for(user, at=now)
        assert readers[user.pk] == one
        assert reading.readable_q(readers[user.pk], at=now) == reading.readable_q(one, at=now)


def test_a_batch_is_three_queries_whatever_its_size(everyone, django_assert_num_queries):
    users = [user for user, _ in everyone.values()]

    with django_assert_num_queries(3):
        entitlements_for(users, at=timezone.now())
