"""Browser tests: Playwright drives Debian's Chromium through the served site.

One served site and one Chromium for the whole run; each test has its own browser
context (cookies of its own) and saves a screenshot of each step under
test-artefacts/browser/<test>/ ($BROWSER_ARTEFACTS to change it).

They need no database of pytest-django's: the site runs in gunicorn on its own SQLite
file, and the tests only speak HTTP to it (Playwright's sync API runs an event loop of its
own, which Django's ORM would refuse to run beside).
"""

import itertools
import json
import os
from pathlib import Path

import pytest

from testing.browser.site import HOW_TO_ENABLE, chromium, chromium_path, served_site, slugify_test
from testing.served import ROOT

HERE = Path(__file__).resolve().parent
_SKIPPED = pytest.StashKey[int]()

try:
    from playwright.sync_api import expect
except ImportError:  # requirements-dev.txt installs it: only a partial virtualenv lacks it
    PLAYWRIGHT = False
    collect_ignore_glob = ["test_*.py"]
else:
    PLAYWRIGHT = True
    # A loaded CI machine: more than Playwright's 5 s for a page to show what it should.
    expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config, items):
    """Every test here is a browser test; without a Chromium, all are skipped, saying how
    to enable them."""
    path = chromium_path()
    for item in items:
        if HERE not in Path(item.fspath).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if path is None:
            item.add_marker(pytest.mark.skip(reason=HOW_TO_ENABLE))
            config.stash[_SKIPPED] = config.stash.get(_SKIPPED, 0) + 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Said at the end of the run, where `make test` shows it, not only under -rs."""
    skipped = config.stash.get(_SKIPPED, 0)
    if not PLAYWRIGHT:
        terminalreporter.write_line(
            "Browser tests not collected: Playwright is missing (pip install -r "
            "requirements-dev.txt)."
        )
    elif skipped:
        terminalreporter.write_line(f"{skipped} browser tests skipped: {HOW_TO_ENABLE}.")


@pytest.fixture(scope="package")
def site():
    with served_site() as served:
        yield served


@pytest.fixture(scope="package")
def browser():
    path = chromium_path()
    assert path is not None  # without one, every test here is skipped before it runs
    with chromium(path) as launched:
        yield launched


@pytest.fixture
def artefacts(request) -> Path:
    base = Path(os.environ.get("BROWSER_ARTEFACTS") or ROOT / "test-artefacts" / "browser")
    folder = base / slugify_test(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    return folder


class Story:
    """A browser context of its own, and its screenshots numbered in the order taken."""

    def __init__(self, browser, site, folder: Path, steps, **context_options) -> None:
        self.site = site
        self.folder = folder
        self.steps = steps  # shared by the stories of one test: one numbering
        self.context = browser.new_context(
            base_url=site.url, locale="fr-FR", timezone_id="Europe/Paris", **context_options
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    def shot(self, step: str, *, full_page: bool = False) -> Path:
        path = self.folder / f"{next(self.steps):02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def save(self, name: str, data) -> Path:
        path = self.folder / name
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def story(browser, site, artefacts):
    """Make a Story: `story()` for a desktop window, `story(viewport=...)` for others."""
    made: list[Story] = []
    steps = itertools.count(1)

    def make(**context_options) -> Story:
        options = {"viewport": {"width": 1280, "height": 900}, **context_options}
        made.append(Story(browser, site, artefacts, steps, **options))
        return made[-1]

    yield make
    for each in made:
        each.close()
