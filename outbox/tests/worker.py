from django.core.management import call_command


def worker_drain() -> None:
    """Run the real worker until the queue is empty, in this process (and transaction)."""
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
