"""The README's screenshots, taken in Chromium on the site served as in the browser tests.

    python -m testing.browser.screenshots [--out docs/screenshots]

Writes the seed article as a visitor and as a subscriber, the subscription managers'
dashboard and the article on a phone. Viewport screenshots: each stays well under 400 KB.
"""

import argparse
import os
import sys
from pathlib import Path

from testing.browser.pages import REMAINING, admin_sign_in, sign_in
from testing.browser.site import (
    BEYOND_THE_SPLIT,
    HOW_TO_ENABLE,
    MANAGER,
    SEED_SLUG,
    STAFF_PASSWORD,
    chromium,
    chromium_path,
    served_site,
)
from testing.served import ROOT

ARTICLE = f"/articles/{SEED_SLUG}/"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    path = chromium_path()
    if path is None:
        print(HOW_TO_ENABLE, file=sys.stderr)
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SECRET_KEY", "screenshots-only-not-secret")
    with served_site() as site, chromium(path) as browser:

        def context(**extra):
            return browser.new_context(
                base_url=site.url, locale="fr-FR", timezone_id="Europe/Paris", **extra
            )

        def save(page, name: str) -> None:
            target = options.out / f"{name}.png"
            page.screenshot(path=str(target))
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")

        visitor = context(viewport=DESKTOP).new_page()
        visitor.goto(ARTICLE)
        visitor.get_by_text(REMAINING).scroll_into_view_if_needed()
        visitor.mouse.wheel(0, 250)  # the end of the teaser above, the offer below
        save(visitor, "article-visitor")

        site.subscriber("abonnee@example.org")
        subscriber = context(viewport=DESKTOP).new_page()
        sign_in(subscriber, "abonnee@example.org")
        subscriber.goto(ARTICLE)
        # Where the visitor's teaser ends ("… s'affranchit en effet des…"), it goes on.
        subscriber.get_by_text(BEYOND_THE_SPLIT[0]).scroll_into_view_if_needed()
        subscriber.mouse.wheel(0, 200)
        save(subscriber, "article-subscriber")

        manager = context(viewport=DESKTOP).new_page()
        admin_sign_in(manager, MANAGER, STAFF_PASSWORD)
        manager.goto("/admin/dashboard/")
        save(manager, "admin-dashboard")

        phone = context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        ).new_page()
        phone.goto(ARTICLE)
        save(phone, "phone-article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
