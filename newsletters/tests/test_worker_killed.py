"""A worker killed mid-mailing, then another started: every recipient is mailed exactly once.

Real `manage.py worker` processes, one after the other, on a database they share with
this test (a throwaway PostgreSQL database when DATABASE_URL names a PostgreSQL server,
else a SQLite file), sending to this test's real SMTP server. The server holds one
message of the first batch unanswered, so the SIGKILL lands mid-batch every time: some
messages accepted and recorded, one on the wire, the others claimed and never tried.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg

from testing.served import ROOT, SECRET_KEY

from .smtp import MailingSmtpServer

RECIPIENTS = 12
BATCH = 5
HELD = 2  # the third message of the first batch

SEED = f"""
import json
from articles.tests.factories import ArticleFactory
from newsletters import services
from newsletters.models import Delivery
from newsletters.tests.factories import MailingFactory, NewsletterFactory, subscribe
newsletter = NewsletterFactory(slug="hebdo")
for i in range({RECIPIENTS}):
    subscribe(newsletter, subscriber=i % 3 == 0, email=f"lecteur{{i:02d}}@example.org")
mailing = MailingFactory(newsletter=newsletter, articles=[ArticleFactory()])
services.mailing_schedule(mailing=mailing)
deliveries = Delivery.objects.filter(mailing=mailing).order_by("pk")
print(json.dumps(list(deliveries.values_list("email", flat=True))))
"""


def wants_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@contextmanager
def shared_database() -> Iterator[dict[str, str]]:
    """The environment of processes sharing one fresh, migrated database."""
    with tempfile.TemporaryDirectory(prefix="imago-mailing-") as tmp:
        admin = name = None
        if wants_postgresql():
            # The server DATABASE_URL names, reached through its maintenance database.
            admin = f"{os.environ['DATABASE_URL'].rpartition('/')[0]}/postgres"
            name = f"imago_mailing_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_libpq(admin), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = f"{admin.rpartition('/')[0]}/{name}"
        else:
            url = f"sqlite:///{tmp}/db.sqlite3"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_"))},
            "DJANGO_SETTINGS_MODULE": "imago.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": url,
            "RESPONSE_CACHE_DIR": f"{tmp}/responses",
            "IMAGO_TMP": tmp,
        }
        try:
            manage(env, "migrate", "--noinput", "-v0")
            yield env
        finally:
            if admin is not None and name is not None:
                with psycopg.connect(_libpq(admin), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def shell(env: dict[str, str], code: str):
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def stored(env: dict[str, str]) -> dict:
    """The mailing's status and its deliveries, read from the shared database with SQL."""
    url = env["DATABASE_URL"]
    connection = (
        sqlite3.connect(url.removeprefix("sqlite:///"))
        if url.startswith("sqlite")
        else psycopg.connect(_libpq(url))
    )
    with closing(connection):
        [(mailing,)] = connection.execute("SELECT status FROM newsletters_mailing").fetchall()
        deliveries = connection.execute(
            "SELECT email, status, message_id FROM newsletters_delivery"
        ).fetchall()
    return {"mailing": mailing, "deliveries": {row[0]: [row[1], row[2]] for row in deliveries}}


def worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"),
                *("--interval", "0.2"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not after {timeout} s\n{log.read_text(errors='replace')}")


def test_a_worker_killed_mid_mailing_and_another_started_mail_everyone_exactly_once():
    with MailingSmtpServer() as smtp, shared_database() as env:
        inbox = smtp.inbox
        env = {
            **env,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "60",
            "MAILING_BATCH_SIZE": str(BATCH),
            # A killed worker's batch is taken back after its lease: seconds, not minutes.
            "MAIL_LEASE_SECONDS": "3",
            "WORKER_SWEEP_SECONDS": "1",
        }
        log = Path(env["IMAGO_TMP"]) / "workers.log"
        order = shell(env, SEED)
        assert len(order) == RECIPIENTS
        held = inbox.hold(order[HELD])

        first = worker(env, log)
        try:
            wait_for(held.arrived.is_set, timeout=60, what="the held message", log=log)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        held.release(accept=False)  # never accepted: the connection died waiting

        # The kill landed mid-batch: what the server accepted is recorded sent, the held
        # message and the rest of its batch are still claimed, the other batches waiting.
        first_batch, held_email = order[:BATCH], order[HELD]
        accepted = [m.to for m in inbox.messages]
        assert accepted and held_email not in accepted and set(accepted) < set(first_batch)
        state = stored(env)
        statuses = {email: state["deliveries"][email][0] for email in order}
        assert {email for email, status in statuses.items() if status == "sent"} == set(accepted)
        assert {email for email, status in statuses.items() if status == "sending"} == set(
            first_batch
        ) - set(accepted)
        assert {email for email, status in statuses.items() if status == "pending"} == set(
            order[BATCH:]
        )
        assert state["mailing"] == "sending"

        second = worker(env, log)
        try:
            wait_for(
                lambda: len(inbox.messages) >= RECIPIENTS,
                timeout=60,
                what="every message",
                log=log,
            )
            wait_for(
                lambda: stored(env)["mailing"] == "sent",
                timeout=30,
                what="the mailing marked sent",
                log=log,
            )
            time.sleep(1.5)  # a sweep or two more: still nothing sent twice
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(timeout=10)
            except subprocess.TimeoutExpired:
                second.kill()

        assert Counter(m.to for m in inbox.messages) == Counter(order)  # each exactly once
        state = stored(env)
        for received in inbox.messages:
            status, message_id = state["deliveries"][received.to]
            assert status == "sent"
            assert received.message["Message-ID"] == message_id
