"""The README's screenshots, taken in Chromium on the site served as in the browser tests.

    python -m testing.browser.screenshots [--out docs/screenshots]

Writes the seed article as a visitor and as a subscriber, the subscription managers'
dashboard and the article on a phone: each from the top of its page, clipped to what it
shows, so that each stays under 400 KB.
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
# Twelve weeks of history for the dashboard's picture (a screenshot's data, never the demo's):
# readers subscribing and some leaving, checkouts, and paywall views of the two articles.
HISTORY = """
import datetime as dt
import random
from django.utils import timezone
from accounts.models import User
from articles.models import Article
from dashboard.models import PaywallView
from subscriptions.models import CheckoutSession, Offer, Subscription
random.seed(12)
now, offer = timezone.now(), Offer.objects.get(slug="mensuelle-numerique")
articles = list(Article.objects.all())
for n in range(60):
    started = now - dt.timedelta(days=random.uniform(1, 84))
    user = User.objects.create_user(email=f"lecteur{n}@example.org", password=None)
    ended = random.random() < 0.2
    end = started + dt.timedelta(days=random.uniform(7, 40))
    Subscription.objects.create(
        user=user, offer=offer, source="stripe", stripe_subscription_id=f"sub_history{n}",
        status="canceled" if ended and end < now else "active", stripe_created_at=started,
        canceled_at=end if ended and end < now else None,
        current_period_end=now + dt.timedelta(days=20),
    )
    session = CheckoutSession.objects.create(
        user=user, offer=offer, status="complete", stripe_session_id=f"cs_history{n}",
        expires_at=started, source_article=random.choice(articles).slug,
    )
    CheckoutSession.objects.filter(pk=session.pk).update(created_at=started)
for days_ago in range(84):
    for article in articles:
        PaywallView.objects.create(
            day=(now - dt.timedelta(days=days_ago)).date(), article=article,
            reason="subscription_required", views=random.randint(20, 60),
        )
"""
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

        def save(page, name: str, *, down_to: int | None = None) -> None:
            """The page from its top, down to `down_to` pixels (the viewport without it)."""
            target = options.out / f"{name}.png"
            if down_to is None:
                page.screenshot(path=str(target))
            else:
                width = page.viewport_size["width"]
                clip = {"x": 0, "y": 0, "width": width, "height": down_to}
                page.screenshot(path=str(target), full_page=True, clip=clip)
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")

        visitor = context(viewport=DESKTOP).new_page()
        visitor.goto(ARTICLE)
        visitor.get_by_text(REMAINING).wait_for()
        # From the header to the offer box's subscribe button: the whole locked page.
        offer = visitor.locator(".offer-box").bounding_box()
        assert offer is not None
        save(visitor, "article-visitor", down_to=round(offer["y"] + offer["height"] + 24))

        site.subscriber("abonnee@example.org")
        subscriber = context(viewport=DESKTOP).new_page()
        sign_in(subscriber, "abonnee@example.org")
        subscriber.goto(ARTICLE)
        # Down past where the visitor's teaser ends ("… s'affranchit en effet des…").
        beyond = subscriber.get_by_text(BEYOND_THE_SPLIT[0]).bounding_box()
        assert beyond is not None
        save(subscriber, "article-subscriber", down_to=round(beyond["y"] + 500))

        site.app.shell(HISTORY)
        manager = context(viewport=DESKTOP).new_page()
        admin_sign_in(manager, MANAGER, STAFF_PASSWORD)
        # The admin's navigation sidebar folded away (as the admin remembers it), for room.
        manager.add_init_script("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
        manager.goto("/admin/dashboard/")
        save(manager, "admin-dashboard", down_to=1700)

        phone = context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        ).new_page()
        phone.goto(ARTICLE)
        save(phone, "phone-article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
