"""One address, one account: emails compared after NFKC and case folding, on every database.

"ſam@example.org" (a long s) passes Django's email validation and folds to
"sam@example.org". With case-insensitive look-ups each database had its own idea:
PostgreSQL's UPPER made them collide (and let one sign in as the other), SQLite made
them two accounts.
"""

from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.authtoken.models import Token

from accounts.models import EMAIL_TAKEN, User, email_canonical
from accounts.services import BAD_CREDENTIALS
from accounts.tests.factories import PASSWORD, UserFactory
from subscriptions.access import has_access

LONG_S = "ſam@example.org"  # U+017F LATIN SMALL LETTER LONG S


def register(client, email, password=PASSWORD):
    return client.post(
        "/api/v1/auth/register/", {"email": email, "password": password}, format="json"
    )


def sign_in(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


@pytest.mark.parametrize(
    ("email", "canonical"),
    [
        ("sam@example.org", "sam@example.org"),
        ("SAM@Example.ORG", "sam@example.org"),
        (LONG_S, "sam@example.org"),
        ("\u212aim@example.org", "kim@example.org"),  # KELVIN SIGN
        ("Straße@example.org", "strasse@example.org"),
        ("  lea@example.org ", "lea@example.org"),
    ],
)
def test_email_canonical_folds_case_and_unicode_spelling(email, canonical):
    assert email_canonical(email) == canonical


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"), [("sam@example.org", LONG_S), (LONG_S, "SAM@EXAMPLE.ORG")]
)
def test_registering_another_spelling_of_a_taken_address_is_refused(
    anonymous_client, first, second
):
    assert register(anonymous_client, first).status_code == HTTPStatus.CREATED

    response = register(anonymous_client, second)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": EMAIL_TAKEN, "code": "email_taken"}
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["sam@example.org", LONG_S, "SAM@EXAMPLE.ORG", "Sam@example.org"])
def test_every_spelling_signs_in_to_the_one_account(anonymous_client, typed):
    sam = UserFactory(email="sam@example.org")
    UserFactory(email="sami@example.org")  # a neighbour no spelling may reach

    response = sign_in(anonymous_client, typed)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["token"] == Token.objects.get(user=sam).key


@pytest.mark.django_db
def test_a_long_s_account_is_reached_by_the_plain_spelling_and_no_other(anonymous_client):
    long_s = User.objects.create_user(email=LONG_S, password=PASSWORD)

    plain = sign_in(anonymous_client, "sam@example.org")
    other = sign_in(anonymous_client, "sarn@example.org")

    assert plain.json()["token"] == Token.objects.get(user=long_s).key
    assert other.json() == {"detail": BAD_CREDENTIALS, "code": "invalid_credentials"}


@pytest.mark.django_db
def test_the_user_manager_refuses_a_second_spelling():
    User.objects.create_user(email="sam@example.org", password=PASSWORD)

    with pytest.raises(IntegrityError):
        User.objects.create_user(email=LONG_S, password=PASSWORD)


@pytest.mark.django_db
def test_the_admin_refuses_to_add_a_second_spelling_with_a_message(client):
    UserFactory(email="sam@example.org")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        "/admin/accounts/user/add/",
        {"email": LONG_S, "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with its error
    assert EMAIL_TAKEN in response.content.decode()
    assert User.objects.count() == 2  # the existing reader and the admin


@pytest.mark.django_db
def test_the_admin_refuses_to_change_an_address_into_another_spelling(client):
    UserFactory(email="sam@example.org")
    other = UserFactory(email="lea@example.org")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        f"/admin/accounts/user/{other.pk}/change/",
        {
            "email": "SAM@example.org",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert EMAIL_TAKEN in response.content.decode()
    other.refresh_from_db()
    assert other.email == "lea@example.org"


@pytest.mark.django_db
def test_the_admin_sign_in_finds_the_account_by_any_spelling(client):
    User.objects.create_superuser(email="sam@example.org", password=PASSWORD)

    response = client.post("/admin/login/", {"username": LONG_S, "password": PASSWORD})

    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_grant_subscription_finds_the_account_by_any_spelling():
    sam = UserFactory(email="sam@example.org")

    call_command(
        "grant_subscription", "ſAM@example.org", "--until", "2099-01-31", stdout=StringIO()
    )

    assert has_access(sam)


@pytest.mark.django_db
def test_createsuperuser_refuses_a_second_spelling():
    UserFactory(email="sam@example.org")

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", email=LONG_S, interactive=False, stdout=StringIO())

    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_address_whose_canonical_form_is_too_long_is_a_400(anonymous_client):
    # NFKC spells U+FDFA out in 18 letters: 20 of them pass as a domain label of 254
    # characters at most, and would not fit the key.
    email = "a@" + "\ufdfa" * 20 + ".org"

    response = register(anonymous_client, email)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not User.objects.exists()


# The migration that adds the key to existing accounts


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_existing_accounts():
    old_apps = _migrate(("accounts", "0002_staff_groups"))
    try:
        OldUser = old_apps.get_model("accounts", "User")
        OldUser.objects.create(email="Lea@Example.org", password="!")
        OldUser.objects.create(email="kim@example.org", password="!")

        new_apps = _migrate(("accounts", "0004_user_email_key_unique"))

        NewUser = new_apps.get_model("accounts", "User")
        assert dict(NewUser.objects.values_list("email", "email_key")) == {
            "Lea@Example.org": "lea@example.org",
            "kim@example.org": "kim@example.org",
        }
    finally:
        call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_names_two_accounts_of_one_address():
    old_apps = _migrate(("accounts", "0002_staff_groups"))
    try:
        OldUser = old_apps.get_model("accounts", "User")
        OldUser.objects.create(email="sam@example.org", password="!")
        OldUser.objects.create(email=LONG_S, password="!")

        with pytest.raises(
            RuntimeError, match=f"sam@example.org: #\\d+ sam@example.org, #\\d+ {LONG_S}"
        ):
            _migrate(("accounts", "0003_user_email_key"))
    finally:
        OldUser.objects.all().delete()
        call_command("migrate", verbosity=0)
