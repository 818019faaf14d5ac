"""Reads: the newsletters a reader may choose, a mailing's recipients and what each may read."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from articles import reading
from articles.models import Article
from articles.reading import Reader
from editions.selectors import edition_list
from imago.exceptions import DomainError
from subscriptions.access import Entitlement, entitled_users_q, has_access

from .models import Delivery, Mailing, MailingArticle, Newsletter, NewsletterSubscription
from .rendering import ArticleInMailing, EditionInMailing, article_url, unsubscribe_token_read

Unavailable = Literal["email_unverified", "subscribers_only"]

INVALID_UNSUBSCRIBE_LINK = (
    "Ce lien de désinscription n'est pas valide. Copiez le lien entier depuis le message, "
    "ou gérez vos newsletters depuis votre compte."
)


@dataclass(frozen=True)
class NewsletterChoice:
    """An active newsletter as one reader sees it in their choices."""

    newsletter: Newsletter
    subscribed: bool
    unavailable: Unavailable | None  # why the reader may not join it, or None

    @property
    def available_to_you(self) -> bool:
        return self.unavailable is None


def newsletter_unavailable(
    newsletter: Newsletter, *, user: User, entitled: bool | None = None, at: datetime | None = None
) -> Unavailable | None:
    """Why `user` may not join `newsletter` now, or None when they may."""
    if not user.email_verified:
        return "email_unverified"
    if newsletter.audience == Newsletter.Audience.SUBSCRIBERS:
        if entitled is None:
            entitled = has_access(user, at=at)
        if not entitled:
            return "subscribers_only"
    return None


def newsletter_choices(*, user: User, at: datetime | None = None) -> list[NewsletterChoice]:
    newsletters = list(Newsletter.objects.filter(active=True))
    subscribed = subscribed_newsletter_ids(user=user)
    entitled = (
        has_access(user, at=at)
        if any(n.audience == Newsletter.Audience.SUBSCRIBERS for n in newsletters)
        else False
    )
    return [
        NewsletterChoice(
            newsletter=newsletter,
            subscribed=newsletter.pk in subscribed,
            unavailable=newsletter_unavailable(newsletter, user=user, entitled=entitled),
        )
        for newsletter in newsletters
    ]


def subscribed_newsletter_ids(*, user: User) -> set[int]:
    return set(
        NewsletterSubscription.objects.filter(user=user, unsubscribed_at__isnull=True).values_list(
            "newsletter_id", flat=True
        )
    )


def _subscribed(newsletter: Newsletter) -> QuerySet[NewsletterSubscription]:
    return NewsletterSubscription.objects.filter(
        newsletter=newsletter,
        unsubscribed_at__isnull=True,
        user__is_active=True,
        user__email_verified_at__isnull=False,
    )


def recipients(*, newsletter: Newsletter, at: datetime) -> QuerySet[User]:
    """Who receives `newsletter` at `at`: subscribed, with a verified address, and for a
    subscribers-only newsletter, access at that moment."""
    users = User.objects.filter(pk__in=_subscribed(newsletter).values("user_id"))
    if newsletter.audience == Newsletter.Audience.SUBSCRIBERS:
        users = users.filter(entitled_users_q(at=at))
    return users


def subscribed_among(*, newsletter: Newsletter, user_ids: list[int]) -> set[int]:
    """Which of these users still receive `newsletter`, access aside (see `recipients`).

    Driven by the subscriptions of these users: a batch's check reads its own rows only.
    """
    return set(
        _subscribed(newsletter).filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )


# What a mailing shows of an article besides its text.
ARTICLE_FIELDS = (
    "id",
    "slug",
    "title",
    "standfirst",
    "access",
    "image_url",
    "image_caption",
    "teaser_html",
    "remaining_percent",
)


def mailing_edition(
    *, mailing: Mailing, reader: Reader, at: datetime | None = None
) -> EditionInMailing | None:
    """The edition `mailing` announces, as `reader` may have it at `at`; None when the
    mailing announces none or the edition is not out yet (it is never announced early)."""
    if mailing.edition_id is None:
        return None
    edition = edition_list(reader=reader, at=at).filter(pk=mailing.edition_id).first()
    if edition is None:
        return None
    return EditionInMailing(
        number=edition.number,
        title=edition.title,
        date=edition.date,
        cover_url=f"{settings.SITE_URL}{edition.cover_path}",
        url=settings.EDITION_URL_TEMPLATE.format(number=edition.number),
        available_to_you=edition.available_to_you,
        available_from=edition.available_from,
    )


def mailing_articles(
    *, mailing: Mailing, reader: Reader, at: datetime | None = None
) -> list[ArticleInMailing]:
    """The mailing's articles published at `at`, in order, as `reader` may read them.

    One query. The full body is read from the database only where `reading` opens the
    article to this reader; everyone else's row carries the teaser alone.
    """
    at = at or timezone.now()
    position = MailingArticle.objects.filter(mailing=mailing, article=OuterRef("pk")).values(
        "position"
    )[:1]
    articles = (
        Article.objects.published(at)
        .filter(pk__in=MailingArticle.objects.filter(mailing=mailing).values("article_id"))
        .only(*ARTICLE_FIELDS)
        .annotate(
            position=Subquery(position, output_field=IntegerField()),
            locked=reading.locked(reader, at=at),
            full_html=reading.when_readable(reader, "body_html", at=at),
        )
        .order_by("position", "pk")
    )
    return [
        ArticleInMailing(
            article=article,
            url=article_url(article.slug),
            complete=not article.locked,
            html=article.teaser_html if article.locked else article.full_html,
            remaining_percent=article.remaining_percent,
        )
        for article in articles
    ]


def articles_unpublished_at(*, mailing: Mailing, at: datetime) -> list[Article]:
    """The mailing's articles that readers could not read yet (or any more) at `at`."""
    published = Article.objects.published(at).values("pk")
    return list(
        Article.objects.filter(
            pk__in=MailingArticle.objects.filter(mailing=mailing).values("article_id")
        )
        .exclude(pk__in=published)
        .only("id", "title")
    )


