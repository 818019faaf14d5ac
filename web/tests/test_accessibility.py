"""What an accessibility review checks first, on every kind of page: landmarks, one h1,
headings in order, a label for every field, French, and text contrast of the stylesheet."""

import re
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

import pytest

from articles.models import Article
from articles.tests.factories import ArticleFactory, AuthorFactory, BriefFactory, RubricFactory
from editions.tests.factories import EditionFactory
from subscriptions.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "web" / "site.css"


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"] or "")


def pages(subscriber_browser, browser) -> dict[str, tuple[object, str]]:
    OfferFactory()
    rubric = RubricFactory(slug="prospective")
    author = AuthorFactory(slug="herve-leclet")
    locked = ArticleFactory(rubric=rubric, authors=[author])
    free = ArticleFactory(access=Article.Access.FREE)
    BriefFactory.create_batch(3)
    EditionFactory(number=1)
    urls = [
        "/",
        f"/articles/{locked.slug}/",
        f"/articles/{free.slug}/",
        "/rubriques/prospective/",
        "/auteurs/herve-leclet/",
        "/connexion/",
        "/inscription/",
        "/abonnement/",
        "/abonnement/merci/",
        "/compte/mot-de-passe/oubli/",
        "/compte/mot-de-passe/nouveau/",
        "/compte/adresse/verifier/",
        "/journal/1/",
        "/nulle-part/",
    ]
    found = {f"anonyme {url}": (browser, url) for url in urls}
    found.update(
        {
            f"abonné {url}": (subscriber_browser, url)
            for url in ["/", f"/articles/{locked.slug}/", "/compte/"]
        }
    )
    return found


def test_every_page_has_landmarks_one_h1_ordered_headings_and_labelled_fields(
    browser, subscriber_browser
):
    for name, (client, url) in pages(subscriber_browser, browser).items():
        response = client.get(url)
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND), name
        html = response.content.decode()
        outline = Outline()
        outline.feed(html)
        tags = [tag for tag, _ in outline.tags]

        assert '<html lang="fr">' in html, name
        assert {"header", "main", "footer", "nav"} <= set(tags), name
        assert all(attrs.get("aria-label") for tag, attrs in outline.tags if tag == "nav"), name
        assert 'class="skip-link" href="#contenu"' in html, name
        assert outline.headings.count(1) == 1 and outline.headings[0] == 1, (name, outline.headings)
        steps = zip(outline.headings, outline.headings[1:], strict=False)
        assert all(after <= before + 1 for before, after in steps), (name, outline.headings)
        for tag, attrs in outline.tags:
            if tag in ("input", "textarea", "select") and attrs.get("type") not in (
                "hidden",
                "submit",
            ):
                assert attrs.get("id") in outline.labels, (name, attrs)
        for tag, attrs in outline.tags:
            if tag == "img":
                assert attrs.get("alt") is not None, (name, attrs)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_colours_of_the_stylesheet_contrast_at_least_4_5_to_1():
    css = STYLESHEET.read_text()
    colour = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = {
        "texte": (colour["ink"], colour["paper"]),
        "texte secondaire": (colour["muted"], colour["paper"]),
        "texte secondaire sur fond gris": (colour["muted"], colour["soft"]),
        "liens": (colour["accent"], colour["paper"]),
        "liens sur fond gris": (colour["accent"], colour["soft"]),
        "boutons": (colour["accent-ink"], colour["accent"]),
        "erreurs": (colour["alert"], "#fdf2f2"),
        "badge gratuit": ("#ffffff", "#1d6b35"),
    }

    ratios = {name: round(contrast(*pair), 2) for name, pair in pairs.items()}

    assert min(ratios.values()) >= 4.5, ratios


def test_the_stylesheet_reads_on_a_phone():
    css = STYLESHEET.read_text()

    # Mobile first: the one breakpoint widens, nothing is wider than a 375 px screen.
    assert re.findall(r"@media \((\w+)-width", css) == ["min"]
    assert not re.search(r"(?<!max-)width:\s*\d{3,}px", css)
    assert "overflow-wrap: break-word" in css
    assert "img { max-width: 100%" in css
