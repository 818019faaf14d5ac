"""Staff groups and the permissions their work needs, nothing more.

Migrations call `groups_sync` with their historical `apps`; a migration that adds
a model which a group works on adds it here and calls `groups_sync` again.
"""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"
SUBSCRIPTION_MANAGERS = "Subscription managers"

CRUD = ("add", "change", "delete", "view")

STAFF_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    EDITORS: {
        "articles.article": CRUD,
        "articles.articleauthor": CRUD,
        "articles.note": CRUD,
        "articles.author": CRUD,
        "articles.rubric": CRUD,
        "articles.series": CRUD,
        "articles.brief": CRUD,
        "articles.comment": ("change", "delete", "view"),
        "articles.gift": ("view",),
        "subscriptions.offer": ("view",),
        "editions.edition": CRUD,
        "club.clubbenefit": CRUD,
        # Newsletters: compose, preview, test, send and read the report of mailings.
        "newsletters.newsletter": CRUD,
        "newsletters.mailing": CRUD,
        "newsletters.mailingarticle": CRUD,
    },
    SUBSCRIPTION_MANAGERS: {
        "subscriptions.offer": CRUD,
        "subscriptions.subscription": ("add", "change", "view"),
        "subscriptions.customer": ("view",),
        "subscriptions.webhookevent": ("change", "view"),
        "subscriptions.checkoutsession": ("view",),
        "subscriptions.duplicatesubscription": ("change", "view"),
        "accounts.user": ("view",),
        # What was emailed to whom, to answer "I never received it".
        "outbox.outboundemail": ("view",),
        # Institutional licences: organisations, their ranges, domains and members, and
        # the usage each licence reports (counters, never who read what).
        "licences.organisation": CRUD,
        "licences.iprange": CRUD,
        "licences.emaildomain": CRUD,
        "licences.membership": CRUD,
        "articles.licenceusage": ("view",),
        # Gift links: see them, and revoke one (an abused link, a giver's request).
        "articles.gift": ("view", "revoke_gift"),
        # Admin sign-in lock-outs (django-axes): deleting an attempt unlocks.
        "axes.accessattempt": ("delete", "view"),
        "axes.accesslog": ("view",),
        # The staff dashboard (its own permission) and the paywall counters it reads.
        "dashboard.paywallview": ("view", "view_dashboard"),
    },
}


def groups_sync(apps, schema_editor=None) -> None:
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for label, actions in models.items():
            app_label, model = label.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                # An action with an underscore is a whole codename (a model's Meta.permissions).
                codename__in=[
                    action if "_" in action else f"{action}_{model}" for action in actions
                ],
            )
        group.permissions.set(wanted)
