from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Offer, Subscription


class PriceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    interval = serializers.CharField()


class OfferSerializer(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = ["slug", "name", "tagline", "price", "display_price", "benefits"]

    @extend_schema_field(PriceSerializer)
    def get_price(self, offer) -> dict:
        return PriceSerializer(
            {"amount": offer.amount, "currency": offer.currency, "interval": offer.interval}
        ).data


class SubscriptionSerializer(serializers.ModelSerializer):
    offer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The offer's slug; null for complimentary access.",
    )

    class Meta:
        model = Subscription
        fields = ["offer", "status", "source", "current_period_end", "cancel_at_period_end"]


class CheckoutSerializer(serializers.Serializer):
    offer = serializers.SlugField(help_text="The slug of an active offer.")


class RedirectSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Where to send the reader: a page hosted by Stripe.")
