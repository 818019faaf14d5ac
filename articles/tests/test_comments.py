"""The discussion under an article: read, write, moderate."""

import datetime as dt
from http import HTTPStatus

import pytest
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import UserFactory
from articles.models import Article, Comment
from articles.tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def comments_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/comments/"


def test_no_comment_yet_is_an_empty_page(subscriber_client):
    article = ArticleFactory()

    data = subscriber_client.get(comments_url(article)).json()

    assert data == {"count": 0, "next": None, "previous": None, "results": []}


def test_lists_approved_comments_oldest_first(subscriber_client):
    article = ArticleFactory()
    first = CommentFactory(article=article)
    second = CommentFactory(article=article)
    Comment.objects.filter(pk=first.pk).update(created_at=second.created_at - dt.timedelta(hours=1))
    CommentFactory(article=article, status=Comment.Status.PENDING)
    CommentFactory(article=article, status=Comment.Status.REJECTED)

    data = subscriber_client.get(comments_url(article)).json()

    assert data["count"] == 2
    assert [c["id"] for c in data["results"]] == [first.id, second.id]


def test_comment_author_is_a_name_never_an_email(subscriber_client):
    article = ArticleFactory()
    CommentFactory(article=article, user=UserFactory(first_name="Léa", last_name="Martin"))
    CommentFactory(article=article, user=UserFactory(email="secret@example.org"))

    body = subscriber_client.get(comments_url(article)).content.decode()

    assert "Léa Martin" in body
    assert "secret@example.org" not in body


def test_signed_in_reader_with_access_posts_a_comment_awaiting_moderation(
    subscriber_client, subscriber
):
    article = ArticleFactory()

    response = subscriber_client.post(comments_url(article), {"body": "Très juste."}, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["status"] == "pending"
    comment = Comment.objects.get()
    assert (comment.user, comment.article, comment.status) == (subscriber, article, "pending")
    assert subscriber_client.get(comments_url(article)).json()["count"] == 0


def test_any_signed_in_reader_comments_a_free_article(reader_client):
    article = ArticleFactory(access=Article.Access.FREE)

    response = reader_client.post(comments_url(article), {"body": "Merci."}, format="json")

    assert response.status_code == HTTPStatus.CREATED


def test_reader_without_access_cannot_comment_a_locked_article(reader_client):
    article = ArticleFactory()

    response = reader_client.post(comments_url(article), {"body": "Bonjour"}, format="json")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "subscription_required"
    assert not Comment.objects.exists()


def test_reader_without_access_cannot_read_a_locked_discussion(reader_client):
    article = ArticleFactory()
    CommentFactory(article=article, body="Comme l’article le dit plus loin, tout change.")

    response = reader_client.get(comments_url(article))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "plus loin" not in response.content.decode()


def test_anonymous_reader_is_told_to_sign_in(anonymous_client):
    article = ArticleFactory(access=Article.Access.FREE)

    response = anonymous_client.post(comments_url(article), {"body": "Bonjour"}, format="json")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "not_authenticated"


def test_anonymous_reads_the_discussion_of_a_free_article(anonymous_client):
    article = ArticleFactory(access=Article.Access.FREE)
    CommentFactory(article=article)

    assert anonymous_client.get(comments_url(article)).json()["count"] == 1


def test_anonymous_cannot_read_a_locked_discussion(anonymous_client):
    response = anonymous_client.get(comments_url(ArticleFactory()))

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "login_required"


def test_html_in_a_comment_comes_back_as_the_same_text(subscriber_client):
    article = ArticleFactory()
    text = '<script>alert("x")</script><b>gras</b>'
    subscriber_client.post(comments_url(article), {"body": text}, format="json")
    Comment.objects.update(status=Comment.Status.APPROVED)

    result = subscriber_client.get(comments_url(article)).json()["results"][0]

    assert result["body"] == text  # stored and returned verbatim, as text, never rendered


@pytest.mark.parametrize(
    "payload", [{}, {"body": ""}, {"body": " "}, {"body": "x" * 3001}, {"body": "a\x00b"}]
)
def test_bad_comment_is_400_and_stores_nothing(subscriber_client, payload):
    article = ArticleFactory()

    response = subscriber_client.post(comments_url(article), payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "body" in response.json()
    assert not Comment.objects.exists()


def test_comment_on_unknown_or_draft_article_is_404(subscriber_client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    for slug in ("inconnu", draft.slug):
        response = subscriber_client.post(
            f"/api/v1/articles/{slug}/comments/", {"body": "Bonjour"}, format="json"
        )
        assert response.status_code == HTTPStatus.NOT_FOUND


def test_comments_are_throttled_per_user(subscriber_client, monkeypatch):
    # DRF reads the rates once, at import: set them where it keeps them.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"comments": "2/hour"})
    article = ArticleFactory()

    statuses = [
        subscriber_client.post(comments_url(article), {"body": f"Avis {i}"}, format="json")
        for i in range(3)
    ]

    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[-1].json()["code"] == "throttled"
    assert Comment.objects.count() == 2


def test_summary_carries_the_approved_comment_count(anonymous_client):
    article = ArticleFactory()
    CommentFactory.create_batch(2, article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)

    [summary] = anonymous_client.get("/api/v1/articles/").json()["results"]
    detail = anonymous_client.get(f"/api/v1/articles/{article.slug}/").json()

    assert summary["comment_count"] == detail["comment_count"] == 2


@pytest.mark.parametrize("page_size", [2, 20])
def test_list_with_comment_counts_keeps_a_bounded_query_count(
    anonymous_client, django_assert_max_num_queries, page_size
):
    for article in ArticleFactory.create_batch(page_size):
        CommentFactory.create_batch(2, article=article)

    # count, page (comment counts in a subquery), authors
    with django_assert_max_num_queries(3):
        results = anonymous_client.get("/api/v1/articles/", {"page_size": page_size}).json()

    assert {item["comment_count"] for item in results["results"]} == {2}


def test_editor_approves_and_rejects_comments_in_bulk(editor_client, editor):
    client = editor_client
    pending = CommentFactory.create_batch(2, status=Comment.Status.PENDING)
    spam = CommentFactory(status=Comment.Status.PENDING)

    client.post(
        "/admin/articles/comment/",
        {"action": "approve", "_selected_action": [c.pk for c in pending]},
    )
    client.post("/admin/articles/comment/", {"action": "reject", "_selected_action": [spam.pk]})

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {pending[0].pk: "approved", pending[1].pk: "approved", spam.pk: "rejected"}
    assert set(Comment.objects.values_list("moderated_by", flat=True)) == {editor.pk}


@pytest.mark.parametrize("comments", [2, 20])
def test_a_discussion_costs_the_same_queries_however_many_comments(
    subscriber_client, django_assert_num_queries, comments
):
    """Token, access, the article, the count, the page with its commenters: never per comment."""
    article = ArticleFactory()
    CommentFactory.create_batch(comments, article=article)

    with django_assert_num_queries(5):
        results = subscriber_client.get(f"/api/v1/articles/{article.slug}/comments/").json()

    assert [item["status"] for item in results["results"]] == ["approved"] * comments
