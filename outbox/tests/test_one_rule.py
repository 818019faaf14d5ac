"""One rule for every message the site sends, account e-mails and newsletters alike:
an SMTP 5xx is permanent (failed at once, never retried); a 4xx, or a server that
cannot be reached, is retried later, MAIL_MAX_ATTEMPTS attempts at most.

Through the real worker and a real SMTP server that refuses as told.
"""

from http import HTTPStatus

import pytest
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from articles.tests.factories import ArticleFactory
from newsletters import services as newsletters
from newsletters.models import Delivery, Mailing
from newsletters.tests.factories import MailingFactory, NewsletterFactory, subscribe
from newsletters.tests.smtp import MailingSmtpServer
from outbox import services as outbox
from outbox.models import OutboundEmail
from outbox.tests.smtp import free_port, smtp_serving
from outbox.tests.worker import worker_drain

pytestmark = pytest.mark.django_db

ADDRESS = "lea@example.org"


@pytest.fixture
def smtp(settings):
    with smtp_serving(settings, MailingSmtpServer) as inbox:
        yield inbox


def register() -> OutboundEmail:
    """A reader registers: the verification e-mail is queued, and the worker runs."""
    response = APIClient().post(
        "/api/v1/auth/register/", {"email": ADDRESS, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED
    worker_drain()
    return OutboundEmail.objects.get(to=ADDRESS)


def mail_newsletter(address: str = ADDRESS) -> tuple[Mailing, Delivery]:
    newsletter = NewsletterFactory()
    subscribe(newsletter, email=address)
    mailing = MailingFactory.create(newsletter=newsletter, articles=[ArticleFactory()])
    newsletters.mailing_schedule(mailing=mailing)
    worker_drain()
    return mailing, Delivery.objects.get(mailing=mailing)


def retries_queued() -> int:
    return DBTaskResult.objects.filter(status="READY").count()


def test_an_account_email_refused_5xx_fails_at_once_and_is_never_retried(smtp):
    smtp.refused_addresses = {ADDRESS}  # 550 5.1.1 at RCPT TO

    outbound = register()

    assert smtp.messages == []
    assert outbound.status == OutboundEmail.Status.FAILED
    assert outbound.attempts == 1
    assert "550" in outbound.last_error
    assert retries_queued() == 0


def test_a_newsletter_delivery_refused_5xx_fails_at_once_and_is_never_retried(smtp):
    smtp.refused_addresses = {ADDRESS}

    mailing, delivery = mail_newsletter()

    assert smtp.messages == []
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "550" in delivery.error
    assert retries_queued() == 0
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_an_account_email_refused_4xx_is_retried_then_given_up_after_the_last_attempt(
    smtp, settings
):
    settings.MAIL_MAX_ATTEMPTS = 3
    smtp.refusing.set()  # 451 4.3.0 at DATA

    outbound = register()
    for attempt in (1, 2):
        assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.PENDING, attempt)
        assert "451" in outbound.last_error
        # Each refusal queued its retry for later (this test runs them at their time).
        assert retries_queued() == attempt
        outbox.outbound_send(outbound_id=outbound.pk, at=outbound.due_at)
        outbound.refresh_from_db()

    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.FAILED, 3)
    assert retries_queued() == 2  # none after the last
    assert smtp.messages == []


def test_a_newsletter_delivery_refused_4xx_is_retried_then_given_up_after_the_last_attempt(
    smtp, settings
):
    settings.MAIL_MAX_ATTEMPTS = 3
    smtp.refusing.set()

    mailing, delivery = mail_newsletter()
    for attempt in (1, 2):
        assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, attempt)
        assert "451" in delivery.error
        assert retries_queued() == attempt
        assert delivery.lease_until is not None
        newsletters.mailing_batch_send(mailing_id=mailing.pk, at=delivery.lease_until)
        delivery.refresh_from_db()

    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert retries_queued() == 2
    assert smtp.messages == []
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_server_that_cannot_be_reached_is_retried_for_both(smtp, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there: connection refused

    outbound = register()
    mailing, delivery = mail_newsletter("marc@example.org")

    assert outbound.status == OutboundEmail.Status.PENDING
    assert delivery.status == Delivery.Status.PENDING
    assert retries_queued() == 2

    settings.EMAIL_PORT = port  # the server is back
    outbox.outbound_send(outbound_id=outbound.pk, at=outbound.due_at)
    assert delivery.lease_until is not None
    newsletters.mailing_batch_send(mailing_id=mailing.pk, at=delivery.lease_until)

    outbound.refresh_from_db()
    delivery.refresh_from_db()
    assert (outbound.status, delivery.status) == ("sent", "sent")
    assert [received.to for received in smtp.messages] == [ADDRESS, "marc@example.org"]
