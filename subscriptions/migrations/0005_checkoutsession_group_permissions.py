from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Let "Subscription managers" view Checkout Sessions, as accounts.groups lists."""

    dependencies = [
        ("subscriptions", "0004_checkoutsession"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
