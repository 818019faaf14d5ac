"""Anonymous reads from the server-side cache: who gets a stored answer, and when it changes."""

import datetime as dt
import logging
import time
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from articles.models import Article, Comment
from articles.tests.factories import (
    HIDDEN_SENTENCE,
    ArticleFactory,
    AuthorFactory,
    BriefFactory,
    CommentFactory,
    SeriesFactory,
)
from conftest import client_for
from subscriptions.tests.factories import OfferFactory
from testing.served import free_port

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


@pytest.fixture
def article(offer):
    return ArticleFactory(slug="irm-de-demain", title="L’IRM de demain")


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        f"{LIST}?access=free&page_size=5",
        detail("irm-de-demain"),
        detail("irm-de-demain") + "comments/",
        "/api/v1/series/serie-cache/",
        "/api/v1/authors/",
        "/api/v1/authors/auteur-cache/",
        "/api/v1/rubrics/",
        "/api/v1/briefs/",
        "/api/v1/offers/",
        "/feeds/articles/rss/",
        "/feeds/briefs/atom/",
    ],
)
def test_second_anonymous_read_is_a_hit_that_touches_no_database(
    anonymous_client, offer, django_assert_num_queries, url
):
    """Every public read is stored on its first anonymous GET and served without a query."""
    series = SeriesFactory(slug="serie-cache")
    ArticleFactory(
        slug="irm-de-demain",
        access=Article.Access.FREE,
        authors=[AuthorFactory(slug="auteur-cache")],
        series=series,
        series_position=1,
    )
    BriefFactory()

    first = anonymous_client.get(url)
    with django_assert_num_queries(0):
        second = anonymous_client.get(url)

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]


def test_parameters_in_another_order_share_one_entry(anonymous_client, article):
    """`?a=1&b=2` and `?b=2&a=1` are one answer, stored once."""
    first = anonymous_client.get(f"{LIST}?page_size=5&access=subscribers")
    second = anonymous_client.get(f"{LIST}?access=subscribers&page_size=5")

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content


def test_repeated_parameter_in_another_order_is_another_answer(anonymous_client, article):
    """The last value of a repeated parameter is the one a view reads: order matters there."""
    free = anonymous_client.get(f"{LIST}?access=subscribers&access=free")
    subscribers = anonymous_client.get(f"{LIST}?access=free&access=subscribers")

    assert subscribers["X-Cache"] == "miss"
    assert free.json()["results"] == []
    assert [a["slug"] for a in subscribers.json()["results"]] == [article.slug]


def signed_in_client(user, how: str) -> APIClient:
    """A client signed in by token (Authorization header) or by session (cookie)."""
    if how == "token":
        return client_for(user)
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("signed_in", ["token", "session"])
def test_subscriber_first_then_anonymous_gets_the_teaser(
    subscriber, anonymous_client, article, signed_in
):
    """A subscriber's full text is never stored: the anonymous reader after them is locked out."""
    client = signed_in_client(subscriber, signed_in)

    full = client.get(detail(article.slug))
    anonymous = [anonymous_client.get(detail(article.slug)) for _ in range(2)]

    assert HIDDEN_SENTENCE in full.content.decode()
    assert "X-Cache" not in full
    assert [r["X-Cache"] for r in anonymous] == ["miss", "hit"]
    for response in anonymous:
        assert response.json()["content"]["complete"] is False
        assert HIDDEN_SENTENCE not in response.content.decode()


@pytest.mark.parametrize("signed_in", ["token", "session"])
def test_anonymous_first_then_subscriber_gets_the_full_text(
    subscriber, anonymous_client, article, signed_in
):
    """A stored teaser is never handed to a signed-in reader, by token or by session."""
    client = signed_in_client(subscriber, signed_in)

    anonymous_client.get(detail(article.slug))
    anonymous_client.get(detail(article.slug))
    full = client.get(detail(article.slug))

    assert "X-Cache" not in full
    assert full.json()["content"]["complete"] is True
    assert HIDDEN_SENTENCE in full.content.decode()


