"""A mailing to N generated readers, sent by the real worker through a real SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/imago_bench_mailing \\
        .venv/bin/python bench/mailing.py --recipients 10000 --out bench/results.md

1. Prepares the database DATABASE_URL names: on PostgreSQL it is created on its server
   (marked with COMMENT ON DATABASE) and dropped at the end unless --keep; an existing
   database without the mark is someone's and is never touched. Without a PostgreSQL
   DATABASE_URL, a SQLite file of the run's own. Then `migrate`, and in bulk: N readers
   with a verified address subscribed to one newsletter, a third of them with access
   (complimentary), and a mailing of two articles: one for subscribers (its full text
   to them, its teaser to the others), one free.
2. Starts an SMTP server (aiosmtpd, in this process, counting what it accepts) and one
   `manage.py worker` (DEBUG off, MAILING_BATCH_SIZE as set, default 200), and waits
   until the worker is idle.
3. Sends the mailing now, as the admin's "Envoyer maintenant" does (the deliveries and
   the job, `mailing_schedule`), and waits until the mailing is marked sent.
4. Checks that every reader received exactly one message, and prints (and appends to
   --out) the time, messages a second, and the worker's peak memory (VmHWM) and CPU.

Linux only (the worker's memory and CPU are read from /proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARK = "imago mailing bench"
SECRET_KEY = "bench-only-not-secret"


# --- The SMTP server ------------------------------------------------------------------


@dataclass
class Counting:
    """aiosmtpd's handler: accepts every message and keeps who it was for, and when."""

    recipients: Counter = field(default_factory=Counter)
    first_at: float | None = None
    last_at: float | None = None
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            self.recipients.update(envelope.rcpt_tos)
            self.bytes += len(envelope.content)
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 2.0.0 Message accepted for delivery"

    @property
    def count(self) -> int:
        return sum(self.recipients.values())


# --- The database ---------------------------------------------------------------------


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@contextmanager
def bench_database(url: str, *, keep: bool):
    """The database to run on: made here and marked, or a SQLite file of the run's own."""
    if not url.startswith(("postgres://", "postgresql://")):
        with tempfile.TemporaryDirectory(prefix="imago-mailing-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = _libpq(urlunsplit(parts._replace(path="/postgres")))
    with psycopg.connect(server, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] != MARK:
            raise SystemExit(f"Database {name} exists and is not this benchmark's: left alone.")
        if row is not None:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(MARK))
        )
    try:
        yield url
    finally:
        if not keep:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def setup_django(database_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="imago.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_DEBUG="0",
        DATABASE_URL=database_url,
    )
    import django

    django.setup()


def seed(recipients: int) -> int:
    """N verified readers of one newsletter (a third with access) and a mailing; its id."""
    from django.utils import timezone

    from accounts.models import User, email_canonical
    from articles.models import Article
    from articles.tests.factories import ArticleFactory
    from newsletters.models import Mailing, MailingArticle, Newsletter, NewsletterSubscription
    from subscriptions.models import Subscription

    now = timezone.now()
    newsletter = Newsletter.objects.create(name="La lettre du radiologue", slug="lettre")
    emails = [f"lecteur{i:06d}@bench.example.org" for i in range(recipients)]
    User.objects.bulk_create(
        [
            User(email=e, email_key=email_canonical(e), password="!", email_verified_at=now)
            for e in emails
        ],
        batch_size=2000,
    )
    ids = list(User.objects.filter(email__in=emails).order_by("pk").values_list("pk", flat=True))
    NewsletterSubscription.objects.bulk_create(
        [
            NewsletterSubscription(user_id=pk, newsletter=newsletter, subscribed_at=now)
            for pk in ids
        ],
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        [
            Subscription(
                user_id=pk,
                source=Subscription.Source.COMPLIMENTARY,
                status=Subscription.Status.ACTIVE,
            )
            for pk in ids[::3]
        ],
        batch_size=2000,
    )
    locked: Article = ArticleFactory(  # type: ignore[assignment]  # factory_boy is untyped
        title="Ce que l’IA change au CHU", slug="ia-au-chu"
    )
    free: Article = ArticleFactory(  # type: ignore[assignment]
        title="Le point sur l’IRM",
        slug="point-irm",
        access=Article.Access.FREE,
        body="Un article gratuit, lu en entier par tous.\n\n" * 20,
    )
    mailing = Mailing.objects.create(
        newsletter=newsletter,
        subject="Cette semaine : l’IA à l’hôpital",
        introduction="Bonjour,\n\nVoici **l’essentiel** de la semaine.",
    )
    MailingArticle.objects.bulk_create(
        [
            MailingArticle(mailing=mailing, article=locked, position=0),
            MailingArticle(mailing=mailing, article=free, position=1),
        ]
    )
    return mailing.pk


