"""RFC 8058's one-click POST against the served app (gunicorn), sent by `requests`."""

import json
from http import HTTPStatus

import pytest

from testing.served import served_app

SEED = """
import json
from newsletters.rendering import unsubscribe_url
from newsletters.tests.factories import NewsletterFactory, subscribe
newsletter = NewsletterFactory(slug="hebdo")
urls = [unsubscribe_url(user_id=subscribe(newsletter).pk, newsletter_id=newsletter.pk)
        for _ in range(2)]
print(json.dumps([url.partition("/api/")[2] for url in urls]))
"""

SUBSCRIBED = """
from newsletters.models import NewsletterSubscription
print(NewsletterSubscription.objects.filter(unsubscribed_at__isnull=True).count())
"""


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_providers_one_click_post_over_http_unsubscribes_in_either_encoding(encoding):
    with served_app(workers=1) as app:
        first, second = (f"/api/{path}" for path in json.loads(app.shell(SEED).splitlines()[-1]))
        if encoding == "multipart":
            # A form field with no file name: multipart/form-data, as RFC 8058 asks.
            response = app.post(first, files={"List-Unsubscribe": (None, "One-Click")})
            sent_as = "multipart/form-data; boundary="
        else:
            response = app.post(first, data={"List-Unsubscribe": "One-Click"})
            sent_as = "application/x-www-form-urlencoded"

        assert response.request.headers["Content-Type"].startswith(sent_as)
        assert response.status_code == HTTPStatus.OK, response.text
        assert response.json()["newsletter"]["slug"] == "hebdo"
        # One reader left; the other, whose link was not followed, still receives it.
        assert app.shell(SUBSCRIBED).strip().splitlines()[-1] == "1"
        assert app.post(second, files={"List-Unsubscribe": (None, "No")}).status_code == 400
