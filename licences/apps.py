from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "licences"
    verbose_name = "Licences d’établissement"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from imago import cache_control

        from . import addresses
        from .models import IpRange, Organisation

        # The addresses that open articles are matched in memory (licences/addresses.py):
        # any change to an organisation or its ranges reloads them, here and in every
        # other worker.
        for model in (Organisation, IpRange):
            uid = f"licences:{model._meta.label}"
            post_save.connect(addresses.ranges_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(addresses.ranges_changed, sender=model, dispatch_uid=uid)
        # Loaded once when the tables are made or changed (a deployment, a test database).
        post_migrate.connect(
            addresses.ranges_changed, sender=self, dispatch_uid="licences:post_migrate"
        )
        # A request from a licensed address is answered for it alone: `private`, never
        # from, nor into, the cache of anonymous reads.
        cache_control.personal_request_register(addresses.request_is_licensed)
