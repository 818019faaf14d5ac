"""Search through `GET articles/?q=`: stemmed, accent-folded and ranked on PostgreSQL,
a substring match on SQLite, and on both never a match past the split without access."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .factories import ArticleFactory

LIST = "/api/v1/articles/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


def slugs(client, terms: str) -> list[str]:
    response = client.get(LIST, {"q": terms})
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.mark.django_db
def test_every_word_must_match(anonymous_client):
    """Two words find the article holding both, not one holding only one of them."""
    both = ArticleFactory(title="Scanner et dosimétrie", standfirst="Des mesures.")
    ArticleFactory(title="Scanner sans rien d’autre", standfirst="Un chapô.")

    assert slugs(anonymous_client, "scanner dosimétrie") == [both.slug]


@pytest.mark.django_db
def test_a_word_only_past_the_split_is_found_only_with_access(
    anonymous_client, reader_client, subscriber_client
):
    """The hidden sentence matches for the subscriber, never for the anonymous or the reader."""
    article = ArticleFactory()

    assert slugs(anonymous_client, "secrète") == []
    assert slugs(reader_client, "secrète") == []
    assert slugs(subscriber_client, "secrète") == [article.slug]


@postgresql_only
@pytest.mark.django_db
def test_accents_are_folded_and_words_stemmed(anonymous_client):
    """Searching "echographies" finds "Échographie": accents and plurals do not hide an article."""
    article = ArticleFactory(title="L’échographie de l’épaule")
    ArticleFactory(title="Autre sujet", standfirst="Rien à voir.")

    assert slugs(anonymous_client, "echographies") == [article.slug]
    assert slugs(anonymous_client, "ÉPAULE") == [article.slug]


@postgresql_only
@pytest.mark.django_db
def test_a_title_match_ranks_before_an_older_mention_in_the_text(anonymous_client):
    """Relevance first: the word in the title outranks a newer article that only mentions it."""
    now = timezone.now()
    mention = ArticleFactory(
        title="Actualités de la semaine",
        standfirst="Entre autres sujets, la mammographie.",
        published_at=now - dt.timedelta(hours=1),
    )
    titled = ArticleFactory(
        title="Mammographie : la mammographie de dépistage",
        published_at=now - dt.timedelta(days=30),
    )

    assert slugs(anonymous_client, "mammographie") == [titled.slug, mention.slug]


@postgresql_only
@pytest.mark.django_db
def test_search_reads_the_indexed_columns(anonymous_client):
    """The search query tests the generated tsvector columns, not the text with ILIKE."""
    ArticleFactory(title="Radiologie interventionnelle")
    with CaptureQueriesContext(connection) as queries:
        assert len(slugs(anonymous_client, "radiologie")) == 1

    searched = [q["sql"] for q in queries if "websearch_to_tsquery" in q["sql"]]
    assert searched, "no full-text query ran"
    assert all("search_public" in sql and "LIKE" not in sql.upper() for sql in searched)


@pytest.mark.django_db
def test_a_search_of_nothing_but_stop_words_finds_nothing_and_does_not_fail(anonymous_client):
    """Searching "le la les" is valid: an empty answer, not an error."""
    ArticleFactory(title="Le scanner")

    response = anonymous_client.get(LIST, {"q": "le la les"})

    assert response.status_code == 200


@postgresql_only
@pytest.mark.django_db
def test_relevance_orders_the_newest_matches(anonymous_client, settings):
    """Only the newest SEARCH_RANKED_MATCHES matches are ranked, whatever newer articles
    do not match: the window counts matches, not articles."""
    settings.SEARCH_RANKED_MATCHES = 2
    now = timezone.now()
    _older, newer, newest = (
        ArticleFactory(title="Tomographie", published_at=now - dt.timedelta(days=days))
        for days in (30, 20, 10)
    )
    ArticleFactory.create_batch(3, title="Autre sujet", published_at=now - dt.timedelta(days=1))

    assert sorted(slugs(anonymous_client, "tomographie")) == sorted([newer.slug, newest.slug])
