"""Subscription managers look after licences in the admin: networks, seats, usage."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group

from accounts.groups import EDITORS, SUBSCRIPTION_MANAGERS
from accounts.tests.factories import staff_member
from articles.models import LicenceUsage
from articles.tests.factories import ArticleFactory
from licences.models import Organisation
from licences.tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/admin/licences/organisation/"


@pytest.fixture
def chu(db):
    organisation = OrganisationFactory(name="CHU de Lille", slug="chu-lille", seats=40)
    MembershipFactory.create_batch(3, organisation=organisation)
    return organisation


def report_url(organisation: Organisation) -> str:
    return f"/admin/articles/licenceusage/report/{organisation.pk}/"


def form(**fields) -> dict:
    data = {
        "name": "CHU de Caen",
        "slug": "chu-caen",
        "contact_name": "",
        "contact_email": "",
        "seats": 10,
        "starts_on": "2026-01-01",
        "ends_on": "2099-12-31",
        "join_code": "",
        "ip_ranges-TOTAL_FORMS": 2,
        "ip_ranges-INITIAL_FORMS": 0,
        "ip_ranges-0-cidr": "193.52.1.9/16",
        "ip_ranges-1-cidr": "2001:660:7101::/48",
        "domains-TOTAL_FORMS": 1,
        "domains-INITIAL_FORMS": 0,
        "domains-0-domain": "CHU-Caen.fr",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    return {**data, **fields}


def test_subscription_managers_manage_licences_and_read_usage():
    permissions = set(
        Group.objects.get(name=SUBSCRIPTION_MANAGERS).permissions.values_list("codename", flat=True)
    )

    assert {
        "add_organisation",
        "change_organisation",
        "view_organisation",
        "add_iprange",
        "add_emaildomain",
        "change_membership",
        "view_licenceusage",
    } <= permissions
    assert "change_licenceusage" not in permissions


def test_the_list_shows_seats_taken(manager_client, chu):
    page = manager_client.get(ORGANISATIONS).content.decode()

    assert "CHU de Lille" in page
    assert "3 / 40" in page
    assert report_url(chu) in page


def test_a_manager_adds_a_licence_with_its_networks(manager_client):
    response = manager_client.post(f"{ORGANISATIONS}add/", form())

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    organisation = Organisation.objects.get(slug="chu-caen")
    assert sorted(organisation.ip_ranges.values_list("cidr", flat=True)) == [
        "193.52.0.0/16",
        "2001:660:7101::/48",
    ]
    assert list(organisation.domains.values_list("domain", flat=True)) == ["chu-caen.fr"]


def test_a_range_that_is_not_one_is_refused_in_french(manager_client):
    response = manager_client.post(f"{ORGANISATIONS}add/", form(**{"ip_ranges-0-cidr": "1.2.3"}))

    assert response.status_code == HTTPStatus.OK
    assert "n&#x27;est pas une adresse ni une plage d&#x27;adresses" in response.content.decode()
    assert not Organisation.objects.exists()


def test_a_licence_that_ends_before_it_starts_is_refused(manager_client):
    response = manager_client.post(f"{ORGANISATIONS}add/", form(ends_on="2025-01-01"))

    assert response.status_code == HTTPStatus.OK
    assert "La fin de la licence précède son début." in response.content.decode()


def test_the_usage_report_in_the_admin_and_its_csv(manager_client, chu):
    article = ArticleFactory(title="L’IRM de demain")
    LicenceUsage.objects.create(
        organisation=chu,
        article=article,
        month=dt.date(2026, 10, 1),
        total_item_requests=8,
        unique_item_requests=5,
    )
    period = {"begin_date": "2026-09", "end_date": "2026-11"}

    page = manager_client.get(report_url(chu), period)
    download = manager_client.get(report_url(chu), {**period, "format": "csv"})

    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "L’IRM de demain" in html
    assert "Total_Item_Requests" in html and "Oct-2026" in html
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "Total_Item_Requests;8;0;8;0" in download.content.decode()


def test_a_bad_period_in_the_admin_report_says_so(manager_client, chu):
    page = manager_client.get(report_url(chu), {"begin_date": "2026-13"})

    assert page.status_code == HTTPStatus.OK
    assert "Un mois s&#x27;écrit AAAA-MM" in page.content.decode()


@pytest.mark.parametrize("url", [ORGANISATIONS, "/admin/articles/licenceusage/", "report"])
def test_editors_do_not_reach_licences(client, chu, url):
    client.force_login(staff_member(EDITORS))

    response = client.get(report_url(chu) if url == "report" else url)

    assert response.status_code == HTTPStatus.FORBIDDEN
