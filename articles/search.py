"""Finding articles by their words, without ever matching past the split for the wrong reader.

On PostgreSQL: full-text search over the generated columns of migration 0005 (French
stemming, accents folded, GIN-indexed), ranked by where the words are (title, then
standfirst, then text). A reader matches on `search_full` only where `reading`
says they may read the article; everyone matches on `search_public`.

Ranking every match of a common word would read the whole archive, so relevance
orders the newest matches only (`SEARCH_RANKED_MATCHES`, 200 by default: ten pages
of twenty). Finding them walks the newest-first index and stops at that many, or,
for rare words, reads the GIN index: either way a bounded amount of the archive.

Elsewhere (SQLite, the embedded default) a plain substring match on every word.
"""

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, Expression, F, FloatField, Q, QuerySet, When

from . import reading
from .models import Article
from .reading import Reader

SEARCH_CONFIG = "imago_fr"


class _SearchColumn(Expression):
    """SQL over one of the generated search columns, which the model does not declare.

    The column is named through the alias of the query's own table, so the same
    expression holds in a subquery (where Django renames the table) as at the top.
    """

    template = ""

    def __init__(self, column: str, terms: str) -> None:
        super().__init__()
        self.column, self.terms = column, terms

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        column = f"{table}.{connection.ops.quote_name(self.column)}"
        return self.template.format(column=column), [SEARCH_CONFIG, self.terms]


class _Matches(_SearchColumn):
    template = "{column} @@ websearch_to_tsquery(%s::regconfig, %s)"
    output_field = BooleanField()
    conditional = True


class _Rank(_SearchColumn):
    template = "ts_rank({column}, websearch_to_tsquery(%s::regconfig, %s))"
    output_field = FloatField()


def full_text_condition(reader: Reader, terms: str, *, at: datetime | None = None) -> Q:
    """Articles that contain every word: in public text, or in the whole text if readable."""
    readable = reading.readable_q(reader, at=at)
    if connection.vendor == "postgresql":
        return Q(_Matches("search_public", terms)) | (readable & Q(_Matches("search_full", terms)))
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
        queryset.filter(condition)
        .order_by("-published_at", "-id")
        .values("pk")[: settings.SEARCH_RANKED_MATCHES]
    )
    rank = Case(
        When(reading.readable_q(reader, at=at), then=_Rank("search_full", terms)),
        default=_Rank("search_public", terms),
        output_field=FloatField(),
    )
    return (
        queryset.filter(pk__in=newest_matches)
        .annotate(rank=rank)
        .order_by(F("rank").desc(), "-published_at", "-id")
    )
