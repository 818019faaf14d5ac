from django.apps import AppConfig


class ClubConfig(AppConfig):
    name = "club"
    verbose_name = "Club abonnés"

    def ready(self) -> None:
        from imago import response_cache

        from .models import ClubBenefit
        from .selectors import next_club_change

        # club/ is read anonymously from the response cache: a benefit leaves the list
        # when it ends, with no write.
        response_cache.schedule_register(next_club_change)
        response_cache.watch(ClubBenefit, schedule=True)
