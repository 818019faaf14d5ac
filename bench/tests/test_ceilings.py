"""The benchmark's ceiling views: right rows, nothing past the split, and never mounted
unless the benchmark's server asks for them."""

import datetime as dt
import json
from http import HTTPStatus

import pytest
from django.urls import include, path
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import (
    HIDDEN_SENTENCE,
    ArticleFactory,
    BriefFactory,
    RubricFactory,
)
from bench import ceilings

# The ceilings as bench/serve.py's server mounts them (IMAGO_BENCH=1).
urlpatterns = [path("bench/", include("bench.ceilings"))]
mounted = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _fresh_captures():
    # Each worker keeps what it read; each test starts from its own folder.
    ceilings._captures.clear()
    yield
    ceilings._captures.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/bench/sql/articles/", "/bench/sql/briefs/", "/bench/captured/list/"]
)
def test_ceilings_are_not_mounted_by_default(anonymous_client, url):
    """Without IMAGO_BENCH the project has no /bench/ URL at all."""
    response = anonymous_client.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND


def _capture(folder, name, body: bytes, *, content_type="application/json", authorization=""):
    (folder / f"{name}.body").write_bytes(body)
    (folder / f"{name}.json").write_text(
        json.dumps({"content_type": content_type, "authorization": authorization})
    )


@mounted
@pytest.mark.django_db
def test_captured_response_is_replayed_byte_for_byte_without_the_database(
    client, settings, tmp_path, django_assert_num_queries
):
    """The no-database ceiling answers the captured bytes and content type, with no query."""
    settings.BENCH_CAPTURES = str(tmp_path)
    body = '<?xml version="1.0"?><rss>é</rss>'.encode()
    _capture(tmp_path, "rss", body, content_type="application/rss+xml; charset=utf-8")

    with django_assert_num_queries(0):
        first = client.get("/bench/captured/rss/")
        second = client.get("/bench/captured/rss/")

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert first.content == second.content == body
    assert first["Content-Type"] == "application/rss+xml; charset=utf-8"


@mounted
def test_captured_response_needs_the_credentials_it_was_captured_with(client, settings, tmp_path):
    """A subscriber's captured article is refused to a request without the same token."""
    settings.BENCH_CAPTURES = str(tmp_path)
    _capture(tmp_path, "subscriber-detail", HIDDEN_SENTENCE.encode(), authorization="Token abc")

    anonymous = client.get("/bench/captured/subscriber-detail/")
    other = client.get("/bench/captured/subscriber-detail/", HTTP_AUTHORIZATION="Token xyz")
    same = client.get("/bench/captured/subscriber-detail/", HTTP_AUTHORIZATION="Token abc")

    assert anonymous.status_code == other.status_code == HTTPStatus.FORBIDDEN
    assert HIDDEN_SENTENCE not in anonymous.content.decode()
    assert same.content == HIDDEN_SENTENCE.encode()


@mounted
def test_unknown_capture_is_a_json_404(client, settings, tmp_path):
    """A name with no captured response is a 404 with a JSON message."""
    settings.BENCH_CAPTURES = str(tmp_path)

    response = client.get("/bench/captured/nothing/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": ceilings.NOT_CAPTURED}


@mounted
@pytest.mark.django_db
def test_sql_list_is_the_newest_published_summaries_in_one_query(client, django_assert_num_queries):
    """Twenty newest published articles, newest first, with their rubric; no drafts, no
    future ones, no body."""
    now = timezone.now()
    rubric = RubricFactory(slug="imagerie", name="Imagerie")
    published = [
        ArticleFactory(rubric=rubric, published_at=now - dt.timedelta(hours=n)) for n in range(22)
    ]
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(published_at=now + dt.timedelta(days=1))

    with django_assert_num_queries(1):
        response = client.get("/bench/sql/articles/")

    rows = response.json()["results"]
    assert [row["slug"] for row in rows] == [a.slug for a in published[:20]]
    assert rows[0]["rubric_slug"] == "imagerie"
    assert "body_html" not in rows[0]


