"""bench/serve.py: reads wrk's report, reaches the deep page the API's own way, refuses to
run without wrk, and runs end to end on a small archive."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import uuid
from base64 import b64decode
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.pagination import Cursor, CursorPagination

from bench import serve
from testing.served import postgres_url

ROOT = Path(__file__).resolve().parents[2]
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

# What `wrk -t2 -c4 -d1s --latency -s count_cache.lua` prints.
WRK_REPORT = """\
Running 1s test @ http://127.0.0.1:8765/api/v1/articles/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.46ms    3.99ms  19.82ms   61.02%
    Req/Sec   382.62    137.45   717.00     61.90%
  Latency Distribution
     50%  850.00us
     75%    7.96ms
     90%   11.32ms
     99%    1.20s
  800 requests in 1.10s, 406.25KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    729.69
Transfer/sec:    370.54KB
X-Cache: hits 600, misses 200
"""


def test_wrk_report_is_read_with_its_units():
    """req/s, p50 and p99 in milliseconds whatever wrk's unit, errors of every kind, and
    the X-Cache counts of the Lua script."""
    load = serve.wrk_parse(WRK_REPORT)

    assert load == serve.Load(
        requests_per_second=729.69,
        p50_ms=0.85,
        p99_ms=1200.0,
        requests=800,
        errors=12,
        hits=600,
        misses=200,
    )


def test_wrk_report_without_figures_stops_the_benchmark():
    """An output this benchmark cannot read is an error, not a zero."""
    with pytest.raises(serve.BenchError):
        serve.wrk_parse("unable to connect to 127.0.0.1:1 Connection refused\n")


class _AlternatingCache(BaseHTTPRequestHandler):
    """Answers hit, miss, hit, miss… in X-Cache, like a cache filling up."""

    count = 0
    lock = threading.Lock()

    def do_GET(self):
        with self.lock:
            type(self).count += 1
            state = "hit" if self.count % 2 else "miss"
        self.send_response(HTTPStatus.OK)
        self.send_header("X-Cache", state)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@needs_wrk
def test_wrk_run_counts_cache_hits_and_misses_from_the_header():
    """The Lua script sees the X-Cache header of every response."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlternatingCache)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        load = serve.wrk_run(
            f"http://127.0.0.1:{server.server_port}/",
            headers={"Cookie": "bench=1"},
            load=serve.LoadSettings(duration=1, connections=2, threads=1),
        )
    finally:
        server.shutdown()
        server.server_close()

    assert load.requests > 10
    assert load.errors == 0
    assert load.hits + load.misses == load.requests
    assert abs(load.hits - load.misses) <= 2  # requests cut off by the end of the run


def _cursor(*, offset: int, position: str) -> Cursor:
    # DRF's stubs type the position as an int; DRF itself stores str() of the field.
    return Cursor(offset=offset, reverse=False, position=position)  # type: ignore[arg-type]


def _drf_next_link(position: dt.datetime) -> str:
    """The `next` link DRF's CursorPagination builds for a page ending at `position`."""
    paginator = CursorPagination()
    paginator.base_url = "http://127.0.0.1:8000/api/v1/articles/?rubric=imagerie"
    return paginator.encode_cursor(_cursor(offset=1, position=str(position)))


def _cursor_tokens(url: str) -> dict[str, list[str]]:
    query = parse_qs(urlsplit(url).query)
    return {**parse_qs(b64decode(query["cursor"][0]).decode()), "rubric": query["rubric"]}


def test_deep_cursor_holds_the_position_of_the_deep_article():
    """The first page's cursor, moved to the article 40% in, keeps DRF's encoding and the
    link's other parameters."""
    after = serve.Position(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), 1000)
    deep = serve.Position(dt.datetime(2022, 3, 1, 17, 35, tzinfo=dt.UTC), 400)

    url = serve.deep_cursor_url(_drf_next_link(after.published_at), after=after, deep=deep)

    assert _cursor_tokens(url) == {
        "o": ["1"],
        "p": ["2022-03-01 17:35:00+00:00"],
        "rubric": ["imagerie"],
    }


def test_deep_cursor_moves_a_composite_position_with_its_id():
    """A keyset cursor holding the date and the id gets both of the deep article."""
    after = serve.Position(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), 1000)
    deep = serve.Position(dt.datetime(2022, 3, 1, 17, 35, tzinfo=dt.UTC), 400)
    paginator = CursorPagination()
    paginator.base_url = "http://127.0.0.1:8000/api/v1/articles/"
    link = paginator.encode_cursor(
        _cursor(offset=0, position=f"{after.published_at.isoformat()}|1000")
    )

    url = serve.deep_cursor_url(link, after=after, deep=deep)

    query = parse_qs(urlsplit(url).query)
    assert parse_qs(b64decode(query["cursor"][0]).decode())["p"] == [
        "2022-03-01T17:35:00+00:00|400"
    ]


