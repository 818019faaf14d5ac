"""Reads. The paywall decision is made here, once, from one answer of `access`."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, F, Prefetch, Q, QuerySet, TextField, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from subscriptions.access import has_access

from .models import Article, ArticleAuthor, Author, Brief

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


def _bylines() -> Prefetch:
    return Prefetch(
        "bylines",
        queryset=ArticleAuthor.objects.select_related("author").only(
            "article_id", "position", "author__id", "author__slug", "author__full_name"
        ),
    )


def article_summaries(*, reader: Reader, at: datetime | None = None) -> QuerySet[Article]:
    return (
        Article.objects.published(at)
        .select_related("rubric")
        .only(*SUMMARY_FIELDS)
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
        .prefetch_related(_bylines(), "notes")
    )
    if reader.has_access:
        queryset = queryset.annotate(full_html=F("body_html"))
    else:
        queryset = queryset.annotate(
            full_html=Case(
                When(access=Access.FREE, then=F("body_html")),
                default=Value(""),
                output_field=TextField(),
            )
        )
    article = get_object_or_404(queryset, slug=slug)
    article.is_locked = is_locked(article, reader=reader)
    return article


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
