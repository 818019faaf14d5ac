from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Give "Subscription managers" the webhook event permissions accounts.groups lists."""

    dependencies = [
        ("subscriptions", "0002_stripe_webhooks"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
