"""The site as production serves it: gunicorn, DEBUG off, static files collected and
served by WhiteNoise, the demo content loaded (testing/served.py)."""

import re
from html import unescape
from http import HTTPStatus

from testing.served import served_app

SEED = "/articles/arrivee-ia-imagerie-consequences/"


def test_the_served_site_shows_the_seed_article_with_its_stylesheet():
    with served_app(workers=1, demo=True) as app:
        home = app.get("/")
        article = app.get(SEED)
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text)
        assert stylesheet is not None
        css = app.get(stylesheet.group(1))
        missing = app.get("/articles/inconnu/")

    assert home.status_code == article.status_code == HTTPStatus.OK
    assert stylesheet.group(1).startswith("/static/web/site.")  # the manifest's hashed name
    assert css.status_code == HTTPStatus.OK
    assert css.headers["Content-Type"].startswith("text/css")
    text = unescape(article.text)
    assert "Le 27/07/17 à 15:00" in text
    assert "Lecture 4 min." in text
    assert "Il vous reste 84% de l'article à lire" in text
    assert "Offre mensuelle 100 % numérique" in text and "23 € par mois" in text
    assert "Voir la fiche de l’auteur" in text
    assert "CC0 domaine public sur pixabay.com" in text
    assert '<div class="article-body paywall">' in article.text
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert "Page introuvable" in missing.text
