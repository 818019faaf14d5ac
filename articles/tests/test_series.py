"""Series: "Dans une série de trois articles … Ce deuxième article"."""

from http import HTTPStatus

import pytest

from articles.models import Article
from articles.tests.factories import ArticleFactory, SeriesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    series = SeriesFactory(slug="ia-en-imagerie", total=3)
    ArticleFactory(series=series, series_position=1, slug="partie-1")
    ArticleFactory(series=series, series_position=2, slug="partie-2")
    ArticleFactory(
        series=series, series_position=3, slug="partie-3", status="draft", published_at=None
    )
    return series


def test_series_lists_its_published_parts_in_order(anonymous_client, series):
    data = anonymous_client.get("/api/v1/series/ia-en-imagerie/").json()

    assert data["total"] == 3
    assert [(p["position"], p["slug"]) for p in data["parts"]] == [(1, "partie-1"), (2, "partie-2")]
    assert data["parts"][0]["locked"] is True


def test_article_detail_names_its_series_and_the_other_parts(anonymous_client, series):
    data = anonymous_client.get("/api/v1/articles/partie-2/").json()

    assert data["series"]["position"] == 2
    assert data["series"]["total"] == 3
    assert [p["slug"] for p in data["series"]["parts"]] == ["partie-1", "partie-2"]


def test_unknown_series_is_404(anonymous_client):
    response = anonymous_client.get("/api/v1/series/inconnue/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_draft_part_is_not_named(anonymous_client, series):
    body = anonymous_client.get("/api/v1/series/ia-en-imagerie/").content.decode()

    assert "partie-3" not in body
    assert Article.objects.filter(slug="partie-3").exists()