@mounted
@pytest.mark.django_db
def test_sql_list_filters_by_rubric_and_pages_by_keyset(client):
    """?rubric= keeps that rubric's articles; ?before=&before_id= starts after that article."""
    now = timezone.now()
    rubric = RubricFactory(slug="echographie")
    same_time = now - dt.timedelta(hours=3)
    older = [ArticleFactory(published_at=same_time) for _ in range(3)]  # ties: by id
    in_rubric = ArticleFactory(rubric=rubric, published_at=now - dt.timedelta(hours=1))

    by_rubric = client.get("/bench/sql/articles/", {"rubric": "echographie"}).json()["results"]
    after = client.get(
        "/bench/sql/articles/", {"before": same_time.isoformat(), "before_id": older[2].id}
    ).json()["results"]

    assert [row["slug"] for row in by_rubric] == [in_rubric.slug]
    assert [row["slug"] for row in after] == [older[1].slug, older[0].slug]


@mounted
@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [{"before": "hier", "before_id": "1"}, {"before": "2026-01-01T00:00:00Z"}]
)
def test_sql_list_refuses_a_bad_position_with_a_400(client, query):
    """A position that is not a date and an id is a JSON 400, not a 500."""
    response = client.get("/bench/sql/articles/", query)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": ceilings.BAD_POSITION}


@mounted
@pytest.mark.django_db
def test_sql_search_matches_public_text_only(client):
    """A word of the title matches; a word found only past the split never does."""
    titled = ArticleFactory(title="Radiologie interventionnelle en Bretagne")
    ArticleFactory()  # its body holds HIDDEN_SENTENCE, past the split

    found = client.get("/bench/sql/articles/", {"q": "interventionnelle"}).json()["results"]
    hidden = client.get("/bench/sql/articles/", {"q": "secrète"}).json()["results"]

    assert [row["slug"] for row in found] == [titled.slug]
    assert hidden == []


@mounted
@pytest.mark.django_db
def test_sql_detail_gives_the_body_to_a_subscriber_only(client, subscriber_client, reader_client):
    """Anonymous readers and readers without access get the teaser; a subscriber's token,
    the body; a free article is whole for everyone."""
    locked = ArticleFactory(slug="verrouille")
    free = ArticleFactory(slug="libre", access=Article.Access.FREE)

    anonymous = client.get("/bench/sql/articles/verrouille/").json()
    reader = reader_client.get("/bench/sql/articles/verrouille/").json()
    subscriber = subscriber_client.get("/bench/sql/articles/verrouille/").json()
    free_anonymous = client.get("/bench/sql/articles/libre/").json()

    assert anonymous["html"] == reader["html"] == locked.teaser_html
    assert HIDDEN_SENTENCE not in anonymous["html"]
    assert HIDDEN_SENTENCE in subscriber["html"]
    assert HIDDEN_SENTENCE in free_anonymous["html"]
    assert free_anonymous["html"] == free.body_html


@mounted
@pytest.mark.django_db
def test_sql_detail_of_an_unknown_or_draft_article_is_a_404(client):
    """Only published articles are found."""
    ArticleFactory(slug="brouillon", status=Article.Status.DRAFT, published_at=None)

    response = client.get("/bench/sql/articles/brouillon/")

    assert response.status_code == HTTPStatus.NOT_FOUND


@mounted
@pytest.mark.django_db
def test_sql_briefs_are_the_newest_with_visible_links_only(client):
    """Newest briefs first; a brief linked to a draft shows no article."""
    now = timezone.now()
    article = ArticleFactory(slug="visible")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    old = BriefFactory(published_at=now - dt.timedelta(hours=2), article=article)
    new = BriefFactory(published_at=now - dt.timedelta(hours=1), article=draft)
    BriefFactory(published_at=now + dt.timedelta(hours=1))

    rows = client.get("/bench/sql/briefs/").json()["results"]

    assert [(row["id"], row["article"]) for row in rows] == [(new.id, None), (old.id, "visible")]


@mounted
@pytest.mark.django_db
def test_sql_feed_gives_anonymous_readers_teasers_of_locked_articles(client):
    """The feed's rows: a free article whole, a locked one its teaser only."""
    now = timezone.now()
    ArticleFactory(published_at=now - dt.timedelta(hours=1))
    ArticleFactory(access=Article.Access.FREE, published_at=now - dt.timedelta(hours=2))

    locked, free = client.get("/bench/sql/feed/").json()["items"]

    assert HIDDEN_SENTENCE not in locked["html"]
    assert HIDDEN_SENTENCE in free["html"]
