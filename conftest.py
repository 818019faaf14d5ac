"""Shared fixtures: API clients for each kind of reader."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.groups import EDITORS, SUBSCRIPTION_MANAGERS
from accounts.tests.factories import UserFactory, staff_member
from subscriptions.tests.factories import ComplimentaryFactory, OfferFactory


@pytest.fixture(scope="session", autouse=True)
def _response_cache_of_the_run(tmp_path_factory):
    """The anonymous-read cache in files of this run, not the development server's."""
    responses = django_settings.CACHES["responses"]
    if "redis" in responses["BACKEND"].lower():
        yield
        return
    location = str(tmp_path_factory.mktemp("responses"))
    with override_settings(
        CACHES={**django_settings.CACHES, "responses": {**responses, "LOCATION": location}}
    ):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tests check passwords, they need not protect them: production's PBKDF2 costs a
    # third of a second per hash and was most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # Production's manifest storage needs collectstatic; tests render without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Throttling counts start from zero: the database cache lives in the test's database
    # (rolled back after each test); Redis (REDIS_URL) is emptied.
    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        cache.clear()
    # No test reads what an earlier one stored (files, or Redis already emptied above).
    caches["responses"].clear()
    # The monthly meter opens a few subscriber-only articles to every signed-in reader:
    # off unless a test turns it on (`meter_on`), so that "signed in without access"
    # means what it says in the tests of the other doors.
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 0


@pytest.fixture(autouse=True)
def _editions_storage(settings, tmp_path):
    """The editions' files of each test in a directory of its own, never the site's."""
    settings.STORAGES = {
        **settings.STORAGES,
        "editions": {
            "BACKEND": "editions.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "editions")},
        },
    }


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def meter_on(settings):
    """The monthly meter as it ships: three subscriber-only articles a month."""
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 3
    return settings


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def reader(db):
    """Signed in, no access."""
    return UserFactory()


@pytest.fixture
def reader_client(reader) -> APIClient:
    return client_for(reader)


@pytest.fixture
def subscriber(db):
    """Signed in, with complimentary access for another month."""
    user = UserFactory()
    ComplimentaryFactory(user=user)
    return user


@pytest.fixture
def subscriber_client(subscriber) -> APIClient:
    return client_for(subscriber)


@pytest.fixture
def staff_client(db) -> APIClient:
    return client_for(UserFactory(is_staff=True))


@pytest.fixture
def expired_client(db) -> APIClient:
    user = UserFactory()
    ComplimentaryFactory(user=user, current_period_end=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    return client_for(user)


@pytest.fixture
def editor(db):
    return staff_member(EDITORS)


@pytest.fixture
def manager(db):
    return staff_member(SUBSCRIPTION_MANAGERS)


@pytest.fixture
def editor_client(client, editor):
    """Django's test client, signed in to the admin as an editor."""
    client.force_login(editor)
    return client


@pytest.fixture
def manager_client(client, manager):
    """Django's test client, signed in to the admin as a subscription manager."""
    client.force_login(manager)
    return client


@pytest.fixture
def offer(db):
    return OfferFactory()


# Stripe: no test ever reaches Stripe. Keys are blank unless a test asks for `stripe_fake`,
# which points the real SDK at a stateful fake served through `responses`.


@pytest.fixture(autouse=True)
def _stripe_offline(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = "https://stripe.invalid"


@pytest.fixture
def stripe_settings(settings):
    from subscriptions.tests import stripe_fake

    settings.STRIPE_SECRET_KEY = stripe_fake.API_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.API_BASE
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # a failure injected by a test is final
    return settings


@pytest.fixture
def stripe_fake(stripe_settings):
    import responses

    from subscriptions.tests.stripe_fake import StripeFake

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield StripeFake(mock)


# Email: a real SMTP server (aiosmtpd) in this process; the SMTP backend sends to it.


@pytest.fixture
def smtp_server(settings):
    """The inbox of a real SMTP server that the site's email settings point at."""
    from outbox.tests.smtp import smtp_serving

    with smtp_serving(settings) as inbox:
        yield inbox
