from django.core.management.base import BaseCommand, CommandError

from subscriptions.stripe_gateway import StripeUnavailable
from subscriptions.subscription_sync import subscriptions_repair


class Command(BaseCommand):
    help = (
        "Re-read from Stripe every subscription known here or held by a known customer, and "
        "repair local state (for missed webhooks). Safe to run at any time."
    )

    def handle(self, *args, **options):
        try:
            report = subscriptions_repair()
        except StripeUnavailable as error:
            raise CommandError(str(error)) from error
        repaired = 0
        for result in report.results:
            subscription = result.subscription
            if result.created or result.changed:
                repaired += 1
                what = "created" if result.created else f"repaired ({', '.join(result.changed)})"
                self.stdout.write(
                    f"{subscription.stripe_subscription_id} {subscription.user}: {what}, "
                    f"now {subscription.status}"
                )
        self.stdout.write(
            f"{len(report.results)} subscription(s) read from Stripe, {repaired} repaired."
        )
        if report.failures:
            for failure in report.failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(report.failures)} failure(s).")
