from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Let "Subscription managers" manage institutional licences and read their usage."""

    dependencies = [
        ("articles", "0007_licence_usage"),
        ("licences", "0001_organisations"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
