"""An institution's licence opens every article: on its networks, and to its members."""

import datetime as dt
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from articles.models import Article
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from conftest import client_for
from licences.models import Membership
from licences.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    days_from_today,
    expired,
    not_started,
)
from subscriptions.access import entitlement_for
from subscriptions.tests.factories import ComplimentaryFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
V4, V6 = "192.0.2.0/24", "2001:db8:cafe::/48"
ON_SITE_V4, ON_SITE_V6 = "192.0.2.17", "2001:db8:cafe:12::5"
ELSEWHERE = "198.51.100.7"
LICENCE = {
    "via": "licence",
    "organisation": "CHU de Lille",
    "message": "Accès offert par CHU de Lille",
}


def client_at(address: str, **headers) -> APIClient:
    return APIClient(REMOTE_ADDR=address, **headers)


def verified(email: str):
    return UserFactory(email=email, email_verified_at=timezone.now())


@pytest.fixture
def chu(db):
    return OrganisationFactory(
        name="CHU de Lille", slug="chu-lille", ranges=[V4, V6], domains=["chu-lille.fr"], seats=2
    )


@pytest.fixture
def article(offer):
    return ArticleFactory(slug="irm-de-demain")


def read(client: APIClient, article: Article) -> dict:
    response = client.get(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def opens(data: dict) -> bool:
    complete = data["content"]["complete"]
    assert (HIDDEN_SENTENCE in data["content"]["html"]) is complete
    return complete


# --- On site: the client address ------------------------------------------------------


@pytest.mark.parametrize("address", [ON_SITE_V4, ON_SITE_V6, f"::ffff:{ON_SITE_V4}"])
def test_an_anonymous_reader_on_a_licensed_network_reads_every_article(chu, article, address):
    data = read(client_at(address), article)

    assert opens(data)
    assert data["access"] == LICENCE
    assert data["paywall"] is None


def test_on_a_licensed_network_every_surface_opens(chu, article):
    client = client_at(ON_SITE_V4)

    listed = client.get("/api/v1/articles/").json()["results"]
    found = client.get("/api/v1/articles/", {"q": "secrète"}).json()["results"]
    discussion = client.get(f"/api/v1/articles/{article.slug}/comments/")

    assert [item["locked"] for item in listed] == [False]
    assert [item["slug"] for item in found] == [article.slug]
    assert discussion.status_code == HTTPStatus.OK


@pytest.mark.parametrize("address", ["192.0.3.1", "2001:db8:cafd::1", ELSEWHERE, "127.0.0.1"])
def test_an_address_outside_the_ranges_gets_the_teaser(chu, article, address):
    data = read(client_at(address), article)

    assert not opens(data)
    assert data["access"] is None
    assert data["paywall"]["reason"] == "login_required"


def test_answers_opened_by_a_licensed_network_are_private(chu, article):
    client = client_at(ON_SITE_V4)

    for url in [f"/api/v1/articles/{article.slug}/", "/api/v1/articles/"]:
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control
        assert "public" not in cache_control


def test_behind_a_trusted_proxy_the_address_it_forwards_opens(settings, chu, article):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = client_at("10.0.0.2", HTTP_X_FORWARDED_FOR=ON_SITE_V4)

    data = read(client, article)

    assert opens(data)
    assert data["access"] == LICENCE


def test_a_forged_forwarded_header_opens_nothing_without_a_trusted_proxy(chu, article):
    """DJANGO_NUM_PROXIES=0 (the default): the client is the socket's address."""
    client = client_at(ELSEWHERE, HTTP_X_FORWARDED_FOR=ON_SITE_V4)

    data = read(client, article)

    assert not opens(data)
    assert data["access"] is None


def test_a_forged_forwarded_header_opens_nothing_behind_a_trusted_proxy(settings, chu, article):
    """The client wrote the first address; the proxy appended the one it saw."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = client_at("10.0.0.2", HTTP_X_FORWARDED_FOR=f"{ON_SITE_V4}, {ELSEWHERE}")

    assert not opens(read(client, article))


def test_a_signed_in_reader_on_a_licensed_network_reads_without_taking_a_seat(chu, article):
    reader = UserFactory(email="lecteur@gmail.com")
    client = client_for(reader)
    client.defaults["REMOTE_ADDR"] = ON_SITE_V4

    data = read(client, article)

    assert data["access"] == LICENCE
    assert not Membership.objects.exists()


def test_an_expired_licence_opens_nothing_on_its_network(article):
    expired(name="CHU expiré", ranges=[V4])

    data = read(client_at(ON_SITE_V4), article)

    assert not opens(data)
    assert data["access"] is None


def test_a_licence_not_yet_started_opens_nothing_on_its_network(article):
    not_started(name="CHU futur", ranges=[V4, V6])

    assert not opens(read(client_at(ON_SITE_V4), article))
    assert not opens(read(client_at(ON_SITE_V6), article))


def test_a_licence_runs_from_its_first_to_its_last_day_in_paris(db):
    starts_on, ends_on = days_from_today(10), days_from_today(20)
    organisation = OrganisationFactory(starts_on=starts_on, ends_on=ends_on, ranges=[V4])
    member = MembershipFactory(organisation=organisation).user

    def paris(day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), PARIS)

    for at, running in [
        (paris(starts_on - dt.timedelta(days=1), 23, 59), False),
        (paris(starts_on, 0, 1), True),
        (paris(ends_on, 23, 59), True),
        (paris(ends_on + dt.timedelta(days=1), 0, 1), False),
    ]:
        by_address = entitlement_for(AnonymousUser(), at=at, client_address=ON_SITE_V4)
        by_seat = entitlement_for(member, at=at)
        assert (by_address is not None, by_seat is not None) == (running, running), at
        assert organisation.is_active(at) is running, at  # what joining and the admin ask


# --- Members: a verified address at a domain, or the join code -------------------------


@pytest.mark.parametrize("email", ["dr.martin@chu-lille.fr", "manip@irm.chu-lille.fr"])
def test_a_verified_reader_at_a_licensed_domain_takes_a_seat_and_reads(chu, article, email):
    reader = verified(email)

    data = read(client_for(reader), article)

    assert opens(data)
    assert data["access"] == LICENCE
    membership = Membership.objects.get(user=reader)
    assert (membership.organisation, membership.via) == (chu, Membership.Via.DOMAIN)


def test_an_unverified_address_at_a_licensed_domain_opens_nothing(chu, article):
    reader = UserFactory(email="dr.martin@chu-lille.fr", email_verified_at=None)

    data = read(client_for(reader), article)

    assert not opens(data)
    assert data["paywall"]["reason"] == "subscription_required"
    assert not Membership.objects.exists()


@pytest.mark.parametrize("email", ["x@faux-chu-lille.fr", "x@chu-lille.fr.example.com"])
def test_a_lookalike_domain_opens_nothing(chu, article, email):
    assert not opens(read(client_for(verified(email)), article))


def test_a_seat_taken_by_domain_stops_opening_once_the_address_is_unverified(chu, article):
    reader = verified("dr.martin@chu-lille.fr")
    read(client_for(reader), article)
    reader.email_verified_at = None
    reader.save()

    assert not opens(read(client_for(reader), article))


def test_when_every_seat_is_taken_a_verified_reader_at_the_domain_gets_the_teaser(chu, article):
    MembershipFactory.create_batch(2, organisation=chu)
    reader = verified("interne@chu-lille.fr")

    data = read(client_for(reader), article)

    assert not opens(data)
    assert not Membership.objects.filter(user=reader).exists()


def test_a_reader_who_joined_with_the_code_reads_every_article(chu, article):
    reader = UserFactory(email="externe@gmail.com")
    client = client_for(reader)

    joined = client.post(
        "/api/v1/me/organisations/join/", {"code": chu.join_code.lower()}, format="json"
    )
    data = read(client, article)

    assert joined.status_code == HTTPStatus.CREATED
    assert opens(data)
    assert data["access"] == LICENCE


def test_an_expired_licence_opens_nothing_to_its_members(article):
    organisation = expired(domains=["chu-expire.fr"])
    by_code = MembershipFactory(organisation=organisation).user
    by_domain = verified("dr@chu-expire.fr")
    MembershipFactory(organisation=organisation, user=by_domain, via=Membership.Via.DOMAIN)

    assert not opens(read(client_for(by_code), article))
    assert not opens(read(client_for(by_domain), article))


def test_a_licence_not_yet_started_opens_nothing_to_its_members(article):
    organisation = not_started(domains=["chu-futur.fr"])
    member = MembershipFactory(organisation=organisation).user
    at_domain = verified("dr@chu-futur.fr")

    assert not opens(read(client_for(member), article))
    assert not opens(read(client_for(at_domain), article))
    assert not Membership.objects.filter(user=at_domain).exists()


def test_a_subscription_is_named_before_a_licence(chu, article):
    subscriber = ComplimentaryFactory().user
    MembershipFactory(organisation=chu, user=subscriber)

    assert read(client_for(subscriber), article)["access"] == {"via": "complimentary"}


def test_me_says_a_licensed_reader_has_access(chu):
    member = MembershipFactory(organisation=chu).user
    visitor = UserFactory()
    on_site = client_for(visitor)
    on_site.defaults["REMOTE_ADDR"] = ON_SITE_V4

    assert client_for(member).get("/api/v1/me/").json()["has_access"] is True
    assert on_site.get("/api/v1/me/").json()["has_access"] is True
    assert client_for(visitor).get("/api/v1/me/").json()["has_access"] is False


# --- What it costs ------------------------------------------------------------------------


@pytest.fixture
def uncached(settings):
    settings.RESPONSE_CACHE_SECONDS = 0  # every request through the whole stack


def test_an_anonymous_reader_elsewhere_pays_no_query_for_licences(
    uncached, chu, article, django_assert_num_queries
):
    # article, authors, notes, offers: as without licences; then the paywall counter
    # (dashboard/: SAVEPOINT, one upsert, RELEASE inside the test's transaction)
    with django_assert_num_queries(4 + 3):
        read(client_at(ELSEWHERE), article)


def test_an_anonymous_reader_on_site_pays_one_query_for_the_licence(
    uncached, chu, django_assert_num_queries
):
    ArticleFactory.create_batch(3)
    client = client_at(ON_SITE_V4)

    # the licence, the page, its authors
    with django_assert_num_queries(3):
        listed = client.get("/api/v1/articles/").json()["results"]

    assert [item["locked"] for item in listed] == [False] * 3


def test_a_signed_in_reader_pays_one_query_for_subscriptions_and_licences_together(
    uncached, chu, django_assert_num_queries
):
    ArticleFactory.create_batch(3)
    member = MembershipFactory(organisation=chu).user
    client = client_for(member)
    client.defaults["REMOTE_ADDR"] = ON_SITE_V4

    # token, access (subscriptions ∪ licences), page, authors
    with django_assert_num_queries(4):
        listed = client.get("/api/v1/articles/").json()["results"]

    assert [item["locked"] for item in listed] == [False] * 3


def test_a_verified_reader_of_a_full_licence_pays_no_seat_count_at_each_request(
    uncached, chu, article, django_assert_num_queries
):
    MembershipFactory.create_batch(2, organisation=chu)
    client = client_for(verified("interne@chu-lille.fr"))

    # token, access (subscriptions ∪ licences), article, authors, notes, offers; the
    # paywall counter (SAVEPOINT, one upsert, RELEASE inside the test's transaction)
    with django_assert_num_queries(6 + 3):
        data = read(client, article)

    assert not opens(data)
