"""Complimentary access: `manage.py grant_subscription` and the admin."""

import datetime as dt
from http import HTTPStatus
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from accounts.tests.factories import UserFactory
from subscriptions.access import has_access
from subscriptions.models import Subscription
from subscriptions.tests.factories import ComplimentaryFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_grant_gives_access_through_the_last_day_in_paris():
    user = UserFactory(email="lea@example.org")
    out = StringIO()

    call_command("grant_subscription", "LEA@example.org", "--until", "2099-01-31", stdout=out)

    grant = Subscription.objects.get(user=user)
    assert grant.source == Subscription.Source.COMPLIMENTARY
    assert grant.current_period_end == dt.datetime(2099, 2, 1, tzinfo=PARIS)
    assert has_access(user, at=dt.datetime(2099, 1, 31, 23, 59, tzinfo=PARIS))
    assert not has_access(user, at=dt.datetime(2099, 2, 1, 0, 1, tzinfo=PARIS))
    assert "2099-01-31" in out.getvalue()


def test_granting_again_extends_the_one_grant():
    user = UserFactory(email="lea@example.org")
    call_command(
        "grant_subscription", "lea@example.org", "--until", "2099-01-31", stdout=StringIO()
    )

    call_command(
        "grant_subscription", "lea@example.org", "--until", "2099-06-30", stdout=StringIO()
    )

    grant = Subscription.objects.get(user=user)
    assert grant.current_period_end == dt.datetime(2099, 7, 1, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inconnu@example.org", "--until", "2099-01-01"], "No account"),
        (["lea@example.org", "--until", "31/01/2099"], "YYYY-MM-DD"),
        (["lea@example.org", "--until", "2001-01-01"], "in the past"),
    ],
)
def test_grant_rejects_bad_input_and_stores_nothing(args, message):
    UserFactory(email="lea@example.org")

    with pytest.raises(CommandError, match=message):
        call_command("grant_subscription", *args)

    assert not Subscription.objects.exists()


def test_database_refuses_two_live_grants_for_one_reader():
    grant = ComplimentaryFactory()

    with pytest.raises(IntegrityError):
        ComplimentaryFactory(user=grant.user)


def test_manager_grants_complimentary_access_in_the_admin(manager_client, manager):
    client = manager_client
    reader = UserFactory()

    response = client.post(
        "/admin/subscriptions/subscription/add/",
        {
            "user": reader.pk,
            "current_period_end_0": "31/12/2099",
            "current_period_end_1": "23:59:00",
            "note": "Partenaire presse",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    grant = Subscription.objects.get(user=reader)
    assert grant.source == Subscription.Source.COMPLIMENTARY
    assert grant.granted_by == manager
    assert has_access(reader)


def test_manager_revokes_complimentary_access_in_the_admin(manager_client):
    client = manager_client
    grant = ComplimentaryFactory()

    client.post(
        "/admin/subscriptions/subscription/",
        {"action": "revoke", "_selected_action": [grant.pk]},
    )

    grant.refresh_from_db()
    assert grant.status == Subscription.Status.CANCELED
    assert not has_access(grant.user)
