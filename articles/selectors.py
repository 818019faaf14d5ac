"""Reads: published content with exactly the columns a response needs.

What a reader may read in full is decided by `reading`; the selectors only ask it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from imago.exceptions import DomainError
from subscriptions.selectors import active_offers

from . import reading
from .models import PUBLIC_STATUSES, Article, ArticleAuthor, Author, Brief, Comment, Rubric, Series
from .reading import ArticleReading, Reader, SeriesRef

# What a 404 says, by what was looked for (the views name theirs: `not_found_message`).
ARTICLE_NOT_FOUND = "Article introuvable."
AUTHOR_NOT_FOUND = "Auteur introuvable."
SERIES_NOT_FOUND = "Série introuvable."

# What a summary shows; the body and its derived texts are never loaded for a list.
SUMMARY_FIELDS = (
    "id",
    "slug",
    "title",
    "standfirst",
    "access",
    "reading_minutes",
    "published_at",
    "updated_at",
    "image_url",
    "image_caption",
    "image_credit",
    "rubric__id",
    "rubric__slug",
    "rubric__name",
)
DETAIL_FIELDS = (
    *SUMMARY_FIELDS,
    "teaser_html",
    "teaser_note_numbers",
    "remaining_percent",
    "word_count",
    "series_position",
    "series",
    "never_metered",
)


def _bylines(*author_fields: str) -> Prefetch:
    """The bylines as a plain list (`article.byline_list`).

    A list: prefetching into the `bylines` manager clones a queryset per article,
    which cost more than the query itself on a page of a hundred.
    """
    fields = ("id", "slug", "full_name", *author_fields)
    return Prefetch(
        "bylines",
        queryset=ArticleAuthor.objects.select_related("author").only(
            "article_id", "position", *(f"author__{field}" for field in fields)
        ),
        to_attr="byline_list",
    )


def _approved_comment_count() -> Coalesce:
    # A correlated subquery: one query for the whole page, no GROUP BY over article columns.
    approved = (
        Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.APPROVED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(approved, output_field=IntegerField()), 0)


def article_summaries(*, reader: Reader, at: datetime | None = None) -> QuerySet[Article]:
    """Published articles as summaries, with `locked` for this reader, and `unlock`: what
    would open the locked ones (a credit of the meter, or only a subscription)."""
    return (
        Article.objects.published(at)
        .select_related("rubric")
        .only(*SUMMARY_FIELDS)
        .annotate(
            comment_count=_approved_comment_count(),
            locked=reading.locked(reader, at=at),
            unlock=reading.unlock(reader, at=at),
        )
        .prefetch_related(_bylines())
    )


def article_reading(*, slug: str, reader: Reader, at: datetime | None = None) -> ArticleReading:
    """The article with exactly what this reader may see of it.

    For a reader without access the full body is not even fetched: the query reads
    it only where `reading.readable_q` holds, and the same sources say how it opened.
    """
    at = at or timezone.now()
    queryset = (
        Article.objects.published(at)
        .select_related("rubric", "series")
        .only(*DETAIL_FIELDS, "series__slug", "series__name", "series__total")
        .annotate(
            comment_count=_approved_comment_count(),
            opened_by=reading.opened_by(reader, at=at),
            full_html=reading.when_readable(reader, "body_html", at=at),
            full_text=reading.when_readable(reader, "body_text", at=at),
            unlock=reading.unlock(reader, at=at),
        )
        .prefetch_related(_bylines("organisation", "titles", "website"), "notes")
    )
    article = get_object_or_404(queryset, slug=slug)
    series = _series_ref(article, at=at)
    notes = tuple(article.notes.all())
    access = reading.access_of(reader, article.opened_by)
    if access is not None:
        return ArticleReading(
            article=article,
            complete=True,
            html=article.full_html,
            text=article.full_text,
            notes=notes,
            remaining_percent=None,
            access=access,
            paywall=None,
            series=series,
        )
    called = set(article.teaser_note_numbers)
    return ArticleReading(
        article=article,
        complete=False,
        html=article.teaser_html,
        text="",
        notes=tuple(note for note in notes if note.number in called),
        remaining_percent=article.remaining_percent,
        access=None,
        paywall=reading.paywall_for(
            reader,
            remaining_percent=article.remaining_percent,
            offers=tuple(active_offers()),
            never_metered=article.never_metered,
        ),
        series=series,
        unlock=article.unlock,
    )


def _series_ref(article: Article, *, at: datetime) -> SeriesRef | None:
    if article.series is None:
        return None
    parts = (
        Article.objects.published(at)
        .filter(series=article.series)
        .only("slug", "title", "series_position")
        .order_by("series_position", "published_at")
    )
    return SeriesRef(series=article.series, position=article.series_position, parts=tuple(parts))


@dataclass(frozen=True)
class FeedEntry:
    article: Article
    locked: bool
    html: str  # the whole body where the reader may read it, else the teaser


def feed_entries(
    *, reader: Reader, rubric: Rubric | None = None, limit: int, at: datetime | None = None
) -> list[FeedEntry]:
    """The newest articles, each with the text this reader may read of it."""
    articles = (
        Article.objects.published(at)
        .select_related("rubric")
        .only(*SUMMARY_FIELDS, "teaser_html")
        .annotate(
            locked=reading.locked(reader, at=at),
            full_html=reading.when_readable(reader, "body_html", at=at),
        )
        .prefetch_related(_bylines())
    )
    if rubric is not None:
        articles = articles.filter(rubric=rubric)
    return [
        FeedEntry(
            article=article,
            locked=article.locked,
            html=article.teaser_html if article.locked else article.full_html,
        )
        for article in articles[:limit]
    ]


@dataclass(frozen=True)
class SeriesListing:
    series: Series
    parts: QuerySet[Article]


def series_listing(*, slug: str, reader: Reader) -> SeriesListing:
    """A series and its published parts in series order, as summaries for this reader."""
    series = get_object_or_404(Series, slug=slug)
    parts = (
        article_summaries(reader=reader)
        .filter(series=series)
        .only(*SUMMARY_FIELDS, "series_position")
        .order_by("series_position", "published_at")
    )
    return SeriesListing(series=series, parts=parts)


DISCUSSION_LOGIN_REQUIRED = "Connectez-vous avec un abonnement pour lire cette discussion."
DISCUSSION_SUBSCRIPTION_REQUIRED = "La discussion de cet article est réservée aux abonnés."


def discussion_article(*, slug: str, reader: Reader, at: datetime | None = None) -> Article:
    """A published article whose discussion this reader may read and join.

    The discussion of an article is gated like its text: comments may quote what
    lies past the split.
    """
    article = get_object_or_404(
        Article.objects.published(at)
        .only("id", "slug", "access")
        .annotate(locked=reading.locked(reader, at=at)),
        slug=slug,
    )
    if article.locked:
        if reader.is_anonymous:
            raise DomainError(DISCUSSION_LOGIN_REQUIRED, code="login_required", status_code=401)
        raise DomainError(
            DISCUSSION_SUBSCRIPTION_REQUIRED, code="subscription_required", status_code=403
        )
    return article


def approved_comments(article: Article) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED)
        .select_related("user")
        .only("id", "body", "status", "created_at", "user__first_name", "user__last_name")
    )


def author_list() -> QuerySet[Author]:
    return Author.objects.all()


def brief_list(at: datetime | None = None) -> QuerySet[Brief]:
    """The news wire, newest first; a link only to an article readers can see."""
    at = at or timezone.now()
    # The joined article's own columns: no subquery over the whole archive.
    visible = Q(
        article__status__in=PUBLIC_STATUSES,
        article__published_at__lte=at,
    )
    return Brief.objects.filter(published_at__lte=at).annotate(
        article_slug=Case(When(visible, then=F("article__slug")), default=None)
    )


def next_publication_at(at: datetime) -> datetime | None:
    """When published content next changes with no write: the first article or brief
    dated after `at` (an article scheduled for 14:00 appears at 14:00)."""
    article = (
        Article.objects.filter(status__in=PUBLIC_STATUSES, published_at__gt=at)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    brief = (
        Brief.objects.filter(published_at__gt=at)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return min((moment for moment in (article, brief) if moment is not None), default=None)
