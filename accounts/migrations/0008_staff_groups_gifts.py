from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Editors see the gift links readers make (read-only)."""

    dependencies = [
        ("accounts", "0007_email_verified_at"),
        ("articles", "0006_meter_and_gifts"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
