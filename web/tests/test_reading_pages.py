"""The reading pages: home, rubric, author, article, for each kind of reader."""

import json
import re
from html import unescape
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import (
    HIDDEN_SENTENCE,
    ArticleFactory,
    AuthorFactory,
    BriefFactory,
    RubricFactory,
)
from subscriptions.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(client, url, status=HTTPStatus.OK):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def paywall_block(html: str) -> str:
    match = re.search(r'<div class="article-body paywall">(.*?)</div>', html, re.S)
    assert match, "no .paywall element"
    return match.group(1)


def test_anonymous_reader_gets_the_teaser_in_paywall_the_percent_and_the_offer_box(browser):
    OfferFactory()
    article = ArticleFactory()

    html = page(browser, f"/articles/{article.slug}/")

    assert "La phrase 0-1 décrit un service d’imagerie" in paywall_block(html)
    assert f"Il vous reste {article.remaining_percent}% de l'article à lire" in unescape(html)
    assert "Offre mensuelle 100 % numérique" in html
    assert "23 € par mois" in html
    assert "Tous les contenus « abonnés » en illimité" in html
    assert "S’abonner à Docteur Imago" in html
    assert 'name="article" value="' + article.slug + '"' in html
    assert HIDDEN_SENTENCE not in html
    assert "Note cachée" not in html


def test_reader_without_access_sees_no_text_past_the_split(reader_browser):
    OfferFactory()
    article = ArticleFactory()

    html = page(reader_browser, f"/articles/{article.slug}/")

    assert HIDDEN_SENTENCE not in html
    assert f"Il vous reste {article.remaining_percent}%" in html


def test_subscriber_reads_the_full_text_and_no_offer_box(subscriber_browser):
    OfferFactory()
    article = ArticleFactory()

    html = page(subscriber_browser, f"/articles/{article.slug}/")

    assert HIDDEN_SENTENCE in paywall_block(html)
    assert "Note cachée" in html
    assert "Il vous reste" not in html
    assert "offer-box" not in html


def test_free_article_is_whole_for_everyone(browser):
    article = ArticleFactory(access=Article.Access.FREE)

    html = page(browser, f"/articles/{article.slug}/")

    assert HIDDEN_SENTENCE in html
    assert "Gratuit" in html
    assert "offer-box" not in html


def test_article_page_shows_the_seed_structure(browser):
    author = AuthorFactory(
        full_name="Hervé LECLET",
        organisation="SANTOPTA Groupe ESPRIMED",
        titles=["Médecin radiologue", "Consultant en organisation en imagerie médicale"],
        website="https://www.santopta.fr",
    )
    article = ArticleFactory(authors=[author])

    html = page(browser, f"/articles/{article.slug}/")

    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1
    for landmark in ("<header", "<nav aria-label=", "<main", "<footer"):
        assert landmark in html
    assert article.rubric.name in html
    assert "Lecture " in html and " min." in html
    assert re.search(r"Le \d\d/\d\d/\d\d à \d{1,2}:\d\d", html)
    assert "Hervé LECLET" in html and "Consultant en organisation" in html
    assert "Voir la fiche de l’auteur" in html
    assert f'href="/auteurs/{author.slug}/"' in html
    assert "CC0 domaine public sur pixabay.com" in html and "Une salle d’IRM." in html
    assert "Article réservé aux abonnés" in html


def test_article_json_ld_is_valid_and_holds_no_hidden_text(browser, subscriber_browser):
    article = ArticleFactory(title="Titre </script><script>alert(1)</script>")

    anonymous = page(browser, f"/articles/{article.slug}/")
    subscriber = page(subscriber_browser, f"/articles/{article.slug}/")

    [locked_ld] = JSON_LD.findall(anonymous)
    data = json.loads(locked_ld)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"]["cssSelector"] == ".paywall"
    assert "articleBody" not in data
    assert "</script>" not in locked_ld
    assert HIDDEN_SENTENCE not in locked_ld
    [full_ld] = JSON_LD.findall(subscriber)
    assert HIDDEN_SENTENCE in json.loads(full_ld)["articleBody"]


def test_home_lists_the_latest_articles_and_le_fil(browser):
    articles = ArticleFactory.create_batch(3)
    linked = BriefFactory(text="Une brève liée.", article=articles[0])
    BriefFactory(text="Une brève seule.")

    html = page(browser, "/")

    for article in articles:
        assert f'href="/articles/{article.slug}/"' in html
    assert "Le fil Docteur Imago" in html
    assert "Une brève seule." in html
    assert linked.text in html
    assert HIDDEN_SENTENCE not in html
    assert html.count("<h1") == 1


def test_rubric_and_author_pages_list_their_articles(browser):
    rubric = RubricFactory(name="Prospective", slug="prospective")
    author = AuthorFactory(full_name="Solenn Duplessy", slug="solenn-duplessy")
    inside = ArticleFactory(rubric=rubric, authors=[author])
    outside = ArticleFactory()

    rubric_html = page(browser, "/rubriques/prospective/")
    author_html = page(browser, "/auteurs/solenn-duplessy/")

    assert "<h1>Prospective</h1>" in rubric_html
    assert inside.title in rubric_html and outside.title not in rubric_html
    assert "<h1>Solenn Duplessy</h1>" in author_html
    assert inside.title in author_html and outside.title not in author_html


