"""What the stories do on the site's pages, named as the reader would say it."""

import re

from playwright.sync_api import Page, expect

from testing.browser.site import PASSWORD

REMAINING = "Il vous reste 84% de l'article à lire"
OFFER_BOX = "Offre mensuelle 100 % numérique"


def stylesheets_applied(page: Page) -> int:
    """How many CSS rules the page's stylesheets hold (0: the site's CSS did not load)."""
    return page.evaluate(
        """() => [...document.styleSheets].reduce((rules, sheet) => {
            try { return rules + sheet.cssRules.length } catch (e) { return rules }
        }, 0)"""
    )


def register(page: Page, email: str) -> None:
    page.goto("/inscription/")
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email)
    passwords = page.get_by_label(re.compile(r"mot de passe", re.I))
    for index in range(passwords.count()):  # the password, and its confirmation if asked
        passwords.nth(index).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"inscri|créer", re.I)).click()
    page.wait_for_load_state()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/connexion/")
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email)
    page.get_by_label(re.compile(r"mot de passe", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"connexion|connecter", re.I)).click()
    page.wait_for_load_state()


def admin_sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/admin/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def subscribe_button(page: Page):
    return page.get_by_role("button", name=re.compile(r"abonn", re.I))
