"""Project-level behaviour: health check, JSON error pages, settings from the environment."""

import os
import re
import runpy
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from imago import env
from imago.env import env_bool, env_int, env_list, env_str


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "max-age=0"} <= directives  # never a stale "ok"


def test_api_request_for_an_unknown_host_is_a_json_400(client):
    response = client.get("/api/v1/articles/", HTTP_HOST="evil.example")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "bad_request"


# Settings from the environment (imago/env.py)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("1", True), ("true", True), (" Yes ", True), ("ON", True)],
        *[("0", False), ("false", False), ("No", False), ("off", False)],
    ],
)
def test_env_bool_reads_yes_and_no_words(monkeypatch, value, expected):
    monkeypatch.setenv("IMAGO_TEST_FLAG", value)

    assert env_bool("IMAGO_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "oui", "enabled"])
def test_env_bool_refuses_a_word_that_is_neither_yes_nor_no(monkeypatch, value):
    monkeypatch.setenv("IMAGO_TEST_FLAG", value)

    with pytest.raises(ImproperlyConfigured) as error:
        env_bool("IMAGO_TEST_FLAG")

    assert str(error.value) == env.NOT_A_BOOLEAN.format(name="IMAGO_TEST_FLAG", value=value)


def test_env_int_reads_an_integer(monkeypatch):
    monkeypatch.setenv("IMAGO_TEST_NUMBER", " 42 ")

    assert env_int("IMAGO_TEST_NUMBER", 7) == 42


@pytest.mark.parametrize("value", ["abc", "1.5", "10 000", "0x10"])
def test_env_int_refuses_what_is_not_an_integer(monkeypatch, value):
    monkeypatch.setenv("DJANGO_NUM_PROXIES", value)

    with pytest.raises(ImproperlyConfigured) as error:
        env_int("DJANGO_NUM_PROXIES", 0)

    assert str(error.value) == f"DJANGO_NUM_PROXIES must be an integer, got {value!r}"


def test_env_int_refuses_a_value_below_its_minimum(monkeypatch):
    monkeypatch.setenv("IMAGO_TEST_NUMBER", "-1")

    with pytest.raises(ImproperlyConfigured, match="IMAGO_TEST_NUMBER must be at least 0"):
        env_int("IMAGO_TEST_NUMBER", 3, minimum=0)


def test_env_list_splits_on_commas_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("IMAGO_TEST_HOSTS", " imago.example, ,www.imago.example,")

    assert env_list("IMAGO_TEST_HOSTS", ["localhost"]) == ["imago.example", "www.imago.example"]


def test_env_str_refuses_a_value_outside_its_choices(monkeypatch):
    monkeypatch.setenv("IMAGO_TEST_LEVEL", "verbose")

    with pytest.raises(ImproperlyConfigured, match="IMAGO_TEST_LEVEL must be one of INFO, DEBUG"):
        env_str("IMAGO_TEST_LEVEL", "INFO", choices=["INFO", "DEBUG"])


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_blank_variables_take_their_default(monkeypatch, value):
    for name in ("IMAGO_TEST_TEXT", "IMAGO_TEST_NUMBER", "IMAGO_TEST_FLAG", "IMAGO_TEST_HOSTS"):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    assert env_str("IMAGO_TEST_TEXT", "texte") == "texte"
    assert env_int("IMAGO_TEST_NUMBER", 7) == 7
    assert env_bool("IMAGO_TEST_FLAG", True) is True
    assert env_list("IMAGO_TEST_HOSTS", ["localhost"]) == ["localhost"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be one of 1, true"),
        ("PAYWALL_TEASER_CHARS", "mille", "PAYWALL_TEASER_CHARS must be an integer, got 'mille'"),
        ("SUBSCRIPTION_GRACE_DAYS", "-3", "SUBSCRIPTION_GRACE_DAYS must be at least 0"),
        ("STRIPE_MAX_NETWORK_RETRIES", "deux", "STRIPE_MAX_NETWORK_RETRIES must be an integer"),
        ("DJANGO_LOG_LEVEL", "verbose", "DJANGO_LOG_LEVEL must be one of DEBUG, INFO"),
    ],
)
def test_settings_refuse_a_malformed_variable_by_its_name(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        runpy.run_path(str(settings.BASE_DIR / "imago" / "settings.py"))  # a fresh run


def test_a_malformed_variable_stops_start_up_with_a_clear_error():
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "imago.settings"}
    environ["DJANGO_NUM_PROXIES"] = "abc"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.rstrip().endswith(
        "django.core.exceptions.ImproperlyConfigured: "
        "DJANGO_NUM_PROXIES must be an integer, got 'abc'"
    )
