import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from licences.models import (
    EmailDomain,
    IpRange,
    Organisation,
    cidr_normalised,
    domain_normalised,
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--until attend une date AAAA-MM-JJ, reçu « {value} ».") from None


def _valid(normalise, values: list[str]) -> list[str]:
    try:
        return list(dict.fromkeys(normalise(value) for value in values))
    except ValidationError as error:
        raise CommandError(error.messages[0]) from None


class Command(BaseCommand):
    help = (
        "Accorde (ou prolonge) la licence d'un établissement : ses plages d'adresses IP, "
        "ses domaines de messagerie, ses sièges, jusqu'à une date incluse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="nom de l'établissement (« CHU de Lille »)")
        parser.add_argument(
            "--ip",
            action="append",
            default=[],
            metavar="CIDR",
            help="plage d'adresses IPv4 ou IPv6 (193.49.0.0/16) ; à répéter",
        )
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="domaine de messagerie de ses lecteurs (chu-lille.fr) ; à répéter",
        )
        parser.add_argument("--seats", type=int, help="nombre de sièges (lecteurs inscrits)")
        parser.add_argument(
            "--until", required=True, help="dernier jour de la licence, AAAA-MM-JJ (inclus)"
        )

    def handle(self, *args, name: str, ip: list[str], domain: list[str], seats, until, **options):
        name = name.strip()
        slug = slugify(name)
        if not slug:
            raise CommandError(f"« {name} » ne donne pas de nom d'établissement utilisable.")
        ends_on = _date(until)
        today = timezone.localdate()
        if ends_on < today:
            raise CommandError(f"--until {until} est déjà passé.")
        if seats is not None and seats < 0:
            raise CommandError("--seats attend un nombre de sièges positif ou nul.")
        cidrs = _valid(cidr_normalised, ip)
        domains = _valid(domain_normalised, domain)
        taken = EmailDomain.objects.filter(domain__in=domains).exclude(organisation__slug=slug)
        if taken.exists():
            first = taken.select_related("organisation").first()
            assert first is not None
            raise CommandError(
                f"Le domaine {first.domain} est déjà celui de {first.organisation.name}."
            )

        with transaction.atomic():
            organisation, created = Organisation.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "ends_on": ends_on, "seats": seats or 0},
            )
            organisation.name = name
            organisation.ends_on = ends_on
            organisation.starts_on = min(organisation.starts_on, today)
            if seats is not None:
                organisation.seats = seats
            organisation.save()
            for cidr in cidrs:
                IpRange.objects.get_or_create(organisation=organisation, cidr=cidr)
            for value in domains:
                EmailDomain.objects.get_or_create(organisation=organisation, domain=value)

        ranges = list(organisation.ip_ranges.values_list("cidr", flat=True))
        mails = list(organisation.domains.values_list("domain", flat=True))
        verb = "accordée à" if created else "prolongée pour"
        self.stdout.write(
            self.style.SUCCESS(
                f"Licence {verb} {organisation.name} ({organisation.slug}) jusqu'au "
                f"{ends_on:%d/%m/%Y} inclus : {organisation.seats} siège(s), "
                f"adresses {', '.join(ranges) or 'aucune'}, "
                f"domaines {', '.join(mails) or 'aucun'}."
            )
        )
