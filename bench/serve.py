"""Load benchmark of the read API, served by gunicorn as production serves it, loaded by wrk.

    make bench                                 # 1,000 articles, 10 s per case
    .venv/bin/python bench/serve.py --articles 100000 --duration 10 --keep --out bench/results.md

1. Prepares the PostgreSQL database imago_bench_<N> (server: BENCH_DATABASE_URL, default
   the local one): demo content plus `seed_articles N --seed 2026`, then VACUUM ANALYZE.
   A database a previous run kept (--keep) with the same N is reused, migrated first;
   one that holds exactly N generated articles too; any other is never dropped.
2. Serves it with gunicorn, DEBUG off, and the ceiling views of bench/ceilings.py.
3. Loads each case with wrk for a fixed time: as is, and (anonymous cases) with a
   cookie, which no shared cache may answer; beside it, in the same run, its two
   ceilings: the same bytes with no database, and the one SQL query it needs.
4. Prints a markdown table (req/s, p50, p99, share of each ceiling, X-Cache hits) and
   appends it to --out with the data size and the machine.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import enum
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
COUNT_CACHE_LUA = Path(__file__).resolve().parent / "count_cache.lua"

SEED = 2026  # the same archive on every run
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# COMMENT ON DATABASE: the first as soon as the benchmark creates a database, the second
# once it is complete. A database with neither is someone else's: never dropped.
BENCH_MARK = "imago bench:"
PREPARING = f"{BENCH_MARK} preparing"
MARKER = BENCH_MARK + " {articles} articles, seed {seed}"
SEARCH_WORD = "imagerie"  # in about one generated title or standfirst in six (seeds/text.py)
SUBSCRIBER_EMAIL = "bench-subscriber@example.org"
UNCACHED_COOKIE = "bench=1"  # a request with any cookie is never answered from the cache
DEEP_SHARE = 0.4
WRK_TIMEOUT = "35s"  # past gunicorn's 30 s: a slow answer is measured, not dropped
# Preparing a large archive runs long statements (indexes of a migration): no 10 s limit.
PREPARE_STATEMENT_TIMEOUT_MS = "3600000"
PARIS = ZoneInfo("Europe/Paris")

WRK_MISSING = (
    "wrk is not installed: install it (Debian, Ubuntu: `sudo apt install wrk`; "
    "elsewhere: https://github.com/wg/wrk) and run the benchmark again."
)
FOREIGN_DATABASE = (
    "The database {name} exists and is not an archive of {articles} generated articles that "
    "this benchmark made or can reuse (it may be in use): drop it (`dropdb {name}`) or pass "
    "--database another name."
)
PUBLISHED = "a.status IN ('published', 'scheduled') AND a.published_at <= now()"


class BenchError(Exception):
    """The benchmark cannot run: said in one message, exit status 1."""


class CaseSkipped(Exception):
    """One case cannot be measured (reported in the table's notes); the others go on."""


# --- wrk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One wrk run: what `wrk --latency -s count_cache.lua` printed."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # answers other than 2xx/3xx, and socket errors (timeouts included)
    hits: int  # responses with X-Cache: hit
    misses: int  # responses with X-Cache: miss


_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _milliseconds(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise BenchError(f"wrk printed a latency this benchmark cannot read: {text!r}")
    return float(match[1]) * _TO_MS[match[2]]


def wrk_parse(output: str) -> Load:
    """The figures of one wrk run, from its report."""
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+([0-9]+) requests in ", output, re.M)
    if not (rate and p50 and p99 and total):
        raise BenchError(f"wrk's report is not what this benchmark reads:\n{output}")
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses: ([0-9]+)", output):
        errors += int(non_2xx[1])
    if sockets := re.search(
        r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)",
        output,
    ):
        errors += sum(int(n) for n in sockets.groups())
    cache = re.search(r"^X-Cache: hits ([0-9]+), misses ([0-9]+)", output, re.M)
    return Load(
        requests_per_second=float(rate[1]),
        p50_ms=_milliseconds(p50[1]),
        p99_ms=_milliseconds(p99[1]),
        requests=int(total[1]),
        errors=errors,
        hits=int(cache[1]) if cache else 0,
        misses=int(cache[2]) if cache else 0,
    )


@dataclass(frozen=True)
class LoadSettings:
    duration: int
    connections: int
    threads: int


def wrk_run(url: str, *, headers: dict[str, str], load: LoadSettings) -> Load:
    command = [
        "wrk",
        *(f"-t{load.threads}", f"-c{load.connections}", f"-d{load.duration}s"),
        *("--latency", "--timeout", WRK_TIMEOUT, "-s", str(COUNT_CACHE_LUA)),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=load.duration + 120
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}:\n{done.stdout}{done.stderr}")
    return wrk_parse(done.stdout)


# --- The deep page --------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where an article stands in the list's order (published_at DESC, id DESC)."""

    published_at: dt.datetime
    id: int


_DATETIME_FORMS: tuple[Callable[[dt.datetime], str], ...] = (
    # imago.pagination.Keyset: "n<microseconds since 1970>.<id>"
    lambda d: str((d - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)),
    lambda d: str(d.astimezone(dt.UTC)),  # DRF's CursorPagination: str() of the value
    lambda d: d.astimezone(dt.UTC).isoformat(),
    lambda d: d.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    lambda d: str(d.astimezone(PARIS)),
    lambda d: d.astimezone(PARIS).isoformat(),
)


def _position_swapped(value: str, old: Position, new: Position) -> str:
    for form in _DATETIME_FORMS:
        if form(old.published_at) in value:
            value = value.replace(form(old.published_at), form(new.published_at))
            break
    pieces = re.split(r"([|,;.])", value)
    return "".join(str(new.id) if piece == str(old.id) else piece for piece in pieces)


def deep_cursor_url(next_url: str, *, after: Position, deep: Position) -> str:
    """The list's next-page link, moved from the page after `after` to the page after `deep`.

    `next_url` is the first page's `next` and `after` its last article: the cursor holds
    that article's position (DRF's CursorPagination: a base64 query string whose `p` is
    str() of its published_at). The same cursor with `deep`'s position is what the API
    itself would hand a client paging that far, whatever the pagination adds (offset,
    id, reverse flag).
    """
    parts = urlsplit(next_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    cursor = dict(query).get("cursor")
    if not cursor:
        raise CaseSkipped(f"no cursor in the first page's next link {next_url}")
    urlsafe = "-" in cursor or "_" in cursor
    unpadded = len(cursor) % 4 != 0  # an encoding that strips base64's "=" padding
    altchars = b"-_" if urlsafe else None
    try:
        decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=altchars).decode()
    except ValueError as error:
        raise CaseSkipped(f"the cursor {cursor!r} is not base64: {error}") from error
    tokens = parse_qsl(decoded, keep_blank_values=True)
    if tokens and urlencode(tokens) == decoded:
        moved = urlencode([(key, _position_swapped(v, after, deep)) for key, v in tokens])
    else:
        moved = _position_swapped(decoded, after, deep)
    if moved == decoded:
        raise CaseSkipped(
            f"the cursor {decoded!r} does not hold the position of the first page's last "
            f"article ({after.published_at.isoformat()}, id {after.id})"
        )
    encoded = base64.b64encode(moved.encode(), altchars=altchars).decode()
    if unpadded:
        encoded = encoded.rstrip("=")
    query = [(key, encoded if key == "cursor" else value) for key, value in query]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) | params
    return urlunsplit(parts._replace(query=urlencode(query)))


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# --- The database ---------------------------------------------------------------------


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


