from unittest import mock

from django.core.management import call_command


def worker_drain() -> None:
    """Run the real worker until the queue is empty, in this process (and transaction).

    Between jobs the worker drops connections that are no longer fit for use, as a
    long-running process should; the test's own connection, held in the test's
    transaction, looks like one of those and would be closed (PostgreSQL), so that one
    step is left out here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
