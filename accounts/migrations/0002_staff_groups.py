from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("articles", "0001_initial"),
        ("subscriptions", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(groups_sync, migrations.RunPython.noop)]
