"""The subscriptions' sections of a reader's data export (settings.ACCOUNT_EXPORT_SECTIONS).

Nothing here is erased when an account is deleted: subscriptions and the Stripe
customer back invoices, which the law on accounting keeps for ten years. They stay,
pointing at the anonymised account.
"""

from typing import Any

from rest_framework import serializers

from accounts.models import User

from .models import Customer, Subscription


class SubscriptionExportSerializer(serializers.ModelSerializer):
    offer = serializers.CharField(source="offer.name", default=None)

    class Meta:
        model = Subscription
        fields = [
            "offer",
            "source",
            "status",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "canceled_at",
            "trial_end",
            "stripe_subscription_id",
            "created_at",
        ]


class CustomerExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["stripe_customer_id", "created_at"]


def subscriptions_export(user: User) -> list[dict[str, Any]]:
    subscriptions = Subscription.objects.filter(user=user).select_related("offer")
    return list(SubscriptionExportSerializer(subscriptions.order_by("created_at"), many=True).data)


def stripe_customer_export(user: User) -> dict[str, Any] | None:
    customer = Customer.objects.filter(user=user).first()
    return dict(CustomerExportSerializer(customer).data) if customer else None
