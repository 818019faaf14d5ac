"""Sending a mailing: one message per recipient, through the real worker and a real SMTP
server, with no sentence past the split reaching a reader without access."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import UserFactory
from articles.models import Article
from articles.paywall import html_to_text
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from newsletters import services
from newsletters.models import Delivery, Mailing, Newsletter, NewsletterSubscription
from newsletters.rendering import unsubscribe_url
from outbox.sending import message_id_for
from outbox.tests.worker import worker_drain
from subscriptions.tests.factories import ComplimentaryFactory

from .factories import MailingFactory, NewsletterFactory, subscribe

pytestmark = pytest.mark.django_db

FREE_SENTENCE = "Cet article gratuit se lit en entier dans la lettre."


def sentences(markdown: str) -> list[str]:
    """The sentences of an article's source, note calls left out."""
    text = " ".join(re.sub(r"\[\d+\]", "", markdown).split())
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def readable(part: str) -> str:
    """What a reader reads of a part, HTML or text: its words, note calls left out."""
    part = re.sub(r'<sup class="note-call">.*?</sup>', "", part)
    return " ".join(re.sub(r"\[\d+\]", "", html_to_text(part)).split())


def past_the_split(article: Article) -> list[str]:
    teaser = readable(article.teaser_html)
    return [s for s in sentences(article.body) if s not in teaser]


@pytest.fixture
def newsletter():
    return NewsletterFactory(name="La lettre du radiologue", slug="lettre-du-radiologue")


@pytest.fixture
def locked_article():
    return ArticleFactory(title="Ce que l’IA change au CHU", slug="ia-au-chu")


@pytest.fixture
def free_article():
    return ArticleFactory(
        title="Un article gratuit",
        slug="article-gratuit",
        access=Article.Access.FREE,
        body=f"Premier paragraphe public.\n\n{FREE_SENTENCE}",
    )


@pytest.fixture
def mailing(newsletter, locked_article, free_article):
    return MailingFactory(newsletter=newsletter, articles=[locked_article, free_article])


def test_a_reader_without_access_gets_no_sentence_past_the_split_and_a_subscriber_all(
    smtp_server, newsletter, mailing, locked_article
):
    subscriber = subscribe(newsletter, subscriber=True, email="abonnee@example.org")
    reader = subscribe(newsletter, email="lectrice@example.org")
    hidden = past_the_split(locked_article)
    assert len(hidden) > 50 and HIDDEN_SENTENCE in hidden

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    [to_reader] = smtp_server.to(reader.email)
    for part in (to_reader.text, to_reader.html):
        read = readable(part)
        leaked = [sentence for sentence in hidden if sentence in read]
        assert leaked == []
        assert HIDDEN_SENTENCE not in part
        assert readable(locked_article.teaser_html).rstrip("…") in read
        assert "Il vous reste" in read and "réservé aux abonnés" in read
        assert "http://127.0.0.1:8000/articles/ia-au-chu/" in part
        assert FREE_SENTENCE in read  # a free article is read in full by everyone
    [to_subscriber] = smtp_server.to(subscriber.email)
    for part in (to_subscriber.text, to_subscriber.html):
        read = readable(part)
        assert [sentence for sentence in hidden if sentence not in read] == []
        assert "Il vous reste" not in read
        assert FREE_SENTENCE in read


def test_access_is_decided_when_the_message_is_sent_not_when_it_was_scheduled(
    smtp_server, newsletter, mailing, locked_article
):
    lapsed = subscribe(newsletter, subscriber=True)
    newcomer = subscribe(newsletter)
    services.mailing_schedule(mailing=mailing)
    lapsed.subscriptions.update(current_period_end=timezone.now() - dt.timedelta(minutes=1))
    ComplimentaryFactory(user=newcomer)

    worker_drain()

    assert HIDDEN_SENTENCE not in smtp_server.to(lapsed.email)[0].text
    assert HIDDEN_SENTENCE in smtp_server.to(newcomer.email)[0].text


