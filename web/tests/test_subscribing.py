"""Subscribing from the site: Stripe Checkout as the API starts it, the return, the portal.

The real SDK against the stateful Stripe fake (subscriptions/tests/stripe_fake.py).
"""

import re
from http import HTTPStatus

import pytest

from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory
from subscriptions import billing
from subscriptions.models import CheckoutSession, Subscription
from web.tests.test_accounts import post_form

pytestmark = pytest.mark.django_db


def subscribe(client, *, offer="mensuelle-numerique", article=None):
    page = f"/articles/{article.slug}/" if article else "/abonnement/"
    data = {"offer": offer, **({"article": article.slug} if article else {})}
    return post_form(client, "/abonnement/", data, page=page)


def test_the_subscribe_button_of_an_article_sends_a_reader_to_stripe_checkout(
    stripe_fake, synced_offer, reader, reader_browser
):
    article = ArticleFactory()

    response = subscribe(reader_browser, article=article)

    assert response.status_code == HTTPStatus.SEE_OTHER
    session = CheckoutSession.objects.get(user=reader)
    assert response["Location"] == session.url
    assert session.source_article == article.slug  # the dashboard's funnel
    [call] = stripe_fake.calls_to("POST", "/v1/checkout/sessions")
    assert call.params["client_reference_id"] == str(reader.pk)
    assert call.params["line_items"] == [{"price": synced_offer.stripe_price_id, "quantity": "1"}]


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back_to_the_article(
    stripe_fake, synced_offer, browser
):
    article = ArticleFactory()

    response = subscribe(browser, article=article)

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"/connexion/?next=%2Farticles%2F{article.slug}%2F"
    assert stripe_fake.calls == []


def test_a_subscriber_is_told_they_already_have_access(
    stripe_fake, synced_offer, subscriber_browser
):
    response = subscribe(subscriber_browser)

    assert response.status_code == HTTPStatus.CONFLICT
    assert "Vous avez déjà accès" in response.content.decode()
    assert stripe_fake.posts() == []


def test_an_unknown_offer_is_a_400_page(stripe_fake, synced_offer, reader_browser):
    response = subscribe(reader_browser, offer="offre-inconnue")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Cette offre n" in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_payments_not_configured_is_a_503_page_not_an_error(offer, reader_browser):
    response = subscribe(reader_browser)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"].startswith("text/html")


def test_subscribe_without_csrf_token_is_refused(stripe_fake, synced_offer, reader_browser):
    response = reader_browser.post("/abonnement/", {"offer": "mensuelle-numerique"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert stripe_fake.calls == []


def test_the_offer_page_shows_the_offer(offer, browser):
    html = browser.get("/abonnement/").content.decode()

    assert "Offre mensuelle 100 % numérique" in html
    assert "23 € par mois" in html
    assert "Le journal numérique en avant-première" in html


def test_back_from_a_paid_checkout_the_reader_reads_at_once_before_the_webhook(
    stripe_fake, synced_offer, reader, reader_browser
):
    article = ArticleFactory()
    subscribe(reader_browser, article=article)
    session = CheckoutSession.objects.get(user=reader)
    stripe_fake.checkout_complete(session.stripe_session_id)

    response = reader_browser.get(f"/abonnement/merci?session_id={session.stripe_session_id}")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY  # APPEND_SLASH keeps the query
    assert response["Location"] == f"/abonnement/merci/?session_id={session.stripe_session_id}"
    html = reader_browser.get(response["Location"]).content.decode()
    assert "Votre abonnement est actif" in html
    assert f'href="/articles/{article.slug}/"' in html
    assert Subscription.objects.get(user=reader).status == Subscription.Status.ACTIVE
    session.refresh_from_db()
    assert session.status == CheckoutSession.Status.COMPLETE
    assert HIDDEN_SENTENCE in reader_browser.get(f"/articles/{article.slug}/").content.decode()


def test_back_from_an_unpaid_checkout_the_page_says_access_comes_with_the_payment(
    stripe_fake, synced_offer, reader, reader_browser
):
    subscribe(reader_browser)
    session = CheckoutSession.objects.get(user=reader)

    html = reader_browser.get(f"/abonnement/merci/?session_id={session.stripe_session_id}")

    assert "pas encore confirmé votre paiement" in html.content.decode()
    assert not Subscription.objects.exists()


def test_a_session_id_of_another_reader_is_never_asked_of_stripe(
    stripe_fake, synced_offer, reader_browser, subscriber
):
    html = reader_browser.get("/abonnement/merci/?session_id=cs_test_autrui")

    assert "pas encore confirmé" in html.content.decode()
    assert stripe_fake.calls == []


def test_back_from_checkout_signed_out_is_asked_to_sign_in(browser):
    html = browser.get("/abonnement/merci/?session_id=cs_x").content.decode()

    assert "Connectez-vous" in html
    assert re.search(r'href="/connexion/\?next=', html)


def test_the_portal_button_sends_a_customer_to_the_stripe_portal(
    stripe_fake, synced_offer, make_stripe_customer, reader, reader_browser
):
    make_stripe_customer(reader)

    response = post_form(reader_browser, "/compte/", {})

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"].startswith("https://billing.stripe.com/p/session/")
    [call] = stripe_fake.calls_to("POST", "/v1/billing_portal/sessions")
    assert call.params["customer"] == reader.stripe_customer.stripe_customer_id


def test_the_portal_without_a_customer_says_so(stripe_fake, reader_browser):
    response = post_form(reader_browser, "/compte/", {})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert billing.NO_CUSTOMER.replace("'", "&#x27;") in response.content.decode()


def test_back_from_checkout_while_stripe_fails_the_page_waits_for_the_webhook(
    stripe_fake, synced_offer, reader, reader_browser
):
    subscribe(reader_browser)
    session = CheckoutSession.objects.get(user=reader)
    stripe_fake.checkout_complete(session.stripe_session_id)
    stripe_fake.fail("GET", f"/v1/checkout/sessions/{session.stripe_session_id}")

    response = reader_browser.get(f"/abonnement/merci/?session_id={session.stripe_session_id}")

    assert response.status_code == HTTPStatus.OK
    assert "pas encore confirmé votre paiement" in response.content.decode()
    assert not Subscription.objects.exists()


def test_an_anonymous_visitor_on_the_offer_page_comes_back_to_it_once_signed_in(
    stripe_fake, synced_offer, browser
):
    response = subscribe(browser)

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == "/connexion/?next=%2Fabonnement%2F"


def test_an_altered_article_field_is_a_400_page_and_opens_no_checkout(
    stripe_fake, synced_offer, reader_browser
):
    """The hidden field holds a slug of at most 255 characters, as the API's serializer."""
    data = {"offer": "mensuelle-numerique", "article": "a" * 256}

    response = post_form(reader_browser, "/abonnement/", data, page="/abonnement/")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Le lien de l’article d’où vous vous abonnez est invalide" in response.content.decode()
    assert not CheckoutSession.objects.exists()
    assert stripe_fake.posts() == []


def test_back_from_checkout_without_a_session_id_asks_nothing_of_stripe(
    stripe_fake, synced_offer, reader, reader_browser
):
    """A claim still being created has no Stripe id: an empty one must not match it."""
    CheckoutSession.objects.create(user=reader, offer=synced_offer)

    html = reader_browser.get("/abonnement/merci/").content.decode()

    assert "pas encore confirmé" in html
    assert "ne répond pas" not in html  # Stripe was not asked for a session without an id
    assert stripe_fake.calls == []
