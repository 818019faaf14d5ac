"""What each change of issue 9 bought, measured in SQL on a seeded database.

    .venv/bin/python bench/plans.py postgresql://postgres@127.0.0.1:5432/imago_bench_1000000

Runs each read both ways, the query the API ran before and the one it runs now,
with `EXPLAIN (ANALYZE)` on the same database in the same run, and prints the
server's execution times (median of --runs, after one warm-up) as a markdown table.
"Before" plans that need an index gone drop it inside a transaction that is rolled
back: nothing changes on the database. Reads that outlive --timeout print as such.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

import psycopg

PUBLIC = "status IN ('scheduled', 'published') AND published_at <= now()"
SUMMARY = "id, slug, title, standfirst, access, published_at, updated_at, rubric_id"
NEWEST = "ORDER BY published_at DESC, id DESC"
NEW_INDEXES = ("article_public_newest", "article_public_rubric_newest", "brief_newest")


@dataclass(frozen=True)
class Case:
    name: str
    before: list[str]  # the statements the API ran for one request, summed
    after: list[str]
    drop_for_before: tuple[str, ...] = ()


def _keyset_at(cursor, fraction: float) -> tuple[str, int, int]:
    cursor.execute(f"SELECT count(*) FROM articles_article WHERE {PUBLIC}")
    (total,) = cursor.fetchone()
    offset = int(total * fraction)
    cursor.execute(
        f"SELECT published_at, id FROM articles_article WHERE {PUBLIC} {NEWEST} OFFSET %s LIMIT 1",
        [offset],
    )
    published_at, pk = cursor.fetchone()
    return published_at.isoformat(), pk, offset


def cases(cursor) -> list[Case]:
    at, pk, offset = _keyset_at(cursor, 0.4)
    count = f"SELECT count(*) FROM articles_article WHERE {PUBLIC}"
    first = f"SELECT {SUMMARY} FROM articles_article WHERE {PUBLIC} {NEWEST} LIMIT 21"
    cursor.execute("SELECT id FROM articles_rubric ORDER BY id LIMIT 1")
    (rubric,) = cursor.fetchone()
    by_rubric = f"{PUBLIC} AND rubric_id = {rubric}"
    words = "scanner dosimetrie"
    ilike = " AND ".join(
        f"(title ILIKE '%{w}%' OR standfirst ILIKE '%{w}%' OR teaser_text ILIKE '%{w}%' "
        f"OR (access = 'free' AND body_text ILIKE '%{w}%'))"
        for w in words.split()
    )
    query = f"websearch_to_tsquery('imago_fr', '{words}')"
    window = (
        f"SELECT id FROM articles_article WHERE {PUBLIC} AND (search_public @@ {query} "
        f"OR (access = 'free' AND search_full @@ {query})) {NEWEST} LIMIT 200"
    )
    return [
        Case(
            "`articles/` first page",
            [count, f"SELECT {SUMMARY} FROM articles_article WHERE {PUBLIC} {NEWEST} LIMIT 20"],
            [first],
            drop_for_before=NEW_INDEXES,
        ),
        Case(
            f"a deep page (40% in, row {offset:,})",
            [
                count,
                f"SELECT {SUMMARY} FROM articles_article WHERE {PUBLIC} {NEWEST} "
                f"OFFSET {offset} LIMIT 20",
            ],
            [
                f"SELECT {SUMMARY} FROM articles_article WHERE {PUBLIC} "
                f"AND published_at <= '{at}' AND (published_at < '{at}' OR id < {pk}) "
                f"{NEWEST} LIMIT 21"
            ],
            drop_for_before=NEW_INDEXES,
        ),
        Case(
            "`articles/?rubric=` first page",
            [
                f"SELECT count(*) FROM articles_article WHERE {by_rubric}",
                f"SELECT {SUMMARY} FROM articles_article WHERE {by_rubric} {NEWEST} LIMIT 20",
            ],
            [f"SELECT {SUMMARY} FROM articles_article WHERE {by_rubric} {NEWEST} LIMIT 21"],
            drop_for_before=NEW_INDEXES,
        ),
        Case(
            "`briefs/`",
            [
                "SELECT count(*) FROM articles_brief WHERE published_at <= now()",
                "SELECT b.id, b.text, CASE WHEN b.article_id IN (SELECT id FROM articles_article "
                f"WHERE {PUBLIC}) THEN a.slug END FROM articles_brief b "
                "LEFT JOIN articles_article a ON a.id = b.article_id WHERE b.published_at <= now() "
                "ORDER BY b.published_at DESC, b.id DESC LIMIT 20",
            ],
            [
                "SELECT b.id, b.text, CASE WHEN a.status IN ('scheduled', 'published') AND "
                "a.published_at <= now() THEN a.slug END FROM articles_brief b LEFT JOIN "
                "articles_article a ON a.id = b.article_id WHERE b.published_at <= now() "
                "ORDER BY b.published_at DESC, b.id DESC LIMIT 21"
            ],
            drop_for_before=NEW_INDEXES,
        ),
        Case(
            f"search `q={words}`",
            [
                f"SELECT count(*) FROM articles_article WHERE {PUBLIC} AND {ilike}",
                f"SELECT {SUMMARY} FROM articles_article WHERE {PUBLIC} AND {ilike} "
                f"{NEWEST} LIMIT 20",
            ],
            [
                f"SELECT {SUMMARY}, ts_rank(search_public, {query}) AS rank FROM articles_article "
                f"WHERE id IN ({window}) ORDER BY rank DESC, published_at DESC, id DESC LIMIT 21"
            ],
        ),
    ]


def execution_ms(connection, sql: str, *, drop: tuple[str, ...], timeout_s: int) -> float | None:
    with connection.transaction(force_rollback=True), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = {timeout_s * 1000}")
        for index in drop:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        except psycopg.errors.QueryCanceled:
            return None
        (plan,) = cursor.fetchone()
        return plan[0]["Execution Time"]


def timed(connection, statements, *, drop, runs, timeout_s) -> str:
    totals = []
    for _ in range(runs + 1):  # the first warms the cache and is not counted
        total = 0.0
        for statement in statements:
            ms = execution_ms(connection, statement, drop=drop, timeout_s=timeout_s)
            if ms is None:
                return f"> {timeout_s} s"
            total += ms
        totals.append(total)
    return f"{statistics.median(totals[1:]):,.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dsn")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=60, help="seconds per statement")
    args = parser.parse_args()
    with psycopg.connect(args.dsn, autocommit=True) as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_article")
            (articles,) = cursor.fetchone() or (0,)
            found = cases(cursor)
        print(f"{articles:,} articles; server execution time, median of {args.runs}\n")
        print("| read | before | after |\n| --- | --- | --- |")
        for case in found:
            before = timed(
                connection,
                case.before,
                drop=case.drop_for_before,
                runs=args.runs,
                timeout_s=args.timeout,
            )
            after = timed(connection, case.after, drop=(), runs=args.runs, timeout_s=args.timeout)
            print(f"| {case.name} | {before} | {after} |", flush=True)


if __name__ == "__main__":
    main()
