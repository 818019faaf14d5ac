"""schema.org NewsArticle JSON-LD in the article detail."""

import pytest
from django.utils.timezone import localtime

from articles.models import Article
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db


def structured_data(client, article) -> dict:
    return client.get(f"/api/v1/articles/{article.slug}/").json()["structured_data"]


def test_locked_article_is_marked_paywalled_without_its_body(anonymous_client):
    author = AuthorFactory(full_name="Hervé Leclet", organisation="SANTOPTA Groupe ESPRIMED")
    article = ArticleFactory(authors=[author])

    data = structured_data(anonymous_client, article)

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".paywall",
    }
    assert "articleBody" not in data
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Hervé Leclet",
            "affiliation": {"@type": "Organization", "name": "SANTOPTA Groupe ESPRIMED"},
            "jobTitle": "Médecin radiologue",
        }
    ]
    assert data["publisher"]["name"] == "Docteur Imago"
    assert data["datePublished"] == localtime(article.published_at).isoformat()
    assert data["datePublished"].endswith(("+01:00", "+02:00"))  # Europe/Paris
    assert data["image"] == [article.image_url]


def test_subscriber_gets_the_body_and_the_paywall_markup(subscriber_client):
    article = ArticleFactory()

    data = structured_data(subscriber_client, article)

    assert data["isAccessibleForFree"] is False
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".paywall",
    }
    assert HIDDEN_SENTENCE in data["articleBody"]
    assert data["wordCount"] == article.word_count  # stored at save, not counted per request


def test_free_article_is_accessible_for_free(anonymous_client):
    article = ArticleFactory(access=Article.Access.FREE)

    data = structured_data(anonymous_client, article)

    assert data["isAccessibleForFree"] is True
    assert "hasPart" not in data
    assert HIDDEN_SENTENCE in data["articleBody"]
