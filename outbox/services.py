"""Transactional email: queued with the change that causes it, sent once by the worker."""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .composers import composer_named
from .models import OutboundEmail
from .sending import email_message, message_id_for

logger = logging.getLogger(__name__)

# A failed send is tried again after 1, 5, 25 and 125 minutes, then given up.
RETRY_BASE_MINUTES = 1
RETRY_FACTOR = 5
# What the SMTP layer raises for a server that refuses, drops or cannot be reached.
SEND_FAILURES = (smtplib.SMTPException, OSError)


def email_queue(
    *, key: str, composer: str, to: str, context: dict | None = None, at: dt.datetime | None = None
) -> OutboundEmail:
    """Ask the worker to send message `composer` to `to`, once for this `key`.

    The job is stored in the same transaction as the change that asks for it (the task
    queue lives in the database): it exists if and only if that change committed.
    """
    at = at or timezone.now()
    composer_named(composer)  # an unknown name is a bug: fail now, not in the worker
    with transaction.atomic():
        outbound, created = OutboundEmail.objects.get_or_create(
            key=key,
            defaults={
                "composer": composer,
                "to": to,
                "context": context or {},
                "due_at": at,
                "message_id": message_id_for(key),
            },
        )
        if created:
            _enqueue(outbound.pk)
    return outbound


def _enqueue(outbound_id: int, *, run_after: dt.datetime | None = None) -> None:
    from .tasks import outbound_email_send

    task = outbound_email_send.using(run_after=run_after) if run_after else outbound_email_send
    task.enqueue(outbound_id)


def _claim(outbound_id: int, *, at: dt.datetime) -> bool:
    """Take the message for this worker until its lease ends: one sender at a time.

    A message left `sending` past its lease belonged to a worker that died: it is taken
    again, and may reach its recipient twice under the same Message-ID (a crash between
    the server's acceptance and our record of it cannot be told from one before).
    """
    due = Q(status=OutboundEmail.Status.PENDING, due_at__lte=at) | Q(
        status=OutboundEmail.Status.SENDING, due_at__lt=at
    )
    return bool(
        OutboundEmail.objects.filter(due, pk=outbound_id).update(
            status=OutboundEmail.Status.SENDING,
            due_at=at + dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=at,
        )
    )


def outbound_send(*, outbound_id: int, at: dt.datetime | None = None) -> str:
    """Send one queued message if it is still due; say what became of it."""
    at = at or timezone.now()
    if not _claim(outbound_id, at=at):
        return "not due"
    outbound = OutboundEmail.objects.get(pk=outbound_id)
    composed = composer_named(outbound.composer)(**outbound.context)
    if composed is None:
        OutboundEmail.objects.filter(pk=outbound_id).update(
            status=OutboundEmail.Status.DROPPED, updated_at=timezone.now()
        )
        return OutboundEmail.Status.DROPPED
    try:
        email_message(composed, to=outbound.to, message_id=outbound.message_id).send()
    except SEND_FAILURES as error:
        return _failed(outbound, error)
    OutboundEmail.objects.filter(pk=outbound_id).update(
        status=OutboundEmail.Status.SENT,
        subject=composed.subject[:300],
        sent_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )
    return OutboundEmail.Status.SENT


def _failed(outbound: OutboundEmail, error: Exception) -> str:
    logger.warning("Email %s to %s failed: %s", outbound.key, outbound.to, error)
    now = timezone.now()
    if outbound.attempts >= settings.MAIL_MAX_ATTEMPTS:
        status, retry_at = OutboundEmail.Status.FAILED, None
    else:
        status = OutboundEmail.Status.PENDING
        delay = RETRY_BASE_MINUTES * RETRY_FACTOR ** (outbound.attempts - 1)
        retry_at = now + dt.timedelta(minutes=delay)
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=status, due_at=retry_at or now, last_error=str(error)[:2000], updated_at=now
        )
        if retry_at:
            _enqueue(outbound.pk, run_after=retry_at)
    return status


def outbound_stalled_requeue(*, at: dt.datetime | None = None) -> int:
    """Queue again the messages whose job was lost: its worker killed, or its task gone.

    Pending past due by a whole lease (a queued job would have run by then), or sending
    past the lease of the worker that took it.
    """
    at = at or timezone.now()
    lease = dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    stalled = Q(status=OutboundEmail.Status.PENDING, due_at__lt=at - lease) | Q(
        status=OutboundEmail.Status.SENDING, due_at__lt=at
    )
    requeued = 0
    for outbound_id in list(
        OutboundEmail.objects.filter(stalled).values_list("pk", flat=True)[:1000]
    ):
        with transaction.atomic():
            # Due again from now: the next sweep leaves it to this job for a whole lease.
            if OutboundEmail.objects.filter(stalled, pk=outbound_id).update(
                status=OutboundEmail.Status.PENDING, due_at=at, updated_at=at
            ):
                _enqueue(outbound_id)
                requeued += 1
    return requeued


def outbound_erase(user) -> int:
    """Forget the messages of an account being deleted (settings.ACCOUNT_ERASERS).

    The outbox keeps a log of what was sent to whom; for a deleted account the "whom"
    goes: the address and the context (which may hold addresses) are emptied, and what
    was still to be sent is dropped. The rows stay, counted, without anyone in them.
    Takes the user as it still is: its address, and its id in the contexts.
    """
    mine = OutboundEmail.objects.filter(Q(to__iexact=user.email) | Q(context__user_id=user.pk))
    mine.filter(status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.SENDING]).update(
        status=OutboundEmail.Status.DROPPED, updated_at=timezone.now()
    )
    return mine.update(to="", context={}, updated_at=timezone.now())