def test_any_cookie_or_authorization_header_bypasses_the_cache(anonymous_client, article):
    """A request with a cookie (even a stray csrftoken) or credentials neither reads nor stores."""
    with_cookie = APIClient()
    with_cookie.cookies["csrftoken"] = "x" * 32
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token jeton-inconnu")

    cookie_first = with_cookie.get(LIST)
    token_first = bad_token.get(LIST)
    anonymous = anonymous_client.get(LIST)
    cookie_after = with_cookie.get(LIST)

    assert "X-Cache" not in cookie_first
    assert token_first.status_code == HTTPStatus.UNAUTHORIZED
    assert anonymous["X-Cache"] == "miss"  # nothing stored by the two before
    assert "X-Cache" not in cookie_after


def test_html_is_never_stored_nor_served_from_json(anonymous_client, article, settings):
    """The browsable API (it sets a CSRF cookie) stays out; a JSON entry is never its answer."""
    settings.API_BROWSABLE = True
    anonymous_client.get(LIST)

    pages = [anonymous_client.get(LIST, HTTP_ACCEPT="text/html") for _ in range(2)]

    for page in pages:
        assert page["Content-Type"].startswith("text/html")
        assert "X-Cache" not in page


def test_each_accept_header_has_its_own_entry(anonymous_client, article):
    """What content negotiation answers depends on Accept: it is part of the key."""
    json_first = anonymous_client.get(LIST, HTTP_ACCEPT="application/json")
    any_first = anonymous_client.get(LIST, HTTP_ACCEPT="*/*")
    json_again = anonymous_client.get(LIST, HTTP_ACCEPT="application/json")

    assert (json_first["X-Cache"], any_first["X-Cache"], json_again["X-Cache"]) == (
        "miss",
        "miss",
        "hit",
    )


@pytest.mark.parametrize(
    "url", ["/api/v1/articles/inconnu/", "/api/v1/series/inconnue/", "/feeds/rubrics/x/rss/"]
)
def test_errors_are_not_stored(anonymous_client, url):
    """A 404 is computed again each time: only 200s are stored."""
    answers = [anonymous_client.get(url) for _ in range(2)]

    assert [r.status_code for r in answers] == [HTTPStatus.NOT_FOUND] * 2
    assert [r["X-Cache"] for r in answers] == ["miss", "miss"]


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/schema/", "/healthz"])
def test_paths_off_the_allow_list_are_never_cached(anonymous_client, url):
    """Only the public reads are cached; the rest never meets the cache."""
    answers = [anonymous_client.get(url) for _ in range(2)]

    assert not any("X-Cache" in r for r in answers)


def test_a_discussion_locked_to_anonymous_readers_is_not_stored(anonymous_client, article):
    """The discussion of a subscriber-only article answers 401 to anonymous readers, uncached."""
    answers = [anonymous_client.get(detail(article.slug) + "comments/") for _ in range(2)]

    assert [r.status_code for r in answers] == [HTTPStatus.UNAUTHORIZED] * 2
    assert [r["X-Cache"] for r in answers] == ["miss", "miss"]


# Invalidation: each write that changes an anonymous read shows in the next one.


def _title_edit(article):
    article.title = "L’IRM de demain, revue et corrigée"
    article.save()
    return "revue et corrigée"


def _note_edit(article):
    note = article.notes.get(number=1)
    note.text = "Une note réécrite"
    note.save()
    return "Une note réécrite"


def _author_rename(article):
    author = article.authors.get()
    author.full_name = "Dr Camille Nouveau-Nom"
    author.save()
    return "Dr Camille Nouveau-Nom"


def _author_added(article):
    article.authors.add(AuthorFactory(full_name="Dr Second Auteur"), through_defaults={})
    return "Dr Second Auteur"


def _offer_renamed(article):
    offer = OfferFactory()
    offer.name = "Offre découverte renommée"
    offer.save()
    return "Offre découverte renommée"