def test_deep_cursor_moves_the_api_cursor_to_the_deep_article():
    """The API's own keyset cursor (imago.pagination) gets the deep article's date and id."""
    from imago.pagination import Keyset

    after = serve.Position(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), 1000)
    deep = serve.Position(dt.datetime(2022, 3, 1, 17, 35, tzinfo=dt.UTC), 400)
    cursor = Keyset(published_at=after.published_at, id=after.id, backwards=False).encode()

    url = serve.deep_cursor_url(
        f"http://127.0.0.1:8000/api/v1/articles/?cursor={cursor}", after=after, deep=deep
    )

    moved = Keyset.decode(parse_qs(urlsplit(url).query)["cursor"][0])
    assert (moved.published_at, moved.id, moved.backwards) == (deep.published_at, 400, False)


def test_deep_cursor_without_the_position_skips_the_case():
    """A cursor that does not hold the first page's last article cannot be moved: the deep
    page is reported as not measured rather than measured somewhere else."""
    after = serve.Position(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), 1000)
    deep = serve.Position(dt.datetime(2022, 3, 1, 17, 35, tzinfo=dt.UTC), 400)
    link = _drf_next_link(dt.datetime(2001, 1, 1, tzinfo=dt.UTC))

    with pytest.raises(serve.CaseSkipped):
        serve.deep_cursor_url(link, after=after, deep=deep)


def _table(report: str, header: str) -> dict[str, list[str]]:
    """The rows of the markdown table that starts with `header`, by their first cell."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        rows[cells[0]] = cells[1:]
    return rows


def _bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/serve.py", *args],
        cwd=ROOT,
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_wrk_the_benchmark_says_how_to_install_it(tmp_path):
    """No wrk on the PATH: a non-zero exit that names the package to install."""
    env = {**os.environ, "PATH": str(tmp_path)}

    done = _bench("--articles", "10", "--duration", "1", env=env)

    assert done.returncode != 0
    assert "apt install wrk" in done.stderr


@needs_wrk
@pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers")
def test_benchmark_runs_end_to_end_on_a_small_archive(tmp_path):
    """50 articles, 1 s per run: an anonymous list and a subscriber's article are measured
    with both ceilings, appended to --out, and the throwaway database is dropped."""
    name = f"imago_bench_test_{uuid.uuid4().hex[:8]}"
    out = tmp_path / "results.md"
    env = {**os.environ, "BENCH_DATABASE_URL": postgres_url() or ""}
    env.pop("REDIS_URL", None)

    done = _bench(
        *("--articles", "50", "--duration", "1", "--connections", "2", "--threads", "1"),
        *("--cases", "list,subscriber-detail", "--database", name, "--out", str(out)),
        env=env,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = out.read_text()
    results = _table(report, "| case | req/s |")
    ceilings = _table(report, "| case | request |")
    for label in (
        "`articles/` first page",
        "`articles/` first page, uncached (a cookie)",
        "subscriber, full article",
    ):
        req_s, _p50, _p99, of_no_db, of_sql, _hits, errors = results[label]
        assert float(req_s.replace(",", "")) > 0
        assert of_no_db.endswith("%") and of_sql.endswith("%")
        assert errors == "0"
    for label in ("`articles/` first page", "subscriber, full article"):
        _path, size, no_db, *_no_db_p, bare_sql, _p50, _p99 = ceilings[label]
        assert int(size.replace(",", "")) > 0
        assert float(no_db.replace(",", "")) > float(bare_sql.replace(",", "")) > 0
    assert "50 generated articles" in report
    with serve.psycopg.connect(serve._libpq(postgres_url() or "")) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    assert left is None


@needs_wrk
@pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers")
def test_benchmark_leaves_a_database_it_did_not_make_alone():
    """A database of that name that is not a benchmark archive (someone's, maybe in use)
    is neither dropped nor rebuilt: the benchmark says so and stops."""
    name = f"imago_bench_test_{uuid.uuid4().hex[:8]}"
    admin = serve._libpq(postgres_url() or "")
    with serve.psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "BENCH_DATABASE_URL": postgres_url() or ""}
        done = _bench("--articles", "50", "--duration", "1", "--database", name, env=env)
        with serve.psycopg.connect(admin) as conn:
            left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    finally:
        with serve.psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert done.returncode == 1
    assert f"dropdb {name}" in done.stderr
    assert left == (1,)