DROP = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
# One Django process per run (start-up is seconds): the archive when the database is new,
# else the migrations it lacks; then the subscriber of the subscriber cases, with a grant
# that never ends and a token (the same on every run); and an empty cache, so that every
# run starts from the same misses.
SETUP = """
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

if {fill}:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("seed_articles", {articles}, seed={seed}, verbosity=1)
else:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=1)
        print("{migrated}")

from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from subscriptions.access import has_access
from subscriptions.services import complimentary_grant

User = get_user_model()
user = User.objects.filter(email={email!r}).first() or User.objects.create_user(email={email!r})
if not has_access(user):
    complimentary_grant(user=user, until=None, note="Lecteur du banc d'essai")
token, _ = Token.objects.get_or_create(user=user)
cache.clear()
print("{token}", token.key)
"""
MIGRATED, TOKEN = "bench: migrated", "bench: token"


def _setup(env: dict[str, str], *, fill: bool, articles: int) -> tuple[str, bool]:
    """Run SETUP, showing its progress; the subscriber's token, and whether it migrated."""
    script = SETUP.format(
        fill=fill,
        articles=articles,
        seed=SEED,
        email=SUBSCRIBER_EMAIL,
        migrated=MIGRATED,
        token=TOKEN,
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    token, migrated, seen = "", False, []
    for line in process.stdout:
        if line.startswith(TOKEN):
            token = line.split()[-1]
        elif line.startswith(MIGRATED):
            migrated = True
        elif "objects imported automatically" not in line:
            seen.append(line)
            print(line, end="", flush=True)
    if process.wait() != 0 or not token:
        raise BenchError("preparing the database failed:\n" + "".join(seen[-30:]))
    return token, migrated


class State(enum.Enum):
    ABSENT = "absent"
    READY = "ready"  # complete, marked by an earlier run
    UNMARKED = "unmarked"  # made otherwise, and holds exactly N generated articles
    REDO = "redo"  # the benchmark's own, incomplete or for another N
    FOREIGN = "foreign"  # someone else's, not the archive asked for


def database_state(*, server: str, name: str, articles: int) -> State:
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if row is None:
        return State.ABSENT
    marker = row[0] or ""
    if marker == MARKER.format(articles=articles, seed=SEED):
        return State.READY
    if marker.startswith(BENCH_MARK):
        return State.REDO
    with psycopg.connect(_libpq(_with_database(server, name))) as conn:
        if conn.execute("SELECT to_regclass('articles_article')").fetchone() == (None,):
            return State.FOREIGN
        # seed_articles ends every slug with the article's id; the demo's do not.
        row = conn.execute(
            "SELECT count(*) FROM articles_article WHERE slug ~ ('-' || id || '$')"
        ).fetchone()
    return State.UNMARKED if row is not None and row[0] == articles else State.FOREIGN


def database_prepare(
    *, server: str, name: str, articles: int, env: dict[str, str], state: State
) -> str:
    """Make `name` hold the demo content and N generated articles, analysed (or bring an
    existing archive up to date); the token of a subscriber."""
    reuse = state in (State.READY, State.UNMARKED)
    if reuse:
        print(f"Reusing the database {name}.")
    else:
        print(f"Preparing the database {name}: demo content and {articles:,} articles.")
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(DROP.format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            _mark(admin, name, PREPARING)
    started = time.monotonic()
    token, migrated = _setup(env, fill=not reuse, articles=articles)
    if state != State.READY or migrated:
        with psycopg.connect(_libpq(env["DATABASE_URL"]), autocommit=True) as conn:
            conn.execute("ANALYZE" if state == State.READY else "VACUUM ANALYZE")
    if state != State.READY:
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            _mark(admin, name, MARKER.format(articles=articles, seed=SEED))
        print(f"Prepared in {time.monotonic() - started:.0f} s.")
    return token


def _mark(admin: psycopg.Connection, name: str, text: str) -> None:
    admin.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text))
    )


