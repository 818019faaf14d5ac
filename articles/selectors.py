"""Reads. The paywall decision is made here, once, from one answer of `access`."""

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
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from imago.exceptions import DomainError
from subscriptions.access import has_access

from .models import Article, ArticleAuthor, Author, Brief, Comment, Series

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
)

Access = Article.Access


@dataclass(frozen=True)
class Reader:
    """Who is reading, and whether they may read subscriber-only text, decided once."""

    user: object
    has_access: bool

    @property
    def is_anonymous(self) -> bool:
        return not (self.user and self.user.is_authenticated)


def reader_for(user, at: datetime | None = None) -> Reader:
    return Reader(user=user, has_access=has_access(user, at=at))


def reader_of(request) -> Reader:
    """The request's reader, decided once and kept on the request."""
    if not hasattr(request, "reader"):
        request.reader = reader_for(request.user)
    return request.reader


def _bylines(*author_fields: str) -> Prefetch:
    fields = ("id", "slug", "full_name", *author_fields)
    return Prefetch(
        "bylines",
        queryset=ArticleAuthor.objects.select_related("author").only(
            "article_id", "position", *(f"author__{field}" for field in fields)
        ),
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


def _readable(field: str, *, reader: Reader) -> F | Case:
    """`field` where this reader may read the whole article, else an empty string."""
    if reader.has_access:
        return F(field)
    return Case(
        When(access=Access.FREE, then=F(field)), default=Value(""), output_field=TextField()
    )


def article_summaries(*, reader: Reader, at: datetime | None = None) -> QuerySet[Article]:
    return (
        Article.objects.published(at)
        .select_related("rubric")
        .only(*SUMMARY_FIELDS)
        .annotate(comment_count=_approved_comment_count())
        .prefetch_related(_bylines())
    )


def article_search(queryset: QuerySet[Article], *, reader: Reader, terms: str) -> QuerySet[Article]:
    """Search public text, and the full text only where this reader may read it."""
    condition = Q()
    for term in terms.split():
        public = (
            Q(title__icontains=term)
            | Q(standfirst__icontains=term)
            | Q(teaser_text__icontains=term)
        )
        readable = Q(body_text__icontains=term)
        if not reader.has_access:
            readable &= Q(access=Access.FREE)
        condition &= public | readable
    return queryset.filter(condition)


def article_detail(*, slug: str, reader: Reader, at: datetime | None = None) -> Article:
    """The article with exactly what this reader may see.

    For a reader without access the full body is not even fetched: `full_html`
    is the body of a free article and empty for a subscriber-only one.
    """
    queryset = (
        Article.objects.published(at)
        .select_related("rubric", "series")
        .only(*DETAIL_FIELDS, "series__slug", "series__name", "series__total")
        .annotate(
            comment_count=_approved_comment_count(),
            full_html=_readable("body_html", reader=reader),
            full_text=_readable("body_text", reader=reader),
        )
        .prefetch_related(_bylines("organisation", "titles", "website"), "notes")
    )
    article = get_object_or_404(queryset, slug=slug)
    article.is_locked = is_locked(article, reader=reader)
    return article


def feed_articles(*, reader: Reader, at: datetime | None = None) -> QuerySet[Article]:
    """Newest articles with their public text, and the whole body only where readable."""
    return (
        Article.objects.published(at)
        .select_related("rubric")
        .only(*SUMMARY_FIELDS, "teaser_html")
        .annotate(full_html=_readable("body_html", reader=reader))
        .prefetch_related(_bylines())
    )


def series_parts(series: Series, at: datetime | None = None) -> list[Article]:
    """The published parts of a series, in series order (titles only)."""
    return list(
        Article.objects.published(at)
        .filter(series=series)
        .only("slug", "title", "series_position")
        .order_by("series_position", "published_at")
    )


def series_detail(*, slug: str) -> Series:
    return get_object_or_404(Series, slug=slug)


def series_part_summaries(*, series: Series, reader: Reader) -> QuerySet[Article]:
    return (
        article_summaries(reader=reader)
        .filter(series=series)
        .only(*SUMMARY_FIELDS, "series_position")
        .order_by("series_position", "published_at")
    )


DISCUSSION_LOGIN_REQUIRED = "Connectez-vous avec un abonnement pour lire cette discussion."
DISCUSSION_SUBSCRIPTION_REQUIRED = "La discussion de cet article est réservée aux abonnés."


def discussion_article(*, slug: str, reader: Reader, at: datetime | None = None) -> Article:
    """A published article whose discussion this reader may read and join.

    The discussion of a subscriber-only article is gated like its text: comments
    may quote what lies past the split.
    """
    article = get_object_or_404(
        Article.objects.published(at).only("id", "slug", "access"), slug=slug
    )
    if is_locked(article, reader=reader):
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
        .only("id", "body", "created_at", "user__first_name", "user__last_name")
    )


def is_locked(article: Article, *, reader: Reader) -> bool:
    return article.access == Access.SUBSCRIBERS and not reader.has_access


def visible_notes(article: Article) -> list:
    notes = list(article.notes.all())
    if not article.is_locked:
        return notes
    called = set(article.teaser_note_numbers)
    return [note for note in notes if note.number in called]


def author_list() -> QuerySet[Author]:
    return Author.objects.all()


def brief_list(at: datetime | None = None) -> QuerySet[Brief]:
    """The news wire, newest first; a link only to an article readers can see."""
    at = at or timezone.now()
    visible = Q(article__in=Article.objects.published(at))
    return Brief.objects.filter(published_at__lte=at).annotate(
        article_slug=Case(When(visible, then=F("article__slug")), default=None)
    )
