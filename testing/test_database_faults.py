"""Faults of the database, played for real against the app served by gunicorn.

PostgreSQL is reached through a TCP proxy of the test's own (the machine's server is
shared: never stopped nor paused) that goes down, hangs, and comes back. On SQLite
and PostgreSQL, a lock is held past the statement timeout. Every request that needs
the database answers 503 JSON `database_unavailable` (never HTML, never a worker killed
at 30 s), a write cut off half-way leaves nothing, and the app recovers when the
database does, with no restart. Anonymous reads stored before the fault are still
served from their cache.
"""

import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from testing.served import ServedApp, postgres_url, served_app
from testing.tcp_proxy import tcp_proxy
from testing.test_concurrency import DATABASES, PASSWORD, UNTHROTTLED, stored

# Short timeouts keep the test short: connect 2 s; a statement 2 s, after which the
# client gives the server one more second. A request that meets a kept connection
# and then a new one both hanging gives up in about 5 s.
FAST_TIMEOUTS = {"DATABASE_CONNECT_TIMEOUT": "2", "DATABASE_STATEMENT_TIMEOUT": "2000"}
WITHIN_SECONDS = 10  # a third of gunicorn's worker timeout

needs_postgresql = pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers")


def timed(method: str, url: str, **kwargs) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = requests.request(method, url, timeout=40, **kwargs)
    return response, time.monotonic() - start


def assert_database_unavailable(response: requests.Response, seconds: float, *, api=True):
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.text[:300]
    assert seconds < WITHIN_SECONDS
    assert "<html" not in response.text.lower()
    if api:
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["code"] == "database_unavailable"


def register(app: ServedApp, email: str) -> requests.Response:
    return requests.post(
        app.url + "/api/v1/auth/register/",
        json={"email": email, "password": PASSWORD},
        timeout=40,
    )


def accounts_for(app: ServedApp, emails: list[str]) -> list[list]:
    """[email, has a token] for each account of these emails the app's database holds."""
    return stored(
        app,
        "import json; from accounts.models import User; "
        f"print(json.dumps([[u.email, hasattr(u, 'auth_token')] "
        f"for u in User.objects.filter(email__in={emails!r}).order_by('email')]))",
    )


@dataclass
class Probe:
    """A request made while the database fails, and what it answers once it is back."""

    name: str
    method: str
    path: str
    recovered: int
    api: bool = True
    headers: dict = field(default_factory=dict)
    register: bool = False  # a new email at each call


def probes(app: ServedApp) -> list[Probe]:
    me = register(app, "moi@example.org").json()["token"]
    leaving = register(app, "depart@example.org").json()["token"]
    session = {"Cookie": "sessionid=une-session-inconnue"}
    return [
        Probe("articles", "GET", "/api/v1/articles/", HTTPStatus.OK),
        # The session middleware looks the cookie up: a failure outside DRF's views.
        Probe(
            "articles with a session", "GET", "/api/v1/articles/", HTTPStatus.OK, headers=session
        ),
        Probe("me", "GET", "/api/v1/me/", HTTPStatus.OK, headers={"Authorization": f"Token {me}"}),
        # A DRF view that opens its own transaction, and one run in the request's.
        Probe("register", "POST", "/api/v1/auth/register/", HTTPStatus.CREATED, register=True),
        Probe(
            "logout",
            "POST",
            "/api/v1/auth/logout/",
            HTTPStatus.NO_CONTENT,
            headers={"Authorization": f"Token {leaving}"},
        ),
        Probe("healthz", "GET", "/healthz", HTTPStatus.OK),
        Probe("feed", "GET", "/feeds/articles/rss/", HTTPStatus.OK, api=False),
        Probe("admin", "GET", "/admin/", HTTPStatus.FOUND, api=False, headers=session),
    ]


