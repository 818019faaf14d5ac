"""Leaving a comment from the article page: the API's rules (discussion gated like the text,
moderation first)."""

from http import HTTPStatus

import pytest
from django.test import Client

from articles.models import Article, Comment
from articles.tests.factories import ArticleFactory, CommentFactory
from web.tests.test_accounts import post_form

pytestmark = pytest.mark.django_db


def test_a_subscriber_leaves_a_comment_that_awaits_moderation(subscriber_browser, subscriber):
    article = ArticleFactory()

    response = post_form(
        subscriber_browser,
        f"/articles/{article.slug}/commentaires/",
        {"body": "Très juste."},
        page=f"/articles/{article.slug}/",
    )

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"].startswith(f"/articles/{article.slug}/?commentaire=1")
    comment = Comment.objects.get()
    assert (comment.user, comment.status) == (subscriber, Comment.Status.PENDING)
    html = subscriber_browser.get(response["Location"]).content.decode()
    assert "sera publié après relecture" in html
    assert "Très juste." not in html  # not approved yet


def test_approved_comments_show_to_readers_who_may_read_the_article(browser):
    article = ArticleFactory(access=Article.Access.FREE)
    CommentFactory(article=article, body="Un avis publié.")

    html = browser.get(f"/articles/{article.slug}/").content.decode()

    assert "Un avis publié." in html
    assert "Connectez-vous</a> pour laisser un commentaire" in html


def test_the_discussion_of_a_locked_article_is_closed_to_a_reader_without_access(reader_browser):
    article = ArticleFactory()
    CommentFactory(article=article, body="Un avis qui cite la suite.")

    page = reader_browser.get(f"/articles/{article.slug}/").content.decode()
    response = post_form(
        reader_browser,
        f"/articles/{article.slug}/commentaires/",
        {"body": "Je veux commenter."},
        page=f"/articles/{article.slug}/",
    )

    assert "Un avis qui cite la suite." not in page
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "réservée aux abonnés" in response.content.decode()
    assert Comment.objects.count() == 1


def test_an_empty_comment_is_a_field_error(subscriber_browser):
    article = ArticleFactory()

    response = post_form(
        subscriber_browser,
        f"/articles/{article.slug}/commentaires/",
        {"body": " "},
        page=f"/articles/{article.slug}/",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'id="id_body_error"' in response.content.decode()
    assert not Comment.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(browser):
    article = ArticleFactory(access=Article.Access.FREE)

    response = post_form(
        browser,
        f"/articles/{article.slug}/commentaires/",
        {"body": "Bonjour."},
        page="/connexion/",  # a page with a form: the token
    )

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"].startswith("/connexion/?next=")
    assert not Comment.objects.exists()


def test_the_article_page_answers_only_reads():
    article = ArticleFactory(access=Article.Access.FREE)

    response = Client().put(f"/articles/{article.slug}/")  # CSRF aside

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
