"""DELETE me/: the reader closes their account; personal data goes, accounting stays."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import self_service
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from articles.models import Comment, Gift, MeteredRead
from articles.tests.factories import ArticleFactory, CommentFactory
from conftest import client_for
from licences.models import Membership
from licences.tests.factories import MembershipFactory, OrganisationFactory
from outbox.models import OutboundEmail
from outbox.tests.worker import worker_drain
from subscriptions.models import Customer, Subscription
from subscriptions.tests.factories import ComplimentaryFactory, StripeSubscriptionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/"
Status = Subscription.Status


@pytest.fixture
def lea(db):
    return UserFactory(email="lea@example.org", first_name="Léa", last_name="Martin")


def delete(client, password=PASSWORD):
    return client.delete(URL, {"password": password}, format="json")


def sign_in(email: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json"
    )


def test_deletion_erases_the_reader_and_keeps_what_accounting_needs(lea):
    subscription = StripeSubscriptionFactory(
        user=lea, stripe_subscription_id="sub_lea", status=Status.CANCELED
    )
    Customer.objects.create(user=lea, stripe_customer_id="cus_lea")
    client = client_for(lea)

    response = delete(client)

    assert response.status_code == HTTPStatus.NO_CONTENT
    lea.refresh_from_db()
    assert lea.email == f"supprime-{lea.pk}@comptes-supprimes.invalid"
    assert lea.email_key == lea.email
    assert (lea.first_name, lea.last_name) == ("", "")
    assert not lea.has_usable_password()
    assert not lea.is_active
    assert lea.email_verified_at is None and lea.last_login is None
    # The token is dead, and no one signs in with the old address.
    assert not Token.objects.filter(user=lea).exists()
    assert client.get(URL).status_code == HTTPStatus.UNAUTHORIZED
    assert sign_in("lea@example.org").json()["code"] == "invalid_credentials"
    # The Stripe customer and the subscriptions stay, for the invoices.
    assert Customer.objects.get(user=lea).stripe_customer_id == "cus_lea"
    assert Subscription.objects.get(pk=subscription.pk).stripe_subscription_id == "sub_lea"


def test_deletion_erases_metered_reads_and_gifts_and_gives_the_licence_seat_back(meter_on, lea):
    chu = OrganisationFactory(slug="chu-lille", seats=2)
    manager = UserFactory()
    MembershipFactory(organisation=chu, user=manager, is_manager=True)
    seats_url = "/api/v1/organisations/chu-lille/"
    join = {"code": chu.join_code}
    client = client_for(lea)
    read, given = ArticleFactory(), ArticleFactory()
    assert client.get(f"/api/v1/articles/{read.slug}/").json()["access"]["via"] == "meter"
    ComplimentaryFactory(user=lea)
    link = client.post(f"/api/v1/articles/{given.slug}/gifts/").json()["url"]
    assert client.post("/api/v1/me/organisations/join/", join, format="json").status_code == 201
    assert client_for(manager).get(seats_url).json()["seats"] == {"total": 2, "used": 2}
    newcomer = client_for(UserFactory())
    full = newcomer.post("/api/v1/me/organisations/join/", join, format="json")
    assert full.json()["code"] == "licence_full"
    others = client_for(UserFactory())
    others.get(f"/api/v1/articles/{read.slug}/")  # another reader's meter stays

    assert delete(client).status_code == HTTPStatus.NO_CONTENT

    assert not MeteredRead.objects.filter(user=lea).exists()
    assert MeteredRead.objects.count() == 1
    assert not Gift.objects.filter(giver=lea).exists()
    assert not Membership.objects.filter(user=lea).exists()
    assert client_for(manager).get(seats_url).json()["seats"] == {"total": 2, "used": 1}
    joined = newcomer.post("/api/v1/me/organisations/join/", join, format="json")
    assert joined.status_code == HTTPStatus.CREATED
    gift_token = link.rpartition("gift=")[2]
    opened = APIClient().get(f"/api/v1/articles/{given.slug}/", {"gift": gift_token}).json()
    assert opened["content"]["complete"] is False


def test_the_address_is_free_for_a_new_account_afterwards(lea):
    delete(client_for(lea))

    response = APIClient().post(
        "/api/v1/auth/register/", {"email": "lea@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.CREATED
    assert User.objects.get(email="lea@example.org").pk != lea.pk


def test_the_readers_comments_are_deleted_and_others_stay(lea):
    CommentFactory(user=lea, body="Mon cabinet à Lyon…")
    CommentFactory(user=lea, status=Comment.Status.PENDING)
    others = CommentFactory(body="Un autre avis.")

    delete(client_for(lea))

    assert list(Comment.objects.all()) == [others]


def test_a_browser_session_dies_with_the_account(lea):
    browser = Client()
    browser.force_login(lea)
    assert browser.get(URL).status_code == HTTPStatus.OK

    delete(client_for(lea))

    assert browser.get(URL).status_code == HTTPStatus.UNAUTHORIZED


def test_the_outbox_forgets_the_reader_and_sends_them_nothing_more(smtp_server, lea):
    UserFactory(email="sam@example.org")
    APIClient().post("/api/v1/auth/password-reset/", {"email": "sam@example.org"}, format="json")
    client = client_for(lea)
    client.post("/api/v1/me/email/verify/")
    worker_drain()
    new_password = {"current_password": PASSWORD, "new_password": "Irm-3T-2026!"}
    token = client.post("/api/v1/me/password/", new_password, format="json").json()["token"]
    password_changed = OutboundEmail.objects.get(composer="accounts.password_changed")
    assert password_changed.status == OutboundEmail.Status.PENDING  # not sent yet

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert delete(client, password="Irm-3T-2026!").status_code == HTTPStatus.NO_CONTENT
    worker_drain()

    assert not OutboundEmail.objects.filter(to="lea@example.org").exists()
    password_changed.refresh_from_db()
    assert (password_changed.to, password_changed.context) == ("", {})
    assert password_changed.status == OutboundEmail.Status.DROPPED
    assert [r.to for r in smtp_server.messages] == ["sam@example.org", "lea@example.org"]
    assert OutboundEmail.objects.get(to="sam@example.org").context["email"] == "sam@example.org"


def test_a_wrong_password_deletes_nothing(lea):
    client = client_for(lea)

    response = delete(client, password="pas-le-bon")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": self_service.WRONG_PASSWORD, "code": "wrong_password"}
    lea.refresh_from_db()
    assert lea.email == "lea@example.org" and lea.is_active
    assert client.get(URL).status_code == HTTPStatus.OK


@pytest.mark.parametrize("payload", [None, {}, {"password": ["x"]}, {"mot_de_passe": PASSWORD}])
def test_bad_input_is_a_400_and_deletes_nothing(lea, payload):
    response = client_for(lea).delete(URL, payload, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert User.objects.get(pk=lea.pk).is_active


@pytest.mark.parametrize(
    "status", [Status.ACTIVE, Status.TRIALING, Status.PAST_DUE, Status.UNPAID, Status.INCOMPLETE]
)
def test_refused_while_a_paid_subscription_will_renew(lea, status):
    StripeSubscriptionFactory(user=lea, status=status)
    client = client_for(lea)

    response = delete(client)

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "detail": self_service.SUBSCRIPTION_RENEWS,
        "code": "subscription_active",
    }
    lea.refresh_from_db()
    assert lea.email == "lea@example.org" and lea.is_active
    assert client.get(URL).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "subscription",
    [
        # Set to cancel at the end of the paid period: Stripe charges nothing more.
        lambda user: StripeSubscriptionFactory(user=user, cancel_at_period_end=True),
        lambda user: StripeSubscriptionFactory(user=user, status=Status.CANCELED),
        lambda user: StripeSubscriptionFactory(user=user, status=Status.INCOMPLETE_EXPIRED),
        # Complimentary access costs nothing.
        lambda user: ComplimentaryFactory(user=user),
    ],
    ids=["cancelling", "canceled", "incomplete_expired", "complimentary"],
)
def test_allowed_when_nothing_will_be_charged(lea, subscription):
    subscription(lea)

    response = delete(client_for(lea))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert Subscription.objects.filter(user=lea).count() == 1


def test_one_renewing_subscription_among_ended_ones_is_enough_to_refuse(lea):
    StripeSubscriptionFactory(user=lea, status=Status.CANCELED)
    StripeSubscriptionFactory(user=lea, status=Status.ACTIVE)

    assert delete(client_for(lea)).status_code == HTTPStatus.CONFLICT


def test_an_eraser_that_fails_rolls_the_whole_deletion_back(lea, settings):
    settings.ACCOUNT_ERASERS = [*settings.ACCOUNT_ERASERS, f"{__name__}.failing_eraser"]
    CommentFactory(user=lea)

    with pytest.raises(RuntimeError):
        delete(client_for(lea))

    lea.refresh_from_db()
    assert lea.email == "lea@example.org" and lea.is_active
    assert Comment.objects.filter(user=lea).exists()
    assert Token.objects.filter(user=lea).exists()


def failing_eraser(user):
    raise RuntimeError("eraser failed")


def test_anonymous_readers_delete_nothing(anonymous_client):
    response = anonymous_client.delete(URL, {"password": PASSWORD}, format="json")

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_the_admin_shows_a_deleted_account_as_such(lea, client):
    delete(client_for(lea))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/accounts/user/", {"is_active__exact": "0"})
    page = client.get(f"/admin/accounts/user/{lea.pk}/change/")

    assert listing.status_code == page.status_code == HTTPStatus.OK
    assert f"supprime-{lea.pk}@comptes-supprimes.invalid" in listing.content.decode()
    assert "Léa" not in page.content.decode()
    assert "lea@example.org" not in page.content.decode()


def test_a_past_due_subscription_set_to_cancel_does_not_hold_deletion(lea):
    StripeSubscriptionFactory(
        user=lea,
        status=Status.PAST_DUE,
        cancel_at_period_end=True,
        current_period_end=timezone.now() + dt.timedelta(days=3),
    )

    assert delete(client_for(lea)).status_code == HTTPStatus.NO_CONTENT