# --- The worker -----------------------------------------------------------------------


def proc_status(pid: int, key: str) -> int:
    """A field of /proc/<pid>/status in kB (VmHWM: peak resident memory, VmRSS: now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"),
                *("--interval", "0.2", "-v", "0"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# --- The run --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = proc_meminfo("MemTotal")
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "ram_gib": round(memory / 1024 / 1024, 1) if memory else None,
    }


def proc_meminfo(key: str) -> int:
    path = Path("/proc/meminfo")
    if not path.exists():
        return 0
    for line in path.read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "?"


def run(args: argparse.Namespace) -> str:
    from aiosmtpd.controller import Controller

    from outbox.tests.smtp import free_port

    url = os.environ.get("DATABASE_URL", "")
    with (
        bench_database(url, keep=args.keep) as database_url,
        tempfile.TemporaryDirectory(prefix="imago-mailing-bench-") as tmp,
    ):
        setup_django(database_url)
        from django.core.management import call_command
        from django.db import connection

        from newsletters import services
        from newsletters.models import Delivery, Mailing

        print(f"Preparing {args.recipients} readers on {connection.vendor}…", flush=True)
        call_command("migrate", "--noinput", verbosity=0)
        mailing_id = seed(args.recipients)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as a live database would be: with its statistics
        version = database_version()
        connection.close()

        handler = Counting()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "imago.settings",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "RESPONSE_CACHE_DIR": f"{tmp}/responses",
        }
        if args.batch_size:
            env["MAILING_BATCH_SIZE"] = str(args.batch_size)
        log = Path(tmp) / "worker.log"
        worker = start_worker(env, log)
        try:
            time.sleep(args.settle)  # started and idle: its start-up is not measured
            if worker.poll() is not None:
                raise SystemExit(f"The worker stopped:\n{log.read_text()}")
            idle_kib = proc_status(worker.pid, "VmRSS")
            cpu_before = cpu_seconds(worker.pid)
            load_before = os.getloadavg()

            clicked = time.monotonic()
            services.mailing_schedule(mailing=Mailing.objects.get(pk=mailing_id))
            scheduled = time.monotonic()
            deadline = clicked + args.timeout
            while Mailing.objects.get(pk=mailing_id).status != Mailing.Status.SENT:
                if worker.poll() is not None:
                    raise SystemExit(f"The worker stopped:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"Not sent after {args.timeout} s ({handler.count} sent).")
                time.sleep(0.2)
            done = time.monotonic()
            peak_kib = proc_status(worker.pid, "VmHWM")
            cpu = cpu_seconds(worker.pid) - cpu_before
            load_after = os.getloadavg()
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
            controller.stop()

        statuses = Counter(
            Delivery.objects.filter(mailing_id=mailing_id).values_list("status", flat=True)
        )
        twice = [address for address, n in handler.recipients.items() if n > 1]
        exactly_once = (
            len(handler.recipients) == args.recipients
            and not twice
            and statuses == {"sent": args.recipients}
        )
        connection.close()

    total = done - clicked
    sending = (handler.last_at or done) - (handler.first_at or clicked)
    host = machine()
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: a mailing to {args.recipients:,} "
        "readers (bench/mailing.py)",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| recipients (a third with access) | {args.recipients:,} |",
        f"| messages accepted by the SMTP server | {handler.count:,} |",
        f"| every reader exactly one message | {'yes' if exactly_once else 'NO'} |",
        f"| deliveries by status | {dict(statuses)} |",
        f"| send clicked → mailing marked sent | {total:.1f} s |",
        f"| of which deliveries created and job queued | {scheduled - clicked:.2f} s |",
        f"| first → last message at the server | {sending:.1f} s |",
        f"| messages a second (click to done) | {args.recipients / total:,.0f} |",
        f"| worker peak memory (VmHWM) | {peak_kib / 1024:.0f} MiB "
        f"(idle before: {idle_kib / 1024:.0f} MiB) |",
        f"| worker CPU time | {cpu:.1f} s |",
        f"| mean message size | {handler.bytes / max(handler.count, 1) / 1024:.1f} KiB |",
        "",
        f"One worker, MAILING_BATCH_SIZE {args.batch_size or 200}, {version}, the SMTP server "
        "(aiosmtpd, accepting everything) in the benchmark's process on the same machine; "
        f"{host['cores']} cores ({host['cpu']}), {host['ram_gib']} GiB RAM; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; commit {commit()}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=0, help="MAILING_BATCH_SIZE (200)")
    parser.add_argument("--out", type=Path, help="append the results to this markdown file")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds for the worker to start")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    report = run(args)
    print(report)
    if args.out:
        with args.out.open("a") as out:
            out.write("\n" + report)
    return 0 if "| every reader exactly one message | yes |" in report else 1


if __name__ == "__main__":
    sys.exit(main())
