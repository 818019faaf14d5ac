"""Subscription managers look after Stripe subscriptions and webhook events in the admin."""

import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils.html import escape

from accounts.groups import SUBSCRIPTION_MANAGERS
from accounts.tests.factories import UserFactory
from conftest import client_for
from subscriptions.admin import NOTHING_TO_REPLAY, OFFER_SYNC_FAILED
from subscriptions.models import CheckoutSession, Customer, Subscription, WebhookEvent
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

EVENTS_URL = "/admin/subscriptions/webhookevent/"
CHECKOUT_URL = "/api/v1/subscriptions/checkout/"


@pytest.fixture
def failed_event(stripe_fake, synced_offer, deliver, make_stripe_customer):
    """A subscription event that failed because Stripe could not be reached."""
    remote = stripe_fake.subscription_create(
        customer=make_stripe_customer().stripe_customer_id,
        price=stripe_fake.objects["price"][synced_offer.stripe_price_id],
    )
    stripe_fake.fail("GET", f"/v1/subscriptions/{remote['id']}")
    assert deliver(stripe_fake.event("customer.subscription.created", remote)).status_code == 500
    return WebhookEvent.objects.get()


def test_subscription_managers_may_view_and_replay_webhook_events():
    permissions = set(
        Group.objects.get(name=SUBSCRIPTION_MANAGERS).permissions.values_list("codename", flat=True)
    )

    assert {"view_webhookevent", "change_webhookevent"} <= permissions
    assert "delete_webhookevent" not in permissions


def test_a_manager_reads_an_event_without_editing_it(manager_client, failed_event):
    listing = manager_client.get(EVENTS_URL, {"status__exact": "failed"})
    detail = manager_client.get(f"{EVENTS_URL}{failed_event.pk}/change/")

    assert listing.status_code == detail.status_code == HTTPStatus.OK
    assert failed_event.stripe_event_id in listing.content.decode()
    page = detail.content.decode()
    assert "StripeCallFailed" in page  # the error
    assert "customer.subscription.created" in page
    assert 'name="_save"' not in page  # read-only
    assert manager_client.get(f"{EVENTS_URL}add/").status_code == HTTPStatus.FORBIDDEN


