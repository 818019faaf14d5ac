"""`manage.py licence_grant NAME [--ip CIDR …] [--domain DOMAIN …] [--seats N] --until DATE`."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from articles.tests.factories import ArticleFactory
from licences.models import Organisation
from licences.tests.factories import OrganisationFactory, days_from_today

pytestmark = pytest.mark.django_db


def grant(*args: str) -> str:
    out = io.StringIO()
    call_command("licence_grant", *args, stdout=out)
    return out.getvalue()


def test_it_grants_a_licence_that_opens_articles_on_its_networks(offer):
    article = ArticleFactory()
    until = days_from_today(365)

    out = grant(
        "CHU de Lille",
        *("--ip", "193.49.0.0/16", "--ip", "2001:660:4401::/48"),
        *("--domain", "CHU-Lille.fr", "--seats", "40", "--until", until.isoformat()),
    )

    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.slug) == ("CHU de Lille", "chu-de-lille")
    assert (organisation.seats, organisation.ends_on) == (40, until)
    assert sorted(organisation.ip_ranges.values_list("cidr", flat=True)) == [
        "193.49.0.0/16",
        "2001:660:4401::/48",
    ]
    assert list(organisation.domains.values_list("domain", flat=True)) == ["chu-lille.fr"]
    assert out == (
        f"Licence accordée à CHU de Lille (chu-de-lille) jusqu'au {until:%d/%m/%Y} inclus : "
        "40 siège(s), adresses 193.49.0.0/16, 2001:660:4401::/48, domaines chu-lille.fr.\n"
    )
    data = APIClient(REMOTE_ADDR="193.49.12.7").get(f"/api/v1/articles/{article.slug}/").json()
    assert data["access"]["organisation"] == "CHU de Lille"


def test_granting_again_extends_the_licence_and_adds_networks(db):
    grant("CHU de Lille", "--ip", "193.49.0.0/16", "--seats", "40", "--until", "2099-06-30")

    out = grant("CHU de Lille", "--ip", "10.12.0.0/16", "--until", "2099-12-31")

    organisation = Organisation.objects.get()
    assert organisation.ends_on == dt.date(2099, 12, 31)
    assert organisation.seats == 40
    assert organisation.ip_ranges.count() == 2
    assert out.startswith("Licence prolongée pour CHU de Lille")


def test_an_address_is_a_range_of_one(db):
    grant("Cabinet Pasteur", "--ip", "192.0.2.7", "--until", "2099-12-31")

    assert Organisation.objects.get().ip_ranges.get().cidr == "192.0.2.7/32"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--ip", "192.0.2.300/24"),
            "« 192.0.2.300/24 » n'est pas une adresse ni une plage d'adresses IPv4 ou IPv6.",
        ),
        (("--ip", "tout"), "« tout » n'est pas une adresse ni une plage d'adresses IPv4 ou IPv6."),
        (
            ("--domain", "chu lille"),
            "« chu lille » n'est pas un nom de domaine (exemple : chu-lille.fr).",
        ),
        (("--domain", "fr"), "« fr » n'est pas un nom de domaine (exemple : chu-lille.fr)."),
        (("--seats", "-1"), "--seats attend un nombre de sièges positif ou nul."),
    ],
)
def test_bad_networks_or_seats_are_refused_in_french(db, args, message):
    with pytest.raises(CommandError) as error:
        grant("CHU de Lille", *args, "--until", "2099-12-31")

    assert str(error.value) == message
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("31/12/2099", "--until attend une date AAAA-MM-JJ, reçu « 31/12/2099 »."),
        ("2020-01-01", "--until 2020-01-01 est déjà passé."),
    ],
)
def test_a_bad_or_past_date_is_refused(db, until, message):
    with pytest.raises(CommandError) as error:
        grant("CHU de Lille", "--until", until)

    assert str(error.value) == message


def test_until_is_required(db):
    with pytest.raises(CommandError, match="--until"):
        grant("CHU de Lille")


def test_a_domain_of_another_organisation_is_refused(db):
    OrganisationFactory(name="CHU de Caen", domains=["chu-caen.fr"])

    with pytest.raises(CommandError) as error:
        grant("CHU de Lille", "--domain", "chu-caen.fr", "--until", "2099-12-31")

    assert str(error.value) == "Le domaine chu-caen.fr est déjà celui de CHU de Caen."
