import datetime as dt
import io
import time
import uuid
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from subscriptions import billing, stripe_gateway
from subscriptions.models import Customer, Offer
from subscriptions.tests.factories import OfferFactory, StripeSubscriptionFactory

CHECKOUT_URL = "/api/v1/subscriptions/checkout/"
PORTAL_URL = "/api/v1/subscriptions/portal/"

pytestmark = pytest.mark.django_db


def checkout(client, slug="mensuelle-numerique"):
    return client.post(CHECKOUT_URL, {"offer": slug}, format="json")


def test_checkout_opens_a_subscription_session_for_the_reader(
    stripe_fake, synced_offer, reader, reader_client, settings
):
    response = checkout(reader_client)

    assert response.status_code == HTTPStatus.OK
    [call] = stripe_fake.calls_to("POST", "/v1/checkout/sessions")
    session = stripe_fake.objects["checkout.session"][response.json()["url"].rsplit("/", 1)[1]]
    assert response.json() == {"url": session["url"]}
    params = call.params
    assert params["mode"] == "subscription"
    assert params["locale"] == "fr"
    assert params["allow_promotion_codes"] == "true"
    assert params["client_reference_id"] == str(reader.pk)
    assert params["subscription_data"]["metadata"]["user_id"] == str(reader.pk)
    assert params["line_items"] == [{"price": synced_offer.stripe_price_id, "quantity": "1"}]
    assert params["customer"] == reader.stripe_customer.stripe_customer_id
    assert params["success_url"] == settings.STRIPE_CHECKOUT_SUCCESS_URL
    assert params["cancel_url"] == settings.STRIPE_CHECKOUT_CANCEL_URL


def test_checkout_signed_out_is_401(stripe_fake, synced_offer, anonymous_client):
    response = checkout(anonymous_client)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert set(response.json()) == {"detail", "code"}
    assert stripe_fake.calls == []


@pytest.mark.parametrize("slug", ["offre-inconnue", "offre-retiree"])
def test_checkout_for_an_unknown_or_inactive_offer_is_400(
    stripe_fake, synced_offer, reader_client, slug
):
    OfferFactory(slug="offre-retiree", is_active=False)

    response = checkout(reader_client, slug)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": billing.OFFER_UNAVAILABLE, "code": "offer_unavailable"}
    assert stripe_fake.posts() == []


