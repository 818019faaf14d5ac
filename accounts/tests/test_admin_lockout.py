"""The admin's sign-in locks after repeated failures, by account and by address.

AXES_FAILURE_LIMIT (5) failures for one account, from any address, or from one address,
for any accounts, lock the admin's sign-in for the cool-off (30 minutes), even with the
right password. A subscription manager lifts it in the admin; `axes_reset` too.
Before: 40 wrong passwords for a staff account, then the right one, got in.
"""

from http import HTTPStatus
from io import StringIO

import pytest
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.core.management import call_command

from accounts.lockout import LOCKED_OUT_TITLE
from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTEMPTS_URL = "/admin/axes/accessattempt/"


@pytest.fixture
def chief(db):
    return UserFactory(email="redac-chef@example.org", is_staff=True, is_superuser=True)


def admin_sign_in(client, email, password, address="127.0.0.1"):
    return client.post(
        "/admin/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, email, times, address="127.0.0.1"):
    return [admin_sign_in(client, email, "pas-le-bon", address).status_code for _ in range(times)]


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_french_page(
    client, chief, settings
):
    statuses = fail(client, chief.email, settings.AXES_FAILURE_LIMIT)

    response = admin_sign_in(client, chief.email, PASSWORD)

    assert statuses == [HTTPStatus.OK] * 4 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = response.content.decode()
    assert LOCKED_OUT_TITLE in page
    assert "bloquée pendant 30 minutes" in page
    assert not signed_in(client)


def test_four_wrong_passwords_then_the_right_one_gets_in_and_starts_afresh(client, chief):
    fail(client, chief.email, 4)

    assert admin_sign_in(client, chief.email, PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()  # AXES_RESET_ON_SUCCESS


def test_an_account_is_locked_from_every_address(client, chief):
    for n in range(5):
        fail(client, chief.email, 1, address=f"203.0.113.{n}")

    response = admin_sign_in(client, chief.email, PASSWORD, address="198.51.100.7")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not signed_in(client)


def test_an_address_is_locked_for_every_account(client, chief):
    for n in range(5):
        fail(client, f"devine{n}@example.org", 1, address="203.0.113.9")

    locked = admin_sign_in(client, chief.email, PASSWORD, address="203.0.113.9")
    elsewhere = admin_sign_in(client, chief.email, PASSWORD, address="198.51.100.7")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert elsewhere.status_code == HTTPStatus.FOUND  # the account itself is not locked


def test_spellings_of_one_address_count_as_one_account(client, chief):
    for spelling in ("REDAC-CHEF@example.org", "redac-chef@EXAMPLE.ORG", "redac-chef@example.org"):
        fail(client, spelling, 1, address="203.0.113.1")
    fail(client, "Redac-Chef@example.org", 2, address="203.0.113.2")

    response = admin_sign_in(client, chief.email, PASSWORD, address="198.51.100.7")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_subscription_manager_unlocks_in_the_admin(client, chief, manager):
    fail(client, chief.email, 5)
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    manager_client = type(client)()
    manager_client.force_login(manager)

    listing = manager_client.get(ATTEMPTS_URL)
    unlocked = manager_client.post(
        ATTEMPTS_URL, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}
    )

    assert listing.status_code == HTTPStatus.OK
    assert chief.email in listing.content.decode()
    assert unlocked.status_code == HTTPStatus.FOUND
    assert not AccessAttempt.objects.exists()
    assert admin_sign_in(client, chief.email, PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)


def test_an_editor_can_neither_see_nor_lift_a_lock_out(client, chief, editor_client):
    fail(client, chief.email, 5)
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))

    listing = editor_client.get(ATTEMPTS_URL)
    unlock = editor_client.post(
        ATTEMPTS_URL, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}
    )

    assert listing.status_code == HTTPStatus.FORBIDDEN
    assert unlock.status_code == HTTPStatus.FORBIDDEN
    assert AccessAttempt.objects.count() == len(attempts)


def test_axes_reset_unlocks_from_the_command_line(client, chief):
    fail(client, chief.email, 5)

    call_command("axes_reset", stdout=StringIO())

    assert admin_sign_in(client, chief.email, PASSWORD).status_code == HTTPStatus.FOUND


def test_the_api_token_endpoint_keeps_its_own_throttle_and_never_locks_the_admin(
    client, anonymous_client, chief
):
    for _ in range(6):
        anonymous_client.post(
            "/api/v1/auth/token/", {"email": chief.email, "password": "faux"}, format="json"
        )
    fail(client, chief.email, 5)
    api_after_admin_lockout = anonymous_client.post(
        "/api/v1/auth/token/", {"email": chief.email, "password": PASSWORD}, format="json"
    )

    # Six wrong API passwords locked nothing: the admin counted its own five only.
    assert AccessAttempt.objects.get().failures_since_start == 5
    assert api_after_admin_lockout.status_code == HTTPStatus.OK
    assert User.objects.get(pk=chief.pk).auth_token.key == api_after_admin_lockout.json()["token"]
