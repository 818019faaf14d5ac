"""The demo content holds to the two seed pages it reproduces (seeds/pages/)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from articles.models import Article, Brief
from articles.paywall import html_to_text

pytestmark = pytest.mark.django_db

PAGES = Path(settings.BASE_DIR) / "seeds" / "pages"
SEEDS = {
    "arrivee-ia-imagerie-consequences": "000_244f1fcbcc10db95.txt",
    "etude-francaise-usage-ia-chu": "003_287397eab84e2c24.txt",
}


def page_lines(name: str) -> list[str]:
    return [line.strip(" \xa0") for line in (PAGES / name).read_text().splitlines()]


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)


@pytest.mark.parametrize("slug", SEEDS)
def test_demo_article_matches_its_seed_page(demo, anonymous_client, slug):
    lines = page_lines(SEEDS[slug])
    page = "\n".join(lines)
    percent = int(re.search(r"Il vous reste (\d+)%", page).group(1))
    minutes = int(re.search(r"Lecture (\d+) min", page).group(1))
    rubric, title, standfirst = lines[0], lines[2], lines[4]

    data = anonymous_client.get(f"/api/v1/articles/{slug}/").json()

    assert data["title"] == title
    assert data["standfirst"] == standfirst
    assert data["rubric"]["name"] == rubric
    assert data["reading_minutes"] == minutes
    assert data["content"]["remaining_percent"] == percent
    assert data["paywall"]["message"] == f"Il vous reste {percent}% de l'article à lire"
    assert data["paywall"]["offers"][0]["display_price"] == "23 € par mois"
    # The teaser opens with the page's first paragraph of body text.
    first_paragraph = lines[11]
    assert html_to_text(data["content"]["html"]).startswith(first_paragraph[:200])
    assert data["image"]["credit"] in lines[9]


def test_demo_dates_are_the_pages_in_paris_time(demo, anonymous_client):
    first = anonymous_client.get("/api/v1/articles/arrivee-ia-imagerie-consequences/").json()
    second = anonymous_client.get("/api/v1/articles/etude-francaise-usage-ia-chu/").json()

    assert first["published_at"] == "2017-07-27T15:00:00+02:00"  # "Le 27/07/17 à 15:00"
    assert second["published_at"] == "2025-12-17T07:00:00+01:00"  # "Le 17/12/25 à 7:00"


def test_demo_authors_match_the_pages(demo, anonymous_client):
    leclet = anonymous_client.get("/api/v1/authors/herve-leclet/").json()
    duplessy = anonymous_client.get("/api/v1/authors/solenn-duplessy/").json()
    page = page_lines(SEEDS["arrivee-ia-imagerie-consequences"])

    assert leclet["full_name"].upper() == "HERVÉ LECLET" == page[50].upper()
    assert leclet["organisation"] == page[52]
    assert leclet["titles"] == [page[54], page[56]]
    assert leclet["website"].removeprefix("https://") == page[58]
    assert duplessy["full_name"] == page_lines(SEEDS["etude-francaise-usage-ia-chu"])[40]


def test_demo_series_and_notes_of_page_000(demo, anonymous_client):
    data = anonymous_client.get("/api/v1/articles/arrivee-ia-imagerie-consequences/").json()

    assert data["series"]["position"] == 2
    assert data["series"]["total"] == 3
    urls = [note["url"] for note in data["content"]["notes"]]
    assert urls[0] == "https://www.ibm.com/watson/health/imaging/"
    assert "siliconwadi.fr/19938/" in urls[1]


def test_demo_briefs_are_the_eight_of_le_fil(demo, anonymous_client):
    page_text = "\n".join("\n".join(page_lines(name)) for name in SEEDS.values())

    results = anonymous_client.get("/api/v1/briefs/").json()["results"]

    assert len(results) == 8
    for brief in results:
        assert brief["text"] in page_text
    assert results[0]["published_at"] == "2026-01-07T07:30:00+01:00"  # "07 Jan 7:30"


def test_loading_demo_twice_duplicates_nothing(demo):
    counts = (Article.objects.count(), Brief.objects.count())

    call_command("load_demo", verbosity=0)
    call_command("load_demo", "--reset", verbosity=0)

    assert (Article.objects.count(), Brief.objects.count()) == counts == (2, 8)
