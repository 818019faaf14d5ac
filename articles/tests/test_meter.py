"""The registration wall and its monthly meter, through the API (and its rules through
`articles.meter`, with `at` for the clock).

A signed-in reader without a subscription reads PAYWALL_FREE_ARTICLES_PER_MONTH
subscriber-only articles a calendar month (Europe/Paris) in full; the same one again
costs nothing; an anonymous reader is asked to make a free account.
"""

import datetime as dt
import os
import threading
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from articles import meter
from articles.models import Article, MeteredRead
from articles.tests.factories import HIDDEN_SENTENCE, ArticleFactory, RubricFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"
PARIS = ZoneInfo("Europe/Paris")
MONTHS = [
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
]


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def next_month_start(at: dt.datetime) -> dt.datetime:
    local = at.astimezone(PARIS)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return dt.datetime(year, month, 1, tzinfo=PARIS)


@pytest.fixture
def reader_client(meter_on, reader):
    return client_for(reader)


def test_a_signed_in_reader_reads_a_subscriber_article_with_a_credit(reader_client, reader):
    article = ArticleFactory()

    data = reader_client.get(detail(article.slug)).json()

    assert data["locked"] is False
    assert data["content"]["complete"] is True
    assert HIDDEN_SENTENCE in data["content"]["html"]
    assert data["paywall"] is None
    assert data["access"] == {
        "via": "meter",
        "used": 1,
        "limit": 3,
        "resets_at": next_month_start(timezone.now()).isoformat(),
        "message": "Article offert : 1 sur 3 ce mois-ci.",
    }
    assert MeteredRead.objects.get().user == reader


def test_the_same_article_again_that_month_costs_nothing(reader_client):
    article = ArticleFactory()

    first = reader_client.get(detail(article.slug)).json()
    again = reader_client.get(detail(article.slug)).json()

    assert first["access"]["used"] == again["access"]["used"] == 1
    assert again["content"]["complete"] is True
    assert MeteredRead.objects.count() == 1


def test_at_the_limit_the_next_article_stays_locked_and_says_the_meter_is_spent(reader_client):
    read = ArticleFactory.create_batch(3)
    uses = [reader_client.get(detail(a.slug)).json()["access"]["used"] for a in read]
    fourth = ArticleFactory()

    data = reader_client.get(detail(fourth.slug)).json()

    assert uses == [1, 2, 3]
    assert data["content"]["complete"] is False
    assert HIDDEN_SENTENCE not in str(data)
    assert data["access"] is None
    assert data["paywall"]["reason"] == "meter_exhausted"
    assert data["paywall"]["message"].startswith("Vous avez lu vos 3 articles offerts ce mois-ci.")
    resets_at = next_month_start(timezone.now())
    assert (
        f"Prochains articles offerts le 1er {MONTHS[resets_at.month - 1]} {resets_at.year}"
        in (data["paywall"]["message"])
    )
    assert data["paywall"]["resets_at"] == resets_at.isoformat()
    assert data["paywall"]["offers"] == []
    assert MeteredRead.objects.count() == 3


def test_a_spent_meter_still_opens_what_it_opened_this_month(reader_client):
    read = ArticleFactory.create_batch(3)
    for article in read:
        reader_client.get(detail(article.slug))
    reader_client.get(detail(ArticleFactory().slug))  # refused: spent

    data = reader_client.get(detail(read[0].slug)).json()

    assert data["content"]["complete"] is True
    assert data["access"]["via"] == "meter"
    assert data["access"]["used"] == 3


def test_a_new_month_gives_new_credits(reader_client, reader):
    last_month = timezone.now().astimezone(PARIS).replace(day=1) - dt.timedelta(days=3)
    for article in ArticleFactory.create_batch(3):
        meter.meter_spend(user=reader, article=article, at=last_month)
    article = ArticleFactory()

    data = reader_client.get(detail(article.slug)).json()

    assert data["access"]["via"] == "meter"
    assert data["access"]["used"] == 1
    assert MeteredRead.objects.count() == 4


def test_last_months_articles_are_locked_again_and_cost_a_new_credit(reader_client, reader):
    article = ArticleFactory()
    last_month = timezone.now().astimezone(PARIS).replace(day=1) - dt.timedelta(days=3)
    meter.meter_spend(user=reader, article=article, at=last_month)

    listed = reader_client.get(LIST).json()["results"]
    data = reader_client.get(detail(article.slug)).json()

    assert (listed[0]["locked"], listed[0]["unlock"]) == (True, "meter")
    assert data["access"]["used"] == 1


