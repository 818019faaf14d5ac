"""What a reader may read in full, article by article, fed by sources of access.

Whether a reader may read every article (a subscription, a grant, staff, a licence) is
not decided here but by `subscriptions.access` (the `Reader`'s entitlement), in its
single and bulk forms alike; this module adds what opens some articles only.

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
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.http import HttpRequest
from django.utils import timezone

from accounts.lockout import client_address
from accounts.models import User
from subscriptions.access import AnyUser, Entitlement, entitlement_for, entitlements_for
from subscriptions.models import Offer
from subscriptions.selectors import active_offers

from .gifts import GIFT_MESSAGE, GiftPass, gift_pass_for
from .meter import MeterState, meter_limit, meter_resets_display, meter_state_for
from .models import Article, Note, Series

Via = Literal["free", "subscription", "complimentary", "staff", "meter", "gift", "licence"]
Reason = Literal["login_required", "subscription_required", "meter_exhausted"]
# For a locked article, what would open it: a credit of the monthly meter (for an
# anonymous reader, once signed in to a free account), or only a subscription.
Unlock = Literal["meter", "subscription"]

PAYWALL_MESSAGE = "Il vous reste {percent}% de l'article à lire"
# Anonymous, where a free account's meter would open the article.
PAYWALL_ACCOUNT_MESSAGE = (
    "Il vous reste {percent}% de l'article à lire : créez un compte gratuit pour lire "
    "{articles} par mois."
)
METER_EXHAUSTED_MESSAGE = (
    "Vous avez lu {articles} ce mois-ci. Prochains articles offerts le {date} ; "
    "abonnez-vous pour tout lire dès maintenant."
)
METER_MESSAGE = "Article offert : {used} sur {limit} ce mois-ci."
LICENCE_MESSAGE = "Accès offert par {organisation}"


def _subscriber_articles(count: int) -> str:
    return f"{count} article abonné" if count == 1 else f"{count} articles abonnés"


def _offered_articles(count: int) -> str:
    return "votre article offert" if count == 1 else f"vos {count} articles offerts"


# Matches every row: the source opens the whole archive.
EVERYTHING = Q(pk__isnull=False)


@dataclass(frozen=True)
class Reader:
    """Who is reading, and what they bring that may open articles, read once per request."""

    user: AnyUser
    entitlement: Entitlement | None = None
    # A signed-in reader without an entitlement, while the meter is on.
    meter: MeterState | None = None
    # A valid gift link the request carries (`?gift=`).
    gift: GiftPass | None = None
    # Where the request comes from, as the throttles see it (licences open by address).
    client_address: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.user.is_authenticated

    @property
    def personal(self) -> bool:
        """Whether what this reader reads may differ from every anonymous reader's: signed
        in, following a gift link, or opening something by where they read from (a
        licensed address). Their answers are `Cache-Control: private`, never stored for
        anyone else."""
        return self.user.is_authenticated or self.gift is not None or self.entitlement is not None


ANONYMOUS = Reader(user=AnonymousUser())

# Only reads follow a gift link: a gift never lets its reader comment.
GIFT_METHODS = frozenset({"GET", "HEAD"})


def reader_for(
    user: AnyUser,
    *,
    at: datetime | None = None,
    gift_token: str | None = None,
    client_address: str | None = None,
) -> Reader:
    """Who `user` is as a reader at `at`: one query for the entitlement (subscriptions and
    licences, by account or by `client_address`), one for the meter of a signed-in reader
    without one, one for a gift token."""
    at = at or timezone.now()
    entitlement = entitlement_for(user, at=at, client_address=client_address)
    return Reader(
        user=user,
        entitlement=entitlement,
        meter=None if entitlement else meter_state_for(user, at=at),
        gift=gift_pass_for(gift_token, at=at) if gift_token else None,
        client_address=client_address,
    )


def readers_for(users: Iterable[User], *, at: datetime) -> dict[int, Reader]:
    """`reader_for` of many users at once, by user id: what each brings, in bulk, without
    an address (a mailing's readers).

    The entitlement comes from `entitlements_for`, the bulk form of `entitlement_for`
    (subscriptions, grants, staff and licences by seat or by verified domain). A new
    source's data (a meter, gifts) is read here for the whole batch as well.
    """
    users = list(users)
    entitlements = entitlements_for(users, at=at)
    return {user.pk: Reader(user=user, entitlement=entitlements.get(user.pk)) for user in users}


def reader_of(request: HttpRequest) -> Reader:
    """The request's reader, built once and kept on the request like its user."""
    reader: Reader | None = getattr(request, "reader", None)
    if reader is None:
        gift_token = request.GET.get("gift") if request.method in GIFT_METHODS else None
        reader = reader_for(
            request.user, gift_token=gift_token, client_address=client_address(request)
        )
        request.reader = reader  # type: ignore[attr-defined]
    return reader


@dataclass(frozen=True)
class Access:
    """How an article was opened to its reader."""

    via: Via
    # The meter: credits used this month (this article included), of how many, and when
    # the count starts again.
    used: int | None = None
    limit: int | None = None
    resets_at: datetime | None = None
    # What the reader is told (the meter's count, a gift's "Offert par un abonné").
    message: str | None = None
    # A gift: the offers shown beside the article, so the gift converts.
    offers: tuple[Offer, ...] | None = None
    organisation: str | None = None  # the organisation whose licence opened it


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
        organisation = reader.entitlement.organisation
        return Access(
            via=reader.entitlement.via,
            organisation=organisation,
            message=None
            if organisation is None
            else LICENCE_MESSAGE.format(organisation=organisation),
        )


class MeteredArticles(AccessSource):
    """The subscriber-only articles a signed-in reader opened with the meter this month.

    A credit is spent by the detail (`services.article_open`), never here: a list shows
    the other subscriber-only articles locked, with `unlock: "meter"` while credits last.
    """

    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        if reader.meter is None or not reader.meter.opened_ids:
            return None
        return Q(pk__in=sorted(reader.meter.opened_ids))

    def access(self, reader: Reader) -> Access:
        meter = reader.meter
        assert meter is not None
        return Access(
            via="meter",
            used=meter.used,
            limit=meter.limit,
            resets_at=meter.resets_at,
            message=METER_MESSAGE.format(used=meter.used, limit=meter.limit),
        )


class GiftedArticle(AccessSource):
    """The one article a valid gift link opens, to whoever follows it."""

    def opens(self, reader: Reader, *, at: datetime) -> Q | None:
        return None if reader.gift is None else Q(pk=reader.gift.article_id)

    def access(self, reader: Reader) -> Access:
        return Access(via="gift", message=GIFT_MESSAGE, offers=tuple(active_offers()))


# In order of precedence: the first source that opens an article names the way in.
SOURCES: tuple[AccessSource, ...] = (
    FreeArticles(),
    ReaderEntitlement(),
    MeteredArticles(),
    GiftedArticle(),
)


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


def meter_would_open_q(reader: Reader) -> Q | None:
    """The locked articles a credit of the meter would open to `reader`: subscriber-only
    and not never-metered, while the reader has credits left (an anonymous reader: once
    signed in to a free account); None when no credit would open any."""
    if reader.is_anonymous:
        available = meter_limit() > 0
    else:
        available = reader.meter is not None and reader.meter.left > 0
    if not available:
        return None
    return Q(access=Article.Access.SUBSCRIBERS, never_metered=False)


def unlock(reader: Reader, *, at: datetime | None = None) -> Case:
    """For a locked article, what would open it (`Unlock`), as a column; NULL when readable."""
    meter = meter_would_open_q(reader)
    return Case(
        When(readable_q(reader, at=at), then=Value(None)),
        *([When(meter, then=Value("meter"))] if meter is not None else []),
        default=Value("subscription"),
        output_field=CharField(),
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
    # `meter_exhausted`: when the meter starts again.
    resets_at: datetime | None = None


def paywall_for(
    reader: Reader,
    *,
    remaining_percent: int,
    offers: tuple[Offer, ...],
    never_metered: bool = False,
) -> Paywall:
    """Why a locked article stays locked to `reader`, and what they are offered.

    Anonymous: `login_required`, saying what a free account gives while the meter would
    open the article. A spent meter: `meter_exhausted`, with when it starts again. A
    never-metered article, or no meter: `subscription_required`.
    """
    if reader.is_anonymous:
        limit = meter_limit()
        meters = limit > 0 and not never_metered
        return Paywall(
            message=PAYWALL_ACCOUNT_MESSAGE.format(
                percent=remaining_percent, articles=_subscriber_articles(limit)
            )
            if meters
            else PAYWALL_MESSAGE.format(percent=remaining_percent),
            reason="login_required",
            offers=offers,
        )
    meter = reader.meter
    if meter is not None and meter.left == 0 and not never_metered:
        return Paywall(
            message=METER_EXHAUSTED_MESSAGE.format(
                articles=_offered_articles(meter.limit),
                date=meter_resets_display(meter.resets_at),
            ),
            reason="meter_exhausted",
            offers=offers,
            resets_at=meter.resets_at,
        )
    return Paywall(
        message=PAYWALL_MESSAGE.format(percent=remaining_percent),
        reason="subscription_required",
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
    unlock: Unlock | None = None  # what would open it, when locked

    @property
    def locked(self) -> bool:
        return not self.complete
