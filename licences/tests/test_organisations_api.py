"""Joining a licence with its code, the reader's seats, and what a licence manager sees."""

from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import PASSWORD, UserFactory
from conftest import client_for
from licences import selectors, services
from licences.models import Membership
from licences.tests.factories import MembershipFactory, OrganisationFactory, expired, not_started

pytestmark = pytest.mark.django_db

JOIN = "/api/v1/me/organisations/join/"
MINE = "/api/v1/me/organisations/"


def detail(slug: str) -> str:
    return f"/api/v1/organisations/{slug}/"


@pytest.fixture
def chu(db):
    return OrganisationFactory(
        name="CHU de Lille",
        slug="chu-lille",
        seats=2,
        join_code="K7QMP4XH9RWD",
        ranges=["192.0.2.0/24"],
        domains=["chu-lille.fr"],
    )


def join(client, code):
    return client.post(JOIN, {"code": code}, format="json")


# --- Joining with the code -------------------------------------------------------------


def test_joining_with_the_code_takes_a_seat(chu, reader, reader_client):
    response = join(reader_client, "K7QMP4XH9RWD")

    assert response.status_code == HTTPStatus.CREATED
    data = response.json()
    assert data["organisation"]["slug"] == "chu-lille"
    assert data["organisation"]["name"] == "CHU de Lille"
    assert data["organisation"]["active"] is True
    assert (data["via"], data["is_manager"]) == ("code", False)
    assert Membership.objects.get(user=reader).organisation == chu


def test_the_code_is_read_without_case_spaces_nor_dashes(chu, reader_client):
    assert join(reader_client, "  k7qm-p4xh 9rwd ").status_code == HTTPStatus.CREATED


def test_joining_again_keeps_the_one_seat(chu, reader, reader_client):
    join(reader_client, "K7QMP4XH9RWD")

    again = join(reader_client, "K7QMP4XH9RWD")

    assert again.status_code == HTTPStatus.OK
    assert Membership.objects.filter(user=reader).count() == 1


def test_an_unknown_code_is_a_clear_400(chu, reader, reader_client):
    response = join(reader_client, "PARIS2026XYZ")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": services.JOIN_CODE_UNKNOWN, "code": "join_code_unknown"}
    assert not Membership.objects.exists()


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "X" * 65}, {"code": ["LILLE"]}])
def test_a_missing_or_malformed_code_is_a_field_error(chu, reader_client, body):
    response = reader_client.post(JOIN, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()) == ["code"]


def test_when_every_seat_is_taken_joining_is_a_clear_409_in_french(chu, reader, reader_client):
    MembershipFactory.create_batch(2, organisation=chu)

    response = join(reader_client, "K7QMP4XH9RWD")

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "detail": "Les 2 places de la licence de CHU de Lille sont toutes prises : demandez à "
        "votre établissement d'en ajouter ou de libérer celle d'un ancien membre.",
        "code": "licence_full",
    }
    assert not Membership.objects.filter(user=reader).exists()


@pytest.mark.parametrize("make", [expired, not_started])
def test_a_licence_not_running_cannot_be_joined(reader, reader_client, make):
    make(name="CHU de Caen", join_code="C4ENC4ENC4EN")

    response = join(reader_client, "C4ENC4ENC4EN")

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "detail": "La licence de CHU de Caen n'est pas en cours : elle ne donne pas accès.",
        "code": "licence_inactive",
    }
    assert not Membership.objects.exists()


def test_joining_needs_an_account(chu, anonymous_client):
    response = join(anonymous_client, "K7QMP4XH9RWD")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert not Membership.objects.exists()


def test_the_reader_lists_their_seats(chu, reader, reader_client):
    other = expired(name="Clinique du Parc")
    MembershipFactory(organisation=other, user=reader)
    MembershipFactory(organisation=chu)  # someone else's
    join(reader_client, "K7QMP4XH9RWD")

    response = reader_client.get(MINE)

    assert response.status_code == HTTPStatus.OK
    listed = {
        m["organisation"]["name"]: m["organisation"]["active"] for m in response.json()["results"]
    }
    assert listed == {"CHU de Lille": True, "Clinique du Parc": False}


def test_listing_seats_needs_an_account(anonymous_client):
    assert anonymous_client.get(MINE).status_code == HTTPStatus.UNAUTHORIZED


# --- The organisation, for its licence managers ---------------------------------------


@pytest.fixture
def manager_of_chu(chu):
    return MembershipFactory(organisation=chu, is_manager=True).user