def _series_rename(article):
    article.series = SeriesFactory(name="La série renommée")
    article.series_position = 1
    article.save()
    return "La série renommée"


@pytest.mark.parametrize(
    "change",
    [_title_edit, _note_edit, _author_rename, _author_added, _offer_renamed, _series_rename],
)
def test_a_change_shows_in_the_next_anonymous_read(anonymous_client, article, change):
    """Saving an article, its note, its author, its bylines, an offer or its series moves the
    version: the next anonymous read is computed again."""
    url = detail(article.slug)
    anonymous_client.get(url)
    assert anonymous_client.get(url)["X-Cache"] == "hit"

    expected = change(article)
    after = anonymous_client.get(url)

    assert after["X-Cache"] == "miss"
    assert expected in after.content.decode()


def test_a_new_brief_shows_in_the_next_read_of_the_wire(anonymous_client):
    """A brief saved after the wire was stored appears at once."""
    anonymous_client.get("/api/v1/briefs/")

    BriefFactory(text="Une brève toute fraîche.")
    briefs = anonymous_client.get("/api/v1/briefs/")

    assert [b["text"] for b in briefs.json()["results"]] == ["Une brève toute fraîche."]


def test_approving_comments_in_the_admin_shows_them_and_their_count(
    anonymous_client, editor_client
):
    """The admin's bulk approval (one UPDATE, no signal) changes the discussion and the count."""
    article = ArticleFactory(access=Article.Access.FREE)
    pending = CommentFactory.create_batch(2, article=article, status=Comment.Status.PENDING)
    discussion = detail(article.slug) + "comments/"
    anonymous_client.get(discussion)
    anonymous_client.get(LIST)

    editor_client.post(
        "/admin/articles/comment/",
        {"action": "approve", "_selected_action": [c.pk for c in pending]},
    )
    comments = anonymous_client.get(discussion)
    summaries = anonymous_client.get(LIST)

    assert comments["X-Cache"] == summaries["X-Cache"] == "miss"
    assert len(comments.json()["results"]) == 2
    assert summaries.json()["results"][0]["comment_count"] == 2


def test_a_comment_awaiting_moderation_keeps_the_stored_reads(anonymous_client, subscriber):
    """A new comment shows nowhere until approved: posting one does not flush the cache."""
    article = ArticleFactory(access=Article.Access.FREE)
    anonymous_client.get(LIST)

    posted = client_for(subscriber).post(
        detail(article.slug) + "comments/", {"body": "Très juste."}, format="json"
    )

    assert posted.status_code == HTTPStatus.CREATED
    assert anonymous_client.get(LIST)["X-Cache"] == "hit"


def test_a_renamed_commenter_shows_in_the_discussion(anonymous_client):
    """Comments show their author's name: renaming the reader changes the stored discussion."""
    comment = CommentFactory(article=ArticleFactory(access=Article.Access.FREE))
    discussion = detail(comment.article.slug) + "comments/"
    anonymous_client.get(discussion)

    comment.user.first_name, comment.user.last_name = "Alix", "Martin"
    comment.user.save(update_fields=["first_name", "last_name"])

    assert anonymous_client.get(discussion).json()["results"][0]["author"] == "Alix Martin"


def test_a_sign_in_keeps_the_stored_reads(anonymous_client, article):
    """Saving a reader's last sign-in changes nothing readers see."""
    user = UserFactory()
    anonymous_client.get(LIST)

    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])

    assert anonymous_client.get(LIST)["X-Cache"] == "hit"


