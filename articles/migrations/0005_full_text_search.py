"""Full-text search on PostgreSQL: French stemming, accents folded, ranked by weight.

Two generated columns, each with its GIN index over public articles: `search_public`
(title, standfirst, the teaser: what anyone may read) and `search_full` (title,
standfirst, the whole body: matched only where the reader may read it). They live
outside the Django model because SQLite has no equivalent; `articles.search` reads
them on PostgreSQL and falls back to substring matching elsewhere.
"""

from django.db import migrations

CONFIG = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'imago_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION imago_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION imago_fr
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""


def _vector(text_column: str) -> str:
    return (
        "setweight(to_tsvector('imago_fr', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('imago_fr', coalesce(standfirst, '')), 'B') || "
        f"setweight(to_tsvector('imago_fr', coalesce({text_column}, '')), 'C')"
    )


COLUMNS = f"""
ALTER TABLE articles_article
    ADD COLUMN search_public tsvector GENERATED ALWAYS AS ({_vector("teaser_text")}) STORED,
    ADD COLUMN search_full tsvector GENERATED ALWAYS AS ({_vector("body_text")}) STORED;
CREATE INDEX article_search_public ON articles_article USING gin (search_public)
    WHERE status IN ('scheduled', 'published');
CREATE INDEX article_search_full ON articles_article USING gin (search_full)
    WHERE status IN ('scheduled', 'published');
"""

DROP = """
DROP INDEX IF EXISTS article_search_public;
DROP INDEX IF EXISTS article_search_full;
ALTER TABLE articles_article DROP COLUMN IF EXISTS search_public,
    DROP COLUMN IF EXISTS search_full;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONFIG)
        schema_editor.execute(COLUMNS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
