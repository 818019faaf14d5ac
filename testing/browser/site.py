"""The site served for a browser: gunicorn with DEBUG off, the demo, Stripe's stand-in, Chromium.

Shared by the browser tests (conftest.py) and the screenshots of the README
(screenshots.py). Playwright drives the Chromium the machine's package manager
installed (Debian's `chromium`), never one it downloads: the machine has no network.
"""

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from subscriptions.tests.stripe_server import StripeServer, stripe_server
from testing.served import ServedApp, free_port, served_app
from testing.served_stripe import OFFER, PASSWORD, checkout, register, stripe_env

HOW_TO_ENABLE = (
    "no Chromium found for the browser tests: install Debian's chromium "
    "(apt-get install chromium), or set PLAYWRIGHT_CHROMIUM to a Chromium executable"
)
# Without these, Chromium calls Google's hosts (updates, sync, field trials, QUIC probes);
# the machines the tests run on have no network. --no-sandbox: CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SEED_SLUG = "arrivee-ia-imagerie-consequences"
# Sentences of the seed article past its paywall split (its first words after the cut,
# a middle, its end): never in a visitor's page.
PAST_THE_SPLIT = "Acceptera-t-il que son examen soit interprété par une machine"
BEYOND_THE_SPLIT = [
    "limites propres à l’être humain",
    PAST_THE_SPLIT,
    "Le troisième et dernier article de cette série",
]
EDITOR = "redaction@example.org"
MANAGER = "abonnements@example.org"
STAFF_PASSWORD = "Redaction-2026!"


def chromium_path() -> str | None:
    """The Chromium to drive: $PLAYWRIGHT_CHROMIUM, else Debian's; None when there is none
    (or Playwright itself is missing)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    candidate = os.environ.get("PLAYWRIGHT_CHROMIUM") or "/usr/bin/chromium"
    found = shutil.which(candidate)
    return found if found and Path(found).is_file() else None


@dataclass
class Site:
    app: ServedApp
    stripe: StripeServer

    @property
    def url(self) -> str:
        return self.app.url

    def subscriber(self, email: str) -> None:
        """A reader who registered and paid through Checkout, as the site's button does it."""
        headers = register(self.app, email)
        session = checkout(self.app, headers)
        assert session.ok, session.text
        paid = requests.post(f"{session.json()['url']}/pay", allow_redirects=False, timeout=30)
        assert paid.status_code == 303, paid.text


_STAFF = """
from django.contrib.auth.models import Group
from accounts.models import User
for email, group in [({editor!r}, "Editors"), ({manager!r}, "Subscription managers")]:
    user = User.objects.create_user(email=email, password={password!r}, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
"""


@contextmanager
def served_site() -> Iterator[Site]:
    """The whole site as production serves it, with its demo, a Stripe stand-in that a
    browser can pay on, an editor and a subscription manager."""
    with stripe_server() as stripe:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = stripe_env(
            stripe,
            SITE_URL=url,
            STRIPE_TIMEOUT_SECONDS="10",
            # The meter opens articles to readers who do not pay: off, so that a reader
            # reads the full text because she subscribed, not because of her free articles.
            PAYWALL_FREE_ARTICLES_PER_MONTH="0",
            # Every test signs in and registers through the pages: no throttle in the way.
            IMAGO_AUTH_THROTTLE="1000/min",
        )
        with served_app(workers=2, threads=4, env=env, demo=True, port=port) as app:
            stripe.webhook_url = f"{url}/api/v1/stripe/webhook/"
            app.manage("sync_offers")
            app.shell(_STAFF.format(editor=EDITOR, manager=MANAGER, password=STAFF_PASSWORD))
            yield Site(app=app, stripe=stripe)


@contextmanager
def chromium(path: str) -> Iterator:
    """A headless Chromium (Playwright's Browser) for as long as the block runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def slugify_test(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


__all__ = ["OFFER", "PASSWORD"]
