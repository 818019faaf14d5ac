from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Abonnements"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