def run_probes(app: ServedApp, every: list[Probe]) -> list[tuple[Probe, requests.Response, float]]:
    """Every probe at once, each on a worker thread of its own."""

    def run(probe: Probe) -> tuple[requests.Response, float]:
        body = {"email": f"sonde-{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD}
        return timed(
            probe.method,
            app.url + probe.path,
            headers=probe.headers,
            json=body if probe.register else None,
            allow_redirects=False,
        )

    with ThreadPoolExecutor(max_workers=len(every)) as pool:
        answers = list(pool.map(run, every))
    return [(probe, *answer) for probe, answer in zip(every, answers, strict=True)]


@contextmanager
def postgresql_lock(app: ServedApp, table: str) -> Iterator[psycopg.Connection]:
    """Hold an exclusive lock on a table of the served app's database, from outside it."""
    url = urlsplit(app.env["DATABASE_URL"])._replace(scheme="postgresql")
    direct = postgres_url()
    assert direct is not None
    address = urlsplit(direct).netloc  # the server itself, not the test's proxy
    with psycopg.connect(url._replace(netloc=address).geturl()) as conn:
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield conn
        conn.rollback()


def wait_for_lock_waiters(conn: psycopg.Connection, count: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with psycopg.connect(conn.info.dsn, autocommit=True) as watcher:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
        if waiting and waiting[0] >= count:
            return
        time.sleep(0.1)
    raise AssertionError("the registration never reached the locked table")


@needs_postgresql
@pytest.mark.parametrize("fault", ["down", "hung"])
def test_a_failing_database_answers_503_json_quickly_and_the_app_recovers(fault):
    server = postgres_url()
    assert server is not None
    address = urlsplit(server)
    with (
        tcp_proxy(address.hostname or "127.0.0.1", address.port or 5432) as proxy,
        served_app(
            database="postgresql",
            workers=4,
            threads=2,
            env={**FAST_TIMEOUTS, **UNTHROTTLED},
            demo=True,
            database_port=proxy.port,
        ) as app,
    ):
        every = probes(app)
        # Stored in the cache of anonymous reads (the probes' reads are not).
        working = requests.get(app.url + "/api/v1/rubrics/", timeout=10)

        # A registration has written its user and waits to write its token when the
        # database fails: it must leave neither.
        halfway = f"a-mi-chemin-{fault}@example.org"
        with postgresql_lock(app, "authtoken_token") as lock, ThreadPoolExecutor(1) as pool:
            interrupted = pool.submit(
                timed,
                "POST",
                app.url + "/api/v1/auth/register/",
                json={"email": halfway, "password": PASSWORD},
            )
            wait_for_lock_waiters(lock, 1)
            proxy.down() if fault == "down" else proxy.hang()
            cut_off, cut_off_seconds = interrupted.result()
        during = run_probes(app, every)
        kept = requests.get(app.url + "/api/v1/rubrics/", timeout=10)

        proxy.up()
        after = run_probes(app, every)
        left = accounts_for(app, [halfway])

    assert working.status_code == HTTPStatus.OK
    assert_database_unavailable(cut_off, cut_off_seconds)
    assert left == []  # neither the user nor its token
    for probe, response, seconds in during:
        assert_database_unavailable(response, seconds, api=probe.api)
    if fault == "down":  # refused at once: no timeout to wait for
        assert max(seconds for _, _, seconds in during) < 2
    # An anonymous read stored before the fault is served from the cache without it.
    assert (kept.status_code, kept.headers["X-Cache"]) == (HTTPStatus.OK, "hit")
    assert kept.content == working.content
    assert [(p.name, r.status_code) for p, r, _ in after] == [(p.name, p.recovered) for p in every]


@contextmanager
def writes_held(app: ServedApp, database: str) -> Iterator[None]:
    """Hold up the app's writes from outside: SQLite's write lock, or PostgreSQL's token table."""
    if database == "sqlite":
        path = app.env["DATABASE_URL"].removeprefix("sqlite:///")
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    else:
        with postgresql_lock(app, "authtoken_token"):
            yield


@pytest.mark.parametrize("database", DATABASES)
def test_a_write_held_up_past_the_statement_timeout_answers_503_and_writes_nothing(database):
    # Four workers: two held up, and free ones for the read.
    with served_app(
        database=database, workers=4, env={**FAST_TIMEOUTS, **UNTHROTTLED}, demo=True
    ) as app:
        leaving = {"Authorization": f"Token {register(app, 'depart@example.org').json()['token']}"}
        with writes_held(app, database), ThreadPoolExecutor(3) as pool:
            blocked = [
                pool.submit(
                    timed,
                    "POST",
                    app.url + "/api/v1/auth/register/",
                    json={"email": "bloquee@example.org", "password": PASSWORD},
                ),
                pool.submit(timed, "POST", app.url + "/api/v1/auth/logout/", headers=leaving),
            ]
            read, read_seconds = timed("GET", app.url + "/api/v1/articles/")
            held = [future.result() for future in blocked]
        registered = register(app, "bloquee@example.org")
        logged_out = requests.post(app.url + "/api/v1/auth/logout/", headers=leaving, timeout=40)

    for response, seconds in held:
        assert_database_unavailable(response, seconds)
        assert seconds >= 2  # it waited its turn for the statement timeout first
    # Reads run outside any transaction: a writer holding the lock does not hold them up.
    assert read.status_code == HTTPStatus.OK
    assert read_seconds < 2
    # The held-up registration left nothing behind: the same email registers now.
    assert registered.status_code == HTTPStatus.CREATED
    assert logged_out.status_code == HTTPStatus.NO_CONTENT
