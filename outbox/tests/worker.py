from unittest import mock

from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


def worker_drain() -> None:
    """Run the real worker until the queue is empty, in this process (and transaction)."""
    # As it wakes, the worker closes connections Django deems obsolete; inside a test's
    # transaction (autocommit off) the connection looks so, and closing it would end the
    # test's transaction on PostgreSQL (SQLite's in-memory test database ignores a close).
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
