from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Tableau de bord"

    def ready(self) -> None:
        # The dashboard listens to articles (which it reads), so articles imports none of it.
        from articles.signals import paywall_shown

        from .services import paywall_shown_count

        paywall_shown.connect(paywall_shown_count, dispatch_uid="dashboard.paywall_shown_count")
