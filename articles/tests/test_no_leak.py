"""Nothing past the split reaches a reader without access: the queries behind it.

Every surface × every kind of reader is crawled by test_leak_crawler.py; these tests
pin how the locked text is kept out (never even loaded) and a few cases by name.
"""

import importlib
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory, long_body

pytestmark = pytest.mark.django_db


def test_locked_article_body_is_never_loaded_from_the_database(anonymous_client):
    article = ArticleFactory()

    with CaptureQueriesContext(connection) as queries:
        response = anonymous_client.get(f"/api/v1/articles/{article.slug}/")

    assert response.status_code == HTTPStatus.OK
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"articles_article"."body"' not in sql
    # The texts past the split appear only in the CASE that yields them for free articles.
    for column in ('"articles_article"."body_html"', '"articles_article"."body_text"'):
        assert sql.count(column) == sql.count(f"THEN {column}") == 1


def test_list_never_loads_bodies(reader_client):
    ArticleFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries:
        response = reader_client.get("/api/v1/articles/")

    assert len(response.json()["results"]) == 3
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"articles_article"."body' not in sql
    assert '"articles_article"."teaser_html"' not in sql


def test_openapi_schema_carries_no_article_text(anonymous_client):
    article = ArticleFactory()

    response = anonymous_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == HTTPStatus.OK
    assert HIDDEN_SENTENCE not in response.content.decode()
    assert article.teaser_text[:40] not in response.content.decode()


def test_unknown_article_error_does_not_echo_anything(anonymous_client):
    first = anonymous_client.get("/api/v1/articles/inconnu/")
    second = anonymous_client.get("/api/v1/articles/autre-slug-cherche/")

    assert first.status_code == second.status_code == HTTPStatus.NOT_FOUND
    assert first.json()["code"] == "not_found"
    assert first.json() == second.json()  # the same answer whatever was asked
    assert "inconnu" not in first.content.decode()
    assert "cherche" not in second.content.decode()


def test_body_without_regular_spaces_still_stops_at_the_teaser(anonymous_client):
    """Text pasted with non-breaking spaces only must not turn the teaser into the body."""
    article = ArticleFactory(body="\u00a0".join(["secret"] * 400) + "\u00a0" + HIDDEN_SENTENCE)

    data = anonymous_client.get(f"/api/v1/articles/{article.slug}/").json()

    assert data["content"]["complete"] is False
    assert data["content"]["remaining_percent"] >= 60
    assert HIDDEN_SENTENCE not in data["content"]["html"]
    assert len(data["content"]["html"]) < 1100


STUDY_URL = "https://example.org/etude-reservee-aux-abonnes"
STUDY_TITLE = "Titre de l’étude réservée"
FEED_URLS = [
    "/feeds/articles/rss/",
    "/feeds/articles/atom/",
    "/feeds/rubrics/{rubric}/rss/",
    "/feeds/rubrics/{rubric}/atom/",
]


@pytest.mark.parametrize("marker", [False, True], ids=["automatic-cut", "paywall-marker"])
@pytest.mark.parametrize("client_fixture", ["anonymous_client", "reader_client", "expired_client"])
def test_reference_defined_past_the_split_reaches_no_reader_without_access(
    request, client_fixture, marker
):
    split = "\n\n<!-- paywall -->" if marker else ""
    article = ArticleFactory(
        body=f"Voir [l’étude citée][etude] ici.{split}\n\n{long_body()}\n\n"
        f'[etude]: {STUDY_URL} "{STUDY_TITLE}"\n'
    )
    client = request.getfixturevalue(client_fixture)

    urls = [
        f"/api/v1/articles/{article.slug}/",
        "/api/v1/articles/",
        "/api/v1/articles/?q=citée",
        *(url.format(rubric=article.rubric.slug) for url in FEED_URLS),
    ]
    for url in urls:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == HTTPStatus.OK, url
        assert article.slug in body, url
        assert "example.org/etude" not in body, url
        assert "étude réservée" not in body, url
        assert "][etude]" not in body, url
    teaser = client.get(f"/api/v1/articles/{article.slug}/").json()["content"]["html"]
    assert teaser.startswith("<p>Voir l’étude citée ici.</p>")


def test_reference_defined_past_the_split_is_a_link_for_a_reader_with_access(
    subscriber_client,
):
    article = ArticleFactory(
        body=f"Voir [l’étude citée][etude] ici.\n\n{long_body()}\n\n"
        f'[etude]: {STUDY_URL} "{STUDY_TITLE}"\n'
    )

    content = subscriber_client.get(f"/api/v1/articles/{article.slug}/").json()["content"]

    assert content["complete"] is True
    assert (
        f'<a href="{STUDY_URL}" title="{STUDY_TITLE}" rel="noopener noreferrer">l’étude citée</a>'
        in content["html"]
    )


def test_migration_recomputes_teasers_stored_with_a_withheld_reference():
    from django.apps import apps

    migration = importlib.import_module("articles.migrations.0003_resplit_reference_definitions")
    article = ArticleFactory(
        body=f"Voir [l’étude][etude].\n\n{long_body()}\n\n[etude]: {STUDY_URL}\n"
    )
    stale = f'<p>Voir <a href="{STUDY_URL}">l’étude</a>.</p>'
    Article.objects.filter(pk=article.pk).update(teaser_html=stale)

    migration.resplit(apps, None)

    article.refresh_from_db()
    assert article.teaser_html.startswith("<p>Voir l’étude.</p>")
    assert STUDY_URL in article.body_html
