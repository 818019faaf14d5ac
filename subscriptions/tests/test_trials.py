"""Free trials: one in a reader's life, sent to Stripe Checkout, shown in offers/ and me/."""

import datetime as dt
import hashlib
from http import HTTPStatus

import pytest
from django.db import IntegrityError
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from conftest import client_for
from subscriptions.access import has_access
from subscriptions.billing import trial_address_digests, trial_days_for
from subscriptions.models import CheckoutSession, Offer, SpentTrial, Subscription
from subscriptions.tests.factories import (
    ComplimentaryFactory,
    OfferFactory,
    StripeSubscriptionFactory,
)
from subscriptions.tests.test_stripe_admin import offer_form

pytestmark = pytest.mark.django_db

CHECKOUT_URL = "/api/v1/subscriptions/checkout/"
OFFERS_URL = "/api/v1/offers/"
ME_URL = "/api/v1/me/"
DAY = dt.timedelta(days=1)


def now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


@pytest.fixture
def trial_offer(synced_offer):
    """The 23 € monthly offer, in Stripe, with 14 free days."""
    synced_offer.trial_days = 14
    synced_offer.save()
    return synced_offer


def checkout(client, offer) -> str:
    """Check out through the API; the id of the Stripe session it opened."""
    response = client.post(CHECKOUT_URL, {"offer": offer.slug}, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()
    return response.json()["url"].rsplit("/", 1)[1]


def sent_to_stripe(stripe_fake, session_id: str) -> dict:
    """The parameters Stripe received for this Checkout Session."""
    return stripe_fake.checkout_params[session_id]


def article_reading(client, article) -> dict:
    response = client.get(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == HTTPStatus.OK
    return response.json()


# Checkout


def test_a_first_time_reader_checks_out_with_the_offers_trial(
    stripe_fake, trial_offer, reader, reader_client
):
    session_id = checkout(reader_client, trial_offer)

    params = sent_to_stripe(stripe_fake, session_id)
    assert params["subscription_data"]["trial_period_days"] == "14"
    assert params["subscription_data"]["metadata"]["user_id"] == str(reader.pk)
    assert params["allow_promotion_codes"] == "true"
    assert params["payment_method_collection"] == "always"
    assert CheckoutSession.objects.get(user=reader).trial_days == 14


def test_an_offer_without_trial_checks_out_without_one(stripe_fake, synced_offer, reader_client):
    session_id = checkout(reader_client, synced_offer)

    params = sent_to_stripe(stripe_fake, session_id)
    assert "trial_period_days" not in params["subscription_data"]
    assert params["allow_promotion_codes"] == "true"
    assert CheckoutSession.objects.get().trial_days == 0


@pytest.mark.parametrize(
    "past",
    [
        {"status": "canceled"},
        {"status": "incomplete"},
        {"status": "incomplete_expired"},
        {"status": "canceled", "trial_end": timezone.now() - 30 * DAY},  # a past trial
    ],
    ids=["canceled", "incomplete", "incomplete_expired", "past_trial_canceled"],
)
def test_a_reader_who_ever_had_a_stripe_subscription_gets_no_trial(stripe_fake, trial_offer, past):
    former = StripeSubscriptionFactory(
        offer=trial_offer, current_period_end=timezone.now() - DAY, **past
    )

    session_id = checkout(client_for(former.user), trial_offer)

    params = sent_to_stripe(stripe_fake, session_id)
    assert "trial_period_days" not in params["subscription_data"]
    assert params["allow_promotion_codes"] == "true"


# One trial in a life, account deleted or not: the address is remembered as a keyed hash.


def register(email: str):
    """A new account through the API; a client signed in to it."""
    response = APIClient().post(
        "/api/v1/auth/register/", {"email": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def delete_account(client) -> None:
    response = client.delete(ME_URL, {"password": PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.NO_CONTENT


def had_a_trial(email: str, offer) -> None:
    """The account of `email` had its trial, which ended without a payment."""
    user = User.objects.by_email(email)
    StripeSubscriptionFactory(
        user=user,
        offer=offer,
        status=Subscription.Status.CANCELED,
        trial_end=timezone.now() - DAY,
        current_period_end=timezone.now() - DAY,
    )


@pytest.mark.parametrize(
    "again",
    ["sam.martin@example.org", "SAM.Martin@EXAMPLE.org", "ſam.martin@example.org"],
    ids=["same", "case", "long_s"],
)
def test_deleting_the_account_and_registering_the_address_again_gives_no_second_trial(
    stripe_fake, trial_offer, again
):
    first = register("Sam.Martin@example.org")
    had_a_trial("sam.martin@example.org", trial_offer)
    delete_account(first)

    session_id = checkout(register(again), trial_offer)

    params = sent_to_stripe(stripe_fake, session_id)
    assert "trial_period_days" not in params["subscription_data"]
    assert [call.params for call in stripe_fake.calls_to("POST", "/v1/checkout/sessions")] == [
        params
    ]


@pytest.mark.parametrize(
    "again", ["sammartin@gmail.com", "Sam.Mar.tin+essai@googlemail.com"], ids=["dots", "tag"]
)
def test_a_gmail_address_spelt_another_way_gives_no_second_trial(stripe_fake, trial_offer, again):
    first = register("sam.martin@gmail.com")
    had_a_trial("sam.martin@gmail.com", trial_offer)
    delete_account(first)

    session_id = checkout(register(again), trial_offer)

    assert "trial_period_days" not in sent_to_stripe(stripe_fake, session_id)["subscription_data"]


def test_dots_elsewhere_than_gmail_are_another_mailbox_with_its_own_trial(stripe_fake, trial_offer):
    first = register("sam.martin@example.org")
    had_a_trial("sam.martin@example.org", trial_offer)
    delete_account(first)

    session_id = checkout(register("sammartin@example.org"), trial_offer)

    assert sent_to_stripe(stripe_fake, session_id)["subscription_data"]["trial_period_days"] == (
        "14"
    )


def test_only_a_keyed_hash_of_the_address_is_kept(trial_offer):
    client = register("sam.martin@example.org")
    had_a_trial("sam.martin@example.org", trial_offer)
    delete_account(client)

    (kept,) = SpentTrial.objects.values_list("address_digest", flat=True)
    assert kept == trial_address_digests("sam.martin@example.org")[0]
    assert "sam" not in kept and "martin" not in kept
    assert kept != hashlib.sha256(b"sam.martin@example.org").hexdigest()


def test_a_deleted_account_that_never_had_a_trial_leaves_the_address_its_trial(
    stripe_fake, trial_offer
):
    delete_account(register("sam.martin@example.org"))

    session_id = checkout(register("sam.martin@example.org"), trial_offer)

    assert sent_to_stripe(stripe_fake, session_id)["subscription_data"]["trial_period_days"] == (
        "14"
    )


def test_another_address_keeps_its_trial_after_a_deletion(stripe_fake, trial_offer):
    client = register("sam.martin@example.org")
    had_a_trial("sam.martin@example.org", trial_offer)
    delete_account(client)

    session_id = checkout(register("samuel.martin@example.org"), trial_offer)

    assert sent_to_stripe(stripe_fake, session_id)["subscription_data"]["trial_period_days"] == (
        "14"
    )


def test_a_spent_trial_is_still_found_after_the_secret_key_rotates(settings, trial_offer):
    client = register("sam.martin@example.org")
    had_a_trial("sam.martin@example.org", trial_offer)
    delete_account(client)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    register("sam.martin@example.org")
    again = User.objects.by_email("sam.martin@example.org")

    assert trial_days_for(user=again, offer=trial_offer) == 0


def test_a_reader_whose_paid_checkout_is_not_synced_yet_gets_no_trial(trial_offer, reader):
    CheckoutSession.objects.create(
        user=reader,
        offer=trial_offer,
        status=CheckoutSession.Status.COMPLETE,
        stripe_session_id="cs_test_paid",
        expires_at=timezone.now(),
    )

    assert trial_days_for(user=reader, offer=trial_offer) == 0


def test_a_former_complimentary_reader_still_gets_the_trial(stripe_fake, trial_offer):
    """A grant is staff's gift, not a subscription the reader took out: the trial stays."""
    grant = ComplimentaryFactory(current_period_end=timezone.now() - DAY)

    session_id = checkout(client_for(grant.user), trial_offer)

    assert sent_to_stripe(stripe_fake, session_id)["subscription_data"]["trial_period_days"] == (
        "14"
    )


def test_a_reader_with_live_complimentary_access_cannot_check_out_at_all(
    stripe_fake, trial_offer, subscriber_client
):
    response = subscriber_client.post(CHECKOUT_URL, {"offer": trial_offer.slug}, format="json")

    assert response.status_code == HTTPStatus.CONFLICT
    assert stripe_fake.calls_to("POST", "/v1/checkout/sessions") == []


def test_an_open_trial_page_is_reused_while_the_reader_is_still_due_the_trial(
    stripe_fake, trial_offer, reader_client
):
    first = checkout(reader_client, trial_offer)
    second = checkout(reader_client, trial_offer)

    assert first == second
    assert len(stripe_fake.calls_to("POST", "/v1/checkout/sessions")) == 1


def test_an_open_trial_page_is_replaced_once_the_reader_is_no_longer_due_it(
    stripe_fake, trial_offer, reader, reader_client
):
    """A subscription that came meanwhile (opened elsewhere, now over) ends the trial offer:
    the page still offering it is expired at Stripe and a page without trial replaces it."""
    with_trial = checkout(reader_client, trial_offer)
    StripeSubscriptionFactory(user=reader, offer=trial_offer, status="canceled")

    without_trial = checkout(reader_client, trial_offer)

    assert without_trial != with_trial
    assert stripe_fake.objects["checkout.session"][with_trial]["status"] == "expired"
    assert (
        "trial_period_days" not in sent_to_stripe(stripe_fake, without_trial)["subscription_data"]
    )
    assert CheckoutSession.objects.get(status="open").trial_days == 0


def test_a_changed_trial_on_the_offer_replaces_the_open_page(
    stripe_fake, trial_offer, reader_client
):
    before = checkout(reader_client, trial_offer)
    trial_offer.trial_days = 30
    trial_offer.save()

    after = checkout(reader_client, trial_offer)

    assert after != before
    assert sent_to_stripe(stripe_fake, after)["subscription_data"]["trial_period_days"] == "30"


# A trial from Checkout to its end


def start_trial(stripe_fake, deliver, client, offer) -> dict:
    """Check out, pay the trial page on Stripe, deliver Stripe's two events."""
    session, remote = stripe_fake.checkout_complete(checkout(client, offer))
    assert remote["status"] == "trialing"
    for event in [
        stripe_fake.event("checkout.session.completed", session),
        stripe_fake.event("customer.subscription.created", remote),
    ]:
        assert deliver(event).status_code == HTTPStatus.OK
    return remote


def test_a_trialing_subscription_opens_every_article_and_me_says_when_it_ends(
    stripe_fake, trial_offer, deliver, reader, reader_client
):
    article = ArticleFactory()

    remote = start_trial(stripe_fake, deliver, reader_client, trial_offer)

    trial_end = dt.datetime.fromtimestamp(remote["trial_end"], tz=dt.UTC)
    assert trial_end - dt.datetime.fromtimestamp(remote["trial_start"], tz=dt.UTC) == 14 * DAY
    reading = article_reading(reader_client, article)
    assert reading["content"]["complete"] is True
    assert reading["access"] == {"via": "subscription"}
    me = reader_client.get(ME_URL)
    assert "private" in me["Cache-Control"]
    assert me.json()["has_access"] is True
    subscription = me.json()["subscription"]
    assert subscription["status"] == "trialing"
    assert subscription["offer"] == trial_offer.slug
    assert dt.datetime.fromisoformat(subscription["trial_ends_at"]) == trial_end
    assert dt.datetime.fromisoformat(subscription["current_period_end"]) == trial_end
    assert Subscription.objects.get(user=reader).trial_end == trial_end


def test_a_trial_that_turns_into_a_paid_subscription_shows_no_trial_end(
    stripe_fake, trial_offer, deliver, reader_client
):
    remote = start_trial(stripe_fake, deliver, reader_client, trial_offer)
    trial_end = dt.datetime.fromtimestamp(remote["trial_end"], tz=dt.UTC)

    # At the trial's end Stripe charges the card: a paid period begins.
    stripe_fake.period_set(remote["id"], start=trial_end, end=trial_end + 30 * DAY)
    stripe_fake.subscription_update(remote["id"], status="active")
    paid = stripe_fake.invoice_create(remote["id"], paid=True)
    assert deliver(stripe_fake.event("invoice.paid", paid)).status_code == HTTPStatus.OK

    subscription = reader_client.get(ME_URL).json()["subscription"]
    assert subscription["status"] == "active"
    assert subscription["trial_ends_at"] is None


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("customer.subscription.deleted", "canceled"),
        ("customer.subscription.updated", "incomplete_expired"),
    ],
)
def test_a_trial_that_ends_without_payment_closes_access_and_the_next_checkout_has_none(
    stripe_fake, trial_offer, deliver, reader, reader_client, event_type, status
):
    article = ArticleFactory()
    remote = start_trial(stripe_fake, deliver, reader_client, trial_offer)

    stripe_fake.subscription_update(remote["id"], status=status, ended_at=int(now().timestamp()))
    assert deliver(stripe_fake.event(event_type, remote)).status_code == HTTPStatus.OK

    reading = article_reading(reader_client, article)
    assert reading["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in str(reading)
    me = reader_client.get(ME_URL).json()
    assert me["has_access"] is False
    assert me["subscription"]["status"] == status
    assert me["subscription"]["trial_ends_at"] is None
    # One trial in a life: the next checkout is paid from the first day.
    again = checkout(reader_client, trial_offer)
    assert "trial_period_days" not in sent_to_stripe(stripe_fake, again)["subscription_data"]
    assert sent_to_stripe(stripe_fake, again)["allow_promotion_codes"] == "true"


@pytest.mark.parametrize(("days_since_trial_end", "reads"), [(2, True), (4, False)])
def test_a_trial_whose_first_payment_fails_keeps_the_grace_of_a_past_due_subscription(
    stripe_fake, trial_offer, deliver, reader, reader_client, settings, days_since_trial_end, reads
):
    """Stripe bills the first paid period at the trial's end; the card is declined and it
    retries. Past due, the reader reads for SUBSCRIPTION_GRACE_DAYS after the trial ended."""
    settings.SUBSCRIPTION_GRACE_DAYS = 3
    article = ArticleFactory()
    remote = start_trial(stripe_fake, deliver, reader_client, trial_offer)
    trial_end = now() - days_since_trial_end * DAY
    stripe_fake.trial_start(remote["id"], start=trial_end - 14 * DAY, end=trial_end)

    stripe_fake.period_set(remote["id"], start=trial_end, end=trial_end + 30 * DAY)
    stripe_fake.subscription_update(remote["id"], status="past_due")
    failed = stripe_fake.invoice_create(remote["id"], paid=False)
    assert deliver(stripe_fake.event("invoice.payment_failed", failed)).status_code == HTTPStatus.OK

    assert article_reading(reader_client, article)["content"]["complete"] is reads
    me = reader_client.get(ME_URL).json()
    assert me["has_access"] is reads
    assert (me["subscription"]["status"], me["subscription"]["trial_ends_at"]) == ("past_due", None)
    assert has_access(reader, at=trial_end + 3 * DAY - dt.timedelta(minutes=1))
    assert not has_access(reader, at=trial_end + 3 * DAY + dt.timedelta(minutes=1))


def test_a_trial_past_its_end_with_no_news_from_stripe_gives_no_access(
    stripe_fake, trial_offer, deliver, reader, reader_client
):
    """Missed webhooks: a trial row left `trialing` opens nothing after its period ends."""
    remote = start_trial(stripe_fake, deliver, reader_client, trial_offer)
    trial_end = dt.datetime.fromtimestamp(remote["trial_end"], tz=dt.UTC)

    assert has_access(reader, at=trial_end - dt.timedelta(minutes=1))
    assert not has_access(reader, at=trial_end + dt.timedelta(minutes=1))


# Offers


def test_offers_show_the_trial_in_french(anonymous_client, offer):
    offer.trial_days = 14
    offer.save()

    [shown] = anonymous_client.get(OFFERS_URL).json()["results"]

    assert shown["trial_days"] == 14
    assert shown["trial_text"] == "14 jours offerts, puis 23 € par mois"
    assert shown["display_price"] == "23 € par mois"


def test_an_offer_without_trial_is_shown_as_before(anonymous_client, offer):
    [shown] = anonymous_client.get(OFFERS_URL).json()["results"]

    assert shown == {
        "slug": "mensuelle-numerique",
        "name": offer.name,
        "tagline": offer.tagline,
        "price": {"amount": "23.00", "currency": "EUR", "interval": "month"},
        "display_price": "23 € par mois",
        "benefits": offer.benefits,
        "trial_days": 0,
        "trial_text": None,
    }


@pytest.mark.parametrize(
    ("trial_days", "price_cents", "interval", "text"),
    [
        (1, 2300, "month", "1 jour offert, puis 23 € par mois"),
        (30, 2350, "month", "30 jours offerts, puis 23,50 € par mois"),
        (7, 23000, "year", "7 jours offerts, puis 230 € par an"),
    ],
)
def test_the_trial_text_follows_the_sites_price_format(trial_days, price_cents, interval, text):
    offer = Offer(trial_days=trial_days, price_cents=price_cents, interval=interval)

    assert offer.trial_text == text


def test_the_paywall_of_a_locked_article_shows_the_trial(anonymous_client, offer):
    offer.trial_days = 14
    offer.save()
    article = ArticleFactory()

    [shown] = article_reading(anonymous_client, article)["paywall"]["offers"]

    assert shown["trial_text"] == "14 jours offerts, puis 23 € par mois"


def test_a_trial_set_in_the_admin_shows_in_the_next_anonymous_read_of_the_offers(
    anonymous_client, manager_client, offer
):
    """offers/ is served from the shared anonymous cache: a new trial moves its version."""
    stored = [anonymous_client.get(OFFERS_URL) for _ in range(2)]
    assert [r["X-Cache"] for r in stored] == ["miss", "hit"]

    response = manager_client.post(
        f"/admin/subscriptions/offer/{offer.pk}/change/", offer_form(offer, trial_days=14)
    )
    assert response.status_code == HTTPStatus.FOUND

    fresh = anonymous_client.get(OFFERS_URL)
    assert fresh["X-Cache"] == "miss"
    assert fresh.json()["results"][0]["trial_text"] == "14 jours offerts, puis 23 € par mois"


def test_a_trialing_readers_full_text_is_never_stored_for_anonymous_readers(
    stripe_fake, trial_offer, deliver, reader_client, anonymous_client
):
    article = ArticleFactory()
    start_trial(stripe_fake, deliver, reader_client, trial_offer)

    full = reader_client.get(f"/api/v1/articles/{article.slug}/")
    anonymous = [anonymous_client.get(f"/api/v1/articles/{article.slug}/") for _ in range(2)]

    assert HIDDEN_SENTENCE in full.content.decode()
    assert "private" in full["Cache-Control"]
    assert "X-Cache" not in full
    assert [r["X-Cache"] for r in anonymous] == ["miss", "hit"]
    for response in anonymous:
        assert response.json()["content"]["complete"] is False
        assert HIDDEN_SENTENCE not in response.content.decode()


# The admin and the database


def test_a_manager_cannot_set_a_trial_longer_than_stripe_allows(manager_client, offer):
    response = manager_client.post(
        f"/admin/subscriptions/offer/{offer.pk}/change/", offer_form(offer, trial_days=731)
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with its error
    assert "730" in response.content.decode()
    offer.refresh_from_db()
    assert offer.trial_days == 0


def test_the_offers_admin_lists_the_trial(manager_client, offer):
    offer.trial_days = 14
    offer.save()

    response = manager_client.get("/admin/subscriptions/offer/")

    assert response.status_code == HTTPStatus.OK
    assert '<td class="field-trial_days">14</td>' in response.content.decode()


def test_the_database_refuses_a_trial_longer_than_stripe_allows(offer):
    offer.trial_days = 731

    with pytest.raises(IntegrityError):
        offer.save()


def test_trial_days_for_a_reader_never_exceeds_the_offer(reader):
    assert trial_days_for(user=reader, offer=OfferFactory(trial_days=0)) == 0
    assert trial_days_for(user=UserFactory(), offer=OfferFactory(slug="essai", trial_days=7)) == 7


# The schema


def test_the_schema_documents_the_trial_fields():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    offer = schemas["Offer"]["properties"]
    assert offer["trial_days"]["type"] == "integer"
    assert offer["trial_text"]["nullable"] is True
    assert schemas["Subscription"]["properties"]["trial_ends_at"] == {
        "type": "string",
        "format": "date-time",
        "readOnly": True,
        "nullable": True,
        "description": "When the free trial ends and the first payment is due; null unless "
        "`status` is `trialing`.",
    }
