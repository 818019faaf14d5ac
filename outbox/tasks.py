from django_tasks import task

from . import services


@task()
def outbound_email_send(outbound_id: int) -> str:
    return services.outbound_send(outbound_id=outbound_id)
