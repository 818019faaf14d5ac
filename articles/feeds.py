"""RSS 2.0 and Atom feeds: public text only, whoever asks.

Feeds are read by aggregators on behalf of anyone, so they are built for an
anonymous reader: a subscriber-only article gives its standfirst and teaser,
flagged "réservé aux abonnés", never a word past the split.
"""

from datetime import datetime
from html import escape

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from . import selectors
from .models import Article, Rubric
from .reading import ANONYMOUS
from .selectors import FeedEntry
from .structured_data import article_url

FEED_SIZE = 30
SUBSCRIBERS_ONLY = "réservé aux abonnés"


def text_as_html(text: str) -> str:
    """Plain text as the HTML of a description: only what HTML needs escaped.

    Descriptions are HTML that the feed's XML escapes once more. Django's `escape`
    would also turn apostrophes into `&#x27;`, which readers that show a description
    as text print as it is.
    """
    return escape(text, quote=False)


class ArticleFeed(Feed):
    title = f"{settings.SITE_NAME} — les derniers articles"
    description = "Les derniers articles de Docteur Imago, l’actualité de l’imagerie médicale."
    language = "fr"

    def link(self) -> str:
        return settings.SITE_URL

    def items(self) -> list[FeedEntry]:
        return selectors.feed_entries(reader=ANONYMOUS, limit=FEED_SIZE)

    def item_title(self, entry: FeedEntry) -> str:
        return entry.article.title

    def item_link(self, entry: FeedEntry) -> str:
        return article_url(entry.article.slug)

    def item_description(self, entry: FeedEntry) -> str:
        standfirst = f"<p>{text_as_html(entry.article.standfirst)}</p>"
        if not entry.locked:
            return standfirst + entry.html
        return f"{standfirst}{entry.html}<p><strong>Article {SUBSCRIBERS_ONLY}</strong></p>"

    def item_author_name(self, entry: FeedEntry) -> str:
        return ", ".join(byline.author.full_name for byline in entry.article.byline_list)

    def item_pubdate(self, entry: FeedEntry) -> datetime | None:
        return entry.article.published_at

    def item_updateddate(self, entry: FeedEntry) -> datetime:
        return entry.article.modified_at

    def item_categories(self, entry: FeedEntry) -> list[str]:
        subscribers_only = entry.article.access == Article.Access.SUBSCRIBERS
        return [entry.article.rubric.name, *([SUBSCRIBERS_ONLY] if subscribers_only else [])]

    def item_guid(self, entry: FeedEntry) -> str:
        return article_url(entry.article.slug)


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description


class RubricFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Rubric:
        return get_object_or_404(Rubric, slug=slug)

    def title(self, rubric: Rubric) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME} — {rubric.name}"

    def items(self, rubric: Rubric) -> list[FeedEntry]:  # type: ignore[override]
        return selectors.feed_entries(reader=ANONYMOUS, rubric=rubric, limit=FEED_SIZE)


class AtomRubricFeed(RubricFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description


class BriefFeed(Feed):
    title = f"Le fil {settings.SITE_NAME}"
    description = "Les brèves de l’imagerie médicale, au fil de l’eau."
    language = "fr"

    def link(self):
        return settings.SITE_URL

    def items(self):
        return selectors.brief_list()[:FEED_SIZE]

    def item_title(self, brief) -> str:
        return brief.text if len(brief.text) <= 90 else brief.text[:89].rsplit(" ", 1)[0] + "…"

    def item_description(self, brief) -> str:
        return text_as_html(brief.text)

    def item_link(self, brief) -> str:
        if brief.article_slug:
            return article_url(brief.article_slug)
        return f"{settings.SITE_URL}/le-fil/#breve-{brief.pk}"

    def item_guid(self, brief) -> str:
        return f"{settings.SITE_URL}/le-fil/#breve-{brief.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, brief):
        return brief.published_at


class AtomBriefFeed(BriefFeed):
    feed_type = Atom1Feed
    subtitle = BriefFeed.description
