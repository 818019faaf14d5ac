from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Editors compose and send mailings (accounts/groups.py)."""

    dependencies = [
        ("newsletters", "0001_initial"),
        ("accounts", "0007_email_verified_at"),
        ("articles", "0005_full_text_search"),
        ("subscriptions", "0007_duplicatesubscription_group_permissions"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
