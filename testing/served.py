"""The project served by gunicorn with several workers, on a database of its own.

For what only shows across processes: concurrent writes, throttles shared between
workers, faults of the database, Redis or Stripe. Tests talk to it over HTTP only,
and read what it stored through `manage()` or their own connection to its database.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "served-tests-only-not-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_collected_static: str | None = None


def collected_static() -> str:
    """A STATIC_ROOT collected once per process for every app it serves.

    With DEBUG off the manifest storage renders `{% static %}` from the manifest that
    collectstatic writes (the site's stylesheet, the admin's, the docs'), and WhiteNoise
    serves the files from there, as in production.
    """
    global _collected_static
    if _collected_static is None:
        directory = tempfile.mkdtemp(prefix="imago-static-")
        atexit.register(shutil.rmtree, directory, True)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_"))},
            "DJANGO_SETTINGS_MODULE": "imago.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "STATIC_ROOT": directory,
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        _collected_static = directory
    return _collected_static


def postgres_url() -> str | None:
    """The PostgreSQL server the suite may use for served apps, if one answers."""
    url = os.environ.get("CI_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(_libpq(url), connect_timeout=2).close()
    except psycopg.Error:
        return None
    return url


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


def _with_address(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    credentials, _, _address = parts.netloc.rpartition("@")
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class ServedApp:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log: Path
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, timeout=kwargs.pop("timeout", 40), **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.url + path, timeout=kwargs.pop("timeout", 40), **kwargs)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a management command against the served app's database."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
        )

    def shell(self, code: str) -> str:
        """Run Python in a Django shell on the served app's database; its stdout."""
        return self.manage("shell", "-c", code).stdout

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_until_up(app: ServedApp, deadline: float) -> None:
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{app.logs()}")
        try:
            if app.get("/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in time:\n{app.logs()}")


@contextmanager
def served_app(
    *,
    database: str = "sqlite",
    workers: int = 4,
    threads: int = 1,
    env: dict[str, str] | None = None,
    demo: bool = False,
    database_port: int | None = None,
    port: int | None = None,
) -> Iterator[ServedApp]:
    """gunicorn serving the project with DEBUG off, on a fresh SQLite file or PostgreSQL db.

    `database` is "sqlite" (the embedded default) or "postgresql" (a throwaway database
    on the server `postgres_url()` finds; the caller skips when there is none).
    `database_port`: reach PostgreSQL through this port of 127.0.0.1 instead (a test's
    TCP proxy to the server, see tcp_proxy.py).
    `port`: serve on this port (`free_port()`), for settings that must name the app's own
    address (SITE_URL, where Stripe's Checkout sends the reader back).
    """
    with tempfile.TemporaryDirectory(prefix="imago-served-") as tmp:
        pg_admin = pg_name = None
        if database == "sqlite":
            database_url = f"sqlite:///{tmp}/db.sqlite3"
        else:
            pg_admin = postgres_url()
            if pg_admin is None:
                raise RuntimeError("no PostgreSQL server answers")
            pg_name = f"imago_served_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_libpq(pg_admin), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
            database_url = _with_database(pg_admin, pg_name)
            if database_port is not None:
                database_url = _with_address(database_url, "127.0.0.1", database_port)
        port = port or free_port()
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_"))},
            "DJANGO_SETTINGS_MODULE": "imago.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database_url,
            # Its own cache of anonymous reads: files of its own, or keys of its own in a
            # Redis that other apps (and earlier runs) share.
            "RESPONSE_CACHE_DIR": f"{tmp}/responses",
            "RESPONSE_CACHE_KEY_PREFIX": f"served-{uuid.uuid4().hex[:12]}",
            "EDITIONS_DIR": f"{tmp}/editions",
            "STATIC_ROOT": collected_static(),
            **(env or {}),
        }
        log = Path(tmp) / "gunicorn.log"
        try:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=ROOT,
                env=full_env,
                check=True,
                capture_output=True,
            )
            if demo:
                for command in ("load_demo", "load_demo_editions", "load_demo_club"):
                    subprocess.run(
                        [sys.executable, "manage.py", command],
                        cwd=ROOT,
                        env=full_env,
                        check=True,
                        capture_output=True,
                    )
            with log.open("w") as log_file:
                process = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "gunicorn", "imago.wsgi"),
                        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                        *("--threads", str(threads), "--timeout", "30"),
                        *("--graceful-timeout", "2"),
                    ],
                    cwd=ROOT,
                    env=full_env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            app = ServedApp(url=f"http://127.0.0.1:{port}", env=full_env, process=process, log=log)
            try:
                _wait_until_up(app, time.monotonic() + 30)
                yield app
            finally:
                if os.environ.get("IMAGO_SERVED_LOGS"):  # debugging a served test: show its logs
                    print(app.logs())
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            if pg_name is not None and pg_admin is not None:
                with psycopg.connect(_libpq(pg_admin), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
