"""Finding articles by their words, without ever matching past the split for the wrong reader.

On PostgreSQL: full-text search over the generated columns of migration 0005 (French
stemming, accents folded, GIN-indexed), ranked by where the words are (title, then
standfirst, then text). A reader matches on `search_full` only where `reading`
says they may read the article; everyone matches on `search_public`.

Ranking every match of a common word would read the whole archive, so relevance
orders the `SEARCH_WINDOW` newest matches: a search is for finding recent articles,
and the window is more than the pages a reader turns.

Elsewhere (SQLite, the embedded default) a plain substring match on every word.
"""

from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Q, QuerySet, When
from django.db.models.expressions import RawSQL

from . import reading
from .models import Article
from .reading import Reader

SEARCH_CONFIG = "imago_fr"
SEARCH_WINDOW = 1000

_TABLE = Article._meta.db_table


def _matches(column: str, terms: str) -> RawSQL:
    return RawSQL(
        f'"{_TABLE}"."{column}" @@ websearch_to_tsquery(%s::regconfig, %s)',
        (SEARCH_CONFIG, terms),
        output_field=BooleanField(),
    )


def _rank(column: str, terms: str) -> RawSQL:
    return RawSQL(
        f'ts_rank("{_TABLE}"."{column}", websearch_to_tsquery(%s::regconfig, %s))',
        (SEARCH_CONFIG, terms),
        output_field=FloatField(),
    )


def full_text_condition(reader: Reader, terms: str, *, at: datetime | None = None) -> Q:
    """Articles that contain every word: in public text, or in the whole text if readable."""
    readable = reading.readable_q(reader, at=at)
    if connection.vendor == "postgresql":
        return Q(_matches("search_public", terms)) | (readable & Q(_matches("search_full", terms)))
    condition = Q()
    for term in terms.split():
        public = (
            Q(title__icontains=term)
            | Q(standfirst__icontains=term)
            | Q(teaser_text__icontains=term)
        )
        condition &= public | (readable & Q(body_text__icontains=term))
    return condition


def article_search(
    queryset: QuerySet[Article], *, reader: Reader, terms: str, at: datetime | None = None
) -> QuerySet[Article]:
    """The articles of `queryset` matching `terms` for this reader, most relevant first."""
    condition = full_text_condition(reader, terms, at=at)
    if connection.vendor != "postgresql":
        return queryset.filter(condition)
    newest_matches = (
        queryset.filter(condition).order_by("-published_at", "-id").values("pk")[:SEARCH_WINDOW]
    )
    rank = Case(
        When(reading.readable_q(reader, at=at), then=_rank("search_full", terms)),
        default=_rank("search_public", terms),
        output_field=FloatField(),
    )
    return (
        queryset.filter(pk__in=newest_matches)
        .annotate(rank=rank)
        .order_by(F("rank").desc(), "-published_at", "-id")
    )
