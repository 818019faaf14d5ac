"""Writes: readers' choices, sending a mailing in batches, unsubscribing, erasing.

Sending. `mailing_schedule` stores one Delivery per recipient (unique per mailing and
reader) and queues the job, both or neither. Each run of the job claims a batch of
deliveries with a lease and a fencing token (`pending` → `sending`), queues the next
run when more remain (so every worker shares a large mailing), and sends the batch
through the outbox's delivery engine (outbox/delivery.py: one SMTP connection, the
lease extended as it goes, a row sent only while it bears the batch's token), marking
each message `sent` as soon as the server accepts it. A worker killed mid-batch
loses its lease's worth of deliveries: another job takes them back when the lease ends
(`mailing_stalled_requeue`, run by every worker's sweep). A message the server accepted
just before the crash, and not yet marked, is sent again, with the same Message-ID
(mail clients show it once); nothing else ever reaches a reader twice.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from articles import reading
from imago.exceptions import DomainError
from outbox import delivery
from outbox.composers import Composed
from outbox.delivery import Letter
from outbox.models import OutboundEmail
from outbox.sending import message_id_for
from outbox.services import email_queue
from subscriptions.access import has_access

from . import rendering, selectors
from .models import Delivery, Mailing, Newsletter, NewsletterSubscription

logger = logging.getLogger(__name__)

UNKNOWN_NEWSLETTER = "Newsletter inconnue : « {slug} »."
EMAIL_UNVERIFIED = (
    "Confirmez d'abord votre adresse e-mail : les newsletters ne partent que vers une "
    "adresse vérifiée."
)
SUBSCRIBERS_ONLY = "La newsletter « {name} » est réservée aux abonnés."
MAILING_ALREADY_SENT = "Cet envoi est déjà parti : il ne peut plus être programmé."
MAILING_EMPTY = (
    "Ajoutez une introduction, au moins un article ou un numéro à annoncer avant d'envoyer."
)
EDITION_NOT_OUT = "Le numéro {number} ne paraîtra pas avant l'heure de l'envoi."
SEND_AT_PAST = "Choisissez une date d'envoi à venir."
ARTICLE_NOT_PUBLISHED = "L'article « {title} » ne sera pas publié à l'heure de l'envoi."
NOT_CANCELLABLE = "Seul un envoi programmé, pas encore commencé, peut être annulé."
GIVEN_UP = "Abandonné : l'envoi a été interrompu {attempts} fois."

# "Now" as an editor means it: a date a little in the past is a slow form, not a mistake.
SEND_AT_TOLERANCE = dt.timedelta(minutes=5)

Status = Delivery.Status


# --- Readers' choices ---------------------------------------------------------------


def newsletter_choices_set(*, user: User, slugs: Iterable[str], at: datetime | None = None) -> None:
    """Make `slugs` the active newsletters `user` receives: join those, leave the others.

    Joining needs a verified address, and access for a subscribers-only newsletter;
    leaving needs neither. Everything is checked before anything is stored.
    """
    at = at or timezone.now()
    wanted = list(dict.fromkeys(slugs))
    newsletters = {n.slug: n for n in Newsletter.objects.filter(active=True, slug__in=wanted)}
    for slug in wanted:
        if slug not in newsletters:
            raise DomainError(UNKNOWN_NEWSLETTER.format(slug=slug), code="unknown_newsletter")
    subscribed = selectors.subscribed_newsletter_ids(user=user)
    joining = [n for n in newsletters.values() if n.pk not in subscribed]
    entitled: bool | None = None
    for newsletter in joining:
        if newsletter.audience == Newsletter.Audience.SUBSCRIBERS and entitled is None:
            entitled = has_access(user, at=at)
        why = selectors.newsletter_unavailable(newsletter, user=user, entitled=entitled)
        if why == "email_unverified":
            raise DomainError(EMAIL_UNVERIFIED, code="email_unverified", status_code=403)
        if why == "subscribers_only":
            raise DomainError(
                SUBSCRIBERS_ONLY.format(name=newsletter.name),
                code="subscription_required",
                status_code=403,
            )
    with transaction.atomic():
        NewsletterSubscription.objects.filter(
            user=user, unsubscribed_at__isnull=True, newsletter__active=True
        ).exclude(newsletter__slug__in=wanted).update(unsubscribed_at=at)
        for newsletter in joining:
            _subscribe(user=user, newsletter=newsletter, at=at)


def _subscribe(*, user: User, newsletter: Newsletter, at: datetime) -> None:
    # Two requests of one reader at once: one row either way (the unique constraint).
    NewsletterSubscription.objects.bulk_create(
        [NewsletterSubscription(user=user, newsletter=newsletter, subscribed_at=at)],
        ignore_conflicts=True,
    )
    NewsletterSubscription.objects.filter(
        user=user, newsletter=newsletter, unsubscribed_at__isnull=False
    ).update(unsubscribed_at=None, subscribed_at=at)


def newsletter_unsubscribe(*, token: str, at: datetime | None = None) -> Newsletter | None:
    """Leave the newsletter an unsubscribe link names; the newsletter, if it still exists.

    Idempotent: a provider's one-click POST, then the reader's own click, both succeed.
    """
    user_id, newsletter_id = selectors.unsubscribe_link_read(token)
    NewsletterSubscription.objects.filter(
        user_id=user_id, newsletter_id=newsletter_id, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=at or timezone.now())
    return Newsletter.objects.filter(pk=newsletter_id).first()


def reader_erase(user: User) -> None:
    """Forget the reader's newsletters (RGPD erasure): choices deleted, no address kept.

    Deliveries stay, with neither address nor account, so that past reports still add
    up; any still waiting for this reader will not be sent.
    """
    with transaction.atomic():
        NewsletterSubscription.objects.filter(user=user).delete()
        Delivery.objects.filter(user=user, status__in=[Status.PENDING, Status.SENDING]).update(
            status=Status.SKIPPED, lease_until=None
        )
        Delivery.objects.filter(user=user).update(email="", user=None)


# --- Sending ------------------------------------------------------------------------


def _enqueue(mailing_id: int, *, run_after: datetime | None = None) -> None:
    from .tasks import mailing_send

    task = mailing_send.using(run_after=run_after) if run_after else mailing_send
    task.enqueue(mailing_id)


def mailing_schedule(
    *, mailing: Mailing, send_at: datetime | None = None, at: datetime | None = None
) -> int:
    """Send `mailing` at `send_at` (now when None); how many readers it is for so far.

    Stores one delivery per current recipient and queues the job that sends it, both or
    neither. Readers who join before it goes are added when it starts; those who leave,
    lose their verified address or (subscribers only) their access are skipped then.
    """
    at = at or timezone.now()
    send_at = send_at or at
    if send_at < at - SEND_AT_TOLERANCE:
        raise DomainError(SEND_AT_PAST, code="send_at_past")
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().select_related("newsletter").get(pk=mailing.pk)
        if locked.status not in (
            Mailing.Status.DRAFT,
            Mailing.Status.SCHEDULED,
            Mailing.Status.CANCELLED,
        ):
            raise DomainError(MAILING_ALREADY_SENT, code="mailing_sent", status_code=409)
        if (
            not locked.introduction.strip()
            and not locked.items.exists()
            and locked.edition_id is None
        ):
            raise DomainError(MAILING_EMPTY, code="mailing_empty")
        if locked.edition and locked.edition.published_at > max(send_at, at):
            raise DomainError(
                EDITION_NOT_OUT.format(number=locked.edition.number), code="not_published"
            )
        unpublished = selectors.articles_unpublished_at(mailing=locked, at=max(send_at, at))
        if unpublished:
            raise DomainError(
                ARTICLE_NOT_PUBLISHED.format(title=unpublished[0].title), code="not_published"
            )
        Mailing.objects.filter(pk=locked.pk).update(
            status=Mailing.Status.SCHEDULED,
            send_at=send_at,
            job_due_at=send_at,
            started_at=None,
            finished_at=None,
            updated_at=at,
        )
        count = _deliveries_create(mailing=locked, at=at)
        _enqueue(locked.pk, run_after=send_at if send_at > at else None)
    mailing.refresh_from_db()
    return count


def _deliveries_create(*, mailing: Mailing, at: datetime) -> int:
    """One delivery per recipient at `at` that has none yet, in bulk."""
    rows = list(
        selectors.recipients(newsletter=mailing.newsletter, at=at).values_list("pk", "email")
    )
    Delivery.objects.bulk_create(
        [Delivery(mailing_id=mailing.pk, user_id=pk, email=email) for pk, email in rows],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return Delivery.objects.filter(mailing_id=mailing.pk).count()


def mailing_cancel(*, mailing: Mailing) -> None:
    """Call off a scheduled mailing that has not started: nobody will receive it."""
    with transaction.atomic():
        if not Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SCHEDULED).update(
            status=Mailing.Status.CANCELLED, job_due_at=None, updated_at=timezone.now()
        ):
            raise DomainError(NOT_CANCELLABLE, code="not_cancellable", status_code=409)
        # Never sent: nothing to report. Its job, when its time comes, finds it cancelled.
        Delivery.objects.filter(mailing=mailing).delete()
    mailing.refresh_from_db()


def mailing_test_send(*, mailing: Mailing, to: User, kind: str) -> OutboundEmail:
    """Send `mailing` to a member of staff now, as `kind` of reader receives it.

    Through the outbox, as a test: no delivery, nothing counted in the report.
    """
    selectors.preview_reader(kind)  # an unknown kind is a bug: fail now
    return email_queue(
        key=f"mailing-test:{mailing.pk}:{uuid.uuid4().hex}",
        composer="newsletters.mailing_test",
        to=to.email,
        context={"mailing_id": mailing.pk, "user_id": to.pk, "kind": kind},
    )


def _mailing_start(*, mailing_id: int, at: datetime) -> Mailing | None:
    """The mailing, moved from scheduled to sending if its time has come."""
    with transaction.atomic():
        started = Mailing.objects.filter(
            pk=mailing_id, status=Mailing.Status.SCHEDULED, send_at__lte=at
        ).update(status=Mailing.Status.SENDING, started_at=at, job_due_at=at, updated_at=at)
        mailing = Mailing.objects.select_related("newsletter").filter(pk=mailing_id).first()
        if started and mailing is not None:
            _deliveries_create(mailing=mailing, at=at)
    return mailing


def mailing_batch_send(*, mailing_id: int, at: datetime | None = None) -> str:
    """Send the next batch of the mailing, if it is sending; say what was done."""
    at = at or timezone.now()
    mailing = _mailing_start(mailing_id=mailing_id, at=at)
    if mailing is None:
        return "gone"
    if mailing.status != Mailing.Status.SENDING:
        return f"not sending: {mailing.status}"
    token = delivery.fencing_token()
    batch = _batch_claim(mailing=mailing, at=at, token=token)
    outcome = (
        _batch_send(mailing=mailing, batch=batch, at=at, token=token)
        if batch
        else "nothing to claim"
    )
    _finish_if_done(mailing=mailing)
    return outcome


def _abandoned_give_up(*, at: datetime, mailing_id: int | None = None) -> None:
    """Deliveries whose job died MAIL_MAX_ATTEMPTS times (a worker killed, an error) fail.

    Without this, a message that kills its worker every time would be taken back for ever.
    """
    abandoned = Delivery.objects.filter(
        status=Status.SENDING, lease_until__lt=at, attempts__gte=settings.MAIL_MAX_ATTEMPTS
    )
    if mailing_id is not None:
        abandoned = abandoned.filter(mailing_id=mailing_id)
    abandoned.update(
        status=Status.FAILED,
        lease_until=None,
        error=GIVEN_UP.format(attempts=settings.MAIL_MAX_ATTEMPTS),
    )


def _claimable(at: datetime) -> Q:
    return Q(status=Status.PENDING) & (Q(lease_until__isnull=True) | Q(lease_until__lte=at)) | Q(
        status=Status.SENDING, lease_until__lt=at
    )


def _batch_claim(*, mailing: Mailing, at: datetime, token: str) -> list[Delivery]:
    """Take the next batch for this worker, under `token`, until its lease ends; queue
    the next batch.

    On PostgreSQL, rows another worker is claiming are skipped, not waited for; on
    SQLite the transaction holds the one write lock.
    """
    _abandoned_give_up(at=at, mailing_id=mailing.pk)
    claimable = Delivery.objects.filter(_claimable(at), mailing=mailing)
    with transaction.atomic():
        ids = list(
            claimable.order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.MAILING_BATCH_SIZE]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(
            status=Status.SENDING,
            lease_until=delivery.lease_end(at),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
        Mailing.objects.filter(pk=mailing.pk).update(job_due_at=at)
        if claimable.exists():
            _enqueue(mailing.pk)
    return list(Delivery.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def _batch_send(*, mailing: Mailing, batch: list[Delivery], at: datetime, token: str) -> str:
    newsletter = mailing.newsletter
    mine = Delivery.objects.filter(status=Status.SENDING, lease_token=token)
    users = [delivery.user for delivery in batch if delivery.user is not None]
    # Who may read what, decided by articles.reading for the whole batch at once (one
    # query for their entitlements), and who still receives the newsletter.
    readers = reading.readers_for(users, at=at)
    subscribed = selectors.subscribed_among(
        newsletter=newsletter, user_ids=[user.pk for user in users]
    )
    subscribers_only = newsletter.audience == Newsletter.Audience.SUBSCRIBERS
    sendable = [
        (delivery, delivery.user)
        for delivery in batch
        if delivery.user is not None
        and delivery.user.pk in subscribed
        and (readers[delivery.user.pk].entitlement is not None or not subscribers_only)
    ]
    kept = {delivery.pk for delivery, _user in sendable}
    gone = [delivery.pk for delivery in batch if delivery.pk not in kept]
    mine.filter(pk__in=gone).update(status=Status.SKIPPED, lease_until=None)
    if not sendable:
        return f"skipped {len(gone)}"

    # One rendering for every recipient who may read the same articles.
    # (What opens to them, and whether the announced edition is theirs already.)
    groups: dict[tuple[Q, bool], list[tuple[Delivery, User]]] = {}
    for delivery_row, user in sendable:
        reader = readers[user.pk]
        key = (reading.readable_q(reader, at=at), reading.opens_archive(reader, at=at))
        groups.setdefault(key, []).append((delivery_row, user))

    letters: list[Letter[Delivery]] = []
    for members in groups.values():
        reader = readers[members[0][1].pk]
        shared = rendering.mailing_composed(
            mailing=mailing,
            newsletter=newsletter,
            articles=selectors.mailing_articles(mailing=mailing, reader=reader, at=at),
            edition=selectors.mailing_edition(mailing=mailing, reader=reader, at=at),
        )
        for delivery_row, user in members:
            delivery_row.email = user.email
            letters.append(
                Letter(
                    row=delivery_row,
                    to=user.email,
                    message_id=message_id_for(f"mailing:{mailing.pk}:{user.pk}"),
                    compose=_personal(shared, user_id=user.pk, newsletter_id=newsletter.pk),
                )
            )
    tally = delivery.deliver(letters, ledger=_Deliveries(mailing=mailing, mine=mine))
    return f"{tally}, skipped {len(gone)}"


def _personal(shared: Composed, *, user_id: int, newsletter_id: int) -> Callable[[], Composed]:
    def compose() -> Composed:
        return rendering.personal(
            shared,
            unsubscribe_url=rendering.unsubscribe_url(user_id=user_id, newsletter_id=newsletter_id),
        )

    return compose


class _Deliveries:
    """A batch's record of its deliveries; `mine`: the rows this claim still holds."""

    def __init__(self, *, mailing: Mailing, mine: QuerySet[Delivery]) -> None:
        self.mailing = mailing
        self.mine = mine
        self.heartbeat = delivery.Heartbeat()

    def hold(self, letter: Letter[Delivery], rest: Sequence[Letter[Delivery]]) -> bool:
        lease_until = delivery.lease_end(timezone.now())
        if self.heartbeat.due():  # the rest of the batch, still to send: still this worker's
            self.mine.filter(pk__in=[other.row.pk for other in rest]).update(
                lease_until=lease_until
            )
        return bool(self.mine.filter(pk=letter.row.pk).update(lease_until=lease_until))

    def sent(self, letter: Letter[Delivery], composed: Composed) -> None:
        # Sent is sent, even if the lease ran out meanwhile: recorded so, nobody resends it.
        Delivery.objects.filter(pk=letter.row.pk).update(
            status=Status.SENT,
            email=letter.to,
            message_id=letter.message_id,
            sent_at=timezone.now(),
            lease_until=None,
            error="",
        )

    def dropped(self, letter: Letter[Delivery]) -> None:
        self.mine.filter(pk=letter.row.pk).update(status=Status.SKIPPED, lease_until=None)

    def refused(self, letter: Letter[Delivery], error: Exception) -> None:
        self.mine.filter(pk=letter.row.pk).update(
            status=Status.FAILED, email=letter.to, lease_until=None, error=str(error)[:2000]
        )

    def deferred(
        self,
        *,
        tried: Letter[Delivery] | None,
        untried: Sequence[Letter[Delivery]],
        error: Exception,
    ) -> None:
        """The server is in trouble: pause the whole mailing, and try again later.

        The message tried counts an attempt (given up after MAIL_MAX_ATTEMPTS); the
        others of the batch were never tried and keep theirs. A server that cannot be
        reached at all (`tried` None) counts one for the whole batch, which only spaces
        the retries: nobody is given up for it.
        """
        logger.warning("Mailing %s paused: %s", self.mailing.pk, error)
        attempts = max(
            (letter.row.attempts for letter in [*untried, *([tried] if tried else [])]),
            default=1,
        )
        retry_at = timezone.now() + delivery.retry_delay(attempts)
        with transaction.atomic():
            if tried is None:
                self.mine.filter(pk__in=[letter.row.pk for letter in untried]).update(
                    status=Status.PENDING, lease_until=None, error=str(error)[:2000]
                )
            else:
                self.mine.filter(pk__in=[letter.row.pk for letter in untried]).update(
                    status=Status.PENDING, lease_until=None, attempts=F("attempts") - 1
                )
                if delivery.given_up(tried.row.attempts):
                    self.refused(tried, error)
                else:
                    self.mine.filter(pk=tried.row.pk).update(
                        status=Status.PENDING, lease_until=None, error=str(error)[:2000]
                    )
            # Nothing of this mailing goes before then, not even the batches already queued;
            # nothing left waiting (the one tried given up), no retry.
            if Delivery.objects.filter(mailing=self.mailing, status=Status.PENDING).update(
                lease_until=retry_at
            ):
                Mailing.objects.filter(pk=self.mailing.pk).update(job_due_at=retry_at)
                _enqueue(self.mailing.pk, run_after=retry_at)


