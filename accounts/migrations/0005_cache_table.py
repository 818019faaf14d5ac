"""The database cache's table (settings.CACHES without REDIS_URL), made by migrate.

Throttles count there so that every worker shares one count. It is made whatever
CACHES says today, so that a deployment can drop REDIS_URL later and find it ready;
`createcachetable` would make it only for the cache configured when it runs.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "imago_cache"  # settings.CACHES["default"]["LOCATION"] without REDIS_URL


def cache_table_create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def cache_table_drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_email_key_unique"),
    ]

    operations = [migrations.RunPython(cache_table_create, cache_table_drop)]
