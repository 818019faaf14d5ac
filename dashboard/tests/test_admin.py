"""The dashboard in the admin: who sees it, what it shows, its CSV exports."""

import csv
import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils.html import escape

from accounts.groups import EDITORS, SUBSCRIPTION_MANAGERS
from accounts.tests.factories import UserFactory
from articles.models import Rubric
from dashboard.views import DATE_INVALID, DATE_TOO_EARLY, FIRST_DAY
from imago.csv_export import SEPARATOR_INVALID
from licences.models import Organisation

pytestmark = pytest.mark.django_db

PAGE = "/admin/dashboard/"
TABLES = ("abonnes", "licences", "semaines", "tunnel-semaines", "tunnel-rubriques")


def rows_of(response, delimiter: str = ";") -> list[list[str]]:
    """The rows of a CSV export, which opens with a UTF-8 byte order mark (for Excel)."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_subscription_managers_hold_the_dashboards_permission():
    managers = Group.objects.get(name=SUBSCRIPTION_MANAGERS).permissions
    editors = Group.objects.get(name=EDITORS).permissions

    assert managers.filter(codename="view_dashboard").exists()
    assert not editors.filter(codename="view_dashboard").exists()


def test_a_subscription_manager_sees_the_dashboard(manager_client, world):
    response = manager_client.get(f"{PAGE}?date=2026-11-26")

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Tableau de bord" in page
    assert "<strong>66,00 €</strong>" in page  # the MRR of the world: 23 € + 20 € + 23 €
    # MRR, new and ended, churn; the funnel's views and conversions, by week and by rubric.
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox') == 7
    for table in TABLES:
        assert f'href="/admin/dashboard/{table}.csv?date=2026-11-26"' in page
    assert "CHU de Lille" in page


def test_a_superuser_sees_the_dashboard(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(PAGE).status_code == HTTPStatus.OK


def test_an_editor_is_refused(editor_client):
    assert editor_client.get(PAGE).status_code == HTTPStatus.FORBIDDEN
    assert editor_client.get(f"{PAGE}semaines.csv").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}semaines.csv"])
def test_anonymous_and_readers_are_sent_to_the_admin_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")

    client.force_login(UserFactory())
    assert client.get(path)["Location"].startswith("/admin/login/")


def test_the_admin_home_links_to_the_dashboard_for_who_may_see_it(manager_client, editor):
    assert 'href="/admin/dashboard/"' in manager_client.get("/admin/").content.decode()

    other = Client()
    other.force_login(editor)
    assert 'href="/admin/dashboard/"' not in other.get("/admin/").content.decode()


def test_the_page_runs_a_bounded_number_of_queries(
    manager_client, world, django_assert_max_num_queries
):
    # Session, user, permissions (2), then the tables: 2 + 1 + 3 + 4.
    with django_assert_max_num_queries(14):
        assert manager_client.get(PAGE).status_code == HTTPStatus.OK


def test_the_weeks_csv(manager_client, world):
    response = manager_client.get(f"{PAGE}semaines.csv?date=2026-11-26")

    assert response["Content-Disposition"] == (
        'attachment; filename="tableau-de-bord_semaines_2026-11-26.csv"'
    )
    header, *rows = rows_of(response)
    assert header == [
        "Semaine (ISO)",
        "Lundi",
        "Nouveaux",
        "Terminés",
        "Actifs en début de semaine",
        "Attrition (%)",
        "MRR (centimes)",
        "MRR (euros)",
    ]
    assert len(rows) == 12
    # French Excel's conventions: `;` between cells, decimal commas.
    assert rows[-2] == ["2026-W47", "2026-11-16", "0", "1", "3", "33,3", "4600", "46,00"]
    assert rows[-1] == ["2026-W48", "2026-11-23", "2", "0", "2", "0,0", "6600", "66,00"]
    assert rows[0][5] == ""  # no churn when nobody was subscribed


def test_a_csv_with_commas_on_request(manager_client, world):
    response = manager_client.get(f"{PAGE}semaines.csv?date=2026-11-26&sep=comma")

    rows = rows_of(response, delimiter=",")
    assert rows[-2] == ["2026-W47", "2026-11-16", "0", "1", "3", "33.3", "4600", "46.00"]


def test_an_unknown_separator_is_refused(manager_client, world):
    response = manager_client.get(f"{PAGE}semaines.csv?sep=pipe")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.content.decode() == SEPARATOR_INVALID


def test_a_name_that_looks_like_a_formula_stays_text(manager_client, world):
    evil = '=HYPERLINK("http://example.com/","Cliquez")'
    Organisation.objects.filter(name="CHU de Lille").update(name=evil)
    Rubric.objects.filter(slug="imagerie").update(name="@SUM(1+1)")

    licences = rows_of(manager_client.get(f"{PAGE}licences.csv?date=2026-11-26"))
    rubrics = rows_of(manager_client.get(f"{PAGE}tunnel-rubriques.csv?date=2026-11-26"))

    assert licences[1][0] == f"'{evil}"
    assert licences[1][1:3] == ["2", "40"]  # numbers as they are
    assert ["'@SUM(1+1)", "7", "2", "1", "28,6", "50,0"] in rubrics


def test_the_other_csv_exports(manager_client, world):
    day = "?date=2026-11-26"

    assert rows_of(manager_client.get(f"{PAGE}abonnes.csv{day}"))[1:5] == [
        ["Abonnés payants (actifs)", "2"],
        ["En période d'essai", "1"],
        ["En délai de grâce (paiement en retard)", "1"],
        ["Abonnements offerts", "1"],
    ]
    assert rows_of(manager_client.get(f"{PAGE}licences.csv{day}"))[1][:3] == [
        "CHU de Lille",
        "2",
        "40",
    ]
    assert rows_of(manager_client.get(f"{PAGE}tunnel-semaines.csv{day}"))[-1] == [
        "2026-W48",
        "7",
        "3",
        "2",
        "42,9",
        "66,7",
    ]
    rubrics = rows_of(manager_client.get(f"{PAGE}tunnel-rubriques.csv{day}"))
    assert ["Imagerie", "7", "2", "1", "28,6", "50,0"] in rubrics


def test_an_unknown_table_is_404(manager_client):
    assert manager_client.get(f"{PAGE}inconnu.csv").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("value", ["hier", "2026-13-01", "2999-01-01"])
def test_a_bad_or_future_date_is_said_on_the_page_and_refused_for_a_csv(manager_client, value):
    message = DATE_INVALID.format(value=value)

    page = manager_client.get(PAGE, {"date": value})
    assert page.status_code == HTTPStatus.OK
    assert escape(message) in page.content.decode()
    export = manager_client.get(f"{PAGE}semaines.csv", {"date": value})
    assert export.status_code == HTTPStatus.BAD_REQUEST
    assert export.content.decode() == message


def test_a_date_before_2000_is_said_on_the_page_and_refused_for_a_csv(manager_client):
    """Twelve weeks before 0001-01-01 are off the calendar: a message, never a 500."""
    message = DATE_TOO_EARLY.format(value="0001-01-01", first=FIRST_DAY)

    page = manager_client.get(PAGE, {"date": "0001-01-01"})
    assert page.status_code == HTTPStatus.OK
    assert escape(message) in page.content.decode()
    export = manager_client.get(f"{PAGE}semaines.csv", {"date": "0001-01-01"})
    assert export.status_code == HTTPStatus.BAD_REQUEST
    assert export.content.decode() == message


def test_the_paywall_counters_are_read_only_in_the_admin(manager_client, editor):
    assert manager_client.get("/admin/dashboard/paywallview/").status_code == HTTPStatus.OK
    assert manager_client.get("/admin/dashboard/paywallview/add/").status_code == (
        HTTPStatus.FORBIDDEN
    )
    other = Client()
    other.force_login(editor)
    assert other.get("/admin/dashboard/paywallview/").status_code == HTTPStatus.FORBIDDEN
