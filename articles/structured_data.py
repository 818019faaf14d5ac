"""schema.org NewsArticle JSON-LD for an article, as a front end embeds it.

For subscriber-only content, search engines ask for `isAccessibleForFree: false`
and a `hasPart` naming the paywalled element, so that showing crawlers more than
readers is not taken for cloaking. The text past the split never goes in here for
a reader without access.
"""

from django.conf import settings
from django.utils.timezone import localtime

PAYWALL_CSS_SELECTOR = ".paywall"


def article_url(slug: str) -> str:
    return settings.ARTICLE_URL_TEMPLATE.format(slug=slug)


def news_article(article, *, authors: list, locked: bool) -> dict:
    free = article.access == article.Access.FREE
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "datePublished": localtime(article.published_at).isoformat(),
        "dateModified": localtime(max(article.updated_at, article.published_at)).isoformat(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": article_url(article.slug)},
        "articleSection": article.rubric.name,
        "author": [_person(author) for author in authors],
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
    if not locked:
        data["articleBody"] = article.full_text
        data["wordCount"] = article.word_count
    return data


def _person(author) -> dict:
    person = {"@type": "Person", "name": author.full_name}
    if author.organisation:
        person["affiliation"] = {"@type": "Organization", "name": author.organisation}
    if author.titles:
        person["jobTitle"] = author.titles[0]
    if author.website:
        person["url"] = author.website
    return person


def _publisher() -> dict:
    publisher = {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL}
    if settings.SITE_LOGO_URL:
        publisher["logo"] = {"@type": "ImageObject", "url": settings.SITE_LOGO_URL}
    return publisher