def test_the_month_turns_at_midnight_in_paris(meter_on, reader):
    article = ArticleFactory()
    before = dt.datetime(2026, 1, 31, 22, 59, tzinfo=dt.UTC)  # 23:59 in Paris, January
    after = dt.datetime(2026, 1, 31, 23, 0, tzinfo=dt.UTC)  # midnight in Paris, February

    january = meter.meter_spend(user=reader, article=article, at=before)
    february = meter.meter_spend(user=reader, article=article, at=after)

    assert january.used == february.used == 1
    assert january.resets_at == dt.datetime(2026, 2, 1, tzinfo=PARIS) == after
    assert february.resets_at == dt.datetime(2026, 3, 1, tzinfo=PARIS)
    assert sorted(MeteredRead.objects.values_list("month", flat=True)) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert meter.meter_state_for(reader, at=after - dt.timedelta(seconds=1)).used == 1
    assert meter.meter_resets_display(february.resets_at) == "1er mars 2026"


def test_spending_past_the_limit_opens_nothing_and_stores_nothing(meter_on, reader):
    at = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    articles = ArticleFactory.create_batch(4)

    states = [meter.meter_spend(user=reader, article=a, at=at) for a in articles]

    assert [s.used for s in states] == [1, 2, 3, 3]
    assert articles[3].pk not in states[3].opened_ids
    assert states[3].left == 0
    assert MeteredRead.objects.count() == 3


def test_a_never_metered_article_needs_a_subscription_and_spends_no_credit(reader_client):
    article = ArticleFactory(never_metered=True)

    listed = reader_client.get(LIST).json()["results"]
    data = reader_client.get(detail(article.slug)).json()

    assert (listed[0]["locked"], listed[0]["unlock"]) == (True, "subscription")
    assert data["content"]["complete"] is False
    assert data["paywall"]["reason"] == "subscription_required"
    assert data["unlock"] == "subscription"
    assert not MeteredRead.objects.exists()


def test_a_spent_meter_still_says_subscription_required_for_a_never_metered_article(
    reader_client,
):
    for article in ArticleFactory.create_batch(3):
        reader_client.get(detail(article.slug))
    never = ArticleFactory(never_metered=True)

    data = reader_client.get(detail(never.slug)).json()

    assert data["paywall"]["reason"] == "subscription_required"


def test_a_free_article_costs_no_credit(reader_client):
    article = ArticleFactory(access=Article.Access.FREE)

    data = reader_client.get(detail(article.slug)).json()

    assert data["access"] == {"via": "free"}
    assert not MeteredRead.objects.exists()


def test_a_subscriber_spends_no_credit(meter_on, subscriber_client):
    article = ArticleFactory()

    data = subscriber_client.get(detail(article.slug)).json()

    assert data["access"] == {"via": "complimentary"}
    assert not MeteredRead.objects.exists()


def test_the_meter_off_opens_nothing(settings, reader):
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 0
    article = ArticleFactory()

    data = client_for(reader).get(detail(article.slug)).json()

    assert data["content"]["complete"] is False
    assert data["paywall"]["reason"] == "subscription_required"
    assert data["unlock"] == "subscription"
    assert not MeteredRead.objects.exists()


def test_the_limit_follows_the_setting(settings, reader):
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 1
    first, second = ArticleFactory.create_batch(2)
    client = client_for(reader)

    opened = client.get(detail(first.slug)).json()
    refused = client.get(detail(second.slug)).json()

    assert opened["access"]["limit"] == 1
    assert opened["access"]["message"] == "Article offert : 1 sur 1 ce mois-ci."
    assert refused["paywall"]["message"].startswith("Vous avez lu votre article offert ce mois-ci.")


# --- Lists: `locked` and `unlock` ----------------------------------------------------


def test_lists_show_what_the_meter_opened_and_what_a_credit_would_open(reader_client):
    opened, other = ArticleFactory.create_batch(2)
    never = ArticleFactory(never_metered=True)
    free = ArticleFactory(access=Article.Access.FREE)
    reader_client.get(detail(opened.slug))

    listed = {
        a["slug"]: (a["locked"], a["unlock"]) for a in reader_client.get(LIST).json()["results"]
    }

    assert listed == {
        opened.slug: (False, None),
        other.slug: (True, "meter"),
        never.slug: (True, "subscription"),
        free.slug: (False, None),
    }


