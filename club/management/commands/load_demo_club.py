import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from club.models import ClubBenefit

# title, days from now to its start, its length in days (None: no end), text, place,
# link, code.
DEMO_BENEFITS = [
    (
        "Journées francophones de radiologie : entrée offerte",
        20,
        4,
        "Les abonnés entrent gratuitement aux Journées : inscrivez-vous en ligne avec le "
        "code ci-dessous avant le début du congrès.",
        "Palais des congrès, Paris",
        "https://www.example.org/jfr",
        "IMAGO-JFR",
    ),
    (
        "Webinaire : l'IA au quotidien du cabinet",
        6,
        1,
        "Une heure d'échange avec des radiologues libéraux qui utilisent l'IA pour le "
        "dépistage, suivie de questions.",
        "",
        "https://www.example.org/webinaire-ia",
        "",
    ),
    (
        "Librairie médicale : 15 % sur les ouvrages d'imagerie",
        -10,
        None,
        "Remise permanente sur les ouvrages d'imagerie de la librairie partenaire, en "
        "ligne et en boutique.",
        "Librairie partenaire, Lyon",
        "https://www.example.org/librairie",
        "IMAGO15",
    ),
]


class Command(BaseCommand):
    help = "Add three benefits of the subscribers' club, dated from today."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        added = 0
        for title, start_days, length_days, text, place, url, code in DEMO_BENEFITS:
            if ClubBenefit.objects.filter(title=title).exists():
                continue
            starts_at = now + dt.timedelta(days=start_days)
            ClubBenefit.objects.create(
                title=title,
                text=text,
                starts_at=starts_at,
                ends_at=None if length_days is None else starts_at + dt.timedelta(days=length_days),
                place=place,
                url=url,
                code=code,
            )
            added += 1
        self.stdout.write(self.style.SUCCESS(f"Demo club benefits: {added} added."))