def test_the_version_moves_again_when_the_write_commits(
    anonymous_client, article, django_capture_on_commit_callbacks
):
    """A read between a write and its commit stores under a version that the commit retires."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        article.title = "Titre en cours d’enregistrement"
        article.save()
        anonymous_client.get(LIST)  # a reader racing the commit stores its answer
        assert anonymous_client.get(LIST)["X-Cache"] == "hit"

    assert callbacks  # the commit's move, registered by the save
    for callback in callbacks:
        callback()

    assert anonymous_client.get(LIST)["X-Cache"] == "miss"


def test_the_bulk_generator_and_the_demo_show_at_once(anonymous_client):
    """seed_articles writes in bulk, with no signal; load_demo through loaddata: both invalidate."""

    def listed() -> int:
        return len(anonymous_client.get(LIST, {"page_size": 100}).json()["results"])

    empty = listed()
    call_command("load_demo", verbosity=0)
    demo = listed()
    call_command("seed_articles", 3, bodies=2, readers=1, seed=1, verbosity=0)
    seeded = listed()

    assert (empty, demo, seeded) == (0, 2, 5)


# Time: content that changes with no write.


@pytest.mark.parametrize("kind", ["article", "brief"])
def test_scheduled_content_appears_at_its_time_without_any_write(anonymous_client, kind):
    """An entry stored before a scheduled publication is stale from that moment on."""
    due = timezone.now() + dt.timedelta(seconds=1)
    if kind == "article":
        ArticleFactory(slug="a-paraitre", status=Article.Status.SCHEDULED, published_at=due)
        url, found = LIST, lambda data: [a["slug"] for a in data["results"]] == ["a-paraitre"]
    else:
        BriefFactory(text="Brève programmée.", published_at=due)
        url, found = "/api/v1/briefs/", lambda data: len(data["results"]) == 1

    before = [anonymous_client.get(url) for _ in range(2)]
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
    after = anonymous_client.get(url)

    assert [r["X-Cache"] for r in before] == ["miss", "hit"]
    assert not found(before[1].json())
    assert after["X-Cache"] == "miss"
    assert found(after.json())


def test_an_entry_lives_no_longer_than_the_setting(anonymous_client, article, settings):
    """RESPONSE_CACHE_SECONDS bounds an entry's life even when nothing changes."""
    settings.RESPONSE_CACHE_SECONDS = 1
    anonymous_client.get(LIST)
    assert anonymous_client.get(LIST)["X-Cache"] == "hit"

    time.sleep(1.05)

    assert anonymous_client.get(LIST)["X-Cache"] == "miss"


def test_zero_seconds_turns_the_cache_off(anonymous_client, article, settings):
    """RESPONSE_CACHE_SECONDS=0: every read goes through the whole stack."""
    settings.RESPONSE_CACHE_SECONDS = 0

    answers = [anonymous_client.get(LIST) for _ in range(2)]

    assert not any("X-Cache" in r for r in answers)


# Revalidation


@pytest.mark.parametrize("url", [LIST, detail("irm-de-demain"), "/feeds/articles/atom/"])
@pytest.mark.parametrize("stored", [False, True])
def test_a_client_revalidates_with_its_etag_or_its_date(anonymous_client, article, url, stored):
    """If-None-Match and If-Modified-Since get a 304 with no body, from the cache or not."""
    first = anonymous_client.get(url)
    if not stored:
        article.save()  # another version: the next read is a miss
        first = anonymous_client.get(url)

    by_etag = anonymous_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = anonymous_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    for answer in (by_etag, by_date):
        assert answer.status_code == HTTPStatus.NOT_MODIFIED
        assert answer.content == b""
        assert answer["ETag"] == first["ETag"]
        assert answer["X-Cache"] == "hit"


def test_an_uncached_read_carries_validators_and_answers_304(anonymous_client, article):
    """Validators come with the miss too: a client revalidating a fresh answer gets a 304."""
    article.save()  # a new version: nothing stored under it
    response = anonymous_client.get(LIST, HTTP_IF_NONE_MATCH='"autre", W/"x"')
    again = anonymous_client.get(LIST, HTTP_IF_NONE_MATCH=response["ETag"])
    article.save()
    miss = anonymous_client.get(LIST, HTTP_IF_NONE_MATCH=response["ETag"])

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"].startswith('"')
    assert "Last-Modified" in response
    assert (again.status_code, again["X-Cache"]) == (HTTPStatus.NOT_MODIFIED, "hit")
    assert (miss.status_code, miss["X-Cache"]) == (HTTPStatus.NOT_MODIFIED, "miss")


