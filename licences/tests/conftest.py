import pytest

from licences import addresses


@pytest.fixture(autouse=True)
def _licensed_ranges_as_the_database_holds_them(db):
    """A test's rows are rolled back, which sends no signal: each test starts from the
    ranges its database holds, as a worker does after a change."""
    addresses.ranges_changed()
