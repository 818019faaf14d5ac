"""The dashboard's `?date=`: any day the calendar holds is an answer, never a 500."""

from http import HTTPStatus

import pytest
from django.utils.html import escape

from dashboard.tables import EXPORTS
from dashboard.views import DATE_INVALID

pytestmark = pytest.mark.django_db

PAGE = "/admin/dashboard/"
LAST_DAY = "9999-12-31"  # the calendar's last day: the day after it overflows


def test_the_calendars_last_day_is_a_future_date_on_the_page(manager_client):
    page = manager_client.get(PAGE, {"date": LAST_DAY})

    assert page.status_code == HTTPStatus.OK
    assert escape(DATE_INVALID.format(value=LAST_DAY)) in page.content.decode()


@pytest.mark.parametrize("table", sorted(EXPORTS))
def test_the_calendars_last_day_is_refused_for_every_csv(manager_client, table):
    export = manager_client.get(f"{PAGE}{table}.csv", {"date": LAST_DAY})

    assert export.status_code == HTTPStatus.BAD_REQUEST
    assert export.content.decode() == DATE_INVALID.format(value=LAST_DAY)
