import io

import pytest
from django.core.management import CommandError, call_command

from subscriptions.models import Subscription, WebhookEvent
from subscriptions.tests.factories import OfferFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = io.StringIO()
    call_command(command, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# sync_offers


def test_sync_offers_creates_the_product_and_the_price(stripe_fake, offer):
    run("sync_offers")

    offer.refresh_from_db()
    [product_call] = stripe_fake.calls_to("POST", "/v1/products")
    [price_call] = stripe_fake.calls_to("POST", "/v1/prices")
    assert product_call.params["name"] == offer.name
    assert product_call.params["metadata"] == {"offer": offer.slug}
    assert price_call.params == {
        "product": offer.stripe_product_id,
        "unit_amount": "2300",
        "currency": "eur",
        "recurring": {"interval": "month"},
        "tax_behavior": "inclusive",
        "metadata": {"offer": offer.slug},
    }
    assert offer.stripe_product_id in stripe_fake.objects["product"]
    assert offer.stripe_price_id in stripe_fake.objects["price"]


def test_sync_offers_twice_changes_nothing(stripe_fake, offer):
    run("sync_offers")
    offer.refresh_from_db()
    ids = (offer.stripe_product_id, offer.stripe_price_id)
    stripe_fake.calls.clear()

    output = run("sync_offers")

    assert stripe_fake.posts() == []
    offer.refresh_from_db()
    assert (offer.stripe_product_id, offer.stripe_price_id) == ids
    assert "unchanged" in output


def test_a_renamed_offer_updates_its_product(stripe_fake, synced_offer):
    synced_offer.name = "Offre numérique"
    synced_offer.save()

    run("sync_offers")

    assert stripe_fake.calls_to("POST", "/v1/products") == []
    [update] = stripe_fake.calls_to("POST", f"/v1/products/{synced_offer.stripe_product_id}")
    assert update.params == {"name": "Offre numérique"}
    assert stripe_fake.calls_to("POST", "/v1/prices") == []


def test_a_new_price_makes_a_new_stripe_price_and_keeps_subscribers_on_theirs(
    stripe_fake, synced_offer, deliver, make_stripe_customer
):
    old_price_id = synced_offer.stripe_price_id
    subscriber = make_stripe_customer()
    remote = stripe_fake.subscription_create(
        customer=subscriber.stripe_customer_id, price=stripe_fake.objects["price"][old_price_id]
    )
    deliver(stripe_fake.event("customer.subscription.created", remote))
    synced_offer.price_cents = 2500
    synced_offer.save()

    run("sync_offers")

    synced_offer.refresh_from_db()
    new_price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    assert synced_offer.stripe_price_id != old_price_id
    assert new_price["unit_amount"] == 2500
    assert new_price["product"] == synced_offer.stripe_product_id
    assert stripe_fake.objects["price"][old_price_id]["active"] is False  # no new checkouts
    # The subscriber keeps the old price, and the offer is still found for it.
    deliver(stripe_fake.event("customer.subscription.updated", remote))
    subscription = Subscription.objects.get(user=subscriber.user)
    assert subscription.stripe_price_id == old_price_id
    assert subscription.offer == synced_offer


def test_going_back_to_an_earlier_price_makes_an_active_price_again(
    stripe_fake, synced_offer, reader_client
):
    """Stripe replays a create with the same idempotency key: the key must differ."""
    first_price_id = synced_offer.stripe_price_id
    for cents in (2500, 2300):
        synced_offer.price_cents = cents
        synced_offer.save()
        run("sync_offers")

    synced_offer.refresh_from_db()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    assert synced_offer.stripe_price_id != first_price_id
    assert (price["unit_amount"], price["active"]) == (2300, True)
    response = reader_client.post(
        "/api/v1/subscriptions/checkout/", {"offer": synced_offer.slug}, format="json"
    )
    assert response.status_code == 200


def test_sync_offers_leaves_inactive_offers_alone(stripe_fake, offer):
    retired = OfferFactory(slug="ancienne-offre", is_active=False)

    output = run("sync_offers")

    [product_call] = stripe_fake.calls_to("POST", "/v1/products")
    assert product_call.params["metadata"] == {"offer": offer.slug}
    retired.refresh_from_db()
    assert (retired.stripe_product_id, retired.stripe_price_id) == ("", "")
    assert "ancienne-offre" not in output


def test_sync_offers_without_keys_fails_clearly(offer):
    with pytest.raises(CommandError, match="indisponible"):
        run("sync_offers")


# sync_subscriptions


def test_sync_subscriptions_repairs_a_wrong_local_status(
    stripe_fake, synced_offer, make_stripe_customer
):
    stripe_customer = make_stripe_customer()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=stripe_customer.stripe_customer_id, price=price, status="canceled"
    )
    StripeSubscriptionFactory(
        user=stripe_customer.user,
        offer=synced_offer,
        stripe_subscription_id=remote["id"],
        status=Subscription.Status.ACTIVE,  # a missed customer.subscription.deleted
    )

    output = run("sync_subscriptions")

    subscription = Subscription.objects.get()
    assert subscription.status == "canceled"
    assert subscription.current_period_end == stripe_fake.period_end(remote["id"])
    assert f"{remote['id']}" in output
    assert "1 repaired" in output


