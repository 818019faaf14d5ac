"""A mailing that announces a new edition of the digital journal: each reader is told
when it is theirs, subscribers first."""

import datetime as dt

import pytest
from django.utils import timezone

from editions.tests.factories import EditionFactory
from imago.exceptions import DomainError
from newsletters import services
from outbox.tests.worker import worker_drain

from .factories import MailingFactory, NewsletterFactory, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition():
    return EditionFactory(
        number=412,
        title="Spécial IRM",
        date=dt.date(2026, 11, 20),
        published_at=timezone.now() - dt.timedelta(hours=1),
        public_from=dt.datetime(2026, 12, 20, 8, tzinfo=dt.UTC),
    )


def test_subscribers_are_told_the_edition_is_theirs_and_others_when_it_will_be(
    smtp_server, edition
):
    newsletter = NewsletterFactory()
    subscriber = subscribe(newsletter, subscriber=True)
    reader = subscribe(newsletter)
    mailing = MailingFactory(newsletter=newsletter, introduction="", edition=edition)

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    [to_subscriber] = smtp_server.to(subscriber.email)
    [to_reader] = smtp_server.to(reader.email)
    for received in (to_subscriber, to_reader):
        assert "n° 412 du 20 novembre 2026 : Spécial IRM" in received.text
        assert "http://127.0.0.1:8000/journal/412/" in received.text
        assert "/files/covers/" in received.html  # the cover, at its public address
    assert "Il est à vous dès maintenant" in to_subscriber.text
    assert "Lire le n° 412" in to_subscriber.html
    assert "accessible à tous le 20 décembre 2026" in to_reader.text
    assert "S'abonner pour le lire" in to_reader.html
    assert "Lire le n° 412" not in to_reader.html


def test_a_subscriber_only_edition_is_announced_as_such(smtp_server, edition):
    edition.public_from = None
    edition.save()
    newsletter = NewsletterFactory()
    reader = subscribe(newsletter)
    mailing = MailingFactory(newsletter=newsletter, introduction="", edition=edition)

    services.mailing_schedule(mailing=mailing)
    worker_drain()

    [received] = smtp_server.to(reader.email)
    assert "Il est réservé aux abonnés" in received.text


def test_an_edition_is_never_announced_before_it_is_out(edition):
    edition.published_at = timezone.now() + dt.timedelta(days=2)
    edition.public_from = None
    edition.save()
    mailing = MailingFactory(introduction="", edition=edition)

    with pytest.raises(DomainError, match="Le numéro 412 ne paraîtra pas avant"):
        services.mailing_schedule(mailing=mailing)
    # Scheduled for after its publication, it may go.
    services.mailing_schedule(mailing=mailing, send_at=timezone.now() + dt.timedelta(days=3))


def test_the_edition_page_of_the_admin_links_to_a_mailing_filled_in_with_it(editor_client, edition):
    page = editor_client.get(f"/admin/editions/edition/{edition.pk}/change/").content.decode()

    assert "/admin/newsletters/mailing/add/?edition=" in page
    form = editor_client.get(
        f"/admin/newsletters/mailing/add/?edition={edition.pk}&subject=Le+n°+412+est+paru"
    ).content.decode()
    assert f'<option value="{edition.pk}" selected>' in form
    assert 'value="Le n° 412 est paru"' in form
