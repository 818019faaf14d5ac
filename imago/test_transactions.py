"""Which requests run in a transaction (WriteRequestTransactionMiddleware).

Views of this module's own URLconf write a row and answer as told, or say whether a
transaction is open while they run. Transactional tests: the usual per-test
transaction would make every view look as if it ran inside one.
"""

from http import HTTPStatus

import pytest
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.urls import path

from articles.models import Rubric

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


def in_transaction(request):
    return JsonResponse({"in_transaction": connection.in_atomic_block})


def write_then_answer(request, status):
    Rubric.objects.create(name="Écrite", slug=f"ecrite-{status}")
    return HttpResponse(status=status)


def write_then_fail(request):
    Rubric.objects.create(name="Écrite", slug="ecrite-avant-l-erreur")
    raise RuntimeError("the view broke after writing")


@transaction.non_atomic_requests
def non_atomic_write_then_answer(request, status):
    Rubric.objects.create(name="Écrite", slug=f"ecrite-hors-transaction-{status}")
    return JsonResponse({"in_transaction": connection.in_atomic_block}, status=status)


urlpatterns = [
    path("in-transaction/", in_transaction),
    path("write/<int:status>/", write_then_answer),
    path("write-then-fail/", write_then_fail),
    path("non-atomic/<int:status>/", non_atomic_write_then_answer),
]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_runs_its_view_in_a_transaction(client, method):
    response = getattr(client, method)("/in-transaction/")

    assert response.json() == {"in_transaction": True}


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_a_read_runs_without_a_transaction(client, method):
    response = getattr(client, method)("/in-transaction/")

    assert response.status_code == HTTPStatus.OK
    if method == "get":
        assert response.json() == {"in_transaction": False}


@pytest.mark.parametrize("status", [HTTPStatus.OK, HTTPStatus.CREATED, HTTPStatus.FOUND])
def test_a_write_that_succeeds_is_committed(client, status):
    response = client.post(f"/write/{status}/")

    assert response.status_code == status
    assert Rubric.objects.filter(slug=f"ecrite-{status}").exists()


@pytest.mark.parametrize(
    "status", [HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT, HTTPStatus.SERVICE_UNAVAILABLE]
)
def test_a_write_that_answers_an_error_leaves_nothing_written(client, status):
    response = client.post(f"/write/{status}/")

    assert response.status_code == status
    assert not Rubric.objects.exists()


def test_a_write_that_raises_leaves_nothing_written():
    response = Client(raise_request_exception=False).post("/write-then-fail/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert not Rubric.objects.exists()


def test_a_view_marked_non_atomic_runs_without_the_request_transaction(client):
    response = client.post(f"/non-atomic/{HTTPStatus.CONFLICT}/")

    # Its writes are its own business: nothing rolls them back behind its back.
    assert response.json() == {"in_transaction": False}
    assert Rubric.objects.filter(slug=f"ecrite-hors-transaction-{HTTPStatus.CONFLICT}").exists()