def database_drop(*, server: str, name: str) -> None:
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(DROP.format(sql.Identifier(name)))


@dataclass(frozen=True)
class Archive:
    """What the cases ask for, looked up in the database."""

    published: int
    locked_slug: str
    free_slug: str
    rubric_slug: str
    size: str
    server_version: str

    def position(self, url: str, index: int) -> Position:
        with psycopg.connect(_libpq(url)) as conn:
            row = conn.execute(
                f"SELECT a.published_at, a.id FROM articles_article a WHERE {PUBLISHED} "
                "ORDER BY a.published_at DESC, a.id DESC OFFSET %s LIMIT 1",
                [index],
            ).fetchone()
        if row is None:
            raise CaseSkipped(f"no published article at position {index}")
        return Position(published_at=row[0], id=row[1])


def archive_read(url: str) -> Archive:
    with psycopg.connect(_libpq(url)) as conn:

        def one(query: str) -> Any:
            row = conn.execute(query).fetchone()
            if row is None:
                raise BenchError(f"the benchmark database has nothing for: {query}")
            return row[0]

        newest = f"FROM articles_article a WHERE {PUBLISHED} AND a.access = '{{}}' "
        order = "ORDER BY a.published_at DESC, a.id DESC LIMIT 1"
        return Archive(
            published=int(one(f"SELECT count(*) FROM articles_article a WHERE {PUBLISHED}")),
            locked_slug=str(one("SELECT a.slug " + newest.format("subscribers") + order)),
            free_slug=str(one("SELECT a.slug " + newest.format("free") + order)),
            rubric_slug=str(
                one(
                    "SELECT r.slug FROM articles_article a "
                    f"JOIN articles_rubric r ON r.id = a.rubric_id WHERE {PUBLISHED} {order}"
                )
            ),
            size=str(one("SELECT pg_size_pretty(pg_database_size(current_database()))")),
            server_version=str(one("SHOW server_version")),
        )


