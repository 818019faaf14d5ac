"""RSS 2.0 and Atom feeds: public text only, whoever asks.

Feeds are read by aggregators on behalf of anyone, so they are built for an
anonymous reader: a subscriber-only article gives its standfirst and teaser,
flagged "réservé aux abonnés", never a word past the split.
"""

import re
from datetime import datetime
from html import escape
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import selectors
from .models import Article, Rubric
from .reading import ANONYMOUS
from .selectors import FeedEntry
from .structured_data import article_url

FEED_SIZE = 30
SUBSCRIBERS_ONLY = "réservé aux abonnés"
# An Atom entry MUST name an author (RFC 4287, 4.1.2): the newsroom, where no byline does.
NEWSROOM = f"La rédaction de {settings.SITE_NAME}"

# The links of a description as nh3 writes them (double quotes): `#note-2`, `/rubriques/x/`.
_HREF = re.compile(r'(\shref=")([^"]*)(")')


def text_as_html(text: str) -> str:
    """Plain text as the HTML of a description: only what HTML needs escaped.

    Descriptions are HTML that the feed's XML escapes once more. Django's `escape`
    would also turn apostrophes into `&#x27;`, which readers that show a description
    as text print as it is.
    """
    return escape(text, quote=False)


def absolute_links(html: str, *, base: str) -> str:
    """`html` with every link resolved against `base`, the page it was written for.

    A feed reader shows a description away from its page: `#note-2` must point into the
    article, not into the reader's own window.
    """
    return _HREF.sub(lambda m: f"{m[1]}{urljoin(base, m[2])}{m[3]}", html)


def site_url(path: str) -> str:
    return urljoin(settings.SITE_URL + "/", path.lstrip("/"))


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
        html = absolute_links(entry.html, base=article_url(entry.article.slug))
        if not entry.locked:
            return standfirst + html
        return f"{standfirst}{html}<p><strong>Article {SUBSCRIBERS_ONLY}</strong></p>"

    def author_name(self) -> str:
        return NEWSROOM

    def item_author_name(self, entry: FeedEntry) -> str:
        names = [byline.author.full_name for byline in entry.article.byline_list]
        return ", ".join(names) or NEWSROOM

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

    def link(self) -> str:
        return site_url(reverse("web:wire"))

    def feed_guid(self) -> str:
        # The Atom feed's id from before Le fil had a page: subscribers know it by it.
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
        # The brief's own address on the site: it leads to the page of Le fil holding it,
        # however many briefs came after it.
        return site_url(reverse("web:brief", kwargs={"pk": brief.pk}))

    def item_guid(self, brief) -> str:
        # Unchanged since the first feeds: readers know their items by it.
        return f"{settings.SITE_URL}/le-fil/#breve-{brief.pk}"

    item_guid_is_permalink = False

    def author_name(self) -> str:
        return NEWSROOM

    def item_author_name(self, brief) -> str:
        return NEWSROOM

    def item_pubdate(self, brief):
        return brief.published_at

    def item_updateddate(self, brief):
        # A brief keeps no date of change: its publication is the one date it has.
        return brief.published_at


class AtomBriefFeed(BriefFeed):
    feed_type = Atom1Feed
    subtitle = BriefFeed.description
