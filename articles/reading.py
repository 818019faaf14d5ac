"""What a reader may read in full: THE one decision, fed by sources of access.

Each way in is one `AccessSource`: a predicate over articles, in SQL, saying which
articles it opens to this reader. `readable_q` joins them, and every surface asks it:
lists (`locked`), search (full text only where readable), feeds (built for an
anonymous reader) and the discussion. The detail asks the same sources which one
opened the article, to say how (`Access.via`).

A new way in (a meter, a gift link, an institutional licence) is one new source
appended to SOURCES, fed by what the `Reader` carries; nothing downstream changes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, F, IntegerField, Q, TextField, Value, When
from django.http import HttpRequest
from django.utils import timezone

from accounts.lockout import client_address
from subscriptions.access import AnyUser, Entitlement, entitlement_for
from subscriptions.models import Offer

from .models import Article, Note, Series

Via = Literal["free", "subscription", "complimentary", "staff", "licence"]
Reason = Literal["login_required", "subscription_required"]

PAYWALL_MESSAGE = "Il vous reste {percent}% de l'article à lire"
LICENCE_MESSAGE = "Accès offert par {organisation}"

# Matches every row: the source opens the whole archive.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Reader:
    """Who is reading, and what they bring that may open articles, read once per request."""

    user: AnyUser
    entitlement: Entitlement | None = None
    # Where the request comes from, as the throttles see it (licences open by address).
    client_address: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.user.is_authenticated

    @property
    def is_private(self) -> bool:
        """Whether answers built for this reader may differ from every anonymous reader's:
        signed in, or opened something by where they read from (a licensed address).
        Such answers are `Cache-Control: private`, and never stored for anyone else."""
        return not self.is_anonymous or self.entitlement is not None


ANONYMOUS = Reader(user=AnonymousUser())


def reader_for(
    user: AnyUser, *, at: datetime | None = None, client_address: str | None = None
) -> Reader:
    return Reader(
        user=user,
        entitlement=entitlement_for(user, at=at, client_address=client_address),
        client_address=client_address,
    )


def reader_of(request: HttpRequest) -> Reader:
    """The request's reader, built once and kept on the request like its user."""
    reader: Reader | None = getattr(request, "reader", None)
    if reader is None:
        reader = reader_for(request.user, client_address=client_address(request))
        request.reader = reader  # type: ignore[attr-defined]
    return reader


@dataclass(frozen=True)
class Access:
    """How an article was opened to its reader."""

    via: Via
    organisation: str | None = None  # the organisation whose licence opened it

    @property
    def message(self) -> str | None:
        """What the reader is told about the way in, when there is something to say."""
        if self.organisation is not None:
            return LICENCE_MESSAGE.format(organisation=self.organisation)
        return None


class AccessSource:
    """One way in: which articles it opens to a reader, and how to say so."""

    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        """The articles this source opens to `reader`, or None when it opens none."""
        raise NotImplementedError

    def access(self, reader: Reader) -> Access:
        raise NotImplementedError


class FreeArticles(AccessSource):
    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        return Q(access=Article.Access.FREE)

    def access(self, reader: Reader) -> Access:
        return Access(via="free")


class ReaderEntitlement(AccessSource):
    """A subscription, a complimentary grant, a staff account or an institution's licence
    (by the reader's seat or the address they read from): every article."""

    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        return EVERYTHING if reader.entitlement else None

    def access(self, reader: Reader) -> Access:
        assert reader.entitlement is not None
        return Access(via=reader.entitlement.via, organisation=reader.entitlement.organisation)


# In order of precedence: the first source that opens an article names the way in.
SOURCES: tuple[AccessSource, ...] = (FreeArticles(), ReaderEntitlement())


def _openings(reader: Reader, at: datetime) -> list[tuple[int, Q]]:
    return [
        (index, q)
        for index, source in enumerate(SOURCES)
        if (q := source.opens(reader, at=at)) is not None
    ]


def readable_q(reader: Reader, *, at: datetime | None = None) -> Q:
    """The articles `reader` may read in full: the one predicate every surface uses."""
    condition = None
    for _index, q in _openings(reader, at or timezone.now()):
        condition = q if condition is None else condition | q
    return Q(pk__in=[]) if condition is None else condition


def locked(reader: Reader, *, at: datetime | None = None) -> Case:
    """True where opening the article would need a way in this reader lacks, as a column."""
    return Case(
        When(readable_q(reader, at=at), then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


def when_readable(reader: Reader, column: str, *, at: datetime | None = None) -> Case:
    """`column` where `reader` may read the article in full, else an empty string.

    For a reader without access the column is never even read from the database.
    """
    return Case(
        When(readable_q(reader, at=at), then=F(column)),
        default=Value(""),
        output_field=TextField(),
    )


def opened_by(reader: Reader, *, at: datetime | None = None) -> Case:
    """The index in SOURCES of the source that opens the article, or NULL, as a column."""
    return Case(
        *(When(q, then=Value(index)) for index, q in _openings(reader, at or timezone.now())),
        default=None,
        output_field=IntegerField(),
    )


def access_of(reader: Reader, source_index: int | None) -> Access | None:
    """How the article was opened, from the `opened_by` column."""
    return None if source_index is None else SOURCES[source_index].access(reader)


@dataclass(frozen=True)
class Paywall:
    """What a reader without access is told, and offered."""

    message: str
    reason: Reason
    offers: tuple[Offer, ...] = field(default=())


def paywall_for(reader: Reader, *, remaining_percent: int, offers: tuple[Offer, ...]) -> Paywall:
    return Paywall(
        message=PAYWALL_MESSAGE.format(percent=remaining_percent),
        reason="login_required" if reader.is_anonymous else "subscription_required",
        offers=offers,
    )


@dataclass(frozen=True)
class SeriesRef:
    """The series an article belongs to, with its published parts in order."""

    series: Series
    position: int | None
    parts: tuple[Article, ...]


@dataclass(frozen=True)
class ArticleReading:
    """An article as one reader may read it: decided once, serialised as it is."""

    article: Article
    complete: bool
    html: str
    text: str  # the plain text of `html`'s body when complete; never the hidden part
    notes: tuple[Note, ...]
    remaining_percent: int | None
    access: Access | None
    paywall: Paywall | None
    series: SeriesRef | None

    @property
    def locked(self) -> bool:
        return not self.complete