def test_every_recipient_gets_one_message_with_a_personal_one_click_unsubscribe(
    smtp_server, settings, newsletter, mailing
):
    settings.MAILING_BATCH_SIZE = 3
    readers = [subscribe(newsletter, subscriber=i % 2 == 0) for i in range(8)]

    assert services.mailing_schedule(mailing=mailing) == 8
    worker_drain()

    assert sorted(m.to for m in smtp_server.messages) == sorted(r.email for r in readers)
    for reader in readers:
        [received] = smtp_server.to(reader.email)
        link = unsubscribe_url(user_id=reader.pk, newsletter_id=newsletter.pk)
        assert received.message["List-Unsubscribe"].strip() == f"<{link}>"  # maybe folded
        assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert received.message["Message-ID"] == message_id_for(f"mailing:{mailing.pk}:{reader.pk}")
        assert link in received.text
        assert link.replace("&", "&amp;") in received.html
        assert received.subject == "Cette semaine : l’IA à l’hôpital"
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    assert mailing.finished_at is not None
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENT).count() == 8
    # Three batches of three, each its own job run.
    assert DBTaskResult.objects.filter(task_path__endswith="mailing_send").count() >= 3


def test_a_job_run_twice_and_a_mailing_sent_twice_mail_nobody_twice(
    smtp_server, newsletter, mailing
):
    readers = [subscribe(newsletter) for _ in range(3)]
    services.mailing_schedule(mailing=mailing)
    services._enqueue(mailing.pk)  # the same job queued again (a sweep racing a worker)

    worker_drain()
    with pytest.raises(services.DomainError):
        services.mailing_schedule(mailing=mailing)
    worker_drain()

    assert sorted(m.to for m in smtp_server.messages) == sorted(r.email for r in readers)


def test_only_verified_subscribed_readers_receive_it(smtp_server, newsletter, mailing):
    receives = subscribe(newsletter)
    subscribe(newsletter, verified=False)
    left = subscribe(newsletter)
    NewsletterSubscription.objects.filter(user=left).update(unsubscribed_at=timezone.now())
    UserFactory(email_verified_at=timezone.now())  # verified, never subscribed
    inactive = subscribe(newsletter)
    inactive.is_active = False
    inactive.save()

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    assert [m.to for m in smtp_server.messages] == [receives.email]


def test_a_subscribers_only_newsletter_goes_to_readers_with_access_only(
    smtp_server, newsletter, mailing
):
    newsletter.audience = Newsletter.Audience.SUBSCRIBERS
    newsletter.save()
    subscriber = subscribe(newsletter, subscriber=True)
    subscribe(newsletter)  # joined, then lost access (or never had it)

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    assert [m.to for m in smtp_server.messages] == [subscriber.email]


def test_readers_who_leave_before_their_turn_are_skipped(smtp_server, newsletter, mailing):
    stays, leaves = subscribe(newsletter), subscribe(newsletter)
    services.mailing_schedule(mailing=mailing)
    NewsletterSubscription.objects.filter(user=leaves).update(unsubscribed_at=timezone.now())

    worker_drain()

    assert [m.to for m in smtp_server.messages] == [stays.email]
    assert Delivery.objects.get(user=leaves).status == Delivery.Status.SKIPPED
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_scheduled_mailing_waits_for_its_time_and_includes_readers_who_joined_meanwhile(
    smtp_server, newsletter, mailing
):
    early = subscribe(newsletter)
    send_at = timezone.now() + dt.timedelta(hours=2)
    services.mailing_schedule(mailing=mailing, send_at=send_at)

    worker_drain()
    assert smtp_server.messages == []
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED

    late = subscribe(newsletter)
    # Its time comes: the job queued for then runs.
    assert services.mailing_batch_send(mailing_id=mailing.pk, at=send_at).startswith("sent 2")
    assert sorted(m.to for m in smtp_server.messages) == sorted([early.email, late.email])


def test_a_cancelled_mailing_is_never_sent(smtp_server, newsletter, mailing):
    subscribe(newsletter)
    send_at = timezone.now() + dt.timedelta(hours=2)
    services.mailing_schedule(mailing=mailing, send_at=send_at)

    services.mailing_cancel(mailing=mailing)
    services.mailing_batch_send(mailing_id=mailing.pk, at=send_at)

    assert smtp_server.messages == []
    assert mailing.status == Mailing.Status.CANCELLED
    assert not Delivery.objects.filter(mailing=mailing).exists()


def test_a_mailing_needs_published_articles_and_a_date_to_come(newsletter, mailing):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, title="Pas prêt")
    with pytest.raises(services.DomainError, match="à venir"):
        services.mailing_schedule(mailing=mailing, send_at=timezone.now() - dt.timedelta(days=1))
    mailing.items.create(article=draft, position=9)
    with pytest.raises(services.DomainError, match="« Pas prêt » ne sera pas publié"):
        services.mailing_schedule(mailing=mailing)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
    assert not DBTaskResult.objects.exists()


