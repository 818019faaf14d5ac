from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Editors manage the digital edition and the club's benefits."""

    dependencies = [
        ("club", "0001_initial"),
        ("editions", "0001_initial"),
        ("accounts", "0006_staff_groups_lockouts"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
