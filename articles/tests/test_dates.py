"""Dates as the site prints them, in Europe/Paris."""

import datetime as dt

import pytest

from articles.dates import brief_display, published_display, updated_display
from articles.tests.factories import ArticleFactory, BriefFactory

UTC = dt.UTC


def test_published_display_is_paris_time_without_leading_zero_hour():
    assert published_display(dt.datetime(2017, 7, 27, 13, 0, tzinfo=UTC)) == "Le 27/07/17 à 15:00"
    assert published_display(dt.datetime(2025, 12, 17, 6, 0, tzinfo=UTC)) == "Le 17/12/25 à 7:00"


@pytest.mark.parametrize(
    ("updated", "expected"),
    [
        (dt.datetime(2017, 7, 28, 13, 25, tzinfo=UTC), "mise à jour hier à 15:25"),
        (dt.datetime(2017, 7, 29, 8, 5, tzinfo=UTC), "mise à jour aujourd’hui à 10:05"),
        (dt.datetime(2017, 7, 27, 20, 30, tzinfo=UTC), "mise à jour le 27/07/17 à 22:30"),
        (dt.datetime(2017, 7, 27, 13, 2, tzinfo=UTC), None),
    ],
)
def test_updated_display_relative_to_now(updated, expected):
    published = dt.datetime(2017, 7, 27, 13, 0, tzinfo=UTC)
    now = dt.datetime(2017, 7, 29, 16, 0, tzinfo=UTC)

    assert updated_display(published_at=published, updated_at=updated, now=now) == expected


def test_brief_display_is_day_month_time():
    assert brief_display(dt.datetime(2025, 10, 6, 9, 0, tzinfo=UTC)) == "06 Oct 11:00"
    assert brief_display(dt.datetime(2026, 1, 7, 6, 30, tzinfo=UTC)) == "07 Jan 7:30"
    assert brief_display(dt.datetime(2026, 2, 1, 6, 30, tzinfo=UTC)) == "01 Fév 7:30"


@pytest.mark.django_db
def test_api_carries_display_dates_beside_iso(anonymous_client):
    article = ArticleFactory(published_at=dt.datetime(2017, 7, 27, 13, 0, tzinfo=UTC))
    BriefFactory(published_at=dt.datetime(2025, 10, 6, 9, 0, tzinfo=UTC))

    data = anonymous_client.get(f"/api/v1/articles/{article.slug}/").json()
    brief = anonymous_client.get("/api/v1/briefs/").json()["results"][0]

    assert data["published_at"] == "2017-07-27T15:00:00+02:00"
    assert data["published_display"] == "Le 27/07/17 à 15:00"
    assert data["updated_display"].startswith("mise à jour aujourd’hui à ")
    assert brief["published_display"] == "06 Oct 11:00"