def test_sync_subscriptions_finds_subscriptions_missed_entirely(
    stripe_fake, synced_offer, make_stripe_customer
):
    stripe_customer = make_stripe_customer()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    remote = stripe_fake.subscription_create(
        customer=stripe_customer.stripe_customer_id, price=price
    )

    run("sync_subscriptions")

    subscription = Subscription.objects.get()
    assert (subscription.user, subscription.stripe_subscription_id, subscription.status) == (
        stripe_customer.user,
        remote["id"],
        "active",
    )
    assert subscription.offer == synced_offer


def test_sync_subscriptions_is_safe_to_run_again(stripe_fake, synced_offer, make_stripe_customer):
    stripe_customer = make_stripe_customer()
    price = stripe_fake.objects["price"][synced_offer.stripe_price_id]
    stripe_fake.subscription_create(customer=stripe_customer.stripe_customer_id, price=price)
    run("sync_subscriptions")

    output = run("sync_subscriptions")

    assert "1 subscription(s) read from Stripe, 0 repaired." in output
    assert Subscription.objects.count() == 1


def test_sync_subscriptions_reports_what_it_could_not_read(stripe_fake, synced_offer):
    StripeSubscriptionFactory(offer=synced_offer, stripe_subscription_id="sub_gone")
    errors = io.StringIO()

    with pytest.raises(CommandError, match="1 failure"):
        call_command("sync_subscriptions", stdout=io.StringIO(), stderr=errors)

    [failure] = errors.getvalue().splitlines()
    assert failure.startswith("subscription sub_gone: ")
    assert "No such subscription: 'sub_gone'" in failure  # Stripe's own words
    assert Subscription.objects.get().status == "active"  # left as it was


def test_sync_subscriptions_without_keys_fails_clearly(db):
    with pytest.raises(CommandError, match="indisponible"):
        run("sync_subscriptions")


def test_sync_subscriptions_replays_events_cut_off_mid_processing(stripe_fake, cut_off_event):
    """The event alone links its subscription (a customer unknown here): re-reading the known
    subscriptions cannot find it, replaying the event does."""
    output = run("sync_subscriptions")

    cut_off_event.refresh_from_db()
    assert (cut_off_event.status, cut_off_event.attempts) == ("processed", 1)
    reader_id = int(cut_off_event.payload["data"]["object"]["client_reference_id"])
    assert Subscription.objects.get().user_id == reader_id
    assert "1 webhook event(s) replayed: 1 processed." in output


def test_sync_subscriptions_replays_failed_events_and_reports_those_that_fail_again(
    stripe_fake, cut_off_event
):
    subscription_id = cut_off_event.payload["data"]["object"]["subscription"]
    WebhookEvent.objects.filter(pk=cut_off_event.pk).update(status="failed", error="Stripe down")
    stripe_fake.fail("GET", f"/v1/subscriptions/{subscription_id}")
    errors = io.StringIO()

    with pytest.raises(CommandError, match="1 failure"):
        call_command("sync_subscriptions", stdout=io.StringIO(), stderr=errors)
    cut_off_event.refresh_from_db()
    assert (cut_off_event.status, cut_off_event.attempts) == ("failed", 1)
    assert errors.getvalue().startswith(f"event {cut_off_event.stripe_event_id}: StripeCallFailed")

    run("sync_subscriptions")  # Stripe answers again

    cut_off_event.refresh_from_db()
    assert cut_off_event.status == "processed"


def test_sync_subscriptions_leaves_an_event_that_may_still_be_in_processing(
    stripe_fake, cut_off_event, settings
):
    settings.STRIPE_EVENT_STALE_MINUTES = 60

    output = run("sync_subscriptions")

    cut_off_event.refresh_from_db()
    assert (cut_off_event.status, cut_off_event.attempts) == ("pending", 0)
    assert "replayed" not in output
