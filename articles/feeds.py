"""RSS 2.0 and Atom feeds: public text only, whoever asks.

Feeds are read by aggregators on behalf of anyone, so they are built for an
anonymous reader: a subscriber-only article gives its standfirst and teaser,
flagged "réservé aux abonnés", never a word past the split.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from . import selectors
from .models import Article, Rubric
from .structured_data import article_url

FEED_SIZE = 30
SUBSCRIBERS_ONLY = "réservé aux abonnés"
ANONYMOUS = selectors.Reader(user=AnonymousUser(), has_access=False)


class ArticleFeed(Feed):
    title = f"{settings.SITE_NAME} — les derniers articles"
    description = "Les derniers articles de Docteur Imago, l’actualité de l’imagerie médicale."
    language = "fr"

    def link(self):
        return settings.SITE_URL

    def items(self, rubric: Rubric | None = None):
        articles = selectors.feed_articles(reader=ANONYMOUS)
        if rubric is not None:
            articles = articles.filter(rubric=rubric)
        return articles[:FEED_SIZE]

    def item_title(self, article: Article) -> str:
        return article.title

    def item_link(self, article: Article) -> str:
        return article_url(article.slug)

    def item_description(self, article: Article) -> str:
        standfirst = f"<p>{escape(article.standfirst)}</p>"
        if article.access == Article.Access.FREE:
            return standfirst + article.full_html
        return (
            f"{standfirst}{article.teaser_html}<p><strong>Article {SUBSCRIBERS_ONLY}</strong></p>"
        )

    def item_author_name(self, article: Article) -> str:
        return ", ".join(byline.author.full_name for byline in article.bylines.all())

    def item_pubdate(self, article: Article):
        return article.published_at

    def item_updateddate(self, article: Article):
        return max(article.updated_at, article.published_at)

    def item_categories(self, article: Article) -> list[str]:
        flags = [SUBSCRIBERS_ONLY] if article.access == Article.Access.SUBSCRIBERS else []
        return [article.rubric.name, *flags]

    def item_guid(self, article: Article) -> str:
        return article_url(article.slug)


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description


class RubricFeed(ArticleFeed):
    def get_object(self, request, slug: str) -> Rubric:
        return get_object_or_404(Rubric, slug=slug)

    def title(self, rubric: Rubric) -> str:
        return f"{settings.SITE_NAME} — {rubric.name}"

    def items(self, rubric: Rubric):
        return super().items(rubric)


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
        return escape(brief.text)

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
