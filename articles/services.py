from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from imago.response_cache import content_changed

from .models import Article, Comment

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
