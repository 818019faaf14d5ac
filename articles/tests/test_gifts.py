"""Gift links, through the API: a reader with access gifts an article, whoever follows
the link reads it in full (and only it), the giver lists and revokes their gifts."""

import datetime as dt
import hashlib
import os
import threading
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.groups import EDITORS
from accounts.tests.factories import PASSWORD, UserFactory, staff_member
from articles import gifts
from articles.models import Article, Gift, MeteredRead
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from conftest import client_for
from licences.models import Membership
from licences.tests.factories import MembershipFactory, OrganisationFactory
from subscriptions.tests.factories import ComplimentaryFactory

pytestmark = pytest.mark.django_db


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def gifts_url(slug: str) -> str:
    return f"/api/v1/articles/{slug}/gifts/"


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["gift"][0]


@pytest.fixture
def article(offer):
    return ArticleFactory()


@pytest.fixture
def gift(subscriber_client, article) -> dict:
    """A gift just made through the API: its answer, and its token."""
    data = subscriber_client.post(gifts_url(article.slug)).json()
    return {**data, "token": token_of(data["url"])}


# --- Making a gift -------------------------------------------------------------------


def test_a_subscriber_gifts_an_article_and_gets_its_link_once(
    settings, subscriber_client, subscriber, article
):
    before = timezone.now()

    response = subscriber_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.CREATED
    data = response.json()
    assert set(data) == {"id", "url", "expires_at"}
    token = token_of(data["url"])
    assert data["url"] == f"{settings.SITE_URL}/articles/{article.slug}/?gift={token}"
    assert len(token) == 43  # 32 random bytes
    stored = Gift.objects.get()
    assert (stored.pk, stored.giver, stored.article) == (data["id"], subscriber, article)
    assert dt.datetime.fromisoformat(data["expires_at"]) == stored.expires_at
    assert dt.timedelta(days=14) <= stored.expires_at - before < dt.timedelta(days=14, minutes=1)


def test_only_a_hash_of_the_token_is_stored(gift):
    stored = Gift.objects.get()

    assert stored.token_hash == hashlib.sha256(gift["token"].encode()).hexdigest()
    row = Gift.objects.filter(pk=stored.pk).values().get()
    assert all(gift["token"] not in str(value) for value in row.values())


def test_two_gifts_of_one_article_are_two_links(subscriber_client, article):
    first = subscriber_client.post(gifts_url(article.slug)).json()
    second = subscriber_client.post(gifts_url(article.slug)).json()

    assert token_of(first["url"]) != token_of(second["url"])


def test_the_link_follows_the_article_url_template(settings, subscriber_client, article):
    settings.ARTICLE_URL_TEMPLATE = "https://www.example.org/lire?article={slug}"

    url = subscriber_client.post(gifts_url(article.slug)).json()["url"]

    assert url.startswith(f"https://www.example.org/lire?article={article.slug}&gift=")


def test_a_link_lasts_gift_link_days(settings, subscriber_client, article):
    settings.GIFT_LINK_DAYS = 2

    data = subscriber_client.post(gifts_url(article.slug)).json()

    left = dt.datetime.fromisoformat(data["expires_at"]) - timezone.now()
    assert dt.timedelta(days=1, hours=23) < left <= dt.timedelta(days=2)


def test_a_reader_without_access_cannot_gift(reader_client, article):
    response = reader_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "detail": "Offrir un article est réservé aux abonnés.",
        "code": "subscription_required",
    }
    assert not Gift.objects.exists()


@pytest.mark.parametrize("via", ["domain", "code"])
def test_a_licence_member_without_a_subscription_cannot_gift(article, via):
    chu = OrganisationFactory(domains=["chu-lille.fr"])
    member = UserFactory(email="dr.martin@chu-lille.fr", email_verified_at=timezone.now())
    if via == "code":
        MembershipFactory(organisation=chu, user=member, via=Membership.Via.CODE)
    client = client_for(member)
    assert client.get(detail(article.slug)).json()["access"]["via"] == "licence"

    response = client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "detail": "Offrir un article est réservé aux abonnés.",
        "code": "subscription_required",
    }
    assert not Gift.objects.exists()


def test_a_licence_member_with_a_subscription_gifts(article):
    OrganisationFactory(domains=["chu-lille.fr"])
    member = UserFactory(email="dr.martin@chu-lille.fr", email_verified_at=timezone.now())
    ComplimentaryFactory(user=member)

    response = client_for(member).post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.CREATED


