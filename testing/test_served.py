"""The served app and the Stripe stand-in work as the tests that rely on them expect."""

from http import HTTPStatus

import pytest
import requests

from subscriptions.tests.stripe_fake import API_KEY, WEBHOOK_SECRET
from subscriptions.tests.stripe_server import stripe_server
from testing.served import postgres_url, served_app
from testing.served_stripe import checkout, query, register, stripe_env

DATABASES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers"),
    ),
]


@pytest.mark.parametrize("database", DATABASES)
def test_served_app_answers_with_debug_off_on_its_own_database(database):
    with served_app(database=database, workers=2, demo=True) as app:
        articles = app.get("/api/v1/articles/")
        missing = app.get("/api/v1/nowhere/")

    assert articles.status_code == HTTPStatus.OK
    assert len(articles.json()["results"]) == 2
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.headers["Content-Type"] == "application/json"


def test_served_app_checks_out_against_the_stripe_stand_in_over_http():
    with stripe_server() as stripe:
        env = {
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.url,
        }
        with served_app(workers=2, env=env, demo=True) as app:
            app.manage("sync_offers")
            token = app.post(
                "/api/v1/auth/register/",
                json={"email": "lectrice@example.org", "password": "Radiologie-2026!"},
            ).json()["token"]
            checkout = app.post(
                "/api/v1/subscriptions/checkout/",
                json={"offer": "mensuelle-numerique"},
                headers={"Authorization": f"Token {token}"},
            )

    assert checkout.status_code == HTTPStatus.OK, checkout.text
    # The stand-in's own Checkout page, which a browser can open (Stripe's cannot be).
    assert checkout.json()["url"].startswith(f"{stripe.url}/checkout/cs_test")
    assert len(stripe.fake.objects["checkout.session"]) == 1


def test_the_stand_in_checkout_page_takes_the_payment_and_sends_the_reader_back():
    with (
        stripe_server() as stripe,
        served_app(workers=2, env=stripe_env(stripe), demo=True) as app,
    ):
        stripe.webhook_url = f"{app.url}/api/v1/stripe/webhook/"
        app.manage("sync_offers")
        reader = register(app, "payante@example.org")
        url = checkout(app, reader).json()["url"]
        page = requests.get(url, timeout=10)
        paid = requests.post(f"{url}/pay", allow_redirects=False, timeout=30)
        again = requests.post(f"{url}/pay", allow_redirects=False, timeout=30)
        status = query(app, "Subscription.objects.get(user__email='payante@example.org').status")
        events = query(app, "list(WebhookEvent.objects.values_list('type', 'status'))")

    session_id = url.rsplit("/", 1)[1]
    assert page.status_code == HTTPStatus.OK
    assert "Stripe Checkout (test)" in page.text
    assert "23,00 € par mois" in page.text
    assert paid.status_code == HTTPStatus.SEE_OTHER
    assert paid.headers["Location"].endswith(f"/abonnement/merci/?session_id={session_id}")
    assert again.status_code == HTTPStatus.NOT_FOUND  # a session is paid once
    assert status == "active"
    assert sorted(events) == [
        ["checkout.session.completed", "processed"],
        ["customer.subscription.created", "processed"],
        ["invoice.paid", "processed"],
    ]