@pytest.mark.parametrize(
    "url", ["/articles/inconnu/", "/rubriques/inconnue/", "/auteurs/personne/", "/nulle-part/"]
)
def test_unknown_pages_are_french_html_404s(browser, url):
    response = browser.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"].startswith("text/html")
    assert "Page introuvable" in response.content.decode()


def test_a_draft_is_not_found(browser):
    draft = ArticleFactory(status=Article.Status.DRAFT)

    assert browser.get(f"/articles/{draft.slug}/").status_code == HTTPStatus.NOT_FOUND


def test_pages_are_private_to_the_reader(browser, subscriber_browser):
    article = ArticleFactory()

    for client in (browser, subscriber_browser):
        for url in ("/", f"/articles/{article.slug}/"):
            response = client.get(url)
            assert "private" in response["Cache-Control"]
            assert "Cookie" in response["Vary"]


def test_stylesheet_is_served_from_our_static_files(browser):
    html = page(browser, "/")

    assert 'href="/static/web/site.css"' in html
    assert "http" not in re.sub(r'href="https?://[^"]*"', "", html).split("<body>")[0]


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries.captured_queries)


def test_home_query_budget_does_not_grow_with_articles(browser):
    ArticleFactory.create_batch(2)
    BriefFactory.create_batch(2)
    few = query_count(browser, "/")
    ArticleFactory.create_batch(8)
    BriefFactory.create_batch(6)

    many = query_count(browser, "/")

    # Articles, their bylines, briefs, the rubrics of the menu.
    assert many == few <= 4


def test_article_query_budget_and_the_locked_body_is_never_loaded(browser, subscriber_browser):
    OfferFactory()
    article = ArticleFactory()

    with CaptureQueriesContext(connection) as queries:
        assert browser.get(f"/articles/{article.slug}/").status_code == HTTPStatus.OK
    sql = " ".join(q["sql"] for q in queries.captured_queries)

    # With the dashboard's paywall counter: its upsert in a savepoint (the test's transaction).
    assert len(queries.captured_queries) <= 9
    assert '"articles_article"."body"' not in sql
    for column in ('"articles_article"."body_html"', '"articles_article"."body_text"'):
        assert sql.count(column) == sql.count(f"THEN {column}")
    assert query_count(subscriber_browser, f"/articles/{article.slug}/") <= 9


def test_a_gift_link_opens_the_article_page_in_full(browser, subscriber):
    from articles import gifts

    OfferFactory()
    article = ArticleFactory()
    link = gifts.gift_create(giver=subscriber, article=article)
    path = link.url.split("://", 1)[1].split("/", 1)[1]

    html = page(browser, "/" + path)

    assert HIDDEN_SENTENCE in html
    assert "Offert par un abonné" in unescape(html)
    assert "offer-box" in html  # the offers beside a gifted article
    assert HIDDEN_SENTENCE not in page(browser, f"/articles/{article.slug}/")


def test_the_meter_opens_an_article_page_to_a_signed_in_reader(reader_browser, meter_on):
    OfferFactory()
    article = ArticleFactory()

    html = page(reader_browser, f"/articles/{article.slug}/")

    assert HIDDEN_SENTENCE in html
    assert "Article offert : 1 sur 3 ce mois-ci." in unescape(html)


@pytest.mark.parametrize(
    "settings_name", ["STRIPE_CHECKOUT_CANCEL_URL", "STRIPE_PORTAL_RETURN_URL"]
)
def test_the_addresses_stripe_sends_readers_back_to_open_site_pages(
    reader_browser, settings, settings_name
):
    """Straight to the page: no redirect on the way back from Stripe."""
    path = getattr(settings, settings_name).removeprefix(settings.SITE_URL)

    response = reader_browser.get(path)

    assert response.status_code == HTTPStatus.OK


def test_error_pages_of_the_site_are_private_too(reader_browser):
    missing = reader_browser.get("/articles/inconnu/")
    refused = reader_browser.post("/deconnexion/")  # no CSRF token

    assert refused.status_code == HTTPStatus.FORBIDDEN
    for response in (missing, refused):
        assert response["Content-Type"].startswith("text/html")
        assert "private" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]


def test_an_anonymous_reader_is_offered_a_free_account_while_the_meter_is_on(browser, meter_on):
    OfferFactory()
    article = ArticleFactory()

    html = unescape(page(browser, f"/articles/{article.slug}/"))

    assert "créez un compte gratuit pour lire 3 articles abonnés par mois" in html
    assert f'href="/inscription/?next=/articles/{article.slug}/"' in html
    assert HIDDEN_SENTENCE not in html


def test_a_locked_article_page_is_counted_for_the_dashboard_never_an_open_one(
    browser, subscriber_browser
):
    from dashboard.models import PaywallView

    OfferFactory()
    article = ArticleFactory()

    page(browser, f"/articles/{article.slug}/")
    page(browser, f"/articles/{article.slug}/")
    page(subscriber_browser, f"/articles/{article.slug}/")

    [counted] = PaywallView.objects.all()
    assert (counted.article_id, counted.reason, counted.views) == (
        article.pk,
        "login_required",
        2,
    )
