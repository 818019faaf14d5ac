"""The article list and detail, for every kind of reader."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory, AuthorFactory, RubricFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def test_list_shows_published_articles_newest_first_without_body(anonymous_client):
    older = ArticleFactory(published_at=timezone.now() - dt.timedelta(days=3))
    newer = ArticleFactory(published_at=timezone.now() - dt.timedelta(days=1))

    response = anonymous_client.get(LIST)

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert [item["slug"] for item in data["results"]] == [newer.slug, older.slug]
    item = data["results"][0]
    assert set(item) == {
        "slug", "title", "rubric", "standfirst", "authors", "access", "locked", "unlock",
        "reading_minutes", "published_at", "published_display", "updated_at",
        "updated_display", "comment_count", "image",
    }  # fmt: skip
    assert item["image"]["credit"] == "CC0 domaine public sur pixabay.com"


def test_list_hides_drafts_and_future_articles(anonymous_client):
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=timezone.now() + dt.timedelta(hours=1)
    )
    visible = ArticleFactory()

    slugs = [item["slug"] for item in anonymous_client.get(LIST).json()["results"]]

    assert slugs == [visible.slug]


def test_scheduled_article_appears_by_itself_when_its_time_comes(anonymous_client):
    article = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert anonymous_client.get(detail(article.slug)).status_code == HTTPStatus.NOT_FOUND

    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert anonymous_client.get(detail(article.slug)).status_code == HTTPStatus.OK


def test_draft_is_404_for_readers(subscriber_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    response = subscriber_client.get(detail(article.slug))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("client_fixture", "locked"),
    [
        ("anonymous_client", True),
        ("reader_client", True),
        ("expired_client", True),
        ("subscriber_client", False),
        ("staff_client", False),
    ],
)
def test_locked_flag_follows_the_readers_access(request, client_fixture, locked):
    ArticleFactory()
    ArticleFactory(access=Article.Access.FREE)
    client = request.getfixturevalue(client_fixture)

    results = client.get(LIST).json()["results"]

    by_access = {item["access"]: item["locked"] for item in results}
    assert by_access == {"subscribers": locked, "free": False}


def test_anonymous_reader_gets_teaser_and_login_paywall(anonymous_client, offer):
    article = ArticleFactory()

    data = anonymous_client.get(detail(article.slug)).json()

    assert data["locked"] is True
    assert data["content"]["complete"] is False
    assert data["content"]["html"] == article.teaser_html
    assert data["content"]["remaining_percent"] == article.remaining_percent
    assert data["paywall"]["reason"] == "login_required"
    assert data["paywall"]["message"] == (
        f"Il vous reste {article.remaining_percent}% de l'article à lire"
    )
    assert [o["slug"] for o in data["paywall"]["offers"]] == [offer.slug]
    assert data["paywall"]["offers"][0]["display_price"] == "23 € par mois"
    assert data["paywall"]["offers"][0]["price"] == {
        "amount": "23.00",
        "currency": "EUR",
        "interval": "month",
    }


def test_signed_in_reader_without_access_is_asked_to_subscribe(reader_client):
    article = ArticleFactory()

    data = reader_client.get(detail(article.slug)).json()

    assert data["content"]["complete"] is False
    assert data["paywall"]["reason"] == "subscription_required"


def test_expired_complimentary_access_gets_teaser_only(expired_client):
    article = ArticleFactory()

    data = expired_client.get(detail(article.slug)).json()

    assert data["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in data["content"]["html"]


def test_locked_article_shows_only_notes_called_in_the_teaser(anonymous_client):
    article = ArticleFactory()

    notes = anonymous_client.get(detail(article.slug)).json()["content"]["notes"]

    assert [note["number"] for note in notes] == [1]


@pytest.mark.parametrize("client_fixture", ["subscriber_client", "staff_client"])
def test_reader_with_access_reads_full_text_and_all_notes(request, client_fixture):
    article = ArticleFactory()
    client = request.getfixturevalue(client_fixture)

    data = client.get(detail(article.slug)).json()

    assert data["content"]["complete"] is True
    assert HIDDEN_SENTENCE in data["content"]["html"]
    assert "remaining_percent" not in data["content"]
    assert [note["number"] for note in data["content"]["notes"]] == [1, 2]
    assert data["paywall"] is None


def test_free_article_is_complete_for_anonymous_readers(anonymous_client):
    article = ArticleFactory(access=Article.Access.FREE)

    data = anonymous_client.get(detail(article.slug)).json()

    assert data["content"]["complete"] is True
    assert HIDDEN_SENTENCE in data["content"]["html"]
    assert data["paywall"] is None


def test_detail_lists_authors_in_their_order_and_no_series_when_standalone(anonymous_client):
    first, second = AuthorFactory(full_name="Zoé"), AuthorFactory(full_name="Adam")
    article = ArticleFactory(authors=[first, second])

    data = anonymous_client.get(detail(article.slug)).json()

    assert [a["full_name"] for a in data["authors"]] == ["Zoé", "Adam"]
    assert data["series"] is None


def test_filters_by_rubric_author_and_access(anonymous_client):
    rubric = RubricFactory(slug="prospective")
    author = AuthorFactory(slug="herve-leclet")
    wanted = ArticleFactory(rubric=rubric, authors=[author], access=Article.Access.FREE)
    ArticleFactory(rubric=rubric)
    ArticleFactory(authors=[author])

    response = anonymous_client.get(
        LIST, {"rubric": "prospective", "author": "herve-leclet", "access": "free"}
    )

    assert [item["slug"] for item in response.json()["results"]] == [wanted.slug]


@pytest.mark.parametrize(
    "params", [{"rubric": "inconnue"}, {"author": "personne"}, {"access": "gratuit"}]
)
def test_bad_filter_is_a_400_json_error_naming_the_filter(anonymous_client, params):
    ArticleFactory()

    response = anonymous_client.get(LIST, params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == list(params)


def test_search_matches_public_text(anonymous_client):
    article = ArticleFactory(title="Échographie de demain")
    ArticleFactory(title="Autre sujet")

    results = anonymous_client.get(LIST, {"q": "demain"}).json()["results"]

    assert [item["slug"] for item in results] == [article.slug]


def test_search_never_matches_hidden_text_for_reader_without_access(reader_client):
    ArticleFactory()

    results = reader_client.get(LIST, {"q": "secrète"}).json()["results"]

    assert results == []


def test_search_matches_full_text_for_reader_with_access(subscriber_client):
    article = ArticleFactory()

    results = subscriber_client.get(LIST, {"q": "secrète"}).json()["results"]

    assert [item["slug"] for item in results] == [article.slug]


def test_search_matches_full_text_of_free_articles_for_everyone(anonymous_client):
    article = ArticleFactory(access=Article.Access.FREE)

    results = anonymous_client.get(LIST, {"q": "secrète"}).json()["results"]

    assert [item["slug"] for item in results] == [article.slug]


def test_list_is_paginated_with_a_page_size(anonymous_client):
    ArticleFactory.create_batch(3)

    data = anonymous_client.get(LIST, {"page_size": 2}).json()

    assert set(data) == {"next", "previous", "results"}
    assert len(data["results"]) == 2
    assert data["next"] is not None
    assert data["previous"] is None


@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_list_query_count_does_not_grow_with_page_size(
    anonymous_client, django_assert_max_num_queries, page_size
):
    ArticleFactory.create_batch(page_size, authors=[AuthorFactory(), AuthorFactory()])

    # page of articles with rubrics, authors: no count
    with django_assert_max_num_queries(2):
        response = anonymous_client.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_list_query_count_for_signed_in_reader(reader_client, django_assert_max_num_queries):
    ArticleFactory.create_batch(10)

    # token, access, page, authors
    with django_assert_max_num_queries(4):
        response = reader_client.get(LIST, {"page_size": 10})

    assert len(response.json()["results"]) == 10


def test_detail_query_count_is_bounded(subscriber_client, offer, django_assert_max_num_queries):
    article = ArticleFactory()

    # token, access, article, authors, notes
    with django_assert_max_num_queries(5):
        response = subscriber_client.get(detail(article.slug))

    assert response.json()["content"]["complete"] is True


def test_locked_detail_query_count_is_bounded(
    anonymous_client, offer, django_assert_max_num_queries
):
    article = ArticleFactory()

    # article, authors, notes, offers; the paywall counter's one upsert (dashboard/), in a
    # savepoint inside the test's transaction (SAVEPOINT, INSERT … ON CONFLICT, RELEASE)
    with django_assert_max_num_queries(4 + 3):
        response = anonymous_client.get(detail(article.slug))

    assert response.json()["paywall"]["offers"][0]["slug"] == offer.slug
