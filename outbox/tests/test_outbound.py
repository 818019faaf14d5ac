"""Transactional email: queued once, sent once by the real worker to a real SMTP server."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox import services
from outbox.composers import composed_from_templates, composer
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db


@composer("tests.hello")
def hello(*, name: str):
    if name == "nobody":
        return None  # nothing left to say
    return composed_from_templates("outbox/tests/hello", {"name": name})


def queue(key="hello:1", name="Marie", to="marie@example.org"):
    return services.email_queue(key=key, composer="tests.hello", to=to, context={"name": name})


def test_a_queued_message_reaches_the_smtp_server_in_text_and_html(smtp_server):
    queue()
    assert smtp_server.messages == []  # nothing is sent inside the request

    worker_drain()

    [received] = smtp_server.messages
    assert received.to == "marie@example.org"
    assert received.subject == "Bonjour Marie"
    assert "ceci est un message de Docteur Imago" in received.text
    assert "<p>Bonjour Marie, ceci est un message de Docteur Imago.</p>" in received.html
    outbound = OutboundEmail.objects.get()
    assert outbound.status == OutboundEmail.Status.SENT
    assert received.message["Message-ID"] == outbound.message_id


def test_the_same_key_queued_twice_is_one_message(smtp_server):
    queue()
    queue()

    worker_drain()

    assert len(smtp_server.messages) == 1
    assert OutboundEmail.objects.count() == 1


def test_a_job_run_twice_sends_once(smtp_server):
    outbound = queue()
    # The same job queued again (a replayed webhook, a sweep racing a slow worker).
    services._enqueue(outbound.pk)

    worker_drain()

    assert len(smtp_server.messages) == 1
    assert DBTaskResult.objects.count() == 2


def test_a_refused_message_is_kept_and_retried_later(smtp_server):
    smtp_server.refusing.set()
    outbound = queue()

    worker_drain()

    outbound.refresh_from_db()
    assert smtp_server.messages == []
    assert outbound.status == OutboundEmail.Status.PENDING
    assert outbound.attempts == 1
    assert "451" in outbound.last_error
    assert outbound.due_at > timezone.now()
    # The retry is queued for later, not lost.
    assert DBTaskResult.objects.ready().count() == 0
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    smtp_server.refusing.clear()
    assert services.outbound_send(outbound_id=outbound.pk, at=outbound.due_at) == "sent"
    assert len(smtp_server.messages) == 1


def test_a_message_refused_at_every_attempt_is_given_up(smtp_server, settings):
    settings.MAIL_MAX_ATTEMPTS = 1
    smtp_server.refusing.set()
    outbound = queue()

    worker_drain()

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.FAILED
    assert DBTaskResult.objects.filter(status="READY").count() == 0


def test_a_message_whose_worker_died_is_sent_by_the_next_worker(smtp_server):
    outbound = queue()
    # A worker took it and was killed before recording the result: the row stays
    # `sending`, its job `running`, and its lease runs out.
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundEmail.Status.SENDING, due_at=timezone.now() - dt.timedelta(seconds=1)
    )
    DBTaskResult.objects.update(status="RUNNING")

    worker_drain()  # a new worker sweeps when it starts

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT
    [received] = smtp_server.messages
    assert received.message["Message-ID"] == outbound.message_id


def test_a_message_within_its_workers_lease_is_left_alone(smtp_server):
    outbound = queue()
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundEmail.Status.SENDING, due_at=timezone.now() + dt.timedelta(minutes=5)
    )
    DBTaskResult.objects.update(status="RUNNING")

    worker_drain()

    assert smtp_server.messages == []


def test_a_message_with_nothing_left_to_say_is_dropped(smtp_server):
    outbound = queue(name="nobody")

    worker_drain()

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.DROPPED
    assert smtp_server.messages == []


def test_an_unknown_message_is_refused_when_queued():
    with pytest.raises(LookupError):
        services.email_queue(key="x", composer="tests.nothing", to="a@example.org")
    assert OutboundEmail.objects.count() == 0
