"""Transactional email: queued with the change that causes it, sent once by the worker
(through the delivery engine, outbox/delivery.py, that mailings use too)."""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import delivery
from .composers import Composed, composer_named
from .delivery import Letter
from .models import OutboundEmail
from .sending import message_id_for


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


def _claim(outbound_id: int, *, at: dt.datetime) -> int | None:
    """Take the message for this worker until its lease ends: one sender at a time.

    The attempt number it takes is the claim's fencing token: `attempts` only grows, so
    a message taken back by the sweep and claimed again has another one, and the worker
    that lost it cannot send it (outbox.delivery).
    """
    due = Q(status=OutboundEmail.Status.PENDING, due_at__lte=at) | Q(
        status=OutboundEmail.Status.SENDING, due_at__lt=at
    )
    with transaction.atomic():
        claimed = OutboundEmail.objects.filter(due, pk=outbound_id).update(
            status=OutboundEmail.Status.SENDING,
            due_at=delivery.lease_end(at),
            attempts=F("attempts") + 1,
            updated_at=at,
        )
        if not claimed:
            return None
        return OutboundEmail.objects.values_list("attempts", flat=True).get(pk=outbound_id)


class _Outbox:
    """The outbox's record of one message claimed with attempt number `attempts`."""

    def __init__(self, outbound: OutboundEmail) -> None:
        self.outbound = outbound
        self.mine = OutboundEmail.objects.filter(
            pk=outbound.pk, status=OutboundEmail.Status.SENDING, attempts=outbound.attempts
        )

    def hold(self, letter: Letter[OutboundEmail], rest: Sequence[Letter[OutboundEmail]]) -> bool:
        now = timezone.now()
        return bool(self.mine.update(due_at=delivery.lease_end(now), updated_at=now))

    def sent(self, letter: Letter[OutboundEmail], composed: Composed) -> None:
        # Sent is sent, even if the lease ran out meanwhile: recorded so, nobody resends it.
        OutboundEmail.objects.filter(pk=self.outbound.pk).update(
            status=OutboundEmail.Status.SENT,
            subject=composed.subject[:300],
            sent_at=timezone.now(),
            last_error="",
            updated_at=timezone.now(),
        )

    def dropped(self, letter: Letter[OutboundEmail]) -> None:
        self.mine.update(status=OutboundEmail.Status.DROPPED, updated_at=timezone.now())

    def refused(self, letter: Letter[OutboundEmail], error: Exception) -> None:
        self._failed(error, retry=False)

    def deferred(
        self,
        *,
        tried: Letter[OutboundEmail] | None,
        untried: Sequence[Letter[OutboundEmail]],
        error: Exception,
    ) -> None:
        self._failed(error, retry=not delivery.given_up(self.outbound.attempts))

    def _failed(self, error: Exception, *, retry: bool) -> None:
        now = timezone.now()
        retry_at = now + delivery.retry_delay(self.outbound.attempts) if retry else None
        with transaction.atomic():
            if (
                self.mine.update(
                    status=OutboundEmail.Status.PENDING if retry else OutboundEmail.Status.FAILED,
                    due_at=retry_at or now,
                    last_error=str(error)[:2000],
                    updated_at=now,
                )
                and retry_at
            ):
                _enqueue(self.outbound.pk, run_after=retry_at)


def outbound_send(*, outbound_id: int, at: dt.datetime | None = None) -> str:
    """Send one queued message if it is still due; say what became of it."""
    at = at or timezone.now()
    if _claim(outbound_id, at=at) is None:
        return "not due"
    outbound = OutboundEmail.objects.get(pk=outbound_id)
    letter = Letter(
        row=outbound,
        to=outbound.to,
        message_id=outbound.message_id,
        compose=lambda: composer_named(outbound.composer)(**outbound.context),
    )
    delivery.deliver([letter], ledger=_Outbox(outbound))
    return OutboundEmail.objects.values_list("status", flat=True).get(pk=outbound_id)


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
