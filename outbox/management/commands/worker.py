import os

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from outbox.worker import Sweeper, sweep


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: the queued jobs (django-tasks' database backend) and, "
        "every WORKER_SWEEP_SECONDS, a sweep that queues again the work of a worker that "
        "died. Start as many as the load needs; they share the queue safely."
    )

    def handle(self, *args, **options):
        # With --reload, the parent process only watches files: its child does the work.
        working = not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if working:
            sweep()
            if not options["batch"]:
                Sweeper(settings.WORKER_SWEEP_SECONDS).start()
        return super().handle(*args, **options)
