"""manage.py seed_articles: bulk demo articles, added fast and looking like an archive."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import paywall
from articles.models import Article, ArticleAuthor, Brief, Comment, Note
from seeds.bulk import COMMENTS_NEED_READERS
from subscriptions.access import has_access
from subscriptions.models import Offer, Subscription

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


def seed(count: int, **options) -> str:
    # A small pool of bodies keeps the tests fast: each one is rendered once.
    options.setdefault("bodies", 5)
    options.setdefault("seed", 2026)
    out = StringIO()
    call_command("seed_articles", count, stdout=out, **options)
    return out.getvalue()


def test_adds_exactly_n_published_articles_visible_in_the_api(anonymous_client):
    call_command("load_demo", verbosity=0)
    before = len(anonymous_client.get(LIST, {"page_size": 100}).json()["results"])

    seed(30)

    after = anonymous_client.get(LIST, {"page_size": 100}).json()["results"]
    assert len(after) == before + 30 == 32
    assert Article.objects.published().count() == 32


def test_stored_split_is_the_paywall_split_of_each_body():
    seed(12)

    for article in Article.objects.all():
        split = paywall.article_split(article.body, chars=settings.PAYWALL_TEASER_CHARS)
        assert article.body_html == split.body_html
        assert article.body_text == split.body_text
        assert article.teaser_html == split.teaser_html
        assert article.teaser_text == split.teaser_text
        assert article.teaser_note_numbers == list(split.teaser_note_numbers)
        assert article.remaining_percent == split.remaining_percent
        assert article.reading_minutes == split.reading_minutes
        assert article.word_count == split.word_count
        # About 5 kB of text behind a 1,000-character teaser.
        assert 4000 < len(article.body_text) < 9000
        assert 70 <= article.remaining_percent <= 90
        assert 2 <= article.reading_minutes <= 8


def test_teaser_split_runs_once_per_distinct_body(monkeypatch):
    calls = []
    real_split = paywall.article_split

    def counted_split(source, **kwargs):
        calls.append(source)
        return real_split(source, **kwargs)

    monkeypatch.setattr(paywall, "article_split", counted_split)

    seed(200, bodies=7)

    assert len(calls) == 7
    assert Article.objects.values("body").distinct().count() == 7


def test_every_footnote_call_has_its_note():
    seed(12)

    for article in Article.objects.prefetch_related("notes"):
        calls = sorted(int(n) for n in re.findall(r'href="#note-(\d+)"', article.body_html))
        assert calls == [note.number for note in article.notes.all()]
        assert 2 <= len(calls) <= 5
        assert article.body.count("\n## ") >= 2


def test_search_finds_some_articles_but_not_all_for_imaging_words(subscriber_client):
    seed(60, bodies=20)

    for word in ("mammographie", "téléradiologie", "PACS", "dépistage", "hélium", "embolisation"):
        found = len(subscriber_client.get(LIST, {"q": word, "page_size": 100}).json()["results"])
        assert 0 < found < 60, word


def test_generated_text_has_no_template_leftovers():
    seed(30, bodies=10, comments=20, briefs=20)

    texts = [
        *Article.objects.values_list("title", flat=True),
        *Article.objects.values_list("standfirst", flat=True),
        *Article.objects.values_list("body", flat=True),
        *Brief.objects.values_list("text", flat=True),
        *Comment.objects.values_list("body", flat=True),
        *Note.objects.values_list("text", flat=True),
    ]
    for value in texts:
        assert not re.search(r"[{}]|  | [,.:;?!]|\bde [aeiouéèêh]|\bde les?\b|\bà les?\b", value)


def test_running_twice_adds_2n_with_unique_slugs():
    seed(20, seed=1)
    seed(20, seed=1)

    slugs = list(Article.objects.values_list("slug", flat=True))
    assert len(slugs) == 40
    assert len(set(slugs)) == 40


def test_articles_spread_over_rubrics_authors_and_years_in_the_past():
    seed(80)

    articles = Article.objects.all()
    assert articles.values("rubric").distinct().count() >= 6
    assert ArticleAuthor.objects.values("author").distinct().count() >= 8
    dates = articles.aggregate(first=Min("published_at"), last=Max("published_at"))
    assert dates["last"] - dates["first"] > dt.timedelta(days=9 * 365)
    assert dates["last"] < timezone.now()
    assert set(articles.values_list("status", flat=True)) == {Article.Status.PUBLISHED}
    assert articles.filter(access=Article.Access.FREE).exists()
    assert articles.filter(access=Article.Access.SUBSCRIBERS).count() > articles.count() / 2
    for article in articles.prefetch_related("bylines"):
        positions = [byline.position for byline in article.bylines.all()]
        assert positions == list(range(len(positions)))
        assert 1 <= len(positions) <= 3


def test_query_count_does_not_grow_with_the_number_of_articles():
    seed(1)  # rubrics, authors and the offer exist from now on, as for any later run

    with CaptureQueriesContext(connection) as fifty:
        seed(50, batch_size=100)
    with CaptureQueriesContext(connection) as hundred:
        seed(100, batch_size=100)
    with CaptureQueriesContext(connection) as hundred_in_four_batches:
        seed(100, batch_size=25)

    assert len(hundred) == len(fifty) < 30
    # Each further batch of articles costs a handful of statements, never one per row.
    assert len(hundred_in_four_batches) - len(hundred) <= 3 * 8


def test_same_seed_gives_the_same_titles():
    seed(15, seed=42)
    first = list(Article.objects.order_by("id").values_list("title", flat=True))
    seed(15, seed=42)
    second = list(Article.objects.order_by("id").values_list("title", flat=True))[15:]
    seed(15, seed=43)
    other = list(Article.objects.order_by("id").values_list("title", flat=True))[30:]

    assert second == first
    assert other != first


def test_readers_get_subscriptions_in_every_status():
    seed(5, readers=40)

    stripe = Subscription.objects.filter(source=Subscription.Source.STRIPE)
    assert set(stripe.values_list("status", flat=True)) == set(Subscription.Status.values)
    assert stripe.filter(offer__isnull=True).count() == 0
    assert stripe.values("stripe_subscription_id").distinct().count() == stripe.count()
    offer = Offer.objects.get()
    assert (offer.slug, offer.price_cents, offer.currency, offer.interval) == (
        "mensuelle-numerique",
        2300,
        "EUR",
        Offer.Interval.MONTH,
    )
    complimentary = Subscription.objects.filter(source=Subscription.Source.COMPLIMENTARY)
    assert complimentary.exists()
    assert not any(s.user.has_usable_password() for s in Subscription.objects.all())


@pytest.mark.parametrize(
    ("status", "entitled"),
    [("active", True), ("trialing", True), ("canceled", False), ("unpaid", False)],
)
def test_generated_subscriptions_grant_access_as_their_status_says(status, entitled):
    seed(5, readers=20)

    subscription = Subscription.objects.filter(
        source=Subscription.Source.STRIPE, status=status
    ).first()

    assert has_access(subscription.user) is entitled


def test_comments_go_to_the_newest_articles_by_readers_with_access():
    seed(40, readers=10, comments=30)

    comments = Comment.objects.select_related("article", "user")
    assert comments.count() == 30
    newest = set(Article.objects.order_by("-published_at")[:10].values_list("id", flat=True))
    assert {comment.article_id for comment in comments} <= newest
    assert {c.status for c in comments} == {Comment.Status.APPROVED, Comment.Status.PENDING}
    now = timezone.now()
    for comment in comments:
        assert comment.article.published_at < comment.created_at < now
        assert has_access(comment.user)


def test_briefs_are_dated_in_the_past_and_some_link_to_articles():
    seed(40, briefs=25)

    briefs = Brief.objects.all()
    assert briefs.count() == 25
    assert briefs.filter(article__isnull=False).exists()
    assert briefs.filter(article__isnull=True).exists()
    assert briefs.aggregate(last=Max("published_at"))["last"] < timezone.now()


def test_extras_default_to_shares_of_n():
    seed(100)

    assert Brief.objects.count() == 20
    assert Comment.objects.count() == 25
    assert Subscription.objects.values("user").distinct().count() <= 10
    assert Note.objects.values("article").annotate(n=Count("id")).count() == 100


def test_comments_without_readers_are_refused():
    with pytest.raises(CommandError, match=re.escape(COMMENTS_NEED_READERS)):
        seed(5, readers=0, comments=3)


def test_prints_what_it_added_and_the_rate():
    out = seed(10, verbosity=1)

    assert "Added 10 articles in" in out
    assert "articles 10," in out
    assert re.search(r"[\d,]+ rows, [\d,]+ rows/s", out)
