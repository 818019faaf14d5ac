"""What the background worker does besides running queued jobs: finding lost ones.

django-tasks-db marks a job `running` when a worker takes it and never looks at it
again: a worker killed mid-job leaves it so. The work itself therefore keeps its own
state (an outbound email, a mailing's deliveries) with a lease, and every worker
sweeps for work whose lease ran out and queues it again (settings.WORKER_SWEEPERS).
"""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def sweepers() -> list[Callable[..., int]]:
    return [import_string(path) for path in settings.WORKER_SWEEPERS]


def sweep() -> int:
    """Run every sweeper once; a failing one is logged and the others still run."""
    requeued = 0
    for sweeper in sweepers():
        try:
            requeued += sweeper()
        except Exception:
            logger.exception("Sweeper %s failed", sweeper.__qualname__)
    if requeued:
        logger.info("Queued again %d jobs whose worker was lost", requeued)
    return requeued


class Sweeper(threading.Thread):
    """Sweeps every `interval` seconds, beside the worker's loop, until the process ends."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="imago-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            close_old_connections()
            sweep()
            # Hold no connection (nor, on SQLite, any lock) while asleep.
            connection.close()