# --- The server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(*, database_url: str, captures: Path, redis_url: str | None) -> dict[str, str]:
    """Production's settings (DEBUG off, secrets from the environment) plus the ceilings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "imago.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: production sits behind a proxy that ends TLS.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "IMAGO_BENCH": "1",
        "IMAGO_BENCH_CAPTURES": str(captures),
        # A cache of this run's own: another archive's answers must not be served.
        "RESPONSE_CACHE_DIR": str(captures / "responses"),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path) -> Iterator[str]:
    """gunicorn serving the project as production does; yields its base URL."""
    port = free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "imago.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                *("--timeout", "30", "--graceful-timeout", "2"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # also the name of its captured response
    label: str
    path: str
    ceiling: str  # the bare-SQL ceiling's path
    subscriber: bool = False


CASE_NAMES = (
    "list",
    "deep",
    "rubric",
    "search",
    "briefs",
    "rss",
    "locked",
    "free",
    "subscriber-detail",
    "subscriber-list",
)


def cases_build(
    names: list[str], *, archive: Archive, base: str, database_url: str
) -> tuple[list[Case], list[str]]:
    """The cases asked for, and a note for each that cannot be measured on this archive."""
    api, sql_ceiling = "/api/v1/", "/bench/sql/"
    locked, free = archive.locked_slug, archive.free_slug
    known = {
        "list": Case(
            "list", "`articles/` first page", f"{api}articles/", f"{sql_ceiling}articles/"
        ),
        "rubric": Case(
            "rubric",
            "`articles/?rubric=` first page",
            f"{api}articles/?rubric={archive.rubric_slug}",
            f"{sql_ceiling}articles/?rubric={archive.rubric_slug}",
        ),
        "search": Case(
            "search",
            f"`articles/?q={SEARCH_WORD}`",
            f"{api}articles/?q={SEARCH_WORD}",
            f"{sql_ceiling}articles/?q={SEARCH_WORD}",
        ),
        "briefs": Case("briefs", "`briefs/`", f"{api}briefs/", f"{sql_ceiling}briefs/"),
        "rss": Case("rss", "RSS feed", "/feeds/articles/rss/", f"{sql_ceiling}feed/"),
        "locked": Case(
            "locked",
            "locked article, anonymous",
            f"{api}articles/{locked}/",
            f"{sql_ceiling}articles/{locked}/",
        ),
        "free": Case(
            "free", "free article", f"{api}articles/{free}/", f"{sql_ceiling}articles/{free}/"
        ),
        "subscriber-detail": Case(
            "subscriber-detail",
            "subscriber, full article",
            f"{api}articles/{locked}/",
            f"{sql_ceiling}articles/{locked}/",
            subscriber=True,
        ),
        "subscriber-list": Case(
            "subscriber-list",
            "subscriber, `articles/` first page",
            f"{api}articles/",
            f"{sql_ceiling}articles/",
            subscriber=True,
        ),
    }
    cases, notes = [], []
    for name in names:
        if name != "deep":
            cases.append(known[name])
            continue
        try:
            cases.append(_deep_case(archive=archive, base=base, database_url=database_url))
        except CaseSkipped as error:
            notes.append(f"Deep page not measured: {error}.")
    return cases, notes


def _deep_case(*, archive: Archive, base: str, database_url: str) -> Case:
    """The page 40% into the archive, reached the way the API pages: cursor or number."""
    response = requests.get(f"{base}/api/v1/articles/", timeout=120)
    if response.status_code != 200:
        raise CaseSkipped(f"the first page answered {response.status_code}")
    first = response.json()
    next_url, size = first.get("next"), len(first.get("results", []))
    if not next_url or not size:
        raise CaseSkipped("the list has a single page")
    start = int(archive.published * DEEP_SHARE)
    if "cursor=" in next_url:
        start = max(start, size)
        deep = archive.position(database_url, start - 1)
        after = archive.position(database_url, size - 1)
        url = deep_cursor_url(next_url, after=after, deep=deep)
        how = "cursor"
    elif "page=" in next_url:
        page = max(2, start // size + 1)
        start = (page - 1) * size
        deep = archive.position(database_url, start - 1)
        url = _with_query(next_url, page=str(page))
        how = f"page {page}"
    else:
        raise CaseSkipped(f"the first page's next link {next_url} has no cursor and no page")
    before = urlencode({"before": deep.published_at.isoformat(), "before_id": deep.id})
    return Case(
        "deep",
        f"deep page ({how}, article {start + 1:,} of {archive.published:,})",
        _path_of(url),
        f"/bench/sql/articles/?{before}",
    )


@dataclass(frozen=True)
class Measure:
    case: Case
    uncached: bool
    load: Load
    no_db: Load
    bare_sql: Load
    response_bytes: int


def _headers(case: Case, token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"} if case.subscriber else {}


def case_capture(base: str, case: Case, *, token: str, folder: Path) -> int:
    """Fetch the case's response (which fills the cache) and keep its bytes for the ceiling."""
    headers = _headers(case, token)
    response = requests.get(
        base + case.path, headers={**headers, "Accept-Encoding": "identity"}, timeout=120
    )
    if response.status_code != 200:
        raise CaseSkipped(f"{case.path} answered {response.status_code}: {response.text[:200]}")
    (folder / f"{case.name}.body").write_bytes(response.content)
    (folder / f"{case.name}.json").write_text(
        json.dumps(
            {
                "content_type": response.headers.get("Content-Type", "application/octet-stream"),
                "authorization": headers.get("Authorization", ""),
            }
        )
    )
    return len(response.content)