def _finish_if_done(*, mailing: Mailing) -> None:
    """Mark the mailing sent once no delivery waits; the last batch to end sees it."""
    if Delivery.objects.filter(
        mailing=mailing, status__in=[Status.PENDING, Status.SENDING]
    ).exists():
        return
    now = timezone.now()
    Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
        status=Mailing.Status.SENT, finished_at=now, job_due_at=None, updated_at=now
    )


def mailing_stalled_requeue(*, at: datetime | None = None) -> int:
    """Queue again the mailings whose job was lost: a worker killed, or its job gone.

    A mailing with deliveries still `sending` past their worker's lease, or scheduled or
    sending with no job run for a whole lease past when one was due. Queuing one job
    too many costs nothing: a job finds nothing left to claim.
    """
    at = at or timezone.now()
    lease = dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    _abandoned_give_up(at=at)
    unfinished = [Mailing.Status.SCHEDULED, Mailing.Status.SENDING]
    abandoned = Delivery.objects.filter(status=Status.SENDING, lease_until__lt=at)
    stalled = Q(status__in=unfinished) & (
        Q(job_due_at__lt=at - lease) | Q(pk__in=abandoned.values("mailing_id"))
    )
    requeued = 0
    for mailing_id in list(Mailing.objects.filter(stalled).values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            if not Mailing.objects.filter(stalled, pk=mailing_id).update(job_due_at=at):
                continue  # another worker's sweep took it
            # Due again from now: the next sweep leaves them to this job for a lease.
            abandoned.filter(mailing_id=mailing_id).update(
                status=Status.PENDING, lease_until=None, lease_token=""
            )
            _enqueue(mailing_id)
            requeued += 1
    return requeued
