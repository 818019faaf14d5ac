import datetime as dt
import io
import time
import uuid
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from licences.tests.factories import MembershipFactory
from subscriptions import billing, stripe_gateway
from subscriptions.models import CheckoutSession, Customer, Offer
from subscriptions.offer_sync import offer_sync
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


def test_checkout_keeps_the_article_it_was_started_from(stripe_fake, synced_offer, reader_client):
    response = reader_client.post(
        CHECKOUT_URL, {"offer": "mensuelle-numerique", "article": "irm-7-tesla"}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    # Kept as the client sent it, for the dashboard's funnel: subscriptions never asks
    # articles whether the slug exists (an unknown one is counted under no rubric).
    assert CheckoutSession.objects.get().source_article == "irm-7-tesla"


def test_checkout_without_an_article_keeps_none(stripe_fake, synced_offer, reader_client):
    assert checkout(reader_client).status_code == HTTPStatus.OK

    assert CheckoutSession.objects.get().source_article == ""


@pytest.mark.parametrize("article", ["pas un slug !", "x" * 256, ["irm"]])
def test_checkout_with_a_malformed_article_is_a_field_error_that_stores_nothing(
    stripe_fake, synced_offer, reader_client, article
):
    response = reader_client.post(
        CHECKOUT_URL, {"offer": "mensuelle-numerique", "article": article}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "article" in response.json()
    assert not CheckoutSession.objects.exists()
    assert stripe_fake.posts() == []


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


def test_a_licence_member_may_still_subscribe_for_themselves(stripe_fake, synced_offer):
    """A licence is the institution's: leaving it, a reader keeps what they paid for."""
    member = MembershipFactory().user

    response = checkout(client_for(member))

    assert response.status_code == HTTPStatus.OK
    assert stripe_fake.calls_to("POST", "/v1/checkout/sessions")


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
    """The SDK's random key, reused by its own retries only: one open session per reader is
    kept by billing's claim, and each portal click wants a new session."""
    checkout(reader_client)
    reader_client.post(PORTAL_URL)
    reader_client.post(PORTAL_URL)

    posts = stripe_fake.calls_to("POST", "/v1/checkout/sessions") + stripe_fake.calls_to(
        "POST", "/v1/billing_portal/sessions"
    )
    keys = [call.headers["Idempotency-Key"] for call in posts]
    assert len(keys) == len(set(keys)) == 3
    for key in keys:
        assert not key.startswith("imago-")
        uuid.UUID(key)  # the SDK's format: raises if it is anything else


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


# One open Checkout Session per reader: quick clicks never become two subscriptions


@pytest.fixture
def yearly_offer(stripe_fake):
    yearly = OfferFactory(
        slug="annuelle-numerique", name="Offre annuelle", price_cents=23000, interval="year"
    )
    offer_sync(offer=yearly)
    yearly.refresh_from_db()
    return yearly


def session_id_of(response) -> str:
    return response.json()["url"].rsplit("/", 1)[1]


def test_a_second_click_reuses_the_readers_open_session(
    stripe_fake, synced_offer, reader, reader_client
):
    first, second, third = checkout(reader_client), checkout(reader_client), checkout(reader_client)

    assert first.status_code == second.status_code == third.status_code == HTTPStatus.OK
    assert first.json() == second.json() == third.json()
    assert len(stripe_fake.calls_to("POST", "/v1/checkout/sessions")) == 1
    remote = stripe_fake.objects["checkout.session"][session_id_of(first)]
    stored = CheckoutSession.objects.get()
    assert (stored.user, stored.offer, stored.status) == (reader, synced_offer, "open")
    assert (stored.stripe_session_id, stored.url) == (remote["id"], remote["url"])
    assert stored.expires_at == dt.datetime.fromtimestamp(remote["expires_at"], tz=dt.UTC)


def test_a_session_for_another_offer_first_expires_the_open_one_at_stripe(
    stripe_fake, synced_offer, yearly_offer, reader_client
):
    monthly = checkout(reader_client)

    yearly = checkout(reader_client, yearly_offer.slug)

    assert yearly.status_code == HTTPStatus.OK
    old_id, new_id = session_id_of(monthly), session_id_of(yearly)
    assert old_id != new_id
    assert stripe_fake.objects["checkout.session"][old_id]["status"] == "expired"
    assert stripe_fake.objects["checkout.session"][new_id]["status"] == "open"
    expire_path = f"/v1/checkout/sessions/{old_id}/expire"
    paths = [call.path for call in stripe_fake.posts()]
    assert paths.index(expire_path) < len(paths) - 1  # expired before the new one was made
    assert paths[-1] == "/v1/checkout/sessions"
    statuses = dict(CheckoutSession.objects.values_list("stripe_session_id", "status"))
    assert statuses == {old_id: "expired", new_id: "open"}
    with pytest.raises(ValueError, match="expired Checkout Session cannot be paid"):
        stripe_fake.checkout_complete(old_id)


def test_an_open_session_about_to_expire_is_replaced(stripe_fake, synced_offer, reader_client):
    first = checkout(reader_client)
    CheckoutSession.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))

    second = checkout(reader_client)

    assert session_id_of(first) != session_id_of(second)
    assert stripe_fake.objects["checkout.session"][session_id_of(first)]["status"] == "expired"
    assert CheckoutSession.objects.filter(status="open").get().stripe_session_id == (
        session_id_of(second)
    )