@dataclass(frozen=True)
class MailingReport:
    recipients: int
    sent: int
    failed: int
    pending: int  # not sent yet (waiting or being sent)
    skipped: int  # no longer recipients when their turn came
    unsubscribed_since: int  # recipients who left the newsletter after it was sent


def mailing_report(*, mailing: Mailing) -> MailingReport:
    Status = Delivery.Status
    counts = dict(
        mailing.deliveries.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    unsubscribed = 0
    if mailing.started_at is not None:
        unsubscribed = (
            mailing.deliveries.filter(
                status=Status.SENT,
                user__newsletter_subscriptions__newsletter_id=mailing.newsletter_id,
                user__newsletter_subscriptions__unsubscribed_at__gte=mailing.started_at,
            )
            .order_by()
            .count()
        )
    return MailingReport(
        recipients=sum(counts.values()),
        sent=counts.get(Status.SENT, 0),
        failed=counts.get(Status.FAILED, 0),
        pending=counts.get(Status.PENDING, 0) + counts.get(Status.SENDING, 0),
        skipped=counts.get(Status.SKIPPED, 0),
        unsubscribed_since=unsubscribed,
    )


def reader_export(user: User) -> dict:
    """The reader's newsletter choices and the mailings sent to them (RGPD export)."""
    return {
        "subscriptions": [
            {
                "newsletter": subscription.newsletter.name,
                "slug": subscription.newsletter.slug,
                "subscribed": subscription.unsubscribed_at is None,
                "subscribed_at": subscription.subscribed_at.isoformat(),
                "unsubscribed_at": subscription.unsubscribed_at.isoformat()
                if subscription.unsubscribed_at
                else None,
            }
            for subscription in NewsletterSubscription.objects.filter(user=user)
            .select_related("newsletter")
            .order_by("newsletter__name")
        ],
        "mailings_received": [
            {
                "newsletter": delivery.mailing.newsletter.name,
                "subject": delivery.mailing.subject,
                "email": delivery.email,
                "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            }
            for delivery in Delivery.objects.filter(user=user, status=Delivery.Status.SENT)
            .select_related("mailing__newsletter")
            .order_by("sent_at")
        ],
    }


# The kinds of reader an editor previews a mailing as, and what the preview says.
PREVIEW_READERS = {
    "subscriber": "un abonné",
    "reader": "un lecteur sans abonnement",
}


def preview_reader(kind: str) -> Reader:
    """A reader of this kind, as `reading` sees one: for previews and test sends."""
    if kind not in PREVIEW_READERS:
        raise ValueError(kind)
    entitlement = Entitlement(via="subscription") if kind == "subscriber" else None
    return Reader(user=AnonymousUser(), entitlement=entitlement)


def unsubscribe_link_read(token: str) -> tuple[int, int]:
    """(user id, newsletter id) of an unsubscribe link's token; a 400 when it is not ours."""
    ids = unsubscribe_token_read(token)
    if ids is None:
        raise DomainError(INVALID_UNSUBSCRIBE_LINK, code="invalid_token")
    return ids


@dataclass(frozen=True)
class UnsubscribeState:
    newsletter: Newsletter | None  # None: deleted since
    subscribed: bool


def unsubscribe_state(*, token: str) -> UnsubscribeState:
    """What an unsubscribe link would do: which newsletter, and whether it still applies."""
    user_id, newsletter_id = unsubscribe_link_read(token)
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    subscribed = NewsletterSubscription.objects.filter(
        user_id=user_id, newsletter_id=newsletter_id, unsubscribed_at__isnull=True
    ).exists()
    return UnsubscribeState(newsletter=newsletter, subscribed=subscribed)
