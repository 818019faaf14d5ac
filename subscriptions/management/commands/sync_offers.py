from django.core.management.base import BaseCommand, CommandError

from subscriptions.models import Offer
from subscriptions.offer_sync import offer_sync
from subscriptions.stripe_gateway import StripeCallFailed, StripeUnavailable


class Command(BaseCommand):
    help = (
        "Create or update the Stripe Product and Price of each active offer and store their "
        "ids. Running it again changes nothing; a new price makes a new Stripe Price."
    )

    def handle(self, *args, **options):
        offers = Offer.objects.filter(is_active=True).order_by("position", "pk")
        for offer in offers:
            try:
                result = offer_sync(offer=offer)
            except (StripeUnavailable, StripeCallFailed) as error:
                raise CommandError(f"{offer.slug}: {error}") from error
            changes = "; ".join(result.changes) or "unchanged"
            self.stdout.write(f"{offer.slug}: {changes} (price {offer.stripe_price_id})")
        if not offers:
            self.stdout.write("No active offer.")
