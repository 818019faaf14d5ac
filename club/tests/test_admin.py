"""Editors manage the club's benefits in the admin; readers cannot."""

from http import HTTPStatus

import pytest

from club.models import ENDS_BEFORE_IT_STARTS, ClubBenefit

pytestmark = pytest.mark.django_db

ADD = "/admin/club/clubbenefit/add/"
FORM = {
    "title": "Congrès : entrée offerte",
    "starts_at_0": "2027-03-10",
    "starts_at_1": "09:00:00",
    "ends_at_0": "2027-03-12",
    "ends_at_1": "18:00:00",
    "published": "on",
    "text": "Présentez votre carte d’abonné à l’accueil.",
    "place": "Palais des congrès, Paris",
    "url": "https://congres.example.org",
    "code": "IMAGO2027",
}


def test_an_editor_adds_a_benefit(editor_client):
    response = editor_client.post(ADD, FORM)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    benefit = ClubBenefit.objects.get()
    assert (benefit.code, benefit.place) == ("IMAGO2027", "Palais des congrès, Paris")


def test_a_reader_cannot_add_a_benefit(client, reader):
    client.force_login(reader)

    response = client.post(ADD, FORM)

    assert response["Location"].startswith("/admin/login/")
    assert not ClubBenefit.objects.exists()


def test_a_benefit_cannot_end_before_it_starts(editor_client):
    response = editor_client.post(ADD, {**FORM, "ends_at_0": "2027-03-01"})

    assert response.status_code == HTTPStatus.OK
    assert ENDS_BEFORE_IT_STARTS in response.content.decode()
    assert not ClubBenefit.objects.exists()
