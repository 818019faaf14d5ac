from django.core.management.base import BaseCommand, CommandError

from subscriptions import stripe_gateway
from subscriptions.duplicates import duplicates_record, duplicates_settle_pending
from subscriptions.models import DuplicateSubscription, WebhookEvent
from subscriptions.subscription_sync import subscriptions_repair
from subscriptions.webhooks import events_replay, events_to_repair


class Command(BaseCommand):
    help = (
        "Replay the webhook events that failed or were cut off mid-processing (still pending "
        "after STRIPE_EVENT_STALE_MINUTES), then re-read from Stripe every subscription known "
        "here or held by a known customer and repair local state (for missed webhooks); last, "
        "cancel and refund a reader's second subscription (and those not settled before). Safe "
        "to run at any time."
    )

    def handle(self, *args, **options):
        try:
            stripe_gateway.ensure_configured()
        except stripe_gateway.StripeUnavailable as error:
            raise CommandError(str(error)) from error
        events = list(events_to_repair())
        outcomes = events_replay(events=events)
        if events:
            summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
            self.stdout.write(f"{len(events)} webhook event(s) replayed: {summary}.")
        report = subscriptions_repair()
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
        for user_id in sorted({result.subscription.user_id for result in report.results}):
            duplicates_record(user_id=user_id)
        unsettled = []
        for duplicate in duplicates_settle_pending():
            subscription_id = duplicate.subscription.stripe_subscription_id
            if duplicate.status == DuplicateSubscription.Status.SETTLED:
                self.stdout.write(
                    f"{subscription_id} {duplicate.user}: duplicate cancelled, "
                    f"{duplicate.refunded_cents} cents refunded."
                )
            elif duplicate.error:  # else another process is settling it right now
                unsettled.append(f"duplicate {subscription_id}: {duplicate.error}")
        still_failing = WebhookEvent.objects.filter(
            pk__in=[event.pk for event in events], status=WebhookEvent.Status.FAILED
        ).order_by("created_at")
        failures = [
            *(f"event {event.stripe_event_id}: {event.error}" for event in still_failing),
            *report.failures,
            *unsettled,
        ]
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(failures)} failure(s).")
