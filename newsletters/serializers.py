from rest_framework import serializers

from .models import Newsletter
from .rendering import ONE_CLICK

UNAVAILABLE_CHOICES = [
    ("email_unverified", "Adresse e-mail pas encore vérifiée."),
    ("subscribers_only", "Réservée aux abonnés."),
]


class NewsletterChoiceSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="newsletter.slug")
    name = serializers.CharField(source="newsletter.name")
    description = serializers.CharField(source="newsletter.description")
    audience = serializers.ChoiceField(
        source="newsletter.audience", choices=Newsletter.Audience.choices
    )
    subscribed = serializers.BooleanField()
    available_to_you = serializers.BooleanField(
        help_text="Whether the reader may join it now (or stay in it)."
    )
    unavailable_reason = serializers.ChoiceField(
        source="unavailable",
        choices=UNAVAILABLE_CHOICES,
        allow_null=True,
        help_text="Why not: `email_unverified` or `subscribers_only`; null when available.",
    )


class NewsletterChoicesSerializer(serializers.Serializer):
    newsletters = NewsletterChoiceSerializer(many=True)


class FlatListField(serializers.ListField):
    """A list whose item errors read as one flat list, as every field error of the API."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            raise serializers.ValidationError(
                [
                    f"Élément {int(index) + 1} : {message}"
                    for index, messages in error.detail.items()
                    for message in messages
                ]
            ) from error


class NewsletterChoicesUpdateSerializer(serializers.Serializer):
    newsletters = FlatListField(
        child=serializers.SlugField(max_length=50),
        max_length=100,
        allow_empty=True,
        help_text="The slugs of every newsletter the reader wants; the others are left.",
    )


class UnsubscribeQuerySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class OneClickSerializer(serializers.Serializer):
    """RFC 8058's body: `List-Unsubscribe=One-Click`, urlencoded or multipart/form-data."""

    def get_fields(self):
        name, value = ONE_CLICK.split("=")
        return {name: serializers.ChoiceField(choices=[value])}


class NewsletterRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class UnsubscribeStateSerializer(serializers.Serializer):
    newsletter = NewsletterRefSerializer(allow_null=True)
    subscribed = serializers.BooleanField()


class UnsubscribedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    newsletter = NewsletterRefSerializer(allow_null=True)
