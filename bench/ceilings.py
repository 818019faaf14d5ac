"""The two ceilings the load benchmark measures each API response against.

Mounted under /bench/ only when IMAGO_BENCH is on (bench/serve.py turns it on for the
server it starts on a throwaway database); plain Django views behind the same
middleware as the API:

* ``captured/<name>/``: the bytes of a response the benchmark captured from the API,
  read from IMAGO_BENCH_CAPTURES once per worker, then served with no database at all.
* ``sql/…``: the one SQL query a response needs, through ``connection.cursor()``,
  dumped with ``json.dumps``: no ORM, no DRF, no serializer.

Neither may hand out what a reader without access must not read: a captured response
is served only to a request that carries the same Authorization header as the request
it was captured from, and the SQL detail returns the body past the split only where
the token in that header belongs to a reader with a live subscription (a narrower rule
than subscriptions.access, never a wider one).
"""

import json
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

PAGE_SIZE = 20  # the API's default page
FEED_SIZE = 30  # articles/feeds.py

NOT_CAPTURED = "Aucune réponse capturée sous ce nom."
WRONG_CREDENTIALS = "Cette réponse capturée n'est servie qu'avec les identifiants de sa capture."
BAD_POSITION = "`before` doit être une date ISO 8601 et `before_id` un entier."

PUBLISHED = "a.status IN ('published', 'scheduled') AND a.published_at <= %s"
SUMMARY_COLUMNS = """
    a.id, a.slug, a.title, a.standfirst, a.access, a.reading_minutes, a.published_at,
    a.updated_at, a.image_url, a.image_caption, a.image_credit,
    r.slug AS rubric_slug, r.name AS rubric_name
"""
# The token's reader has a live subscription: Stripe active or trialing within its
# period, or a complimentary grant without an end or before it.
ENTITLED = """
    EXISTS (
        SELECT 1 FROM authtoken_token t
        JOIN accounts_user u ON u.id = t.user_id AND u.is_active
        JOIN subscriptions_subscription s ON s.user_id = t.user_id
        WHERE t.key = %s AND s.status IN ('active', 'trialing')
        AND (s.current_period_end > %s
             OR (s.source = 'complimentary' AND s.current_period_end IS NULL))
    )
"""


@dataclass(frozen=True)
class Capture:
    body: bytes
    content_type: str
    authorization: str


_captures: dict[str, Capture] = {}


def _capture(name: str) -> Capture | None:
    if name not in _captures:
        folder = Path(settings.BENCH_CAPTURES)
        try:
            meta = json.loads((folder / f"{name}.json").read_text())
            body = (folder / f"{name}.body").read_bytes()
        except (OSError, ValueError):
            return None
        _captures[name] = Capture(
            body=body, content_type=meta["content_type"], authorization=meta["authorization"]
        )
    return _captures[name]


def captured(request: HttpRequest, name: str) -> HttpResponse:
    """The no-database ceiling: the captured bytes of one response."""
    capture = _capture(name) if settings.BENCH_CAPTURES else None
    if capture is None:
        return JsonResponse({"detail": NOT_CAPTURED}, status=HTTPStatus.NOT_FOUND)
    if request.headers.get("Authorization", "") != capture.authorization:
        return JsonResponse({"detail": WRONG_CREDENTIALS}, status=HTTPStatus.FORBIDDEN)
    return HttpResponse(capture.body, content_type=capture.content_type)


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _json(data: object) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=str, ensure_ascii=False), content_type="application/json"
    )


def _now() -> object:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _token(request: HttpRequest) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "token" else ""


_search: dict[str, str] = {}


def _search_condition() -> str:
    """Words in the public text (title, standfirst, teaser), never past the split.

    A full-text column is used when the articles table has one (looked up once per
    worker); else the substring scan that `icontains` runs.
    """
    if connection.vendor not in _search:
        _search[connection.vendor] = _search_sql()
    return _search[connection.vendor]


def _search_sql() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'articles_article' AND column_name = 'search_public'"
            )
            row = cursor.fetchone()
        if row is not None:  # the public text's column of articles/0005, never search_full
            return "a.search_public @@ websearch_to_tsquery('imago_fr', %s)"
    return (
        "(UPPER(a.title) LIKE UPPER(%s) OR UPPER(a.standfirst) LIKE UPPER(%s)"
        " OR UPPER(a.teaser_text) LIKE UPPER(%s))"
    )


