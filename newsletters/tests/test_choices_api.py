"""GET/PUT me/newsletters/: the reader's choices, and who may join what."""

from http import HTTPStatus

import pytest

from conftest import client_for
from newsletters.models import Newsletter, NewsletterSubscription
from subscriptions.tests.factories import ComplimentaryFactory

from .factories import NewsletterFactory, NewsletterSubscriptionFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/newsletters/"


@pytest.fixture
def weekly():
    return NewsletterFactory(name="L’hebdo", slug="hebdo")


@pytest.fixture
def club():
    return NewsletterFactory(
        name="Le club abonnés", slug="club", audience=Newsletter.Audience.SUBSCRIBERS
    )


@pytest.fixture
def verified():
    return VerifiedUserFactory()


def subscribed_slugs(user) -> set[str]:
    return set(
        NewsletterSubscription.objects.filter(user=user, unsubscribed_at__isnull=True).values_list(
            "newsletter__slug", flat=True
        )
    )


def by_slug(response) -> dict:
    return {n["slug"]: n for n in response.json()["newsletters"]}


def test_anonymous_readers_have_no_newsletters(anonymous_client, weekly):
    assert anonymous_client.get(URL).status_code == HTTPStatus.UNAUTHORIZED
    response = anonymous_client.put(URL, {"newsletters": ["hebdo"]}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_a_verified_reader_sees_every_active_newsletter_and_why_one_is_not_for_them(
    weekly, club, verified
):
    NewsletterFactory(slug="ancienne", active=False)

    response = client_for(verified).get(URL)

    assert response.status_code == HTTPStatus.OK
    assert "private" in response["Cache-Control"]
    assert "X-Cache" not in response
    newsletters = by_slug(response)
    assert set(newsletters) == {"hebdo", "club"}
    assert newsletters["hebdo"] == {
        "slug": "hebdo",
        "name": "L’hebdo",
        "description": weekly.description,
        "audience": "verified",
        "subscribed": False,
        "available_to_you": True,
        "unavailable_reason": None,
    }
    assert newsletters["club"]["available_to_you"] is False
    assert newsletters["club"]["unavailable_reason"] == "subscribers_only"


def test_a_reader_with_an_unverified_address_may_join_none(reader_client, weekly):
    [newsletter] = reader_client.get(URL).json()["newsletters"]
    assert newsletter["unavailable_reason"] == "email_unverified"

    response = reader_client.put(URL, {"newsletters": ["hebdo"]}, format="json")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "detail": "Confirmez d'abord votre adresse e-mail : les newsletters ne partent que "
        "vers une adresse vérifiée.",
        "code": "email_unverified",
    }
    assert not NewsletterSubscription.objects.exists()


def test_a_verified_reader_joins_and_leaves(weekly, verified):
    client = client_for(verified)

    response = client.put(URL, {"newsletters": ["hebdo"]}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert by_slug(response)["hebdo"]["subscribed"] is True
    assert subscribed_slugs(verified) == {"hebdo"}

    response = client.put(URL, {"newsletters": []}, format="json")

    assert by_slug(response)["hebdo"]["subscribed"] is False
    assert subscribed_slugs(verified) == set()
    left = NewsletterSubscription.objects.get(user=verified)
    assert left.unsubscribed_at is not None  # kept, to count who left after a mailing

    client.put(URL, {"newsletters": ["hebdo"]}, format="json")
    left.refresh_from_db()
    assert left.unsubscribed_at is None


def test_the_club_newsletter_takes_subscribers_only(club, weekly, verified):
    response = client_for(verified).put(URL, {"newsletters": ["hebdo", "club"]}, format="json")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "detail": "La newsletter « Le club abonnés » est réservée aux abonnés.",
        "code": "subscription_required",
    }
    assert subscribed_slugs(verified) == set()  # nothing stored half-way

    ComplimentaryFactory(user=verified)
    response = client_for(verified).put(URL, {"newsletters": ["hebdo", "club"]}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert subscribed_slugs(verified) == {"hebdo", "club"}


def test_a_reader_who_lost_access_keeps_the_club_and_may_leave_it(club, verified):
    NewsletterSubscriptionFactory(user=verified, newsletter=club)
    client = client_for(verified)

    assert client.put(URL, {"newsletters": ["club"]}, format="json").status_code == HTTPStatus.OK
    assert client.put(URL, {"newsletters": []}, format="json").status_code == HTTPStatus.OK
    assert subscribed_slugs(verified) == set()


def test_an_unverified_reader_may_still_leave(weekly):
    user = VerifiedUserFactory()
    NewsletterSubscriptionFactory(user=user, newsletter=weekly)
    user.email_verified_at = None  # changed their address since
    user.save()

    response = client_for(user).put(URL, {"newsletters": []}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert subscribed_slugs(user) == set()


def test_an_unknown_newsletter_is_refused_and_nothing_changes(weekly, verified):
    NewsletterSubscriptionFactory(user=verified, newsletter=weekly)
    NewsletterFactory(slug="ancienne", active=False)
    client = client_for(verified)

    for slug in ("inconnue", "ancienne"):
        response = client.put(URL, {"newsletters": [slug]}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {
            "detail": f"Newsletter inconnue : « {slug} ».",
            "code": "unknown_newsletter",
        }
    assert subscribed_slugs(verified) == {"hebdo"}


@pytest.mark.parametrize(
    "body",
    [{}, {"newsletters": "hebdo"}, {"newsletters": [1]}, {"newsletters": ["pas un slug"]}, []],
)
def test_malformed_choices_are_a_400_naming_the_field(body, verified, weekly):
    response = client_for(verified).put(URL, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not NewsletterSubscription.objects.exists()


def test_choices_leave_a_subscription_to_an_inactive_newsletter_as_it_was(verified, weekly):
    old = NewsletterFactory(slug="ancienne", active=False)
    NewsletterSubscriptionFactory(user=verified, newsletter=old)

    client_for(verified).put(URL, {"newsletters": ["hebdo"]}, format="json")

    assert subscribed_slugs(verified) == {"hebdo", "ancienne"}


def test_a_bad_slug_in_the_list_is_named_in_a_flat_list_of_errors(verified, weekly):
    response = client_for(verified).put(
        URL, {"newsletters": ["hebdo", "pas un slug"]}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    [message] = response.json()["newsletters"]
    assert message.startswith("Élément 2 : ")
