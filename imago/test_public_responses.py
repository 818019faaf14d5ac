"""What shared caches may keep: nothing that sets a cookie; and pages that load only our files."""

import re
import runpy
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

from accounts.tests.factories import UserFactory
from articles.tests.factories import ArticleFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


@pytest.fixture
def browsable(settings):
    settings.API_BROWSABLE = True


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/api/v1/docs/", "text/html"),
        ("/api/v1/articles/", "text/html"),
        ("/api/v1/articles/{slug}/", "text/html"),
        ("/api/v1/authors/", "text/html"),
    ],
)
def test_anonymous_response_that_sets_a_cookie_is_private(anonymous_client, browsable, url, accept):
    article = ArticleFactory()

    response = anonymous_client.get(url.format(slug=article.slug), HTTP_ACCEPT=accept)

    assert response.status_code == HTTPStatus.OK
    assert django_settings.CSRF_COOKIE_NAME in response.cookies  # the page sets one
    assert "private" in directives(response)
    assert "public" not in directives(response)
    assert not any(d.startswith("max-age=") and d != "max-age=0" for d in directives(response))


def test_anonymous_json_read_without_a_cookie_stays_public(anonymous_client, settings):
    article = ArticleFactory()

    response = anonymous_client.get(f"/api/v1/articles/{article.slug}/")

    assert not response.cookies
    assert {"public", f"max-age={settings.API_PUBLIC_CACHE_SECONDS}"} <= directives(response)


def test_browsable_api_is_off_unless_a_setting_turns_it_on(anonymous_client, settings):
    settings.API_BROWSABLE = False

    html = anonymous_client.get("/api/v1/articles/", HTTP_ACCEPT="text/html")
    browser = anonymous_client.get(
        "/api/v1/articles/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )

    assert html.status_code == HTTPStatus.NOT_ACCEPTABLE
    assert html.json()["code"] == "not_acceptable"
    assert not html.cookies
    assert browser.status_code == HTTPStatus.OK
    assert browser["Content-Type"] == "application/json"
    assert not browser.cookies


@pytest.mark.parametrize(("debug", "expected"), [("1", True), ("0", False)])
def test_browsable_api_follows_debug_by_default(monkeypatch, debug, expected):
    monkeypatch.setenv("DJANGO_DEBUG", debug)
    monkeypatch.delenv("API_BROWSABLE", raising=False)

    fresh = runpy.run_path(str(django_settings.BASE_DIR / "imago" / "settings.py"))

    assert fresh["API_BROWSABLE"] is expected


def test_browsable_api_setting_wins_over_debug(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "0")
    monkeypatch.setenv("API_BROWSABLE", "1")

    fresh = runpy.run_path(str(django_settings.BASE_DIR / "imago" / "settings.py"))

    assert fresh["API_BROWSABLE"] is True


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_docs_page_loads_nothing_from_a_third_party_host(anonymous_client):
    response = anonymous_client.get("/api/v1/docs/")

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    parser = _References()
    parser.feed(page)
    assert parser.urls  # Swagger UI's script, style and icon
    for url in parser.urls:
        assert not urlsplit(url).netloc, url
        assert url.startswith(django_settings.STATIC_URL) or url.startswith("/static/"), url
        assert finders.find(url.split("/static/", 1)[1]), f"{url} is not one of our files"
    # Nor from the inline script: every absolute URL in the page is on our own host.
    hosts = {urlsplit(u).netloc for u in re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>]*", page)}
    assert hosts <= {"", "testserver"}, hosts


@pytest.mark.parametrize("accept", ["text/html", "application/json", "*/*"])
@pytest.mark.parametrize("token", [None, "Token jeton-inconnu", "inactive"])
def test_docs_page_is_the_same_page_whatever_the_credentials_and_accept(
    anonymous_client, accept, token
):
    client = anonymous_client
    if token == "inactive":
        client = client_for(UserFactory(is_active=False))
    elif token:
        client.credentials(HTTP_AUTHORIZATION=token)

    docs = client.get("/api/v1/docs/", HTTP_ACCEPT=accept)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert docs.status_code == HTTPStatus.OK
    assert docs["Content-Type"].startswith("text/html")
    assert "swagger-ui" in docs.content.decode()
    assert schema.status_code == HTTPStatus.OK
    assert "/api/v1/articles/" in schema.json()["paths"]
