"""The canonical key of each address (accounts.models.email_canonical), filled for existing accounts.

Two existing accounts whose addresses differ only by case or Unicode spelling (say
"sam@example.org" and "ſam@example.org") are one person or an impostor: the migration
stops and names them rather than pick one; staff merge or delete one, then migrate again.
"""

import unicodedata
from collections import defaultdict

from django.db import migrations, models


def email_canonical(email):
    # A copy of accounts.models.email_canonical as it is now: migrations keep their history.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())


def email_keys_fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    by_key = defaultdict(list)
    for user in User.objects.only("pk", "email").order_by("pk"):
        by_key[email_canonical(user.email)].append(user)
    clashes = {key: users for key, users in by_key.items() if len(users) > 1}
    if clashes:
        lines = "; ".join(
            f"{key}: " + ", ".join(f"#{user.pk} {user.email}" for user in users)
            for key, users in sorted(clashes.items())
        )
        raise RuntimeError(
            "Several accounts share one address once case and Unicode spelling are "
            f"ignored; keep one of each before migrating again. {lines}"
        )
    for key, (user,) in by_key.items():
        user.email_key = key
        user.save(update_fields=["email_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, null=True),
        ),
        migrations.RunPython(email_keys_fill, migrations.RunPython.noop),
    ]
