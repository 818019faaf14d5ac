from django_tasks import task

from . import services


@task()
def mailing_send(mailing_id: int) -> str:
    """Send the next batch of a mailing (and queue the one after)."""
    return services.mailing_batch_send(mailing_id=mailing_id)