def _warm(url: str, headers: dict[str, str], times: int) -> None:
    for _ in range(times):
        requests.get(url, headers=headers, timeout=120)


def case_measure(
    base: str, case: Case, *, token: str, folder: Path, load: LoadSettings, workers: int
) -> list[Measure]:
    size = case_capture(base, case, token=token, folder=folder)
    headers = _headers(case, token)
    loads = {}
    for kind, path in (("no_db", f"/bench/captured/{case.name}/"), ("bare_sql", case.ceiling)):
        _warm(base + path, headers, workers)
        loads[kind] = wrk_run(base + path, headers=headers, load=load)
    variants = [{**headers}]
    if not case.subscriber:
        variants.append({**headers, "Cookie": UNCACHED_COOKIE})
    measures = []
    for variant in variants:
        _warm(base + case.path, variant, workers)
        measures.append(
            Measure(
                case=case,
                uncached="Cookie" in variant,
                load=wrk_run(base + case.path, headers=variant, load=load),
                response_bytes=size,
                **loads,
            )
        )
        print(_progress_line(measures[-1]), flush=True)
    return measures


def _progress_line(measure: Measure) -> str:
    load = measure.load
    return (
        f"  {_label(measure):60} {load.requests_per_second:8.1f} req/s  "
        f"p50 {load.p50_ms:7.1f} ms  p99 {load.p99_ms:7.1f} ms"
    )


