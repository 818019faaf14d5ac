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
