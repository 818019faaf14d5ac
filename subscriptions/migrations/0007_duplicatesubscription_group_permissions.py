from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Let "Subscription managers" see duplicate subscriptions and retry their settlement."""

    dependencies = [
        ("subscriptions", "0006_duplicatesubscription"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
