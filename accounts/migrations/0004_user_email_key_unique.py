from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, unique=True),
        ),
        # The unique email_key says more than a unique LOWER(email) did.
        migrations.RemoveConstraint(
            model_name="user",
            name="user_email_ci_unique",
        ),
    ]
