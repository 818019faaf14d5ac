import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from subscriptions.services import complimentary_grant


def end_of_day(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--until expects a date YYYY-MM-DD, got {value!r}.") from error
    # "--until 2027-01-31" means the reader can still read all of the 31st, in Paris.
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


class Command(BaseCommand):
    help = "Give a reader complimentary access to subscriber-only articles until a date."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--until", required=True, help="last day of access, YYYY-MM-DD")
        parser.add_argument("--note", default="", help="why (shown in the admin)")

    def handle(self, *args, email, until, note, **options):
        ends = end_of_day(until)
        if ends <= timezone.now():
            raise CommandError(f"--until {until} is in the past.")
        user = get_user_model().objects.by_email(email)
        if user is None:
            raise CommandError(f"No account with the email {email!r}.")
        complimentary_grant(user=user, until=ends, note=note or "manage.py grant_subscription")
        self.stdout.write(self.style.SUCCESS(f"{user.email} has access until {until} included."))