# --- The report -----------------------------------------------------------------------


def _label(measure: Measure) -> str:
    return measure.case.label + (", uncached (a cookie)" if measure.uncached else "")


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _hits(load: Load) -> str:
    seen = load.hits + load.misses
    return f"{100 * load.hits / seen:.0f}% of {seen:,}" if seen else "–"


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def results_table(measures: list[Measure]) -> str:
    lines = [
        "| case | req/s | p50 ms | p99 ms | of no-DB ceiling | of bare-SQL ceiling "
        "| X-Cache hits | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in measures:
        load = m.load
        lines.append(
            f"| {_label(m)} | {load.requests_per_second:,.1f} | {_ms(load.p50_ms)} "
            f"| {_ms(load.p99_ms)} "
            f"| {_share(load.requests_per_second, m.no_db.requests_per_second)} "
            f"| {_share(load.requests_per_second, m.bare_sql.requests_per_second)} "
            f"| {_hits(load)} | {load.errors:,} |"
        )
    return "\n".join(lines)


def ceilings_table(measures: list[Measure]) -> str:
    lines = [
        "| case | request | bytes | no-DB req/s | p50 ms | p99 ms "
        "| bare-SQL req/s | p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    seen = set()
    for m in measures:
        if m.case.name in seen:
            continue
        seen.add(m.case.name)
        no_db, bare = m.no_db, m.bare_sql
        lines.append(
            f"| {m.case.label} | `{m.case.path}` | {m.response_bytes:,} "
            f"| {no_db.requests_per_second:,.1f} | {_ms(no_db.p50_ms)} | {_ms(no_db.p99_ms)} "
            f"| {bare.requests_per_second:,.1f} | {_ms(bare.p50_ms)} | {_ms(bare.p99_ms)} |"
        )
    return "\n".join(lines)


def machine_description() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return f"{os.cpu_count()} cores ({cpu or 'unknown CPU'}){memory}, load average {load:.1f}"


def _code_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit}{' with local changes' if dirty else ''}" if commit else "unknown"


@dataclass(frozen=True)
class RunInfo:
    articles: int
    archive: Archive
    database: str
    machine: str
    workers: int
    load: LoadSettings
    redis: bool
    started: dt.datetime


def report_markdown(info: RunInfo, measures: list[Measure], notes: list[str]) -> str:
    a, load = info.archive, info.load
    header = [
        f"## {info.started:%Y-%m-%d %H:%M} UTC: {info.articles:,} generated articles",
        "",
        f"- Data: `seed_articles {info.articles} --seed {SEED}` plus the demo content: "
        f"{a.published:,} published articles; database `{info.database}`, {a.size}, "
        f"PostgreSQL {a.server_version}.",
        f"- Machine: {info.machine} at the start.",
        f"- Server: gunicorn, {info.workers} sync workers, `DJANGO_DEBUG=0`; "
        + (
            "response cache and throttles in Redis"
            if info.redis
            else "response cache in files, throttles in the database"
        )
        + f"; code {_code_version()}.",
        f"- Load: `wrk -t{load.threads} -c{load.connections} -d{load.duration}s --latency` "
        "from the same machine, one case after the other; uncached: the same request with "
        f"`Cookie: {UNCACHED_COOKIE}`.",
        "- Ceilings, same server, same run: the same bytes from a view with no database "
        "(no-DB), and a view running the one SQL query the response needs (bare SQL).",
        "",
    ]
    body = [results_table(measures), "", ceilings_table(measures)]
    if notes:
        body += ["", *(f"- {note}" for note in notes)]
    return "\n".join([*header, *body, ""])


RESULTS_TITLE = (
    "# Load benchmark results\n\n"
    "Appended by `make bench` (bench/serve.py; see bench/README.md), newest last.\n"
)


def report_append(path: Path, report: str) -> None:
    text = path.read_text() if path.exists() else RESULTS_TITLE
    path.write_text(text.rstrip("\n") + "\n\n" + report)


# --- Main -----------------------------------------------------------------------------


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="generated articles")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers")
    parser.add_argument(
        "--redis",
        nargs="?",
        const=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        help="serve with the cache in Redis: this URL, else REDIS_URL (emptied at the start)",
    )
    parser.add_argument("--out", type=Path, help="append the report to this markdown file")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database for the next run (which reuses it instead of rebuilding)",
    )
    parser.add_argument("--database", help="database name (default imago_bench_<articles>)")
    parser.add_argument(
        "--cases",
        default=",".join(CASE_NAMES),
        help=f"comma-separated cases among {', '.join(CASE_NAMES)} (default: all)",
    )
    args = parser.parse_args(argv)
    args.cases = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = set(args.cases) - set(CASE_NAMES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    if min(args.articles, args.duration, args.connections, args.threads, args.workers) < 1:
        parser.error("--articles, --duration, --connections, --threads, --workers: 1 or more")
    args.database = args.database or f"imago_bench_{args.articles}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and underscores")
    return args


