"""The article detail of the API counts the paywall it shows, and nothing else."""

from http import HTTPStatus

import pytest

from articles.models import Article
from articles.tests.factories import ArticleFactory
from dashboard.models import PaywallView

pytestmark = pytest.mark.django_db


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def counted() -> dict[tuple[str, str], int]:
    return {
        (row.article.slug, row.reason): row.views
        for row in PaywallView.objects.select_related("article")
    }


def test_an_anonymous_reader_meeting_the_paywall_is_counted(anonymous_client, offer):
    ArticleFactory(slug="irm-7-tesla")

    response = anonymous_client.get(detail("irm-7-tesla"))

    assert response.json()["paywall"]["reason"] == "login_required"
    assert counted() == {("irm-7-tesla", "login_required"): 1}


def test_a_signed_in_reader_without_access_is_counted_with_their_reason(reader_client, offer):
    ArticleFactory(slug="irm-7-tesla")

    reader_client.get(detail("irm-7-tesla"))
    reader_client.get(detail("irm-7-tesla"))

    assert counted() == {("irm-7-tesla", "subscription_required"): 2}


def test_a_spent_meter_is_counted_as_such(meter_on, reader_client, offer):
    meter_on.PAYWALL_FREE_ARTICLES_PER_MONTH = 1
    ArticleFactory(slug="premier")
    ArticleFactory(slug="second")

    reader_client.get(detail("premier"))  # opened by the meter: no paywall
    response = reader_client.get(detail("second"))

    assert response.json()["paywall"]["reason"] == "meter_exhausted"
    assert counted() == {("second", "meter_exhausted"): 1}


def test_an_open_reading_is_not_counted(anonymous_client, subscriber_client, offer):
    ArticleFactory(slug="libre", access=Article.Access.FREE)
    ArticleFactory(slug="abonnes")

    assert anonymous_client.get(detail("libre")).status_code == HTTPStatus.OK
    assert subscriber_client.get(detail("abonnes")).json()["content"]["complete"] is True

    assert counted() == {}


def test_a_head_request_or_an_unknown_article_is_not_counted(reader_client, offer):
    ArticleFactory(slug="irm-7-tesla")

    assert reader_client.head(detail("irm-7-tesla")).status_code == HTTPStatus.OK
    assert reader_client.get(detail("inconnu")).status_code == HTTPStatus.NOT_FOUND

    assert counted() == {}


def test_an_anonymous_answer_served_again_by_the_response_cache_is_not_counted(
    anonymous_client, offer
):
    """The decision (README, "Tableau de bord"): a cache hit answers without the database,
    so the API counts the views that reach the application; the site's pages are not
    served from that cache and count every view."""
    ArticleFactory(slug="irm-7-tesla")

    first = anonymous_client.get(detail("irm-7-tesla"))
    second = anonymous_client.get(detail("irm-7-tesla"))

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert counted() == {("irm-7-tesla", "login_required"): 1}
