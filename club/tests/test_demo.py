import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_adds_three_current_or_coming_benefits_once(subscriber_client):
    call_command("load_demo_club", verbosity=0)
    call_command("load_demo_club", verbosity=0)

    benefits = subscriber_client.get("/api/v1/club/").json()["results"]

    assert [b["title"][:12] for b in benefits] == ["Librairie mé", "Webinaire : ", "Journées fra"]
    assert [b["code"] for b in benefits] == ["IMAGO15", "", "IMAGO-JFR"]
