"""Long lists follow cursors, searches numbered pages: no count, no skipped rows, no 500."""

import base64
import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Brief
from articles.tests.factories import ArticleFactory, AuthorFactory, BriefFactory
from imago import pagination

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _answered_by_the_database(settings):
    """These tests read the SQL of repeated requests: none may come from the response cache."""
    settings.RESPONSE_CACHE_SECONDS = 0


LIST = "/api/v1/articles/"
BRIEFS = "/api/v1/briefs/"
NOW = timezone.now()


def author_url(slug: str) -> str:
    return f"/api/v1/authors/{slug}/"


def articles(n: int, **fields) -> list[Article]:
    # Short bodies: a page needs rows, not the paywall split of 6 kB each.
    fields.setdefault("body", "Un texte court sur la scintigraphie.")
    return ArticleFactory.create_batch(n, notes=[], **fields)


def newest_first(rows) -> list[str]:
    return [row.slug for row in sorted(rows, key=lambda r: (r.published_at, r.id), reverse=True)]


def page_of(data: dict) -> dict:
    """The page in a response: the list itself, or an author profile's `articles`."""
    return data.get("articles", data)


def walk(client, url: str, params: dict, *, key: str = "slug") -> list[list]:
    """Every page from the first, following `next` to the end."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == HTTPStatus.OK, response.content
        page = page_of(response.json())
        pages.append([item[key] for item in page["results"]])
        if page["next"] is None:
            return pages
        response = client.get(page["next"])


def cursor_of(link: str) -> str:
    match = re.search(r"[?&]cursor=([^&]*)", link)
    assert match, link
    return match[1]


def forged(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- Following the cursor -----------------------------------------------------------


def test_first_page_has_links_and_results_but_no_count(anonymous_client):
    articles(25)

    data = anonymous_client.get(LIST).json()

    assert set(data) == {"next", "previous", "results"}
    assert len(data["results"]) == 20
    assert data["previous"] is None
    assert re.fullmatch(r"[A-Za-z0-9_-]{4,64}", cursor_of(data["next"]))


def test_following_next_yields_every_article_once_in_order_when_many_share_an_instant(
    anonymous_client,
):
    same_instant = NOW - dt.timedelta(hours=2)
    rows = [
        *articles(3, published_at=NOW - dt.timedelta(hours=1)),
        *articles(11, published_at=same_instant),
        *articles(3, published_at=NOW - dt.timedelta(hours=3)),
    ]

    pages = walk(anonymous_client, LIST, {"page_size": 4})

    assert [len(page) for page in pages] == [4, 4, 4, 4, 1]
    assert [slug for page in pages for slug in page] == newest_first(rows)


def test_following_previous_from_the_last_page_comes_back_to_the_first(anonymous_client):
    articles(9, published_at=NOW - dt.timedelta(hours=1))
    forward = walk(anonymous_client, LIST, {"page_size": 4})
    last = anonymous_client.get(LIST, {"page_size": 4}).json()
    while last["next"]:
        last = anonymous_client.get(last["next"]).json()

    backward = []
    page = last
    while page["previous"]:
        page = anonymous_client.get(page["previous"]).json()
        backward.append([item["slug"] for item in page["results"]])

    assert backward == forward[-2::-1]
    assert page["next"] is not None


def test_an_article_published_meanwhile_shifts_no_page(anonymous_client):
    rows = articles(6)
    first = anonymous_client.get(LIST, {"page_size": 2}).json()

    articles(1, published_at=NOW)
    second = anonymous_client.get(first["next"]).json()

    assert [item["slug"] for item in second["results"]] == newest_first(rows)[2:4]


def test_briefs_follow_the_cursor_newest_first_through_ties(anonymous_client):
    instant = NOW - dt.timedelta(minutes=30)
    BriefFactory.create_batch(7, published_at=instant)
    BriefFactory.create_batch(2, published_at=NOW - dt.timedelta(minutes=10))
    BriefFactory(published_at=NOW + dt.timedelta(hours=1))  # not yet on the wire

    pages = walk(anonymous_client, BRIEFS, {"page_size": 3}, key="id")

    expected = Brief.objects.filter(published_at__lte=NOW).order_by("-published_at", "-id")
    assert [len(page) for page in pages] == [3, 3, 3]
    assert [brief_id for page in pages for brief_id in page] == [b.id for b in expected]


def test_author_page_follows_its_articles_by_cursor(anonymous_client):
    author = AuthorFactory()
    rows = articles(5, authors=[author], published_at=NOW - dt.timedelta(days=2))
    articles(2)  # by someone else

    pages = walk(anonymous_client, author_url(author.slug), {"page_size": 2})

    assert [slug for page in pages for slug in page] == newest_first(rows)
    first = anonymous_client.get(author_url(author.slug), {"page_size": 2}).json()
    assert first["slug"] == author.slug
    assert first["articles"]["next"].startswith(f"http://testserver{author_url(author.slug)}?")


def test_anonymous_reader_never_meets_a_draft_or_a_future_article_through_a_cursor(
    anonymous_client,
):
    published = articles(4, published_at=NOW - dt.timedelta(days=1))
    ArticleFactory(status=Article.Status.DRAFT, published_at=None, notes=[])
    scheduled = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=NOW + dt.timedelta(hours=1), notes=[]
    )
    newest = max(published, key=lambda a: (a.published_at, a.id))
    past_the_future = pagination.Keyset(
        published_at=NOW + dt.timedelta(days=1), id=10**9, backwards=False
    )
    before_the_newest = pagination.Keyset(
        published_at=newest.published_at, id=newest.id, backwards=True
    )

    seen = set()
    for params in (
        {"page_size": 2},
        {"cursor": past_the_future.encode()},
        {"cursor": before_the_newest.encode()},
    ):
        for page in walk(anonymous_client, LIST, params):
            seen.update(page)

    assert seen == {a.slug for a in published}
    assert scheduled.slug not in seen


# --- What is refused, and how --------------------------------------------------------

CURSOR_LISTS = [LIST, BRIEFS, "/api/v1/authors/{author}/"]


@pytest.fixture
def author():
    """An author of three articles, and three briefs: every cursor list has pages."""
    author = AuthorFactory()
    articles(3, authors=[author])
    BriefFactory.create_batch(3)
    return author


@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize("page", ["2", "0", "abc", ""])
def test_a_page_number_on_a_cursor_list_is_400_saying_to_follow_next(
    anonymous_client, author, url, page
):
    response = anonymous_client.get(url.format(author=author.slug), {"page": page})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page": [pagination.PAGE_NUMBERS_GONE]}


@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_page_one_is_still_the_first_page_and_its_links_drop_it(anonymous_client, author, url):
    response = anonymous_client.get(url.format(author=author.slug), {"page": 1, "page_size": 1})

    page = page_of(response.json())
    assert response.status_code == HTTPStatus.OK
    assert len(page["results"]) == 1
    assert "page=" not in page["next"]
    assert anonymous_client.get(page["next"]).status_code == HTTPStatus.OK


@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize("size", ["0", "101", "-1", "abc", "", "2.0"])
def test_page_size_outside_1_to_100_is_400_on_every_cursor_list(
    anonymous_client, author, url, size
):
    response = anonymous_client.get(url.format(author=author.slug), {"page_size": size})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"page_size": [pagination.INVALID_PAGE_SIZE.format(maximum=100)]}


GARBAGE = [
    "%00",
    "",
    "x" * 3000,  # longer than any cursor, within REQUEST_URI_MAX_BYTES (past it: a 414)
    "%FF%FE",
    "bjE%3D",  # padding
    "cD00ODY%3D",  # DRF's own cursor format
    "../../etc",
    forged("n1.1' OR 1=1"),
    forged("n-99999999999999999.1"),  # before the year 1
    forged("n1.99999999999999999999"),  # past a bigint
    forged("x1.1"),
    forged("n1"),
]


@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize("cursor", GARBAGE)
def test_a_garbled_cursor_is_400_json_naming_the_cursor(anonymous_client, author, url, cursor):
    response = anonymous_client.get(f"{url.format(author=author.slug)}?cursor={cursor}")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"cursor": [pagination.INVALID_CURSOR]}


def test_a_well_formed_cursor_past_the_end_is_an_empty_page_with_a_way_back(anonymous_client):
    articles(2)
    oldest = pagination.Keyset(published_at=NOW - dt.timedelta(days=3650), id=1, backwards=False)

    data = anonymous_client.get(LIST, {"cursor": oldest.encode()}).json()

    assert data["results"] == [] and data["next"] is None
    assert len(anonymous_client.get(data["previous"]).json()["results"]) == 2


# --- Search: numbered pages, no count, 50 at most ------------------------------------


def search(client, **params):
    return client.get(LIST, {"q": "scintigraphie", **params})


def test_search_pages_are_numbered_without_a_count(anonymous_client):
    rows = articles(5, title="Scintigraphie osseuse", access=Article.Access.FREE)

    first = search(anonymous_client, page_size=2).json()
    second = anonymous_client.get(first["next"]).json()
    last = anonymous_client.get(second["next"]).json()

    assert set(second) == {"next", "previous", "results"}
    assert "page=2" in first["next"] and first["previous"] is None
    assert "page=3" in second["next"] and "page=" not in second["previous"]
    assert last["next"] is None and "page=2" in last["previous"]
    found = [item["slug"] for page in (first, second, last) for item in page["results"]]
    assert sorted(found) == sorted(a.slug for a in rows)


def test_search_stops_at_page_50_and_page_51_asks_to_refine(anonymous_client):
    articles(51, title="Scintigraphie osseuse", access=Article.Access.FREE)

    page_50 = search(anonymous_client, page_size=1, page=50)
    page_51 = search(anonymous_client, page_size=1, page=51)

    assert page_50.status_code == HTTPStatus.OK
    assert page_50.json()["next"] is None  # a 51st match exists, but no page 51
    assert page_51.status_code == HTTPStatus.BAD_REQUEST
    assert page_51.json() == {"page": [pagination.SEARCH_PAGE_LIMIT.format(maximum=50)]}


def test_search_refuses_a_cursor(anonymous_client):
    articles(1, title="Scintigraphie osseuse")

    response = search(anonymous_client, cursor=forged("n1.1"))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"cursor": [pagination.SEARCH_HAS_NO_CURSOR]}


def test_blank_search_is_the_newest_first_list(anonymous_client):
    articles(3)

    data = anonymous_client.get(LIST, {"q": "  ", "page_size": 2}).json()

    assert "cursor=" in data["next"]


# --- What a page costs ---------------------------------------------------------------


def _sql(client, url: str, params: dict) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    return [query["sql"] for query in queries.captured_queries]


def _counts_only_comments(sql: str) -> bool:
    # The one COUNT allowed: each listed article's approved comments, in a subquery.
    counted = re.findall(r'COUNT\([^)]*\)[^()]*? FROM "(\w+)"', sql)
    return sql.count("COUNT(") == len(counted) and set(counted) <= {"articles_comment"}


@pytest.mark.parametrize("url", [LIST, BRIEFS, "/api/v1/authors/{author}/"])
def test_a_page_never_counts_the_list_nor_skips_rows_whatever_its_depth(anonymous_client, url):
    author = AuthorFactory()
    articles(12, authors=[author, AuthorFactory()])
    BriefFactory.create_batch(12)
    url = url.format(author=author.slug)
    first = anonymous_client.get(url, {"page_size": 5}).json()
    cursor = cursor_of(page_of(first)["next"])

    for params in ({"page_size": 5}, {"page_size": 5, "cursor": cursor}):
        statements = _sql(anonymous_client, url, params)
        assert all(_counts_only_comments(sql) for sql in statements), statements
        assert not any("OFFSET" in sql for sql in statements), statements
        assert any("LIMIT 6" in sql for sql in statements), statements


def test_a_search_page_never_counts_the_matches(anonymous_client):
    articles(12, title="Scintigraphie osseuse", access=Article.Access.FREE)

    statements = _sql(anonymous_client, LIST, {"q": "scintigraphie", "page_size": 5, "page": 2})

    assert all(_counts_only_comments(sql) for sql in statements), statements
    assert any("LIMIT 6 OFFSET 5" in sql for sql in statements), statements


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        (LIST, 2),  # the page, its authors
        (BRIEFS, 1),
        ("/api/v1/authors/{author}/", 3),  # the author, the page, its authors
    ],
)
def test_query_count_is_the_same_for_5_and_50_per_page_and_deep_pages(
    anonymous_client, django_assert_num_queries, url, queries
):
    author = AuthorFactory()
    articles(101, authors=[author, AuthorFactory()])
    BriefFactory.create_batch(101)
    url = url.format(author=author.slug)

    for size in (5, 50):
        with django_assert_num_queries(queries):
            first = anonymous_client.get(url, {"page_size": size}).json()
        with django_assert_num_queries(queries):
            second = anonymous_client.get(page_of(first)["next"]).json()
        assert len(page_of(second)["results"]) == size
