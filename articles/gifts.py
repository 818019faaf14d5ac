"""Gift links: a reader with access gives one article, in full, to whoever opens the link.

A link is the article's URL with `?gift=TOKEN`. The token is 32 random bytes, shown once
when the gift is made; only its SHA-256 is stored, so the table alone (a leaked backup)
opens nothing. A gift opens its article, and only it, until it expires or is revoked (by
its giver, or by a subscription manager in the admin), and only while its giver may still
give: a gift is lent from the giver's own access, so it lapses with it and opens again if
that access comes back before the link expires. A deleted account's gifts are erased.
A reader gifts GIFTS_PER_MONTH subscriber-only articles each calendar month
(Europe/Paris); gifting a free article costs nothing.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from imago.exceptions import DomainError
from subscriptions.access import entitlement_q
from subscriptions.models import Subscription

from .meter import meter_month_start, meter_resets_at, meter_resets_display
from .models import Article, Gift

GIFT_MESSAGE = "Offert par un abonné"
GIFT_NOT_ALLOWED = "Offrir un article est réservé aux abonnés."
GIFT_QUOTA_EXCEEDED = (
    "Vous avez offert {gifts} ce mois-ci : vous pourrez en offrir de nouveau le {date}."
)
GIFTS_OFF = "Offrir des articles réservés aux abonnés n'est pas possible en ce moment."
GIFT_NOT_FOUND = "Cadeau introuvable."
# A token is 43 characters; anything much longer is not one, and is not even hashed.
TOKEN_MAX_LENGTH = 128


@dataclass(frozen=True)
class GiftPass:
    """A valid gift a request carries: it opens this one article."""

    id: int
    article_id: int


@dataclass(frozen=True)
class GiftLink:
    """A gift just made, with its link: the only time the token is shown."""

    gift: Gift
    url: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def gift_link_url(slug: str, token: str) -> str:
    url = settings.ARTICLE_URL_TEMPLATE.format(slug=slug)
    return f"{url}{'&' if '?' in url else '?'}gift={token}"


def givers_q(*, at: dt.datetime) -> Q:
    """The users who may give gifts at `at`, and whose gifts open then, as a predicate over
    users: active, and staff or entitled by a subscription or a complimentary grant.

    Never by a licence: a seat is the institution's, lent to one reader for their own
    reading, not theirs to hand on (nor is a meter's credit). Spelled out here, not taken
    from `subscriptions.access.entitled_users_q`, so that a licence added there one day
    does not make its members givers.
    """
    return Q(is_active=True) & (
        Q(is_staff=True)
        | Q(pk__in=Subscription.objects.filter(entitlement_q(at=at)).values("user_id"))
    )


def gift_create(*, giver: User, article: Article, at: dt.datetime | None = None) -> GiftLink:
    """A new gift link to `article` from `giver`, who must have access of their own (a
    subscription, a complimentary grant, staff: `givers_q`), within the month's quota of
    subscriber-only gifts.

    The quota is counted under a lock of the giver's row: concurrent requests cannot
    both take the last gift of the month.
    """
    at = at or timezone.now()
    if not User.objects.filter(givers_q(at=at), pk=giver.pk).exists():
        raise DomainError(GIFT_NOT_ALLOWED, code="subscription_required", status_code=403)
    counted = article.access == Article.Access.SUBSCRIBERS
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if counted:
            User.objects.select_for_update(no_key=True).only("pk").get(pk=giver.pk)
            given = Gift.objects.filter(
                giver=giver, counted=True, created_at__gte=meter_month_start(at)
            ).count()
            limit = settings.GIFTS_PER_MONTH
            if given >= limit:
                raise DomainError(
                    GIFT_QUOTA_EXCEEDED.format(
                        gifts="votre article" if limit == 1 else f"vos {limit} articles",
                        date=meter_resets_display(meter_resets_at(at)),
                    )
                    if limit
                    else GIFTS_OFF,
                    code="gift_quota_exceeded",
                    status_code=403,
                )
        gift = Gift.objects.create(
            giver=giver,
            article=article,
            token_hash=token_hash(token),
            counted=counted,
            created_at=at,
            expires_at=at + dt.timedelta(days=settings.GIFT_LINK_DAYS),
        )
    return GiftLink(gift=gift, url=gift_link_url(article.slug, token))


def gift_pass_for(token: str | None, *, at: dt.datetime | None = None) -> GiftPass | None:
    """The gift a link's token opens at `at`: not expired, not revoked, its giver still a
    giver (`givers_q`); else None. One query."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    at = at or timezone.now()
    found = (
        Gift.objects.filter(
            token_hash=token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=at,
            giver__in=User.objects.filter(givers_q(at=at)),
        )
        .values_list("id", "article_id")
        .first()
    )
    return None if found is None else GiftPass(id=found[0], article_id=found[1])


def gift_opened(gift: GiftPass) -> None:
    """Count one more opening of a gift's article through its link."""
    Gift.objects.filter(pk=gift.id).update(opens=F("opens") + 1)


def gifts_of(*, giver: User) -> QuerySet[Gift]:
    """A reader's gifts, newest first, with their article's slug and title."""
    return (
        Gift.objects.filter(giver=giver)
        .select_related("article")
        .only(
            "id",
            "created_at",
            "expires_at",
            "revoked_at",
            "opens",
            "counted",
            "article__slug",
            "article__title",
        )
    )


def gift_revoke(*, giver: User, gift_id: int, at: dt.datetime | None = None) -> Gift:
    """Revoke one of `giver`'s gifts: its link opens nothing from now on. Someone else's
    gift is not found; revoking twice keeps the first time."""
    gift = get_object_or_404(Gift.objects.filter(giver=giver), pk=gift_id)
    if gift.revoked_at is None:
        gift.revoked_at = at or timezone.now()
        gift.save(update_fields=["revoked_at"])
    return gift


def gifts_revoke(*, gifts: QuerySet[Gift], at: dt.datetime | None = None) -> int:
    """Revoke these gifts (staff, in the admin): their links open nothing from now on.
    Those already revoked keep their first time. How many were revoked now."""
    return gifts.filter(revoked_at__isnull=True).update(revoked_at=at or timezone.now())


def reader_erase(user: User) -> None:
    """Erase a deleted account's gifts (settings.ACCOUNT_ERASERS): their links open
    nothing more, and no row says which articles the reader gave. Nothing else counts
    them: the month's quota is the giver's own."""
    Gift.objects.filter(giver=user).delete()


def reader_export(user: User) -> list[dict[str, Any]]:
    """A reader's gifts, for the RGPD export: never a token (none is stored)."""
    return [
        {
            "article": gift.article.slug,
            "title": gift.article.title,
            "created_at": timezone.localtime(gift.created_at).isoformat(),
            "expires_at": timezone.localtime(gift.expires_at).isoformat(),
            "revoked_at": timezone.localtime(gift.revoked_at).isoformat()
            if gift.revoked_at
            else None,
            "opens": gift.opens,
        }
        for gift in gifts_of(giver=user).order_by("created_at", "id")
    ]
