"""What a reader may read in full: THE one decision, fed by sources of access.

Each way in is one `AccessSource`: a predicate over articles, in SQL, saying which
articles it opens to this reader. `readable_q` joins them, and every surface asks it:
lists (`locked`), search (full text only where readable), feeds (built for an
anonymous reader) and the discussion. The detail asks the same sources which one
opened the article, to say how (`Access.via`).

A new way in (a meter, a gift link, an institutional licence) is one new source
appended to SOURCES, fed by what the `Reader` carries; nothing downstream changes.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, F, IntegerField, Q, TextField, Value, When
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from subscriptions.access import AnyUser, Entitlement, entitlement_for, entitlements_for
from subscriptions.models import Offer

from .models import Article, Note, Series

Via = Literal["free", "subscription", "complimentary", "staff"]
Reason = Literal["login_required", "subscription_required"]

PAYWALL_MESSAGE = "Il vous reste {percent}% de l'article à lire"

# Matches every row: the source opens the whole archive.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Reader:
    """Who is reading, and what they bring that may open articles, read once per request."""

    user: AnyUser
    entitlement: Entitlement | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.user.is_authenticated


ANONYMOUS = Reader(user=AnonymousUser())


def reader_for(user: AnyUser, *, at: datetime | None = None) -> Reader:
    return Reader(user=user, entitlement=entitlement_for(user, at=at))


def readers_for(users: Iterable[User], *, at: datetime) -> dict[int, Reader]:
    """`reader_for` of many users at once, by user id: what each brings, in bulk.

    A new source's data (a meter, gifts) is read here for the whole batch as well.
    """
    users = list(users)
    entitlements = entitlements_for(users, at=at)
    return {user.pk: Reader(user=user, entitlement=entitlements.get(user.pk)) for user in users}


def reader_of(request: HttpRequest) -> Reader:
    """The request's reader, built once and kept on the request like its user."""
    reader: Reader | None = getattr(request, "reader", None)
    if reader is None:
        reader = reader_for(request.user)
        request.reader = reader  # type: ignore[attr-defined]
    return reader


@dataclass(frozen=True)
class Access:
    """How an article was opened to its reader."""

    via: Via


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
    """A subscription, a complimentary grant or a staff account: every article."""

    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        return EVERYTHING if reader.entitlement else None

    def access(self, reader: Reader) -> Access:
        assert reader.entitlement is not None
        return Access(via=reader.entitlement.via)


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


def opens_archive(reader: Reader, *, at: datetime | None = None) -> bool:
    """Whether a source opens every article to `reader`: a subscription, a grant, staff.

    What a subscription sells besides the articles (the digital edition ahead of its
    public date, the subscribers' club) goes to exactly these readers, asked here rather
    than of `subscriptions` so that it follows the same sources: a new way in that opens
    the whole archive (an institutional licence) opens them too, while one that opens
    some articles only (free articles, a meter, a gift link) opens neither.
    """
    at = at or timezone.now()
    return any(source.opens(reader, at=at) == EVERYTHING for source in SOURCES)


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
