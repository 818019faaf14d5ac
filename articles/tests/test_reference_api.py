"""Authors, rubrics, the news wire and the offers: public reads."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory, AuthorFactory, BriefFactory, RubricFactory
from subscriptions.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_rubrics_are_listed_by_name(anonymous_client):
    RubricFactory(name="Prospective", slug="prospective")
    RubricFactory(name="Intelligence artificielle", slug="intelligence-artificielle")

    results = anonymous_client.get("/api/v1/rubrics/").json()["results"]

    assert results == [
        {"slug": "intelligence-artificielle", "name": "Intelligence artificielle"},
        {"slug": "prospective", "name": "Prospective"},
    ]


def test_author_profile_lists_titles_and_published_article_summaries(anonymous_client):
    author = AuthorFactory(
        full_name="Hervé Leclet",
        slug="herve-leclet",
        titles=["Médecin radiologue", "Consultant en organisation en imagerie médicale"],
        website="https://www.santopta.fr",
    )
    article = ArticleFactory(authors=[author])
    ArticleFactory(authors=[author], status=Article.Status.DRAFT, published_at=None)

    data = anonymous_client.get("/api/v1/authors/herve-leclet/").json()

    assert data["titles"] == [
        "Médecin radiologue",
        "Consultant en organisation en imagerie médicale",
    ]
    assert data["organisation"] == "SANTOPTA Groupe ESPRIMED"
    assert set(data["articles"]) == {"next", "previous", "results"}
    assert len(data["articles"]["results"]) == 1
    summary = data["articles"]["results"][0]
    assert summary["slug"] == article.slug
    assert summary["locked"] is True
    assert "content" not in summary


def test_authors_list(anonymous_client):
    AuthorFactory.create_batch(2)

    response = anonymous_client.get("/api/v1/authors/")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 2


def test_briefs_newest_first_and_only_published(anonymous_client):
    now = timezone.now()
    old = BriefFactory(published_at=now - dt.timedelta(days=1))
    new = BriefFactory(published_at=now - dt.timedelta(minutes=5))
    BriefFactory(published_at=now + dt.timedelta(hours=1))

    results = anonymous_client.get("/api/v1/briefs/").json()["results"]

    assert [b["id"] for b in results] == [new.id, old.id]


def test_brief_links_only_to_a_published_article(anonymous_client):
    published = ArticleFactory()
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    BriefFactory(article=published)
    BriefFactory(article=draft)

    links = {b["article"] for b in anonymous_client.get("/api/v1/briefs/").json()["results"]}

    assert links == {published.slug, None}


def test_offers_show_active_offers_with_display_price(anonymous_client):
    OfferFactory()
    OfferFactory(slug="ancienne", name="Ancienne", is_active=False)

    results = anonymous_client.get("/api/v1/offers/").json()["results"]

    assert results == [
        {
            "slug": "mensuelle-numerique",
            "name": "Offre mensuelle 100 % numérique",
            "tagline": "Docteur Imago en illimité sur desktop, tablette, smartphone",
            "price": {"amount": "23.00", "currency": "EUR", "interval": "month"},
            "display_price": "23 € par mois",
            "benefits": [
                "Tous les contenus « abonnés » en illimité",
                "Le journal numérique en avant-première",
                "Newsletters exclusives, club abonnés",
            ],
            "trial_days": 0,
            "trial_text": None,
        }
    ]


def test_display_price_with_cents_and_yearly_interval():
    offer = OfferFactory.build(price_cents=23050, interval="year")

    assert offer.display_price == "230,50 € par an"


def test_schema_and_docs_are_served(anonymous_client):
    schema = anonymous_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    docs = anonymous_client.get("/api/v1/docs/")

    assert schema.status_code == HTTPStatus.OK
    assert "/api/v1/articles/{slug}/" in schema.json()["paths"]
    assert docs.status_code == HTTPStatus.OK


def test_openapi_schema_generates_valid_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert "/api/v1/subscriptions/checkout/" in (tmp_path / "schema.yml").read_text()