def bench_run(args: argparse.Namespace, *, server: str, state: State) -> str:
    """Prepare, serve, load every case; the markdown report."""
    database_url = _with_database(server, args.database)
    load = LoadSettings(duration=args.duration, connections=args.connections, threads=args.threads)
    started = dt.datetime.now(dt.UTC)
    machine = machine_description()
    with tempfile.TemporaryDirectory(prefix="imago-bench-") as tmp:
        folder = Path(tmp)
        env = server_env(database_url=database_url, captures=folder, redis_url=args.redis)
        token = database_prepare(
            server=server,
            name=args.database,
            articles=args.articles,
            env=env | {"DATABASE_STATEMENT_TIMEOUT": PREPARE_STATEMENT_TIMEOUT_MS},
            state=state,
        )
        archive = archive_read(database_url)
        with gunicorn(env, workers=args.workers, log=folder / "gunicorn.log") as base:
            cases, notes = cases_build(
                args.cases, archive=archive, base=base, database_url=database_url
            )
            print(f"Loading {len(cases)} cases, {args.duration} s per run:", flush=True)
            measures = []
            for case in cases:
                try:
                    measures += case_measure(
                        base, case, token=token, folder=folder, load=load, workers=args.workers
                    )
                except CaseSkipped as error:
                    notes.append(f"{case.label} not measured: {error}.")
    info = RunInfo(
        articles=args.articles,
        archive=archive,
        database=args.database,
        machine=machine,
        workers=args.workers,
        load=load,
        redis=bool(args.redis),
        started=started,
    )
    return report_markdown(info, measures, notes)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if shutil.which("wrk") is None:
        print(WRK_MISSING, file=sys.stderr)
        return 1
    server = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER
    try:
        state = database_state(server=server, name=args.database, articles=args.articles)
    except psycopg.Error as error:
        print(f"No PostgreSQL server to benchmark on at {server}: {error}", file=sys.stderr)
        return 1
    if state == State.FOREIGN:
        print(FOREIGN_DATABASE.format(name=args.database, articles=args.articles), file=sys.stderr)
        return 1
    try:
        report = bench_run(args, server=server, state=state)
    except (BenchError, psycopg.Error, requests.RequestException) as error:
        print(f"The benchmark stopped: {error}", file=sys.stderr)
        return 1
    finally:
        # A database this run built goes, unless asked to keep; one that was there stays.
        if not args.keep and state not in (State.READY, State.UNMARKED):
            database_drop(server=server, name=args.database)
    print()
    print(report)
    if args.out:
        report_append(args.out, report)
        print(f"Appended to {args.out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