def test_once_the_meter_is_spent_lists_say_a_subscription_is_needed(reader_client):
    read = ArticleFactory.create_batch(3)
    for article in read:
        reader_client.get(detail(article.slug))
    other = ArticleFactory()

    listed = {
        a["slug"]: (a["locked"], a["unlock"]) for a in reader_client.get(LIST).json()["results"]
    }

    assert listed[other.slug] == (True, "subscription")
    assert {listed[a.slug] for a in read} == {(False, None)}


@pytest.mark.parametrize(("limit", "unlock"), [(3, "meter"), (0, "subscription")])
def test_an_anonymous_list_says_a_free_account_would_open_it(
    settings, anonymous_client, limit, unlock
):
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = limit
    ArticleFactory()

    [item] = anonymous_client.get(LIST).json()["results"]

    assert (item["locked"], item["unlock"]) == (True, unlock)


def test_a_subscribers_list_has_nothing_to_unlock(meter_on, subscriber_client):
    ArticleFactory()

    [item] = subscriber_client.get(LIST).json()["results"]

    assert (item["locked"], item["unlock"]) == (False, None)


def test_every_surface_agrees_with_the_meter(reader_client):
    """Search past the split and the discussion open with the article, not before."""
    article = ArticleFactory()
    comments = detail(article.slug) + "comments/"
    hidden_word = "secrète"

    before = (
        reader_client.get(LIST, {"q": hidden_word}).json()["results"],
        reader_client.get(comments).status_code,
    )
    reader_client.get(detail(article.slug))
    after = (
        reader_client.get(LIST, {"q": hidden_word}).json()["results"],
        reader_client.get(comments).status_code,
    )

    assert before == ([], HTTPStatus.FORBIDDEN)
    assert [item["slug"] for item in after[0]] == [article.slug]
    assert after[1] == HTTPStatus.OK


# --- The registration wall -----------------------------------------------------------


def test_an_anonymous_reader_is_asked_to_make_a_free_account(meter_on, anonymous_client):
    article = ArticleFactory()

    data = anonymous_client.get(detail(article.slug)).json()

    assert data["content"]["complete"] is False
    assert data["paywall"]["reason"] == "login_required"
    assert data["paywall"]["message"] == (
        f"Il vous reste {article.remaining_percent}% de l'article à lire : créez un compte "
        "gratuit pour lire 3 articles abonnés par mois."
    )
    assert not MeteredRead.objects.exists()


def test_the_registration_wall_counts_one_article_in_the_singular(settings, anonymous_client):
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 1
    article = ArticleFactory()

    message = anonymous_client.get(detail(article.slug)).json()["paywall"]["message"]

    assert message.endswith("pour lire 1 article abonné par mois.")


@pytest.mark.parametrize("never_metered", [True, False])
def test_without_a_meter_for_it_the_anonymous_message_stays_the_old_one(
    settings, anonymous_client, never_metered
):
    settings.PAYWALL_FREE_ARTICLES_PER_MONTH = 0 if not never_metered else 3
    article = ArticleFactory(never_metered=never_metered)

    paywall = anonymous_client.get(detail(article.slug)).json()["paywall"]

    assert paywall["reason"] == "login_required"
    assert paywall["message"] == f"Il vous reste {article.remaining_percent}% de l'article à lire"


def test_a_detail_opened_by_the_meter_is_private(reader_client):
    article = ArticleFactory()

    response = reader_client.get(detail(article.slug))

    assert response.json()["access"]["via"] == "meter"
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_an_editor_marks_an_article_never_metered_in_the_admin(editor_client):
    rubric = RubricFactory()
    form = {
        "title": "Le dossier de la semaine",
        "slug": "dossier",
        "rubric": rubric.pk,
        "standfirst": "Chapô.",
        "status": "published",
        "access": "subscribers",
        "never_metered": "on",
        "body": "Texte.",
        "bylines-TOTAL_FORMS": 0,
        "bylines-INITIAL_FORMS": 0,
        "notes-TOTAL_FORMS": 0,
        "notes-INITIAL_FORMS": 0,
    }

    page = editor_client.get("/admin/articles/article/add/").content.decode()
    response = editor_client.post("/admin/articles/article/add/", form)
    listed = editor_client.get("/admin/articles/article/", {"never_metered__exact": "1"})

    assert "Jamais au compteur" in page
    assert response.status_code == HTTPStatus.FOUND
    assert Article.objects.get(slug="dossier").never_metered is True
    assert "Le dossier de la semaine" in listed.content.decode()