def test_a_server_in_trouble_pauses_the_mailing_until_later(smtp_server, newsletter, mailing):
    readers = [subscribe(newsletter) for _ in range(3)]
    smtp_server.refusing.set()
    services.mailing_schedule(mailing=mailing)

    worker_drain()

    assert smtp_server.messages == []
    deliveries = list(Delivery.objects.filter(mailing=mailing))
    assert {d.status for d in deliveries} == {Delivery.Status.PENDING}
    assert sorted(d.attempts for d in deliveries) == [0, 0, 1]  # one was tried
    retry_at = min(d.lease_until for d in deliveries)
    assert retry_at > timezone.now()
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry, for later

    smtp_server.refusing.clear()
    services.mailing_batch_send(mailing_id=mailing.pk, at=retry_at)
    assert sorted(m.to for m in smtp_server.messages) == sorted(r.email for r in readers)


def test_an_address_the_server_refuses_for_good_is_reported_failed(
    smtp_server, newsletter, mailing
):
    subscribe(newsletter, email="refusee@example.org")
    ok = subscribe(newsletter)
    smtp_server.refused_addresses = {"refusee@example.org"}

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    assert [m.to for m in smtp_server.messages] == [ok.email]
    failed = Delivery.objects.get(email="refusee@example.org")
    assert failed.status == Delivery.Status.FAILED
    assert "550" in failed.error
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_batch_reads_access_and_articles_once_per_kind_of_reader_not_per_recipient(
    smtp_server, newsletter, mailing
):
    for i in range(20):
        subscribe(newsletter, subscriber=i % 2 == 0)
    services.mailing_schedule(mailing=mailing)
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)

    with CaptureQueriesContext(connection) as queries:
        services.mailing_batch_send(mailing_id=mailing.pk)

    assert len(smtp_server.messages) == 20
    sql = [q["sql"] for q in queries.captured_queries]
    articles = [s for s in sql if 'FROM "articles_article"' in s]
    assert len(articles) == 2  # subscribers, and everyone else
    entitlements = [s for s in sql if 'FROM "subscriptions_subscription"' in s]
    assert len(entitlements) <= 2  # who is eligible, and who may read what
    # Two updates per message sent (the worker's hold on it, then "sent"), and a fixed
    # number besides (savepoints included, and the licence seats read once per batch).
    assert len(sql) <= 2 * 20 + 22


def test_a_mailing_whose_worker_died_mid_batch_is_finished_by_the_sweep(
    smtp_server, settings, newsletter, mailing
):
    readers = [subscribe(newsletter) for _ in range(4)]
    services.mailing_schedule(mailing=mailing)
    # A worker claimed them all, sent the first, and was killed: its lease runs out, its
    # job stays `running`, and nothing else is queued.
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)
    first, *rest = Delivery.objects.filter(mailing=mailing).order_by("pk")
    past = timezone.now() - dt.timedelta(seconds=1)
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, sent_at=past)
    Delivery.objects.filter(pk__in=[d.pk for d in rest]).update(
        status=Delivery.Status.SENDING, lease_until=past
    )
    DBTaskResult.objects.update(status="RUNNING")

    worker_drain()  # a new worker sweeps when it starts

    assert sorted(m.to for m in smtp_server.messages) == sorted(
        r.email for r in readers if r.pk != first.user_id
    )
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_a_sweep_leaves_a_mailing_whose_job_is_within_its_lease(
    smtp_server, settings, newsletter, mailing
):
    subscribe(newsletter)
    services.mailing_schedule(mailing=mailing)
    DBTaskResult.objects.update(status="RUNNING")  # taken by a live worker

    assert services.mailing_stalled_requeue() == 0
    later = timezone.now() + dt.timedelta(seconds=settings.MAIL_LEASE_SECONDS + 1)
    assert services.mailing_stalled_requeue(at=later) == 1
    assert services.mailing_stalled_requeue(at=later) == 0  # queued once


def test_a_message_whose_worker_died_every_time_is_given_up(
    smtp_server, settings, newsletter, mailing
):
    doomed, fine = subscribe(newsletter), subscribe(newsletter)
    services.mailing_schedule(mailing=mailing)
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)
    Delivery.objects.filter(user=doomed).update(
        status=Delivery.Status.SENDING,
        attempts=settings.MAIL_MAX_ATTEMPTS,
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )

    worker_drain()

    assert [m.to for m in smtp_server.messages] == [fine.email]
    given_up = Delivery.objects.get(user=doomed)
    assert given_up.status == Delivery.Status.FAILED
    assert given_up.error == "Abandonné : l'envoi a été interrompu 5 fois."
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
