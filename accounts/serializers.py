from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import serializers

from .models import User
from .services import PASSWORD_MAX_LENGTH, PASSWORD_TOO_LONG


def _password_field(help_text: str = "") -> serializers.CharField:
    """Every password the API takes: one length, one message (accounts.services)."""
    return serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        error_messages={"max_length": PASSWORD_TOO_LONG},
        write_only=True,
        trim_whitespace=False,
        help_text=help_text,
    )


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field()


class RegisteredSerializer(serializers.Serializer):
    email = serializers.EmailField()
    token = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    has_access = serializers.BooleanField()
    # The serializer of the app that holds subscriptions (ACCOUNT_ME_SUBSCRIPTION_SERIALIZER).
    subscription = import_string(settings.ACCOUNT_ME_SUBSCRIPTION_SERIALIZER)(allow_null=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, in French, for the reader.")


class EmailVerifySerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=1000, help_text="The `token` parameter of the link sent by email."
    )


class EmailVerifiedSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The account's address, now verified.")
    email_verified = serializers.BooleanField()


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `uid` parameter of the link.")
    token = serializers.CharField(max_length=64, help_text="The `token` parameter of the link.")
    new_password = _password_field()


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The new address.")
    password = _password_field("The current password.")


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password_field()
    new_password = _password_field()


class PasswordSerializer(serializers.Serializer):
    password = _password_field("The current password: only the owner deletes an account.")


class AccountExportSerializer(serializers.ModelSerializer):
    """The account's own section of the reader's data export."""

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "email_verified_at",
            "date_joined",
            "last_login",
        ]
