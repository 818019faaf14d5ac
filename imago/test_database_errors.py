"""A failure of the database answers 503, JSON under /api/ and on /healthz, never HTML.

Real faults (a database down, hung, or its lock held) are played against the served
app in testing/test_database_faults.py; here, views of this module's own URLconf
raise the errors Django raises for them, wherever a request may meet them: in a DRF
view, or outside one (a plain view, or middleware, both reach handler500).
"""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client
from django.urls import path
from rest_framework.decorators import api_view

from imago.exceptions import DATABASE_UNAVAILABLE

pytestmark = pytest.mark.urls(__name__)

handler500 = "imago.exceptions.json_server_error"

ERRORS = {
    "operational": OperationalError("database is locked"),
    "interface": InterfaceError("connection already closed"),
    "integrity": IntegrityError("duplicate key value violates unique constraint"),
}


@api_view(["GET"])
def drf_view(request, error):
    raise ERRORS[error]


def plain_view(request, error):
    raise ERRORS[error]


urlpatterns = [
    path("api/v1/drf/<str:error>/", drf_view),
    path("api/v1/plain/<str:error>/", plain_view),
    path("healthz/<str:error>/", plain_view),
    path("feeds/<str:error>/", plain_view),
]

UNAVAILABLE = {"detail": DATABASE_UNAVAILABLE, "code": "database_unavailable"}


def get(url):
    return Client(raise_request_exception=False).get(url)


@pytest.mark.parametrize("error", ["operational", "interface"])
@pytest.mark.parametrize("url", ["/api/v1/drf/{}/", "/api/v1/plain/{}/", "/healthz/{}/"])
def test_a_database_failure_is_a_503_json(url, error):
    response = get(url.format(error))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/json"
    assert response.json() == UNAVAILABLE


def test_a_database_failure_outside_the_api_is_a_503_in_plain_text():
    response = get("/feeds/operational/")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == DATABASE_UNAVAILABLE


@pytest.mark.parametrize("url", ["/api/v1/drf/integrity/", "/api/v1/plain/integrity/"])
def test_other_database_errors_are_bugs_and_stay_500(url):
    response = get(url)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json()["code"] == "server_error"