def test_a_licence_manager_sees_seats_and_networks(chu, manager_of_chu):
    MembershipFactory(organisation=chu)

    response = client_for(manager_of_chu).get(detail("chu-lille"))

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert data["seats"] == {"total": 2, "used": 2}
    assert data["ip_ranges"] == ["192.0.2.0/24"]
    assert data["domains"] == ["chu-lille.fr"]
    assert data["join_code"] == "K7QMP4XH9RWD"
    assert data["active"] is True


def test_a_member_who_is_not_a_manager_may_not_see_the_organisation(chu):
    member = MembershipFactory(organisation=chu).user

    response = client_for(member).get(detail("chu-lille"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"detail": selectors.NOT_MANAGER, "code": "not_licence_manager"}


def test_the_manager_of_another_organisation_may_not_see_it(chu):
    other = MembershipFactory(is_manager=True).user

    assert client_for(other).get(detail("chu-lille")).status_code == HTTPStatus.FORBIDDEN


def test_signed_out_the_organisation_is_401(chu, anonymous_client):
    assert anonymous_client.get(detail("chu-lille")).status_code == HTTPStatus.UNAUTHORIZED


def test_an_unknown_organisation_is_404(manager_of_chu):
    response = client_for(manager_of_chu).get(detail("inconnu"))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["detail"] == selectors.ORGANISATION_NOT_FOUND


def test_staff_without_a_seat_use_the_admin_not_this(chu):
    staff = UserFactory(is_staff=True)

    assert client_for(staff).get(detail("chu-lille")).status_code == HTTPStatus.FORBIDDEN


def test_guessing_codes_is_throttled_even_when_they_are_wrong(chu, reader, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"licence_join": "3/hour", "licence_join_address": "30/hour"},
    )
    client = client_for(reader)

    tries = [join(client, f"ESSAI{n}ABCDEF").status_code for n in range(3)]
    right_code_too_late = join(client, "K7QMP4XH9RWD")

    assert tries == [HTTPStatus.BAD_REQUEST] * 3
    assert right_code_too_late.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert right_code_too_late.json()["code"] == "throttled"
    assert not Membership.objects.exists()


def test_one_address_making_accounts_is_throttled_on_joins_in_total(
    chu, anonymous_client, monkeypatch
):
    """Registration lets one address make accounts every minute, each with tries of its
    own: the address's tries are counted too, whichever account makes them."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"auth": "20/min", "licence_join": "10/hour", "licence_join_address": "5/hour"},
    )
    tokens = [
        anonymous_client.post(
            "/api/v1/auth/register/",
            {"email": f"essai{n}@example.org", "password": PASSWORD},
            format="json",
        ).json()["token"]
        for n in range(3)
    ]
    accounts = [APIClient(HTTP_AUTHORIZATION=f"Token {token}") for token in tokens]

    tries = [
        join(client, f"ESSAI{n}{m}ABCDE").status_code
        for n, client in enumerate(accounts)
        for m in range(2)
    ]
    right_code_too_late = join(accounts[2], "K7QMP4XH9RWD")
    from_elsewhere = accounts[2].post(
        JOIN, {"code": "K7QMP4XH9RWD"}, format="json", REMOTE_ADDR="198.51.100.7"
    )

    assert tries == [HTTPStatus.BAD_REQUEST] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert right_code_too_late.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert right_code_too_late.json()["code"] == "throttled"
    assert 0 < int(right_code_too_late["Retry-After"]) <= 3600
    assert from_elsewhere.status_code == HTTPStatus.CREATED
    assert Membership.objects.get().user.email == "essai2@example.org"


# --- A seat by domain, listed at once ---------------------------------------------------


def test_a_verified_reader_at_a_licensed_domain_sees_their_seat_at_once(chu):
    reader = UserFactory(email="interne@irm.chu-lille.fr", email_verified_at=timezone.now())

    response = client_for(reader).get(MINE)  # their first request since verification

    assert response.status_code == HTTPStatus.OK
    [seat] = response.json()["results"]
    assert (seat["organisation"]["slug"], seat["via"]) == ("chu-lille", "domain")
    assert Membership.objects.get(user=reader).via == Membership.Via.DOMAIN


def test_an_unverified_reader_at_the_domain_has_no_seat_listed(chu):
    reader = UserFactory(email="interne@chu-lille.fr")

    assert client_for(reader).get(MINE).json()["results"] == []
    assert not Membership.objects.exists()


def test_no_seat_is_listed_when_the_licence_is_full(chu):
    MembershipFactory.create_batch(2, organisation=chu)
    reader = UserFactory(email="interne@chu-lille.fr", email_verified_at=timezone.now())

    assert client_for(reader).get(MINE).json()["results"] == []