def article_list(request: HttpRequest) -> HttpResponse:
    """The newest published summaries: ?rubric=<slug>, ?q=<word>, ?before=<iso>&before_id=<id>."""
    now = _now()
    conditions, params = [PUBLISHED], [now]
    if rubric := request.GET.get("rubric"):
        conditions.append("r.slug = %s")
        params.append(rubric)
    if terms := request.GET.get("q"):
        condition = _search_condition()
        conditions.append(condition)
        word = terms if "@@" in condition else f"%{terms}%"
        params.extend([word] * condition.count("%s"))
    if "before" in request.GET or "before_id" in request.GET:
        before = parse_datetime(request.GET.get("before", ""))
        before_id = request.GET.get("before_id", "")
        if before is None or not before_id.isdigit():
            return JsonResponse({"detail": BAD_POSITION}, status=HTTPStatus.BAD_REQUEST)
        if timezone.is_naive(before):
            before = timezone.make_aware(before)
        # Keyset: the page after that article, in the list's order, written as the API
        # writes it: the first half bounds the index scan (a bare OR would walk the index
        # from the newest article down to the position).
        conditions.append("a.published_at <= %s AND (a.published_at < %s OR a.id < %s)")
        position = connection.ops.adapt_datetimefield_value(before)
        params.extend([position, position, int(before_id)])
    rows = _rows(
        f"SELECT {SUMMARY_COLUMNS} FROM articles_article a "
        "JOIN articles_rubric r ON r.id = a.rubric_id "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY a.published_at DESC, a.id DESC LIMIT {PAGE_SIZE}",
        params,
    )
    return _json({"results": rows})


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One published article: its body where the token's reader may read it, else its teaser."""
    now = _now()
    rows = _rows(
        f"SELECT {SUMMARY_COLUMNS}, a.remaining_percent, a.word_count, "
        f"CASE WHEN a.access = 'free' OR {ENTITLED} THEN a.body_html ELSE a.teaser_html END "
        "AS html "
        "FROM articles_article a JOIN articles_rubric r ON r.id = a.rubric_id "
        f"WHERE a.slug = %s AND {PUBLISHED}",
        [_token(request), now, slug, now],
    )
    if not rows:
        return JsonResponse({"detail": "Article introuvable."}, status=HTTPStatus.NOT_FOUND)
    return _json(rows[0])


def brief_list(request: HttpRequest) -> HttpResponse:
    """The newest briefs, with the slug of a linked article readers can see."""
    now = _now()
    rows = _rows(
        "SELECT b.id, b.published_at, b.text, "
        f"CASE WHEN {PUBLISHED} THEN a.slug END AS article "
        "FROM articles_brief b LEFT JOIN articles_article a ON a.id = b.article_id "
        "WHERE b.published_at <= %s "
        f"ORDER BY b.published_at DESC, b.id DESC LIMIT {PAGE_SIZE}",
        [now, now],
    )
    return _json({"results": rows})


def article_feed(request: HttpRequest) -> HttpResponse:
    """The feed's newest articles for an anonymous reader: free ones whole, others' teasers."""
    rows = _rows(
        f"SELECT {SUMMARY_COLUMNS}, "
        "CASE WHEN a.access = 'free' THEN a.body_html ELSE a.teaser_html END AS html "
        "FROM articles_article a JOIN articles_rubric r ON r.id = a.rubric_id "
        f"WHERE {PUBLISHED} ORDER BY a.published_at DESC, a.id DESC LIMIT {FEED_SIZE}",
        [_now()],
    )
    return _json({"items": rows})


urlpatterns = [
    path("captured/<slug:name>/", captured, name="bench-captured"),
    path("sql/articles/", article_list, name="bench-sql-articles"),
    path("sql/articles/<slug:slug>/", article_detail, name="bench-sql-article"),
    path("sql/briefs/", brief_list, name="bench-sql-briefs"),
    path("sql/feed/", article_feed, name="bench-sql-feed"),
]
