"""One detail service for the API and the site (articles.services.article_read): both
pages tell listeners that the paywall was shown through articles.signals.paywall_shown,
with the article and the reason and never the reader, once per GET and never for HEAD."""

import pytest

from articles.signals import paywall_shown
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls: list[dict] = []

    def listener(sender, **kwargs):
        calls.append({key: value for key, value in kwargs.items() if key != "signal"})

    paywall_shown.connect(listener, weak=False)
    yield calls
    paywall_shown.disconnect(listener)


@pytest.mark.parametrize("url", ["/api/v1/articles/{slug}/", "/articles/{slug}/"])
def test_the_api_and_the_site_tell_listeners_that_the_paywall_was_shown(
    url, anonymous_client, offer, heard
):
    article = ArticleFactory(slug="irm-7-tesla")

    anonymous_client.get(url.format(slug=article.slug))
    anonymous_client.head(url.format(slug=article.slug))

    assert heard == [{"article_id": article.pk, "reason": "login_required"}]


@pytest.mark.parametrize("url", ["/api/v1/articles/{slug}/", "/articles/{slug}/"])
def test_an_open_reading_tells_nothing(url, subscriber, client, offer, heard):
    article = ArticleFactory(slug="abonnes")
    client.force_login(subscriber)  # a session: the API's and the site's sign-in alike

    response = client.get(url.format(slug=article.slug))

    assert response.status_code == 200

    assert heard == []
