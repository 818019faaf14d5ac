"""axe-core on the main pages, as a visitor, a subscriber and a subscription manager.

No violation of impact "serious" or "critical" on any of them; the summary of every page
(rules checked, violations by impact) is saved beside the screenshots as axe.json.
"""

from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

from testing.browser.pages import admin_sign_in, sign_in
from testing.browser.site import MANAGER, SEED_SLUG, STAFF_PASSWORD

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def summary(results: dict) -> dict:
    violations = results["violations"]
    return {
        "url": results["url"],
        "rules_checked": len(results["passes"]) + len(violations) + len(results["incomplete"]),
        "passed": len(results["passes"]),
        # Rules axe could not decide alone (e.g. a contrast over an image): for a human.
        "to_review": [rule["id"] for rule in results["incomplete"]],
        "violations_by_impact": dict(Counter(rule["impact"] for rule in violations)),
        "violations": [
            {
                "rule": rule["id"],
                "impact": rule["impact"],
                "help": rule["help"],
                "nodes": [node["target"] for node in rule["nodes"]],
            }
            for rule in violations
        ],
    }


def test_the_main_pages_have_no_serious_accessibility_violation(story, site):
    axe = Axe()
    report: dict[str, dict] = {}
    visitor = story()

    def check(who, name: str, path: str) -> None:
        who.page.goto(path)
        who.shot(name, full_page=True)
        report[name] = summary(axe.run(who.page).response)

    check(visitor, "home", "/")
    check(visitor, "article-as-visitor", f"/articles/{SEED_SLUG}/")
    check(visitor, "sign-in", "/connexion/")
    check(visitor, "registration", "/inscription/")

    site.subscriber("abonnee-a11y@example.org")
    subscriber = story()
    sign_in(subscriber.page, "abonnee-a11y@example.org")
    check(subscriber, "article-as-subscriber", f"/articles/{SEED_SLUG}/")
    check(subscriber, "account", "/compte/")

    manager = story()
    admin_sign_in(manager.page, MANAGER, STAFF_PASSWORD)
    check(manager, "dashboard", "/admin/dashboard/")

    visitor.save("axe.json", report)
    for name, page in report.items():
        print(
            f"axe {name}: {page['rules_checked']} rules checked, "
            f"violations by impact {page['violations_by_impact'] or 'none'}"
        )
    blocking = {
        name: [v for v in page["violations"] if v["impact"] in BLOCKING]
        for name, page in report.items()
    }
    assert not any(blocking.values()), {name: v for name, v in blocking.items() if v}
