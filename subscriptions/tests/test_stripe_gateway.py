"""stripe_gateway: its pure helpers, and what it makes of a Stripe that does not answer."""

import time

import pytest
from django.core.checks import Error

from subscriptions import stripe_gateway
from subscriptions.checks import WORKER_TIMEOUT_SECONDS, stripe_call_time_check
from subscriptions.stripe_gateway import StripeUnreachable, call_time_limit, object_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cus_123", "cus_123"),
        ({"id": "cus_123", "object": "customer", "email": "lea@example.org"}, "cus_123"),
        (None, None),
        ("", None),
    ],
)
def test_object_id_reads_a_bare_or_an_expanded_reference(value, expected):
    assert object_id(value) == expected


@pytest.mark.parametrize(
    ("timeout", "retries", "limit"),
    [(10, 0, 10), (10, 1, 20.5), (1, 2, 4.5), (8, 2, 25.5), (5, 5, 30 + 0.5 + 1 + 2 + 4 + 5)],
)
def test_the_call_time_limit_counts_every_attempt_and_the_sdks_back_off(timeout, retries, limit):
    assert call_time_limit(timeout=timeout, retries=retries) == limit


def test_the_default_stripe_settings_end_a_call_within_the_worker_timeout(settings):
    limit = call_time_limit(
        timeout=settings.STRIPE_TIMEOUT_SECONDS, retries=settings.STRIPE_MAX_NETWORK_RETRIES
    )

    assert limit < WORKER_TIMEOUT_SECONDS
    assert stripe_call_time_check() == []


def test_a_timeout_that_outlives_the_worker_is_refused_at_start_up(settings):
    settings.STRIPE_TIMEOUT_SECONDS, settings.STRIPE_MAX_NETWORK_RETRIES = 10, 2

    [error] = stripe_call_time_check()

    assert isinstance(error, Error)
    assert error.id == "subscriptions.E001"
    assert "31.5 s" in error.msg


def test_a_stripe_that_never_answers_is_unreachable_after_the_timeout(silent_stripe):
    silent_stripe.STRIPE_MAX_NETWORK_RETRIES = 1
    started = time.monotonic()

    with pytest.raises(StripeUnreachable) as raised:
        stripe_gateway.subscription_retrieve(subscription_id="sub_123")

    elapsed = time.monotonic() - started
    assert 2 <= elapsed < call_time_limit(timeout=1, retries=1) + 1  # two attempts of 1 s
    assert raised.value.status_code == 503
    assert "Timeout" in raised.value.reason


def test_a_refused_connection_is_unreachable_at_once(closed_stripe):
    started = time.monotonic()

    with pytest.raises(StripeUnreachable):
        stripe_gateway.subscription_retrieve(subscription_id="sub_123")

    assert time.monotonic() - started < 1  # no waiting for an answer that cannot come
