from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "E-mails"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app's `emails` module registers the messages it sends (outbox/composers.py).
        autodiscover_modules("emails")
