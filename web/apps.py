from django.apps import AppConfig


class WebConfig(AppConfig):
    """The reading site: server-rendered pages on the selectors and reading decision."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "web"
    verbose_name = "Site de lecture"
