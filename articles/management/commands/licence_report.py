import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles import usage
from articles.serializers import UsagePeriodSerializer
from imago import csv_export
from licences.models import Organisation


class Command(BaseCommand):
    help = (
        "Affiche le rapport d'usage COUNTER R5 (IR) de la licence d'un établissement, "
        "en CSV ou en JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="slug de l'établissement")
        parser.add_argument("--month", help="un mois, AAAA-MM (défaut : le mois en cours)")
        parser.add_argument("--begin", help="premier mois, AAAA-MM")
        parser.add_argument("--end", help="dernier mois, AAAA-MM")
        parser.add_argument(
            "--format",
            choices=["csv", "tsv", "json"],
            default="csv",
            help="csv : pour Excel en français (« ; ») ; tsv : le format tabulaire de COUNTER",
        )

    def handle(self, *args, organisation: str, month, begin, end, format: str, **options):
        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(f"Aucun établissement « {organisation} ».")
        asked = {"month": month, "begin_date": begin, "end_date": end}
        period = UsagePeriodSerializer(
            data={k: v for k, v in asked.items() if v}, context={"today": timezone.localdate()}
        )
        if not period.is_valid():
            raise CommandError(" ".join(str(m) for ms in period.errors.values() for m in ms))
        report = usage.usage_report(organisation=found, **period.validated_data)
        if format == "json":
            data = usage.usage_report_json(report)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            separator = csv_export.TAB if format == "tsv" else csv_export.SEMICOLON
            text = usage.usage_report_tabular(report, separator=separator)
            self.stdout.write(text, ending="")
