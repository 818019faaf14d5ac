"""Every list's first page reads an index in the list's order, whatever the archive's size.

On a test database of a few rows PostgreSQL would rightly prefer a sequential scan,
so each plan is asked for with sequential scans and sorts priced out
(`enable_seqscan`, `enable_sort` off): PostgreSQL then still picks one only where no
index can serve the filter and the order, which is what would scan and sort the
whole table at a million articles. The SQL is the one the API runs, captured.
"""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .factories import ArticleFactory, AuthorFactory, BriefFactory, CommentFactory, RubricFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def plan_of(sql: str) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (row,) = cursor.fetchone()
    return (json.loads(row) if isinstance(row, str) else row)[0]["Plan"]


def page_query(client, url: str, table: str) -> str:
    """The SQL of the page itself: the query on `table` that has a LIMIT."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    pages = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"]]
    assert pages, f"no paged query on {table} for {url}"
    return pages[0]


def assert_index_ordered(sql: str, table: str) -> None:
    plan = plan_of(sql)
    for node in nodes(plan):
        assert not (node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table), (
            f"sequential scan of {table}:\n{json.dumps(plan, indent=1)}"
        )
        assert node["Node Type"] != "Sort", f"a sort:\n{json.dumps(plan, indent=1)}"


@pytest.fixture
def archive():
    rubric = RubricFactory(slug="imagerie")
    author = AuthorFactory(slug="jean-dupont")
    articles = ArticleFactory.create_batch(5, rubric=rubric, authors=[author])
    ArticleFactory(access="free", rubric=rubric, authors=[author])
    CommentFactory.create_batch(3, article=articles[0])
    BriefFactory.create_batch(3, article=articles[0])
    return articles


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/",
        "/api/v1/articles/?rubric=imagerie",
        "/api/v1/articles/?access=free",
        "/api/v1/authors/jean-dupont/",
    ],
)
def test_article_lists_read_an_index_in_their_order(archive, anonymous_client, url):
    """Newest first, by rubric, by access and by author: no scan, no sort of the articles."""
    assert_index_ordered(page_query(anonymous_client, url, "articles_article"), "articles_article")


def test_subscriber_list_reads_the_same_index(archive, subscriber_client):
    """The subscriber's `locked` column changes nothing in the plan."""
    sql = page_query(subscriber_client, "/api/v1/articles/", "articles_article")
    assert_index_ordered(sql, "articles_article")


def test_briefs_read_their_index(archive, anonymous_client):
    """Le fil, newest first, without a subquery over every published article."""
    sql = page_query(anonymous_client, "/api/v1/briefs/", "articles_brief")
    assert "IN (SELECT" not in sql.upper(), "a subquery over the articles"
    assert_index_ordered(sql, "articles_brief")


def test_a_discussion_reads_its_index(archive, subscriber_client):
    """An article's approved comments, oldest first, from the (article, status, date) index."""
    slug = archive[0].slug
    sql = page_query(subscriber_client, f"/api/v1/articles/{slug}/comments/", "articles_comment")
    assert_index_ordered(sql, "articles_comment")
