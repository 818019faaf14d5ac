"""The site's stories in a browser: a visitor subscribes, an editor publishes, a manager counts.

Each step is a screenshot under test-artefacts/browser/<test>/ (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import Response, expect

from testing.browser.pages import (
    OFFER_BOX,
    REMAINING,
    admin_sign_in,
    register,
    stylesheets_applied,
    subscribe_button,
)
from testing.browser.site import (
    BEYOND_THE_SPLIT,
    EDITOR,
    MANAGER,
    SEED_SLUG,
    STAFF_PASSWORD,
)

pytestmark = pytest.mark.browser

ARTICLE = f"/articles/{SEED_SLUG}/"


def test_a_visitor_reads_the_teaser_registers_subscribes_and_reads_the_full_text(story):
    visitor = story()
    page = visitor.page
    stylesheets: list[Response] = []

    def loaded(response: Response) -> None:
        if response.request.resource_type == "stylesheet":
            stylesheets.append(response)

    page.on("response", loaded)

    page.goto(ARTICLE)
    visitor.shot("article-as-visitor")
    expect(page.locator(".paywall")).to_be_visible()
    expect(page.locator(".paywall")).not_to_be_empty()
    expect(page.get_by_text(REMAINING)).to_be_visible()
    expect(page.get_by_text(OFFER_BOX)).to_be_visible()
    html = page.content()
    for sentence in BEYOND_THE_SPLIT:
        assert sentence not in html  # not hidden: absent from the page
    # The site's CSS is served with DEBUG off (WhiteNoise) and applies.
    assert stylesheets and all(response.ok for response in stylesheets)
    assert stylesheets_applied(page) > 0

    register(page, "lectrice@example.org")
    visitor.shot("registered")
    page.goto(ARTICLE)
    subscribe_button(page).click()

    expect(page.get_by_role("heading", name="Stripe Checkout (test)")).to_be_visible()
    expect(page.get_by_text("23,00 € par mois")).to_be_visible()
    visitor.shot("checkout")
    page.get_by_role("button", name="Payer").click()

    expect(page).to_have_url(re.compile(r"/abonnement/merci/?\?session_id=cs_test_"))
    expect(page.get_by_text("Votre abonnement est actif")).to_be_visible()
    visitor.shot("thanks")

    page.get_by_role("link", name="Reprendre votre lecture").click()
    expect(page).to_have_url(re.compile(re.escape(ARTICLE) + "$"))
    for sentence in BEYOND_THE_SPLIT:
        expect(page.get_by_text(sentence)).to_be_visible()
    expect(page.get_by_text(OFFER_BOX)).to_have_count(0)
    expect(page.get_by_text(REMAINING)).to_have_count(0)
    visitor.shot("article-as-subscriber", full_page=True)


EDITOR_TEASER = "Le scanner à comptage photonique entre à l'hôpital."
EDITOR_SECRET = "Les premiers résultats montrent une dose divisée par deux."
EDITOR_BODY = f"""{EDITOR_TEASER} Trois centres l'utilisent déjà en routine.

<!-- paywall -->

{EDITOR_SECRET} Les radiologues décrivent des images plus nettes.
"""


def test_an_editor_writes_and_publishes_an_article_with_a_paywall_marker(story):
    editor = story()
    page = editor.page
    admin_sign_in(page, EDITOR, STAFF_PASSWORD)
    editor.shot("admin-home")

    page.goto("/admin/articles/article/add/")
    page.get_by_label("Titre").press_sequentially("Le comptage photonique arrive")
    expect(page.get_by_label("Slug")).to_have_value("le-comptage-photonique-arrive")
    page.locator(".field-rubric .select2-selection").click()
    page.locator(".select2-search__field").fill("Prosp")
    page.get_by_role("option", name="Prospective").click()
    page.get_by_label("Chapô").fill("Une nouvelle génération de scanners.")
    page.get_by_label("Statut").select_option(label="publié")
    page.get_by_label("Corps").fill(EDITOR_BODY)
    editor.shot("article-written", full_page=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    editor.shot("article-saved")

    visitor = story()
    response = visitor.page.goto("/articles/le-comptage-photonique-arrive/")
    assert response is not None and response.ok
    expect(visitor.page.locator(".paywall")).to_contain_text(EDITOR_TEASER)
    assert EDITOR_SECRET not in visitor.page.content()
    visitor.shot("published-article-as-visitor")


def _subscribers_now(page) -> int:
    """The dashboard's count of paying subscribers now ("Abonnés aujourd'hui")."""
    table = page.get_by_role("table", name=re.compile("Abonnés aujourd'hui"))
    row = table.get_by_role("row").filter(has_text="Abonnés payants (actifs)")
    return int(row.get_by_role("cell").last.inner_text())


def test_a_subscription_manager_sees_a_new_subscriber_counted_on_the_dashboard(story, site):
    manager = story()
    page = manager.page
    admin_sign_in(page, MANAGER, STAFF_PASSWORD)
    page.goto("/admin/dashboard/")
    before = _subscribers_now(page)
    manager.shot("dashboard-before")

    site.subscriber("nouvel-abonne@example.org")

    page.reload()
    manager.shot("dashboard-after", full_page=True)
    assert _subscribers_now(page) == before + 1


def test_the_article_fits_a_phone_without_scrolling_sideways(story):
    phone = story(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone.page.goto(ARTICLE)
    phone.shot("article-on-phone")
    widths = phone.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    expect(phone.page.get_by_text(REMAINING)).to_be_visible()