def test_a_session_stripe_has_expired_is_replaced_without_asking_stripe_again(
    stripe_fake, synced_offer, reader_client
):
    first = checkout(reader_client)
    CheckoutSession.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    second = checkout(reader_client)

    assert second.status_code == HTTPStatus.OK
    assert session_id_of(first) != session_id_of(second)
    assert not any(call.path.endswith("/expire") for call in stripe_fake.posts())
    assert CheckoutSession.objects.get(stripe_session_id=session_id_of(first)).status == "expired"


def test_a_paid_session_whose_subscription_is_on_its_way_stops_a_new_checkout(
    stripe_fake, synced_offer, yearly_offer, reader_client
):
    """Paid, but the webhook has not come yet: no access here, so checkout is open; Stripe
    refuses to expire the paid session, and that says the reader has paid."""
    first = checkout(reader_client)
    stripe_fake.checkout_complete(session_id_of(first))

    response = checkout(reader_client, yearly_offer.slug)

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "detail": billing.CHECKOUT_ALREADY_PAID,
        "code": "checkout_complete",
    }
    assert len(stripe_fake.calls_to("POST", "/v1/checkout/sessions")) == 1
    assert list(CheckoutSession.objects.values_list("status", flat=True)) == ["complete"]


def test_the_completed_event_marks_the_session_paid(
    stripe_fake, synced_offer, reader_client, deliver
):
    session, _ = stripe_fake.checkout_complete(session_id_of(checkout(reader_client)))

    deliver(stripe_fake.event("checkout.session.completed", session))

    assert CheckoutSession.objects.get().status == "complete"


def test_a_stripe_failure_while_replacing_keeps_the_open_session_and_no_claim(
    stripe_fake, synced_offer, yearly_offer, reader_client
):
    first = checkout(reader_client)
    stripe_fake.fail("POST", f"/v1/checkout/sessions/{session_id_of(first)}/expire")

    response = checkout(reader_client, yearly_offer.slug)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert list(CheckoutSession.objects.values_list("status", "offer")) == [
        ("open", synced_offer.pk)
    ]
    assert len(stripe_fake.calls_to("POST", "/v1/checkout/sessions")) == 1
    assert checkout(reader_client).json() == first.json()  # still the one to pay


def test_a_failed_create_leaves_no_session_behind(stripe_fake, synced_offer, reader_client):
    stripe_fake.fail("POST", "/v1/checkout/sessions")

    assert checkout(reader_client).status_code == HTTPStatus.BAD_GATEWAY
    assert not CheckoutSession.objects.exists()
    assert checkout(reader_client).status_code == HTTPStatus.OK


def test_a_click_while_another_creates_the_session_waits_then_answers_409(
    stripe_fake, synced_offer, reader, reader_client, settings
):
    """The reader's other click holds the claim (its Stripe call is slow): this one waits for
    its session, at most STRIPE_TIMEOUT_SECONDS, rather than make a second one."""
    settings.STRIPE_TIMEOUT_SECONDS = 1
    CheckoutSession.objects.create(user=reader, offer=synced_offer)  # the other click's claim
    started = time.monotonic()

    response = checkout(reader_client)

    assert 1 <= time.monotonic() - started < 2
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "detail": billing.CHECKOUT_IN_PROGRESS,
        "code": "checkout_in_progress",
    }
    assert stripe_fake.calls_to("POST", "/v1/checkout/sessions") == []


def test_a_claim_left_by_a_killed_worker_holds_nobody_back(
    stripe_fake, synced_offer, reader, reader_client
):
    claim = CheckoutSession.objects.create(user=reader, offer=synced_offer)
    CheckoutSession.objects.filter(pk=claim.pk).update(
        created_at=timezone.now() - billing.CHECKOUT_CLAIM_ABANDONED_AFTER
    )

    response = checkout(reader_client)

    assert response.status_code == HTTPStatus.OK
    assert list(CheckoutSession.objects.values_list("status", flat=True)) == ["open"]


def test_a_reader_has_one_open_session_at_most_by_database_rule(synced_offer, reader):
    CheckoutSession.objects.create(
        user=reader,
        offer=synced_offer,
        status="open",
        stripe_session_id="cs_test_1",
        expires_at=timezone.now(),
    )

    with pytest.raises(IntegrityError):
        CheckoutSession.objects.create(
            user=reader,
            offer=synced_offer,
            status="open",
            stripe_session_id="cs_test_2",
            expires_at=timezone.now(),
        )
