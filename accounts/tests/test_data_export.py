"""GET me/export/: what the site holds about the reader, as JSON (RGPD's right of access)."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from articles.tests.factories import ArticleFactory, CommentFactory
from conftest import client_for
from licences.tests.factories import OrganisationFactory
from subscriptions.models import Customer
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/export/"


def test_the_export_holds_the_account_its_subscriptions_and_comments():
    lea = UserFactory(
        email="lea@example.org",
        first_name="Léa",
        last_name="Martin",
        date_joined=dt.datetime(2026, 6, 1, 8, 30, tzinfo=dt.UTC),
    )
    StripeSubscriptionFactory(
        user=lea,
        stripe_subscription_id="sub_lea",
        status="canceled",
        current_period_end=dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC),
    )
    ComplimentaryFactory(user=lea, current_period_end=None)
    Customer.objects.create(user=lea, stripe_customer_id="cus_lea")
    article = ArticleFactory(title="L’IA au CHU", slug="ia-au-chu")
    CommentFactory(article=article, user=lea, body="Très juste.", status="pending")

    response = client_for(lea).get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees.json"'
    data = response.json()
    assert set(data) == {
        "account",
        "subscriptions",
        "stripe_customer",
        "comments",
        "gifts",
        "metered_reads",
        "licences",
        "newsletters",
    }
    assert data["account"] == {
        "email": "lea@example.org",
        "first_name": "Léa",
        "last_name": "Martin",
        "email_verified_at": None,
        "date_joined": "2026-06-01T10:30:00+02:00",  # Europe/Paris, as everywhere in the API
        "last_login": None,
    }
    stripe, complimentary = data["subscriptions"]
    assert stripe["offer"] == "Offre mensuelle 100 % numérique"
    assert (stripe["source"], stripe["status"]) == ("stripe", "canceled")
    assert stripe["stripe_subscription_id"] == "sub_lea"
    assert stripe["current_period_end"] == "2026-07-01T10:30:00+02:00"
    assert (complimentary["source"], complimentary["offer"]) == ("complimentary", None)
    assert data["stripe_customer"]["stripe_customer_id"] == "cus_lea"
    [comment] = data["comments"]
    assert {k: comment[k] for k in ("article", "article_title", "body", "status")} == {
        "article": "ia-au-chu",
        "article_title": "L’IA au CHU",
        "body": "Très juste.",
        "status": "pending",
    }
    assert data["gifts"] == data["metered_reads"] == data["licences"] == []


def test_the_export_holds_the_gift_links_the_metered_reads_and_the_licence_seats(meter_on):
    lea = UserFactory()
    client = client_for(lea)
    chu = OrganisationFactory(name="CHU de Lille", slug="chu-lille")
    read, given = ArticleFactory(title="Lu au compteur"), ArticleFactory(title="Offert")
    assert client.get(f"/api/v1/articles/{read.slug}/").json()["access"]["via"] == "meter"
    ComplimentaryFactory(user=lea)
    assert client.post(f"/api/v1/articles/{given.slug}/gifts/").status_code == HTTPStatus.CREATED
    join = {"code": chu.join_code.lower()}  # as a reader types it
    joined = client.post("/api/v1/me/organisations/join/", join, format="json")
    assert joined.status_code == HTTPStatus.CREATED
    someone_else = UserFactory()
    client_for(someone_else).get(f"/api/v1/articles/{given.slug}/")  # their meter, not hers

    data = client.get(URL).json()

    [gift] = data["gifts"]
    assert (gift["article"], gift["title"], gift["revoked_at"]) == (given.slug, "Offert", None)
    assert set(gift) == {"article", "title", "created_at", "expires_at", "revoked_at", "opens"}
    [metered] = data["metered_reads"]
    month = timezone.localdate().replace(day=1).isoformat()
    assert (metered["article"], metered["title"], metered["month"]) == (
        read.slug,
        "Lu au compteur",
        month,
    )
    assert dt.datetime.fromisoformat(metered["read_at"]).utcoffset() is not None
    [seat] = data["licences"]
    assert {k: seat[k] for k in ("organisation", "slug", "via", "is_manager")} == {
        "organisation": "CHU de Lille",
        "slug": "chu-lille",
        "via": "code",
        "is_manager": False,
    }
    assert dt.datetime.fromisoformat(seat["joined_at"]) <= timezone.now()
    assert "url" not in str(data["gifts"])  # the link, shown once, is not stored


def test_the_export_holds_only_the_readers_own_data():
    lea, sam = UserFactory(), UserFactory(email="sam@example.org")
    CommentFactory(user=sam, body="Le commentaire de Sam.")
    StripeSubscriptionFactory(user=sam)
    Customer.objects.create(user=sam, stripe_customer_id="cus_sam")

    data = client_for(lea).get(URL).json()

    assert data["account"]["email"] == lea.email
    assert data["subscriptions"] == data["comments"] == []
    assert data["stripe_customer"] is None
    assert "sam@example.org" not in str(data) and "cus_sam" not in str(data)


def test_anonymous_readers_have_nothing_to_export(anonymous_client):
    response = anonymous_client.get(URL)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "not_authenticated"


def test_a_section_added_in_the_settings_is_exported(settings, reader_client):
    settings.ACCOUNT_EXPORT_SECTIONS = {
        **settings.ACCOUNT_EXPORT_SECTIONS,
        "extra": "accounts.tests.test_data_export.extra_section",
    }

    assert reader_client.get(URL).json()["extra"] == {"answer": 42}


def extra_section(user):
    return {"answer": 42}
