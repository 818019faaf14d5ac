from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article
from articles.services import article_split_refresh

DEMO_FIXTURE = "demo"
DEMO_SLUGS = ["arrivee-ia-imagerie-consequences", "etude-francaise-usage-ia-chu"]


class Command(BaseCommand):
    help = "Load the demo content of the two seed pages (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="reload it even if present, undoing edits"
        )

    @transaction.atomic
    def handle(self, *args, reset: bool, **options):
        if not reset and Article.objects.filter(slug__in=DEMO_SLUGS).exists():
            self.stdout.write("Demo content already loaded (use --reset to reload it).")
            return
        # Fixed primary keys: loading again updates the same rows instead of adding.
        call_command("loaddata", DEMO_FIXTURE, verbosity=0)
        # loaddata saves raw rows: the split is computed here.
        for article in Article.objects.filter(slug__in=DEMO_SLUGS):
            article_split_refresh(article=article)
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))
