from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Abonnements"

    def ready(self) -> None:
        from imago import response_cache

        from . import checks  # noqa: F401  (registers the system checks)
        from .models import Offer

        # Offers are read anonymously (offers/, and the paywall of every locked article),
        # from a cache whose version moves when they change (imago/response_cache.py).
        response_cache.watch(Offer)
