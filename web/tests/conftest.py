import pytest
from django.test import Client


@pytest.fixture
def browser() -> Client:
    """A visitor's browser: cookies kept, CSRF checked as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def subscriber_browser(subscriber) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    return client


@pytest.fixture
def reader_browser(reader) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    return client


# The Stripe fixtures of subscriptions' tests, for the site's subscribe and portal buttons.
from subscriptions.tests.conftest import deliver, make_stripe_customer, synced_offer  # noqa: E402

__all__ = ["deliver", "make_stripe_customer", "synced_offer"]
