"""Fixtures of the articles tests: the leak crawler's report, printed at the end of the run."""

import pytest

_CRAWLER_REPORT: list[str] = []


@pytest.fixture
def crawler_report() -> list[str]:
    """Lines the leak crawler adds, shown in the summary of the run (and so in CI's log)."""
    return _CRAWLER_REPORT


def pytest_terminal_summary(terminalreporter):
    for line in _CRAWLER_REPORT:
        terminalreporter.write_line(line)