def test_a_manager_replays_a_failed_event(manager_client, failed_event):
    response = manager_client.post(
        EVENTS_URL,
        {"action": "replay", "_selected_action": [failed_event.pk]},
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    failed_event.refresh_from_db()
    assert (failed_event.status, failed_event.error, failed_event.attempts) == ("processed", "", 2)
    assert Subscription.objects.get().status == "active"


def test_a_manager_replays_an_event_cut_off_mid_processing(manager_client, cut_off_event):
    response = manager_client.post(
        EVENTS_URL,
        {"action": "replay", "_selected_action": [cut_off_event.pk]},
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    cut_off_event.refresh_from_db()
    assert (cut_off_event.status, cut_off_event.attempts) == ("processed", 1)
    reader_id = int(cut_off_event.payload["data"]["object"]["client_reference_id"])
    subscription = Subscription.objects.get()
    assert (subscription.user_id, subscription.status) == (reader_id, "active")


def test_an_event_pending_for_less_than_the_stale_delay_is_not_replayed(
    manager_client, cut_off_event, settings
):
    """It may be in processing right now: replaying it would only wait for its lock."""
    settings.STRIPE_EVENT_STALE_MINUTES = 60

    response = manager_client.post(
        EVENTS_URL,
        {"action": "replay", "_selected_action": [cut_off_event.pk]},
        follow=True,
    )

    assert escape(NOTHING_TO_REPLAY) in response.content.decode()
    cut_off_event.refresh_from_db()
    assert (cut_off_event.status, cut_off_event.attempts) == ("pending", 0)
    assert not Subscription.objects.exists()


def test_a_stripe_subscription_is_read_only_with_a_dashboard_link(manager_client, settings):
    settings.STRIPE_DASHBOARD_URL = "https://dashboard.stripe.com"
    subscription = StripeSubscriptionFactory(stripe_subscription_id="sub_123", livemode=False)

    response = manager_client.get(f"/admin/subscriptions/subscription/{subscription.pk}/change/")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "https://dashboard.stripe.com/test/subscriptions/sub_123" in page
    assert 'name="status"' not in page


def test_a_live_subscription_links_to_the_live_dashboard(manager_client):
    subscription = StripeSubscriptionFactory(stripe_subscription_id="sub_live", livemode=True)

    response = manager_client.get(f"/admin/subscriptions/subscription/{subscription.pk}/change/")

    assert "https://dashboard.stripe.com/subscriptions/sub_live" in response.content.decode()


def test_subscriptions_filter_by_status_and_source(manager_client):
    StripeSubscriptionFactory(user=UserFactory(email="paye@example.org"), status="past_due")
    StripeSubscriptionFactory(user=UserFactory(email="annule@example.org"), status="canceled")
    ComplimentaryFactory(user=UserFactory(email="offert@example.org"))

    def listed(**filters) -> set[str]:
        response = manager_client.get("/admin/subscriptions/subscription/", filters)
        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        emails = ["paye@example.org", "annule@example.org", "offert@example.org"]
        return {email for email in emails if email in page}

    assert listed(status__exact="past_due") == {"paye@example.org"}
    assert listed(source__exact="stripe") == {"paye@example.org", "annule@example.org"}
    assert listed(source__exact="complimentary") == {"offert@example.org"}


def test_a_manager_sees_customers(manager_client, stripe_fake):
    customer = Customer.objects.create(user=UserFactory(), stripe_customer_id="cus_123")

    response = manager_client.get(f"/admin/subscriptions/customer/{customer.pk}/change/")

    assert response.status_code == HTTPStatus.OK
    assert "https://dashboard.stripe.com/test/customers/cus_123" in response.content.decode()


def offer_form(offer, **changes) -> dict:
    data = {
        "name": offer.name,
        "slug": offer.slug,
        "tagline": offer.tagline,
        "price_cents": offer.price_cents,
        "currency": offer.currency,
        "interval": offer.interval,
        "benefits": "\n".join(offer.benefits),
        "is_active": "on",
        "position": offer.position,
        "trial_days": offer.trial_days,
    }
    return {**data, **changes}


def checkout(client):
    return client.post(CHECKOUT_URL, {"offer": "mensuelle-numerique"}, format="json")


def test_a_new_price_in_the_admin_reaches_stripe_at_once(
    manager_client, stripe_fake, synced_offer, reader_client
):
    old_price_id = synced_offer.stripe_price_id

    response = manager_client.post(
        f"/admin/subscriptions/offer/{synced_offer.pk}/change/",
        offer_form(synced_offer, price_cents=2900),
    )

    assert response.status_code == HTTPStatus.FOUND
    synced_offer.refresh_from_db()
    new_price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    assert new_price["id"] != old_price_id
    assert (new_price["unit_amount"], new_price["active"]) == (2900, True)
    # The next reader to check out is charged the new price.
    assert checkout(reader_client).status_code == HTTPStatus.OK
    [session] = stripe_fake.calls_to("POST", "/v1/checkout/sessions")
    assert session.params["line_items"] == [{"price": new_price["id"], "quantity": "1"}]


def test_a_new_price_stripe_refuses_suspends_checkout_of_the_offer(
    manager_client, stripe_fake, synced_offer, reader_client
):
    """The displayed 29 € must never be charged at the old 23 €."""
    stripe_fake.fail("POST", "/v1/prices")

    response = manager_client.post(
        f"/admin/subscriptions/offer/{synced_offer.pk}/change/",
        offer_form(synced_offer, price_cents=2900),
        follow=True,
    )

    assert escape(OFFER_SYNC_FAILED.split(" (")[0]) in response.content.decode()
    synced_offer.refresh_from_db()
    assert (synced_offer.price_cents, synced_offer.stripe_price_id) == (2900, "")
    refused = checkout(reader_client)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert refused.json()["code"] == "offer_not_in_stripe"
    assert stripe_fake.calls_to("POST", "/v1/checkout/sessions") == []


def test_a_new_price_saved_while_stripe_is_off_suspends_checkout_until_synced(
    manager_client, offer, reader_client, request
):
    offer.stripe_price_id = "price_old_2300"
    offer.save()

    manager_client.post(
        f"/admin/subscriptions/offer/{offer.pk}/change/", offer_form(offer, price_cents=2900)
    )
    stripe_fake = request.getfixturevalue("stripe_fake")  # Stripe is configured afterwards

    offer.refresh_from_db()
    assert offer.stripe_price_id == ""
    refused = checkout(reader_client)
    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert refused.json()["code"] == "offer_not_in_stripe"
    assert stripe_fake.posts() == []

    call_command("sync_offers", stdout=io.StringIO())

    assert checkout(reader_client).status_code == HTTPStatus.OK
    [session] = stripe_fake.calls_to("POST", "/v1/checkout/sessions")
    [line_item] = session.params["line_items"]
    assert stripe_fake.objects["price"][line_item["price"]]["unit_amount"] == 2900


def test_a_complimentary_grant_cannot_be_moved_to_another_reader(manager_client):
    grant, other = ComplimentaryFactory(), ComplimentaryFactory()

    response = manager_client.post(
        f"/admin/subscriptions/subscription/{grant.pk}/change/",
        {
            "user": other.user.pk,
            "current_period_end_0": "31/12/2099",
            "current_period_end_1": "12:00:00",
            "note": "",
        },
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.user != other.user
    assert grant.current_period_end.year == 2099


def test_a_manager_sees_checkout_sessions_read_only(manager_client, stripe_fake, synced_offer):
    reader = UserFactory()
    response = client_for(reader).post(CHECKOUT_URL, {"offer": synced_offer.slug}, format="json")
    session = CheckoutSession.objects.get()
    url = "/admin/subscriptions/checkoutsession/"

    listing = manager_client.get(url)
    detail = manager_client.get(f"{url}{session.pk}/change/")

    assert response.status_code == listing.status_code == detail.status_code == HTTPStatus.OK
    assert reader.email in listing.content.decode()
    page = detail.content.decode()
    assert session.stripe_session_id in page
    assert f"/test/checkout/sessions/{session.stripe_session_id}" in page  # the dashboard link
    assert 'name="_save"' not in page
    assert manager_client.get(f"{url}add/").status_code == HTTPStatus.FORBIDDEN
    assert manager_client.post(f"{url}{session.pk}/delete/").status_code == HTTPStatus.FORBIDDEN
    permissions = set(
        Group.objects.get(name=SUBSCRIPTION_MANAGERS).permissions.values_list("codename", flat=True)
    )
    assert "view_checkoutsession" in permissions
    assert not {"add_checkoutsession", "change_checkoutsession", "delete_checkoutsession"} & (
        permissions
    )
