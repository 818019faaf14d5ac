from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Subscription managers see and lift admin sign-in lock-outs (django-axes)."""

    dependencies = [
        ("accounts", "0005_cache_table"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
