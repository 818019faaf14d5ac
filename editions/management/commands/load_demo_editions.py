import datetime as dt

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from editions.demo import cover_bytes, pdf_bytes
from editions.models import Edition

# number, title, days since subscribers got it, days until (or since, < 0) it opens to
# everyone (None: subscriber-only), the cover's colour.
DEMO_EDITIONS = [
    (120, "L'IA entre au bloc d'imagerie", 2, 28, "#1d4e89"),
    (119, "Téléradiologie : le grand partage", 32, -2, "#7a2e4f"),
    (118, "Hors-série : l'IRM de demain", 62, None, "#2e6b4f"),
]


class Command(BaseCommand):
    help = "Add three editions of the digital edition, with a cover and a PDF made in code."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        added = 0
        for number, title, published_days, public_days, color in DEMO_EDITIONS:
            if Edition.objects.filter(number=number).exists():
                continue
            published_at = now - dt.timedelta(days=published_days)
            edition = Edition(
                number=number,
                title=title,
                date=timezone.localdate(published_at),
                published_at=published_at,
                public_from=None if public_days is None else now + dt.timedelta(days=public_days),
            )
            heading = f"Docteur Imago\nn° {number}"
            edition.cover.save(
                "couverture.png",
                ContentFile(cover_bytes(heading, color=color, size=(420, 560))),
                save=False,
            )
            edition.pdf.save(
                "numero.pdf",
                ContentFile(pdf_bytes(f"Docteur Imago n° {number} : {title}")),
                save=False,
            )
            edition.save()
            added += 1
        self.stdout.write(self.style.SUCCESS(f"Demo editions: {added} added."))