def test_a_reader_who_opened_the_article_with_the_meter_cannot_gift_it(
    meter_on, reader_client, article
):
    assert reader_client.get(detail(article.slug)).json()["access"]["via"] == "meter"

    response = reader_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Gift.objects.exists()


def test_an_anonymous_reader_cannot_gift(anonymous_client, article):
    response = anonymous_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert not Gift.objects.exists()


@pytest.mark.parametrize("slug", ["inconnu", "brouillon"])
def test_an_unknown_or_unpublished_article_cannot_be_gifted(subscriber_client, slug):
    ArticleFactory(slug="brouillon", status=Article.Status.DRAFT, published_at=None)

    response = subscriber_client.post(gifts_url(slug))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Article introuvable.", "code": "not_found"}


def test_gifts_past_the_monthly_quota_are_refused_and_nothing_is_stored(
    settings, subscriber_client, subscriber
):
    settings.GIFTS_PER_MONTH = 2
    first, second, third = ArticleFactory.create_batch(3)

    statuses = [
        subscriber_client.post(gifts_url(a.slug)).status_code for a in (first, second, third)
    ]
    refused = subscriber_client.post(gifts_url(third.slug))

    assert statuses == [HTTPStatus.CREATED, HTTPStatus.CREATED, HTTPStatus.FORBIDDEN]
    assert refused.json()["code"] == "gift_quota_exceeded"
    assert refused.json()["detail"].startswith(
        "Vous avez offert vos 2 articles ce mois-ci : vous pourrez en offrir de nouveau le 1er "
    )
    assert Gift.objects.filter(giver=subscriber).count() == 2


def test_gifting_a_free_article_costs_nothing(settings, subscriber_client):
    settings.GIFTS_PER_MONTH = 1
    free = ArticleFactory(access=Article.Access.FREE)
    locked = ArticleFactory()

    free_gifts = [subscriber_client.post(gifts_url(free.slug)) for _ in range(3)]
    counted = subscriber_client.post(gifts_url(locked.slug))
    still_free = subscriber_client.post(gifts_url(free.slug))

    assert {r.status_code for r in free_gifts} == {HTTPStatus.CREATED}
    assert counted.status_code == HTTPStatus.CREATED
    assert still_free.status_code == HTTPStatus.CREATED  # the quota is spent, free still costs 0
    assert subscriber_client.post(gifts_url(locked.slug)).status_code == HTTPStatus.FORBIDDEN
    assert list(Gift.objects.filter(counted=True).values_list("article", flat=True)) == [locked.pk]


def test_last_months_gifts_do_not_count(settings, subscriber, subscriber_client, article):
    settings.GIFTS_PER_MONTH = 1
    last_month = timezone.now() - dt.timedelta(days=40)
    gifts.gift_create(giver=subscriber, article=article, at=last_month)

    response = subscriber_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.CREATED


def test_revoked_gifts_still_count(settings, subscriber_client, article):
    settings.GIFTS_PER_MONTH = 1
    made = subscriber_client.post(gifts_url(article.slug)).json()
    subscriber_client.delete(f"/api/v1/me/gifts/{made['id']}/")

    response = subscriber_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_zero_quota_turns_gifts_of_subscriber_articles_off(settings, subscriber_client, article):
    settings.GIFTS_PER_MONTH = 0

    response = subscriber_client.post(gifts_url(article.slug))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "gift_quota_exceeded"


# --- Following a link ----------------------------------------------------------------


def test_whoever_follows_the_link_reads_the_article_in_full(gift, article, offer):
    response = APIClient().get(detail(article.slug), {"gift": gift["token"]})

    data = response.json()
    assert data["locked"] is False
    assert data["content"]["complete"] is True
    assert HIDDEN_SENTENCE in data["content"]["html"]
    assert data["paywall"] is None
    assert data["access"]["via"] == "gift"
    assert data["access"]["message"] == "Offert par un abonné"
    assert [o["slug"] for o in data["access"]["offers"]] == [offer.slug]
    assert data["access"]["offers"][0]["display_price"] == "23 € par mois"
    assert set(data["access"]) == {"via", "message", "offers"}
    assert Gift.objects.get().opens == 1


def test_each_opening_is_counted(gift, article):
    for _ in range(3):
        APIClient().get(detail(article.slug), {"gift": gift["token"]})

    assert Gift.objects.get().opens == 3