def test_a_changed_answer_is_sent_in_full_to_a_revalidating_client(anonymous_client, article):
    """After a change, the old ETag and an older date no longer match: 200 with the new body."""
    first = anonymous_client.get(detail(article.slug))
    time.sleep(1)  # Last-Modified counts whole seconds
    _title_edit(article)

    by_etag = anonymous_client.get(detail(article.slug), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = anonymous_client.get(
        detail(article.slug), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    for answer in (by_etag, by_date):
        assert answer.status_code == HTTPStatus.OK
        assert "revue et corrigée" in answer.json()["title"]
    assert by_etag["ETag"] != first["ETag"]


def test_feeds_may_be_kept_by_shared_caches(anonymous_client, article, settings):
    """Feeds are the same for everyone: public, for no longer than the server keeps them."""
    settings.API_PUBLIC_CACHE_SECONDS = 600
    settings.RESPONSE_CACHE_SECONDS = 120

    feed = anonymous_client.get("/feeds/articles/rss/")
    signed_in = client_for(UserFactory()).get("/feeds/articles/rss/")

    for response in (feed, signed_in):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=120"}


# Failures


def test_a_cache_that_fails_serves_uncached_and_logs_a_warning(
    anonymous_client, article, settings, caplog
):
    """Redis down: every read is a 200, computed again; the failure is a warning, not a 500."""
    settings.CACHES = {
        **settings.CACHES,
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }

    with caplog.at_level(logging.WARNING, logger="imago.response_cache"):
        article.save()  # the version cannot move: logged, the save goes on
        answers = [anonymous_client.get(url) for url in (LIST, LIST, detail(article.slug))]

    assert [r.status_code for r in answers] == [HTTPStatus.OK] * 3
    assert [r["X-Cache"] for r in answers] == ["miss"] * 3
    assert answers[2].json()["content"]["complete"] is False
    assert "ETag" in answers[0]
    assert any("Response cache" in record.getMessage() for record in caplog.records)


def test_a_write_moves_the_version_even_while_reads_skip_a_failing_cache(anonymous_client, article):
    """A read that failed makes this worker skip the cache a few seconds; a write made in
    that window still moves the version, or the free text would outlive its paywall."""
    from django.core.cache import caches

    anonymous_client.get(detail(article.slug))
    responses = caches["responses"]
    responses.retry_at = time.monotonic() + 60  # as after a read that failed just now
    try:
        article.access = Article.Access.FREE
        article.save()
    finally:
        responses.retry_at = 0.0

    answer = anonymous_client.get(detail(article.slug))

    assert answer["X-Cache"] == "miss"
    assert answer.json()["content"]["complete"] is True


def test_unknown_query_parameters_are_answered_but_never_stored(anonymous_client, article):
    """`?x=1`, `?x=2`… get the list, uncached: nobody can fill the cache with new keys."""
    answers = [anonymous_client.get(LIST, {"x": "1"}) for _ in range(2)]

    assert [a.status_code for a in answers] == [HTTPStatus.OK] * 2
    assert [a.get("X-Cache") for a in answers] == [None, None]


def test_migrate_moves_the_version(anonymous_client, article):
    """A deployment's `migrate` (data migrations send no signal) retires every entry."""
    anonymous_client.get(LIST)
    assert anonymous_client.get(LIST)["X-Cache"] == "hit"

    call_command("migrate", verbosity=0)

    assert anonymous_client.get(LIST)["X-Cache"] == "miss"


def test_the_file_cache_touches_an_uncompressed_entry(tmp_path):
    """`touch` keeps the value and moves the expiry, on our uncompressed files."""
    from imago.response_cache import ResponseFileCache

    cache = ResponseFileCache(str(tmp_path), {})
    cache.set("clef", {"a": 1}, 10)

    assert cache.touch("clef", 100) is True
    assert cache.get("clef") == {"a": 1}
    assert cache.touch("absente", 100) is False