# --- Queries -------------------------------------------------------------------------


def test_a_metered_readers_list_costs_one_query_more_than_before(
    reader_client, django_assert_max_num_queries
):
    ArticleFactory.create_batch(10)

    # token, access, the month's meter, page, authors
    with django_assert_max_num_queries(5):
        response = reader_client.get(LIST, {"page_size": 10})

    assert {item["unlock"] for item in response.json()["results"]} == {"meter"}


def test_rereading_a_metered_article_costs_no_write(reader_client, django_assert_max_num_queries):
    article = ArticleFactory()
    reader_client.get(detail(article.slug))

    # token, access, the meter, article, authors, notes
    with django_assert_max_num_queries(6):
        data = reader_client.get(detail(article.slug)).json()

    assert data["access"]["used"] == 1


# --- Only GET spends: HEAD reads the headers of what GET would answer ------------------


def test_a_head_request_to_the_api_spends_no_credit_and_get_still_does(reader_client, reader):
    article = ArticleFactory()

    head = reader_client.head(detail(article.slug))

    assert head.status_code == HTTPStatus.OK
    assert not MeteredRead.objects.exists()
    assert reader_client.get(detail(article.slug)).json()["access"]["used"] == 1
    assert MeteredRead.objects.get().user == reader


def test_head_requests_to_the_site_spend_no_credit_and_get_still_does(meter_on, reader):
    browser = Client()
    browser.force_login(reader)
    articles = ArticleFactory.create_batch(4)

    for article in articles:  # more than the month's three credits
        assert browser.head(f"/articles/{article.slug}/").status_code == HTTPStatus.OK

    assert not MeteredRead.objects.exists()
    page = browser.get(f"/articles/{articles[0].slug}/")
    assert HIDDEN_SENTENCE in page.content.decode()
    assert list(MeteredRead.objects.values_list("article", flat=True)) == [articles[0].pk]


# --- Export --------------------------------------------------------------------------


def test_the_meter_exports_what_a_reader_read(meter_on, reader):
    article = ArticleFactory(title="Lu au compteur")
    at = dt.datetime(2026, 3, 15, 9, tzinfo=dt.UTC)
    meter.meter_spend(user=reader, article=article, at=at)
    meter.meter_spend(user=UserFactory(), article=article, at=at)  # someone else's

    assert meter.reader_export(reader) == [
        {
            "article": article.slug,
            "title": "Lu au compteur",
            "month": "2026-03-01",
            "read_at": "2026-03-15T10:00:00+01:00",
        }
    ]


# --- Race-safety (PostgreSQL) --------------------------------------------------------

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="concurrent requests need PostgreSQL's row locks (DATABASE_URL); SQLite "
    "serialises every writer by its IMMEDIATE transactions",
)


def in_threads(work, items: list) -> list:
    """`work(item)` for each item, in one thread each, released together; the results."""
    barrier = threading.Barrier(len(items))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def run(index, item):
        try:
            barrier.wait(timeout=10)
            results[index] = work(item)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, item)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return [results[i] for i in range(len(items))]


@on_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("requests", [2, 4])
def test_concurrent_new_articles_at_the_last_credit_open_only_one(meter_on, requests):
    user = UserFactory()
    client_for(user)  # its token, made before the race
    for article in ArticleFactory.create_batch(2):
        meter.meter_spend(user=user, article=article)
    contested = ArticleFactory.create_batch(requests)

    def open_article(article):
        return client_for(user).get(detail(article.slug)).json()

    answers = in_threads(open_article, contested)

    opened = [a for a in answers if a["content"]["complete"]]
    refused = [a for a in answers if not a["content"]["complete"]]
    assert len(opened) == 1
    assert opened[0]["access"]["used"] == 3
    assert {a["paywall"]["reason"] for a in refused} == {"meter_exhausted"}
    assert MeteredRead.objects.filter(user=user).count() == 3
