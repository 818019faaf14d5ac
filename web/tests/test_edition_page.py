"""The page of an issue of the journal, at the address EDITION_URL_TEMPLATE gives."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from editions.tests.factories import EditionFactory

pytestmark = pytest.mark.django_db


def test_the_edition_url_opens_the_page_of_the_issue(browser, settings):
    edition = EditionFactory(public_from=timezone.now() - dt.timedelta(hours=1))
    path = settings.EDITION_URL_TEMPLATE.format(number=edition.number)

    response = browser.get(path.removeprefix(settings.SITE_URL))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f"N° {edition.number}" in html
    assert f'href="/api/v1/editions/{edition.number}/download/"' in html


def test_a_subscriber_only_issue_offers_the_subscription_not_the_file(browser, subscriber_browser):
    edition = EditionFactory(public_from=None)

    anonymous = browser.get(f"/journal/{edition.number}/").content.decode()
    subscriber = subscriber_browser.get(f"/journal/{edition.number}/").content.decode()

    assert "/download/" not in anonymous
    assert "réservé aux abonnés" in anonymous
    assert f'href="/api/v1/editions/{edition.number}/download/"' in subscriber


@pytest.mark.parametrize("number", ["999", "0", "99999999999"])
def test_an_unknown_issue_is_a_404_page(browser, number):
    response = browser.get(f"/journal/{number}/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page introuvable" in response.content.decode()
