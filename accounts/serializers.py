from rest_framework import serializers

from subscriptions.serializers import SubscriptionSerializer


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class RegisteredSerializer(serializers.Serializer):
    email = serializers.EmailField()
    token = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    has_access = serializers.BooleanField()
    subscription = SubscriptionSerializer(allow_null=True)