def test_a_head_request_counts_no_opening(gift, article):
    response = APIClient().head(detail(article.slug), {"gift": gift["token"]})

    assert response.status_code == HTTPStatus.OK
    assert Gift.objects.get().opens == 0


def test_a_link_opens_only_its_article(gift, article):
    other = ArticleFactory()

    data = APIClient().get(detail(other.slug), {"gift": gift["token"]}).json()

    assert data["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in str(data)
    assert data["access"] is None
    assert data["paywall"]["reason"] == "login_required"
    assert Gift.objects.get().opens == 0


def test_an_expired_link_opens_nothing(subscriber, article):
    link = gifts.gift_create(
        giver=subscriber, article=article, at=timezone.now() - dt.timedelta(days=15)
    )

    data = APIClient().get(detail(article.slug), {"gift": token_of(link.url)}).json()

    assert data["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in str(data)
    assert Gift.objects.get().opens == 0


def test_a_link_works_until_it_expires(subscriber, article):
    made_at = timezone.now() - dt.timedelta(days=13, hours=23)
    link = gifts.gift_create(giver=subscriber, article=article, at=made_at)
    token = token_of(link.url)

    assert gifts.gift_pass_for(token, at=link.gift.expires_at - dt.timedelta(seconds=1))
    assert gifts.gift_pass_for(token, at=link.gift.expires_at) is None
    data = APIClient().get(detail(article.slug), {"gift": token}).json()
    assert data["content"]["complete"] is True


def test_a_gift_opens_its_article_only_while_its_giver_has_access(gift, subscriber, article):
    grant = subscriber.subscriptions.get()
    grant.current_period_end = timezone.now() - dt.timedelta(minutes=1)
    grant.save()

    lapsed = APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()

    assert lapsed["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in str(lapsed)
    assert lapsed["access"] is None
    assert Gift.objects.get().opens == 0
    # Access back (the grant extended, a subscription renewed): the link opens again,
    # until it expires, as it was never revoked.
    grant.current_period_end = timezone.now() + dt.timedelta(days=30)
    grant.save()
    back = APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()
    assert back["content"]["complete"] is True
    assert back["access"]["via"] == "gift"


def test_a_gift_of_a_reader_whose_only_access_is_a_licence_opens_nothing(article):
    OrganisationFactory(domains=["chu-lille.fr"])
    giver = UserFactory(email="dr.martin@chu-lille.fr", email_verified_at=timezone.now())
    grant = ComplimentaryFactory(user=giver)
    link = gifts.gift_create(giver=giver, article=article)
    grant.delete()  # left with the licence, which gives no gifts
    assert client_for(giver).get(detail(article.slug)).json()["access"]["via"] == "licence"

    data = APIClient().get(detail(article.slug), {"gift": token_of(link.url)}).json()

    assert data["content"]["complete"] is False


def test_a_gift_of_a_staff_member_opens_while_they_are_staff(article):
    giver = UserFactory(is_staff=True)
    link = gifts.gift_create(giver=giver, article=article)
    token = token_of(link.url)
    assert APIClient().get(detail(article.slug), {"gift": token}).json()["content"]["complete"]

    giver.is_staff = False
    giver.save()

    assert not APIClient().get(detail(article.slug), {"gift": token}).json()["content"]["complete"]


def test_deleting_the_givers_account_erases_their_gifts(gift, subscriber_client, article):
    other = gifts.gift_create(giver=UserFactory(is_staff=True), article=article)

    response = subscriber_client.delete("/api/v1/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == HTTPStatus.NO_CONTENT
    data = APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()
    assert data["content"]["complete"] is False
    assert list(Gift.objects.all()) == [other.gift]  # someone else's stays


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "é" * 500, "\x00"])
def test_a_made_up_token_opens_nothing(gift, article, token):
    response = APIClient().get(detail(article.slug), {"gift": token})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["content"]["complete"] is False


def test_a_hash_of_the_token_is_not_a_key(gift, article):
    leaked = Gift.objects.get().token_hash

    data = APIClient().get(detail(article.slug), {"gift": leaked}).json()

    assert data["content"]["complete"] is False


def test_a_signed_in_reader_without_access_reads_the_gift_without_spending_the_meter(
    meter_on, gift, article
):
    data = client_for(UserFactory()).get(detail(article.slug), {"gift": gift["token"]}).json()

    assert data["access"]["via"] == "gift"
    assert not MeteredRead.objects.exists()


def test_a_subscriber_following_a_link_reads_by_their_subscription(gift, article):
    data = client_for(UserFactory(is_staff=True)).get(detail(article.slug), {"gift": gift["token"]})

    assert data.json()["access"] == {"via": "staff"}


def test_a_gift_opens_the_discussion_to_read_but_never_to_comment(gift, article):
    comments = detail(article.slug) + "comments/"
    reader = client_for(UserFactory())

    read = reader.get(comments, {"gift": gift["token"]})
    posted = reader.post(f"{comments}?gift={gift['token']}", {"body": "Merci !"}, format="json")

    assert read.status_code == HTTPStatus.OK
    assert posted.status_code == HTTPStatus.FORBIDDEN


# --- Never cached for anyone else ----------------------------------------------------


def test_a_gift_is_private_and_never_stored_for_the_anonymous_readers_after(gift, article):
    anonymous = APIClient()
    locked_first = anonymous.get(detail(article.slug))  # stored for anonymous readers

    opened = [anonymous.get(detail(article.slug), {"gift": gift["token"]}) for _ in range(2)]
    locked_after = [anonymous.get(detail(article.slug)) for _ in range(2)]

    assert locked_first["X-Cache"] == "miss"
    for response in opened:
        assert response.json()["content"]["complete"] is True
        assert response.get("X-Cache") != "hit"
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        assert "ETag" not in response
    for response in locked_after:
        assert response["X-Cache"] == "hit"
        assert response.json()["content"]["complete"] is False
        assert "public" in response["Cache-Control"]
    assert Gift.objects.get().opens == 2


def test_a_gift_opened_before_any_anonymous_read_is_not_what_they_get(gift, article):
    opened = APIClient().get(detail(article.slug), {"gift": gift["token"]})
    anonymous = APIClient().get(detail(article.slug))

    assert opened.json()["content"]["complete"] is True
    assert anonymous["X-Cache"] == "miss"
    assert anonymous.json()["content"]["complete"] is False


def test_a_list_carrying_a_gift_is_private(gift, article):
    response = APIClient().get("/api/v1/articles/", {"gift": gift["token"]})

    [item] = response.json()["results"]
    assert item["locked"] is False  # the gifted article, as everywhere in that request
    assert "private" in response["Cache-Control"]


# --- The giver's gifts ---------------------------------------------------------------


def test_the_giver_lists_their_gifts_without_their_links(gift, subscriber_client, article):
    APIClient().get(detail(article.slug), {"gift": gift["token"]})
    other = client_for(UserFactory(is_staff=True))
    other.post(gifts_url(article.slug))  # someone else's

    response = subscriber_client.get("/api/v1/me/gifts/")

    assert response.status_code == HTTPStatus.OK
    [item] = response.json()["results"]
    stored = Gift.objects.get(pk=gift["id"])
    assert item == {
        "id": gift["id"],
        "article": {"slug": article.slug, "title": article.title},
        "created_at": item["created_at"],
        "expires_at": gift["expires_at"],
        "revoked": False,
        "revoked_at": None,
        "opens": 1,
        "counted": True,
    }
    assert dt.datetime.fromisoformat(item["created_at"]) == stored.created_at
    assert gift["token"] not in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_the_list_of_gifts_needs_a_signed_in_reader(anonymous_client):
    response = anonymous_client.get("/api/v1/me/gifts/")

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_the_giver_revokes_a_gift_and_its_link_opens_nothing(gift, subscriber_client, article):
    response = subscriber_client.delete(f"/api/v1/me/gifts/{gift['id']}/")
    again = subscriber_client.delete(f"/api/v1/me/gifts/{gift['id']}/")

    assert response.status_code == again.status_code == HTTPStatus.NO_CONTENT
    data = APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()
    assert data["content"]["complete"] is False
    listed = subscriber_client.get("/api/v1/me/gifts/").json()["results"]
    assert listed[0]["revoked"] is True
    assert listed[0]["revoked_at"] is not None


@pytest.mark.parametrize("who", ["someone else", "anonymous"])
def test_no_one_else_revokes_a_gift(gift, article, who):
    client = client_for(UserFactory()) if who == "someone else" else APIClient()

    response = client.delete(f"/api/v1/me/gifts/{gift['id']}/")

    expected = HTTPStatus.NOT_FOUND if who == "someone else" else HTTPStatus.UNAUTHORIZED
    assert response.status_code == expected
    assert Gift.objects.get().revoked_at is None
    assert (
        APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()["content"]["complete"]
    )


@pytest.mark.parametrize("gift_id", ["999999", "99999999999999999999999"])
def test_revoking_an_unknown_gift_is_a_404(subscriber_client, gift_id):
    response = subscriber_client.delete(f"/api/v1/me/gifts/{gift_id}/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Cadeau introuvable.", "code": "not_found"}


# --- Staff, export -------------------------------------------------------------------


def test_editors_see_gifts_in_the_admin_read_only(client, gift, article, subscriber):
    client.force_login(staff_member(EDITORS))

    listed = client.get("/admin/articles/gift/")
    page = client.get(f"/admin/articles/gift/{gift['id']}/change/")

    assert listed.status_code == HTTPStatus.OK
    assert article.title in listed.content.decode()
    assert subscriber.email in listed.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert gift["token"] not in page.content.decode()
    assert client.get("/admin/articles/gift/add/").status_code == HTTPStatus.FORBIDDEN
    assert (
        client.get(f"/admin/articles/gift/{gift['id']}/delete/").status_code == HTTPStatus.FORBIDDEN
    )


def revoke_in_the_admin(client, *gift_ids: int):
    return client.post("/admin/articles/gift/", {"action": "revoke", "_selected_action": gift_ids})


def test_subscription_managers_revoke_gifts_in_the_admin(manager_client, gift, article):
    other = ArticleFactory(title="Un autre article offert")
    kept = gifts.gift_create(giver=UserFactory(is_staff=True), article=other)
    assert manager_client.get("/admin/articles/gift/").status_code == HTTPStatus.OK

    response = revoke_in_the_admin(manager_client, gift["id"])

    assert response.status_code == HTTPStatus.FOUND
    assert Gift.objects.get(pk=gift["id"]).revoked_at is not None
    assert Gift.objects.get(pk=kept.gift.pk).revoked_at is None
    data = APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()
    assert data["content"]["complete"] is False
    revoked = manager_client.get("/admin/articles/gift/", {"revoked_at__isempty": "0"})
    assert article.title in revoked.content.decode()
    assert other.title not in revoked.content.decode()


def test_revoking_again_in_the_admin_keeps_the_first_time(manager_client, gift):
    revoke_in_the_admin(manager_client, gift["id"])
    first = Gift.objects.get().revoked_at

    revoke_in_the_admin(manager_client, gift["id"])

    assert Gift.objects.get().revoked_at == first


def test_editors_cannot_revoke_gifts(editor_client, gift, article):
    revoke_in_the_admin(editor_client, gift["id"])

    assert Gift.objects.get().revoked_at is None
    assert (
        APIClient().get(detail(article.slug), {"gift": gift["token"]}).json()["content"]["complete"]
    )


def test_the_export_of_a_readers_gifts_holds_no_token(subscriber, article):
    at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    link = gifts.gift_create(giver=subscriber, article=article, at=at)
    gifts.gift_revoke(giver=subscriber, gift_id=link.gift.pk, at=at + dt.timedelta(hours=1))
    gifts.gift_create(giver=UserFactory(is_staff=True), article=article, at=at)  # not theirs

    exported = gifts.reader_export(subscriber)

    assert exported == [
        {
            "article": article.slug,
            "title": article.title,
            "created_at": "2026-03-02T09:00:00+01:00",
            "expires_at": "2026-03-16T09:00:00+01:00",
            "revoked_at": "2026-03-02T10:00:00+01:00",
            "opens": 0,
        }
    ]
    assert token_of(link.url) not in str(exported)


# --- Race-safety (PostgreSQL) --------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="concurrent requests need PostgreSQL's row locks (DATABASE_URL); SQLite "
    "serialises every writer by its IMMEDIATE transactions",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_gifts_at_the_last_of_the_quota_make_one(settings):
    settings.GIFTS_PER_MONTH = 1
    user = UserFactory(is_staff=True)
    client_for(user)
    articles = ArticleFactory.create_batch(3)
    barrier = threading.Barrier(len(articles))
    statuses: list[int] = []

    def give(article):
        try:
            barrier.wait(timeout=10)
            statuses.append(client_for(user).post(gifts_url(article.slug)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(a,)) for a in articles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [HTTPStatus.CREATED, HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN]
    assert Gift.objects.count() == 1
