"""Recompute the stored split of articles with reference definitions.

Teasers stored before this fix resolved reference links whose definition lies past
the split, handing their URL and title to every reader without access.
"""

from django.conf import settings
from django.db import migrations

from articles import paywall

DERIVED = (
    "body_html",
    "body_text",
    "teaser_html",
    "teaser_text",
    "teaser_note_numbers",
    "remaining_percent",
    "reading_minutes",
    "word_count",
)


def resplit(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.filter(body__contains="]:").iterator():
        split = paywall.article_split(
            article.body, chars=article.teaser_chars or settings.PAYWALL_TEASER_CHARS
        )
        for name in DERIVED:
            value = getattr(split, name)
            setattr(article, name, list(value) if name == "teaser_note_numbers" else value)
        article.save(update_fields=DERIVED)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_comments")]

    operations = [migrations.RunPython(resplit, migrations.RunPython.noop)]
