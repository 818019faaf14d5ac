"""Editors work in the admin with only the permissions their work needs."""

from http import HTTPStatus

import pytest

from accounts.groups import EDITORS, SUBSCRIPTION_MANAGERS
from accounts.tests.factories import UserFactory, staff_member
from articles.models import Article
from articles.tests.factories import ArticleFactory, AuthorFactory, RubricFactory

pytestmark = pytest.mark.django_db


def test_editor_sees_the_teaser_preview_with_percent_and_reading_time(editor_client):
    article = ArticleFactory()

    response = editor_client.get(f"/admin/articles/article/{article.pk}/change/")

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Ce que voit un lecteur non abonné" in page
    assert f"Il vous reste {article.remaining_percent}%" in page
    assert f"lecture {article.reading_minutes} min" in page


def test_the_body_help_shows_the_paywall_marker_to_the_editor(editor_client):
    """The admin prints help texts as HTML: unescaped, the marker would be an invisible comment."""
    response = editor_client.get("/admin/articles/article/add/")

    assert "« &lt;!-- paywall --&gt; »" in response.content.decode()


def test_editor_list_filters_and_search(editor_client):
    ArticleFactory(title="Échographie de demain")
    ArticleFactory(title="IRM de demain", access=Article.Access.FREE)  # filtered out
    ArticleFactory(title="Scanner d’hier")  # not found by the search

    response = editor_client.get(
        "/admin/articles/article/", {"q": "demain", "access__exact": "subscribers"}
    )

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Échographie de demain" in page
    assert "IRM de demain" not in page
    assert "Scanner d’hier" not in page


def test_editor_creates_an_article_with_authors_and_notes(editor_client):
    rubric, author = RubricFactory(), AuthorFactory()
    form = {
        "title": "Nouvel article",
        "slug": "nouvel-article",
        "rubric": rubric.pk,
        "standfirst": "Chapô.",
        "status": "published",
        "access": "subscribers",
        "body": "Un texte court[1] pour voir la coupure.",
        "bylines-TOTAL_FORMS": 1,
        "bylines-INITIAL_FORMS": 0,
        "bylines-0-author": author.pk,
        "bylines-0-position": 0,
        "notes-TOTAL_FORMS": 1,
        "notes-INITIAL_FORMS": 0,
        "notes-0-number": 1,
        "notes-0-text": "Une note",
        "notes-0-url": "https://example.org",
    }

    response = editor_client.post("/admin/articles/article/add/", form)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    article = Article.objects.get(slug="nouvel-article")
    assert article.published_at is not None  # publishing without a date means now
    assert list(article.authors.all()) == [author]
    assert article.notes.get().number == 1
    assert article.remaining_percent > 0  # computed on save


def test_scheduling_without_a_date_is_refused_with_a_message(editor_client):
    rubric = RubricFactory()
    form = {
        "title": "Programmé",
        "slug": "programme",
        "rubric": rubric.pk,
        "standfirst": "Chapô.",
        "status": "scheduled",
        "access": "free",
        "body": "Texte.",
        "bylines-TOTAL_FORMS": 0,
        "bylines-INITIAL_FORMS": 0,
        "notes-TOTAL_FORMS": 0,
        "notes-INITIAL_FORMS": 0,
    }

    response = editor_client.post("/admin/articles/article/add/", form)

    assert response.status_code == HTTPStatus.OK
    assert "besoin d&#x27;une date" in response.content.decode()
    assert not Article.objects.exists()


def test_publish_and_unpublish_actions(editor_client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    editor_client.post(
        "/admin/articles/article/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert draft.published_at is not None

    editor_client.post(
        "/admin/articles/article/", {"action": "unpublish", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_author_titles_are_edited_one_per_line(editor_client):
    response = editor_client.post(
        "/admin/articles/author/add/",
        {
            "full_name": "Hervé Leclet",
            "slug": "herve-leclet",
            "titles": "Médecin radiologue\r\nConsultant en organisation\r\n",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    author = AuthorFactory._meta.model.objects.get(slug="herve-leclet")
    assert author.titles == ["Médecin radiologue", "Consultant en organisation"]


@pytest.mark.parametrize(
    ("url", "editor_status", "manager_status"),
    [
        ("/admin/articles/article/", HTTPStatus.OK, HTTPStatus.FORBIDDEN),
        ("/admin/articles/brief/add/", HTTPStatus.OK, HTTPStatus.FORBIDDEN),
        ("/admin/subscriptions/subscription/", HTTPStatus.FORBIDDEN, HTTPStatus.OK),
        ("/admin/subscriptions/offer/add/", HTTPStatus.FORBIDDEN, HTTPStatus.OK),
        ("/admin/accounts/user/add/", HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN),
        ("/admin/auth/group/", HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN),
    ],
)
def test_each_group_reaches_only_its_work(client, url, editor_status, manager_status):
    client.force_login(staff_member(EDITORS))
    assert client.get(url).status_code == editor_status
    client.force_login(staff_member(SUBSCRIPTION_MANAGERS))
    assert client.get(url).status_code == manager_status


def test_readers_cannot_enter_the_admin(client):
    client.force_login(UserFactory())

    response = client.get("/admin/articles/article/")

    assert response.status_code == HTTPStatus.FOUND
    assert "/admin/login/" in response["Location"]
