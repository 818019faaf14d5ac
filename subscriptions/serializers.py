from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Offer, Subscription


class PriceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    interval = serializers.CharField()


class OfferSerializer(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()
    trial_days = serializers.IntegerField(
        read_only=True,
        help_text="Free days before the first payment, for a reader who never had a "
        "subscription nor a trial; 0 when the offer has no trial.",
    )
    trial_text = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text='The trial as the site prints it ("14 jours offerts, puis 23 € par mois"); '
        "null without a trial.",
    )

    class Meta:
        model = Offer
        fields = [
            "slug",
            "name",
            "tagline",
            "price",
            "display_price",
            "benefits",
            "trial_days",
            "trial_text",
        ]

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

    trial_ends_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the free trial ends and the first payment is due; null unless "
        "`status` is `trialing`.",
    )

    class Meta:
        model = Subscription
        fields = [
            "offer",
            "status",
            "source",
            "current_period_end",
            "cancel_at_period_end",
            "trial_ends_at",
        ]


class CheckoutSerializer(serializers.Serializer):
    offer = serializers.SlugField(help_text="The slug of an active offer.")
    article = serializers.SlugField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="The slug of the article whose paywall the reader subscribes from, if "
        "any: kept with the session for the staff dashboard's funnel, never checked "
        "against the articles (an unknown slug is counted as no rubric).",
    )


class RedirectSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Where to send the reader: a page hosted by Stripe.")
