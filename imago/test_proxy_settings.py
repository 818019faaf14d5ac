"""X-Forwarded-Proto is a proxy's word: believed only behind DJANGO_NUM_PROXIES trusted ones.

Each test reads the settings module afresh with a production environment, then sends a
plain-HTTP request through the Django client with the security settings it found.
"""

import runpy
from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db

SECURITY = ("SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT")


def production_settings(monkeypatch, **environ) -> dict:
    for name, value in {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        **environ,
    }.items():
        monkeypatch.setenv(name, value)
    found = runpy.run_path(str(settings.BASE_DIR / "imago" / "settings.py"))
    return {name: found.get(name) for name in SECURITY}


def test_without_a_trusted_proxy_a_forged_forwarded_proto_still_gets_the_https_redirect(
    client, monkeypatch
):
    security = production_settings(monkeypatch, DJANGO_NUM_PROXIES="0")
    assert security["SECURE_PROXY_SSL_HEADER"] is None

    with override_settings(**security):
        response = client.get("/api/v1/offers/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "https://testserver/api/v1/offers/"


def test_behind_a_trusted_proxy_its_forwarded_proto_says_https(client, monkeypatch):
    security = production_settings(monkeypatch, DJANGO_NUM_PROXIES="1")

    with override_settings(**security):
        forwarded = client.get("/api/v1/offers/", HTTP_X_FORWARDED_PROTO="https")
        plain = client.get("/api/v1/offers/", HTTP_X_FORWARDED_PROTO="http")

    assert forwarded.status_code == HTTPStatus.OK
    assert plain.status_code == HTTPStatus.MOVED_PERMANENTLY
