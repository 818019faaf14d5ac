from django.db import migrations

from accounts.groups import groups_sync


class Migration(migrations.Migration):
    """Gift links get a permission to revoke them, which "Subscription managers" hold.

    The groups are set again from accounts/groups.py: every model a group works on must
    exist by now, hence the dependencies on the last migration of each such app.
    """

    dependencies = [
        ("articles", "0008_licence_group_permissions"),
        ("accounts", "0009_staff_groups_dashboard"),
        ("club", "0002_staff_groups"),
        ("editions", "0001_initial"),
        ("licences", "0001_organisations"),
        ("newsletters", "0003_mailing_edition"),
        ("outbox", "0001_outbound_email"),
        ("subscriptions", "0009_checkoutsession_source_article"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="gift",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("revoke_gift", "Peut révoquer un lien d'article offert")],
                "verbose_name": "article offert",
                "verbose_name_plural": "articles offerts",
            },
        ),
        migrations.RunPython(groups_sync, migrations.RunPython.noop),
    ]
