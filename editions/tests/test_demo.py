from http import HTTPStatus

import pytest
from django.core.management import call_command

from editions.models import Edition

pytestmark = pytest.mark.django_db


def test_the_demo_adds_three_editions_once(anonymous_client):
    call_command("load_demo_editions", verbosity=0)
    call_command("load_demo_editions", verbosity=0)

    editions = anonymous_client.get("/api/v1/editions/").json()["results"]

    assert Edition.objects.count() == 3
    assert [(e["number"], e["available_to_you"]) for e in editions] == [
        (120, False),
        (119, True),
        (118, False),
    ]
    assert editions[2]["available_from"] is None  # the special issue stays subscriber-only
    pdf = anonymous_client.get(anonymous_client.get(editions[1]["download"])["Location"])
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert anonymous_client.get(editions[0]["cover"]).status_code == HTTPStatus.OK
