from dataclasses import replace
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from imago.response_cache import content_changed

from . import gifts, meter, selectors, usage
from .models import Article, Comment
from .reading import ArticleReading, Reader, reader_of
from .signals import paywall_shown

Status = Article.Status


def article_publish(*, article: Article, at: datetime | None = None) -> Article:
    """Publish now, or schedule when the article already has a date in the future."""
    at = at or timezone.now()
    if article.published_at is None:
        article.published_at = at
    article.status = Status.SCHEDULED if article.published_at > at else Status.PUBLISHED
    article.save(update_fields=["status", "published_at"])
    return article


def article_split_refresh(*, article: Article) -> Article:
    """Recompute the teaser split of an article written without `save()` (loaddata, bulk
    inserts), or after PAYWALL_TEASER_CHARS changed."""
    article.refresh_split()
    article.save(update_fields=Article.DERIVED_FIELDS)
    return article


def article_unpublish(*, article: Article) -> Article:
    article.status = Status.DRAFT
    article.save(update_fields=["status"])
    return article


def comment_create(*, article: Article, user: User, body: str) -> Comment:
    """A reader's comment on an article whose discussion they may join; it awaits moderation."""
    return Comment.objects.create(article=article, user=user, body=body)


def comments_moderate(
    *, comments: QuerySet[Comment], status: str, moderator: User, at: datetime | None = None
) -> int:
    count = comments.exclude(status=status).update(
        status=status, moderated_by=moderator, moderated_at=at or timezone.now()
    )
    # An update sends no signal: approved comments show, and are counted, in anonymous reads.
    content_changed(using=comments.db, schedule=False)
    return count


def article_open(
    *, slug: str, reader: Reader, spend: bool = True, at: datetime | None = None
) -> tuple[Reader, ArticleReading]:
    """The detail of an article as `reader` may read it, opening the doors that open by
    being walked through; the reader after (their meter may have moved).

    - The meter: a subscriber-only article no source opens, asked by a signed-in reader
      with credits left, spends one (`meter.meter_spend`, serialised per reader), then
      the reading is decided again by the same sources.
    - A gift link: each opening of its article through it is counted.

    Only a request that reads the article walks through (GET): with `spend` False (HEAD,
    which link checkers and prefetchers send freely) the article is read as it stands,
    no credit spent and no gift opening counted.
    """
    at = at or timezone.now()
    article_reading = selectors.article_reading(slug=slug, reader=reader, at=at)
    if not spend:
        return reader, article_reading
    if article_reading.locked and meter.meter_may_open(reader.meter, article_reading.article):
        assert isinstance(reader.user, User)  # a meter is a signed-in reader's
        state = meter.meter_spend(user=reader.user, article=article_reading.article, at=at)
        reader = replace(reader, meter=state)
        article_reading = selectors.article_reading(slug=slug, reader=reader, at=at)
    if reader.gift is not None and reader.gift.article_id == article_reading.article.pk:
        gifts.gift_opened(reader.gift)
    return reader, article_reading


def article_read(*, request: HttpRequest, slug: str) -> ArticleReading:
    """An article's detail as the request's reader may read it: the API's and the site's.

    Opens it (`article_open`: a HEAD spends nothing), keeps the reader after on the
    request (the meter may have moved; Cache-Control reads `request.reader`), counts a
    licence's reading (articles/usage.py) and tells who listens that the paywall was
    shown (`signals.paywall_shown`: the dashboard's funnel, never by whom). An anonymous
    answer served again by the response cache never reaches here (README, "Tableau de
    bord").
    """
    method = request.method or "GET"
    reader, reading = article_open(slug=slug, reader=reader_of(request), spend=method == "GET")
    request.reader = reader  # type: ignore[attr-defined]
    usage.licence_reading_count(
        reader=reader,
        reading=reading,
        method=method,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    if reading.paywall is not None and method == "GET":
        paywall_shown.send(
            sender=Article, article_id=reading.article.pk, reason=reading.paywall.reason
        )
    return reading