def test_checkout_without_an_offer_is_a_field_error(stripe_fake, reader_client):
    response = reader_client.post(CHECKOUT_URL, {}, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "offer" in response.json()


def test_checkout_is_409_for_a_reader_who_already_has_access(
    stripe_fake, synced_offer, subscriber_client
):
    response = checkout(subscriber_client)

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {"detail": billing.ALREADY_SUBSCRIBED, "code": "already_subscribed"}
    assert stripe_fake.posts() == []


def test_checkout_is_409_for_a_paying_subscriber(stripe_fake, synced_offer):
    subscription = StripeSubscriptionFactory(offer=synced_offer)

    response = checkout(client_for(subscription.user))

    assert response.status_code == HTTPStatus.CONFLICT


@pytest.mark.parametrize("status", ["past_due", "unpaid", "paused"])
def test_checkout_is_409_while_a_stripe_subscription_awaits_payment(
    stripe_fake, synced_offer, status
):
    """Past its grace a past_due reader has no access, but a second checkout would bill twice."""
    long_ago = timezone.now() - dt.timedelta(days=40)
    sub = StripeSubscriptionFactory(
        offer=synced_offer,
        status=status,
        current_period_start=long_ago,
        current_period_end=long_ago + dt.timedelta(days=30),
    )

    response = checkout(client_for(sub.user))

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {"detail": billing.PAYMENT_DUE, "code": "payment_due"}
    assert stripe_fake.calls_to("POST", "/v1/checkout/sessions") == []


@pytest.mark.parametrize("status", ["canceled", "incomplete", "incomplete_expired"])
def test_checkout_is_open_after_a_subscription_that_bills_no_more(
    stripe_fake, synced_offer, status
):
    sub = StripeSubscriptionFactory(offer=synced_offer, status=status)

    assert checkout(client_for(sub.user)).status_code == HTTPStatus.OK


def test_payment_endpoints_answer_503_without_keys_while_reading_works(offer, reader_client):
    checkout_response = checkout(reader_client)
    portal_response = reader_client.post(PORTAL_URL)

    for response in (checkout_response, portal_response):
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.json() == {
            "detail": stripe_gateway.PAYMENTS_UNAVAILABLE,
            "code": "payments_unavailable",
        }
    assert reader_client.get("/api/v1/offers/").status_code == HTTPStatus.OK


def test_checkout_of_an_offer_not_yet_in_stripe_is_503(stripe_fake, offer, reader_client):
    response = checkout(reader_client)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["code"] == "offer_not_in_stripe"


def test_the_customer_is_created_once_and_reused(stripe_fake, synced_offer, reader, reader_client):
    first, second = checkout(reader_client), checkout(reader_client)

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert len(stripe_fake.calls_to("POST", "/v1/customers")) == 1
    assert Customer.objects.filter(user=reader).count() == 1
    [call] = stripe_fake.calls_to("POST", "/v1/customers")
    assert call.params == {"email": reader.email, "metadata": {"user_id": str(reader.pk)}}
    sessions = stripe_fake.calls_to("POST", "/v1/checkout/sessions")
    assert {call.params["customer"] for call in sessions} == {
        reader.stripe_customer.stripe_customer_id
    }


def test_a_replayed_customer_create_gives_the_same_customer(stripe_fake, synced_offer, reader):
    # Two racing first checkouts send the same idempotency key: Stripe answers both alike.
    key = f"imago-customer-{reader.pk}-{int(reader.date_joined.timestamp())}"
    first = stripe_gateway.customer_create(
        email=reader.email, user_id=reader.pk, idempotency_key=key
    )

    customer = billing.customer_get_or_create(user=reader)

    assert customer.stripe_customer_id == first["id"]
    assert len(stripe_fake.objects["customer"]) == 1


def test_creates_that_must_happen_once_carry_deterministic_idempotency_keys(
    stripe_fake, offer, reader, reader_client
):
    call_command("sync_offers", stdout=io.StringIO())
    checkout(reader_client)

    keys = {
        path: [call.headers["Idempotency-Key"] for call in stripe_fake.calls_to("POST", path)]
        for path in ("/v1/customers", "/v1/products", "/v1/prices")
    }
    offer_key = f"imago-offer-{offer.pk}-{int(offer.created_at.timestamp())}"
    assert keys == {
        "/v1/customers": [f"imago-customer-{reader.pk}-{int(reader.date_joined.timestamp())}"],
        "/v1/products": [f"{offer_key}-product"],
        "/v1/prices": [
            f"{offer_key}-price-{Offer.objects.get().stripe_product_id}-2300-EUR-month-first"
        ],
    }


def test_checkout_and_portal_posts_carry_the_sdks_own_idempotency_key(
    stripe_fake, synced_offer, reader_client
):
    """Each click wants a new session: the SDK's random key, reused by its own retries only."""
    first, second = checkout(reader_client), checkout(reader_client)
    reader_client.post(PORTAL_URL)

    posts = stripe_fake.calls_to("POST", "/v1/checkout/sessions") + stripe_fake.calls_to(
        "POST", "/v1/billing_portal/sessions"
    )
    keys = [call.headers["Idempotency-Key"] for call in posts]
    assert len(keys) == len(set(keys)) == 3
    for key in keys:
        assert not key.startswith("imago-")
        uuid.UUID(key)  # the SDK's format: raises if it is anything else
    assert first.json()["url"] != second.json()["url"]


def test_a_stripe_failure_is_a_json_502_and_keeps_the_customer(
    stripe_fake, synced_offer, reader, reader_client
):
    stripe_fake.fail("POST", "/v1/checkout/sessions")

    response = checkout(reader_client)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json() == {"detail": stripe_gateway.STRIPE_CALL_FAILED, "code": "stripe_error"}
    # The Stripe customer exists now: it stays recorded, and the next checkout reuses it.
    assert Customer.objects.filter(user=reader).exists()
    assert checkout(reader_client).status_code == HTTPStatus.OK
    assert len(stripe_fake.calls_to("POST", "/v1/customers")) == 1


def test_portal_is_404_without_a_stripe_customer(stripe_fake, reader_client):
    response = reader_client.post(PORTAL_URL)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": billing.NO_CUSTOMER, "code": "no_stripe_customer"}


def test_portal_opens_a_session_for_the_customer(stripe_fake, synced_offer, reader, settings):
    client = client_for(reader)
    checkout(client)

    response = client.post(PORTAL_URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["url"].startswith("https://billing.stripe.com/p/session/")
    [call] = stripe_fake.calls_to("POST", "/v1/billing_portal/sessions")
    assert call.params == {
        "customer": reader.stripe_customer.stripe_customer_id,
        "return_url": settings.STRIPE_PORTAL_RETURN_URL,
    }


def test_portal_signed_out_is_401(stripe_fake, anonymous_client):
    assert anonymous_client.post(PORTAL_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_a_second_reader_gets_a_customer_of_their_own(stripe_fake, synced_offer, reader_client):
    other = UserFactory()
    checkout(reader_client)
    checkout(client_for(other))

    assert Customer.objects.count() == 2
    assert len(stripe_fake.calls_to("POST", "/v1/customers")) == 2


def test_a_stripe_that_never_answers_makes_checkout_a_json_503_that_stores_nothing(
    silent_stripe, offer, reader, reader_client
):
    offer.stripe_price_id = "price_123"
    offer.save()
    started = time.monotonic()

    response = checkout(reader_client)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {
        "detail": stripe_gateway.STRIPE_UNREACHABLE,
        "code": "stripe_unreachable",
    }
    assert time.monotonic() - started < stripe_gateway.call_time_limit(timeout=1, retries=0) + 1
    assert not Customer.objects.filter(user=reader).exists()


def test_a_stripe_that_refuses_connections_makes_the_portal_a_json_503(closed_stripe, reader):
    Customer.objects.create(user=reader, stripe_customer_id="cus_123")

    response = client_for(reader).post(PORTAL_URL)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["code"] == "stripe_unreachable"
