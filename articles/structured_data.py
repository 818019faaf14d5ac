"""schema.org NewsArticle JSON-LD for an article, as a front end embeds it.

For subscriber-only content, search engines ask for `isAccessibleForFree: false`
and a `hasPart` naming the paywalled element, so that showing crawlers more than
readers is not taken for cloaking. The text past the split never goes in here for
a reader without access.
"""

from typing import Any

from django.conf import settings
from django.utils.timezone import localtime

from .models import Article, Author
from .reading import ArticleReading

PAYWALL_CSS_SELECTOR = ".paywall"


def article_url(slug: str) -> str:
    return settings.ARTICLE_URL_TEMPLATE.format(slug=slug)


def news_article(reading: ArticleReading) -> dict[str, Any]:
    article = reading.article
    free = article.access == Article.Access.FREE
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "datePublished": localtime(article.published_at).isoformat(),
        "dateModified": localtime(article.modified_at).isoformat(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": article_url(article.slug)},
        "articleSection": article.rubric.name,
        "author": [_person(byline.author) for byline in article.byline_list],
        "publisher": _publisher(),
        "isAccessibleForFree": free,
    }
    if article.image_url:
        data["image"] = [article.image_url]
    if not free:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": PAYWALL_CSS_SELECTOR,
        }
    if reading.complete:
        data["articleBody"] = reading.text
        data["wordCount"] = article.word_count
    return data


def _person(author: Author) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": author.full_name}
    if author.organisation:
        person["affiliation"] = {"@type": "Organization", "name": author.organisation}
    if author.titles:
        person["jobTitle"] = author.titles[0]
    if author.website:
        person["url"] = author.website
    return person


def _publisher() -> dict[str, Any]:
    publisher: dict[str, Any] = {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
    }
    if settings.SITE_LOGO_URL:
        publisher["logo"] = {"@type": "ImageObject", "url": settings.SITE_LOGO_URL}
    return publisher
