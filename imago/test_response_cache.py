"""The rules of the anonymous-read cache that time and transactions decide."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from imago.response_cache import day_bounds, horizon_after_write

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 12, 13, 0, tzinfo=PARIS).timestamp()
TWO_PM = NOW + 3600
FOUR_PM = NOW + 3 * 3600


def paris(moment: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(moment, PARIS)


def test_an_entry_stored_before_midnight_ends_at_midnight_in_paris():
    """ "aujourd'hui" and "hier" turn over at midnight in Paris, not in UTC."""
    late = dt.datetime(2026, 7, 14, 23, 59, 59, tzinfo=PARIS).timestamp()

    start, end = day_bounds(late)

    assert paris(start) == dt.datetime(2026, 7, 14, tzinfo=PARIS)
    assert paris(end) == dt.datetime(2026, 7, 15, tzinfo=PARIS)


def test_the_day_clocks_go_forward_lasts_23_hours():
    """On the last Sunday of March the next midnight is 23 hours after the last one."""
    start, end = day_bounds(dt.datetime(2026, 3, 29, 12, 0, tzinfo=PARIS).timestamp())

    assert end - start == 23 * 3600
    assert paris(end) == dt.datetime(2026, 3, 30, tzinfo=PARIS)


def test_a_write_that_schedules_nothing_keeps_the_horizon_without_a_query():
    """A note or an offer changes no publication date: the horizon carries over."""
    assert horizon_after_write((NOW - 60, TWO_PM), now=NOW, committed=True, look_up=None) == (
        NOW,
        TWO_PM,
    )


@pytest.mark.parametrize("earlier", [None, (NOW - 7200, NOW - 60)])
def test_without_a_horizon_ahead_the_next_miss_computes_it(earlier):
    """No horizon, or one already passed: nothing to carry over."""
    assert horizon_after_write(earlier, now=NOW, committed=False, look_up=None) is None


def test_a_committed_write_takes_what_the_database_says():
    """After the commit, a publication moved from 14:00 to 16:00 is due at 16:00."""
    horizon = horizon_after_write(
        (NOW - 60, TWO_PM), now=NOW, committed=True, look_up=lambda: FOUR_PM
    )

    assert horizon == (NOW, FOUR_PM)


@pytest.mark.parametrize(("found", "expected"), [(FOUR_PM, TWO_PM), (NOW + 60, NOW + 60)])
def test_inside_its_transaction_a_write_never_pushes_the_horizon_back(found, expected):
    """Rows not yet committed may be rolled back: the 14:00 publication still comes at
    14:00 unless the write brings one nearer."""
    horizon = horizon_after_write(
        (NOW - 60, TWO_PM), now=NOW, committed=False, look_up=lambda: found
    )

    assert horizon == (NOW, expected)
