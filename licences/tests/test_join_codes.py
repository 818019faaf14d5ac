"""Join codes are drawn at random, never typed by staff: a chosen word is guessed."""

import io
import json
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.tests.factories import UserFactory
from conftest import client_for
from licences.models import JOIN_CODE_ALPHABET, Membership, Organisation
from licences.tests.factories import MembershipFactory, OrganisationFactory, days_from_today

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/admin/licences/organisation/"
JOIN = "/api/v1/me/organisations/join/"
# At least ten signs, none of them a look-alike (0/O, 1/I/L).
GENERATED = re.compile(r"[2-9A-HJKMNP-Z]{10,}")


def add_form(**fields) -> dict:
    return {
        "name": "CHU de Caen",
        "slug": "chu-caen",
        "contact_name": "",
        "contact_email": "",
        "seats": 10,
        "starts_on": "2026-01-01",
        "ends_on": "2099-12-31",
        "ip_ranges-TOTAL_FORMS": 0,
        "ip_ranges-INITIAL_FORMS": 0,
        "domains-TOTAL_FORMS": 0,
        "domains-INITIAL_FORMS": 0,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        **fields,
    }


def test_the_alphabet_has_no_look_alikes():
    assert not set("01ILO") & set(JOIN_CODE_ALPHABET)
    assert all(GENERATED.fullmatch(c * 10) for c in JOIN_CODE_ALPHABET)


def test_an_organisation_added_in_the_admin_gets_a_random_code_staff_cannot_type(manager_client):
    response = manager_client.post(f"{ORGANISATIONS}add/", add_form(join_code="DEMO-CHU"))

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    organisation = Organisation.objects.get(slug="chu-caen")
    code = organisation.join_code
    assert GENERATED.fullmatch(code)
    page = manager_client.get(f"{ORGANISATIONS}{organisation.pk}/change/").content.decode()
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in page  # shown in groups of four
    assert 'name="join_code"' not in page


def test_a_licence_granted_from_the_shell_gets_a_random_code():
    until = days_from_today(365).isoformat()
    for name in ("CHU de Lille", "CHU de Caen"):
        call_command("licence_grant", name, "--seats", "5", "--until", until, stdout=io.StringIO())

    codes = list(Organisation.objects.values_list("join_code", flat=True))
    assert all(GENERATED.fullmatch(code) for code in codes)
    assert len(set(codes)) == 2


def test_a_code_that_breaks_the_rule_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(join_code="DEMO-CHU")


def test_the_demo_licence_code_follows_the_rule():
    demo = json.loads((settings.BASE_DIR / "fixtures" / "demo.json").read_text())
    codes = [row["fields"]["join_code"] for row in demo if row["model"] == "licences.organisation"]

    assert codes and all(GENERATED.fullmatch(code) for code in codes)


def test_staff_draw_a_new_code_and_the_old_one_stops_working(manager_client):
    chu = OrganisationFactory(seats=5)
    old = chu.join_code
    member = MembershipFactory(organisation=chu).user

    response = manager_client.post(
        ORGANISATIONS, {"action": "join_code_renew", "_selected_action": [chu.pk]}
    )

    assert response.status_code == HTTPStatus.FOUND
    chu.refresh_from_db()
    assert GENERATED.fullmatch(chu.join_code) and chu.join_code != old
    joiner = client_for(UserFactory())
    assert joiner.post(JOIN, {"code": old}, format="json").status_code == HTTPStatus.BAD_REQUEST
    assert joiner.post(JOIN, {"code": chu.join_code}, format="json").status_code == (
        HTTPStatus.CREATED
    )
    assert Membership.objects.filter(organisation=chu, user=member).exists()  # seats stay


def test_staff_may_remove_the_code(manager_client):
    chu = OrganisationFactory()

    manager_client.post(ORGANISATIONS, {"action": "join_code_remove", "_selected_action": [chu.pk]})

    chu.refresh_from_db()
    assert chu.join_code is None


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_replaces_codes_chosen_by_staff_and_keeps_seats():
    old_apps = _migrate(("licences", "0001_organisations"))
    try:
        Old = old_apps.get_model("licences", "Organisation")
        for slug, code in [("chu-a", "DEMO-CHU"), ("chu-b", None), ("chu-c", "K7QMP4XH9RWD")]:
            Old.objects.create(
                name=slug, slug=slug, ends_on=days_from_today(30), seats=1, join_code=code
            )

        new_apps = _migrate(("licences", "0002_join_codes_generated"))

        codes = dict(
            new_apps.get_model("licences", "Organisation").objects.values_list("slug", "join_code")
        )
        assert GENERATED.fullmatch(codes["chu-a"])
        assert codes["chu-b"] is None
        assert codes["chu-c"] == "K7QMP4XH9RWD"  # drawn at random already: kept
    finally:
        call_command("migrate", verbosity=0)
