from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Subscription managers see the staff dashboard and the paywall counters."""

    dependencies = [
        ("accounts", "0008_staff_groups_gifts"),
        ("dashboard", "0001_initial"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
