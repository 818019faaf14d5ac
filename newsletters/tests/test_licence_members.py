"""A licence's members may join a subscribers-only newsletter, and are sent it: the
joining and the sending ask the same decision (subscriptions/access.py)."""

import pytest
from django.utils import timezone

from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from conftest import client_for
from licences.models import Membership
from licences.tests.factories import MembershipFactory, OrganisationFactory
from newsletters import services
from newsletters.models import Delivery, Newsletter
from outbox.tests.worker import worker_drain

from .factories import MailingFactory, NewsletterFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

CHOICES = "/api/v1/me/newsletters/"


@pytest.fixture
def club():
    return NewsletterFactory(
        name="Le club abonnés", slug="club", audience=Newsletter.Audience.SUBSCRIBERS
    )


@pytest.fixture
def chu():
    return OrganisationFactory(name="CHU de Lille", seats=10, domains=["chu-lille.fr"])


def join_club(user) -> int:
    return client_for(user).put(CHOICES, {"newsletters": ["club"]}, format="json").status_code


@pytest.mark.parametrize("joined_by", ["code", "domain"])
def test_a_licence_member_who_joins_the_subscribers_newsletter_receives_it_in_full(
    smtp_server, club, chu, joined_by
):
    if joined_by == "code":
        member = MembershipFactory(organisation=chu, user=VerifiedUserFactory()).user
    else:  # a verified address at the licence's domain: a seat taken by itself
        member = VerifiedUserFactory(email="interne@irm.chu-lille.fr")
    outsider = VerifiedUserFactory()
    article = ArticleFactory(title="Ce que l’IA change au CHU")
    mailing = MailingFactory(newsletter=club, articles=[article])

    assert join_club(member) == 200
    assert join_club(outsider) == 403
    services.mailing_schedule(mailing=mailing)
    worker_drain()

    [received] = smtp_server.to(member.email)
    assert HIDDEN_SENTENCE in received.text  # read in full, as the licence opens it
    assert [m.to for m in smtp_server.messages] == [member.email]
    assert Delivery.objects.get(user=member).status == Delivery.Status.SENT
    assert Membership.objects.filter(user=member, organisation=chu).exists()


def test_a_member_whose_licence_ended_since_joining_is_not_sent_it(smtp_server, club, chu):
    member = MembershipFactory(organisation=chu, user=VerifiedUserFactory()).user
    mailing = MailingFactory(newsletter=club, articles=[ArticleFactory()])
    assert join_club(member) == 200
    chu.ends_on = timezone.localdate() - timezone.timedelta(days=2)
    chu.starts_on = chu.ends_on - timezone.timedelta(days=30)
    chu.save()

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    assert smtp_server.to(member.email) == []
