from http import HTTPStatus

from django.conf import settings
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from imago.schema import ErrorSerializer
from imago.throttling import SharedScopedRateThrottle
from imago.views import NonAtomicErrorMixin

from . import self_service, services
from .lockout import client_address
from .serializers import (
    CredentialsSerializer,
    DetailSerializer,
    EmailChangeSerializer,
    EmailVerifiedSerializer,
    EmailVerifySerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    PasswordSerializer,
    RegisteredSerializer,
    TokenSerializer,
)


# Outside the request transaction: the throttle's claim is committed at once, before
# any password is hashed, so a failed attempt counts even when the request ends in an
# error; and passwords are hashed while no write lock is held (a third of a second each,
# while SQLite has one write lock): the services open their own around the writes.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class AuthView(NonAtomicErrorMixin, APIView):
    authentication_classes: list = []  # credentials in the body only; no CSRF dance
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    def credentials(self, request) -> dict:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class Register(AuthView):
    @extend_schema(request=CredentialsSerializer, responses={201: RegisteredSerializer})
    def post(self, request):
        user, token = services.user_register(**self.credentials(request))
        return Response({"email": user.email, "token": token.key}, status=HTTPStatus.CREATED)


class ObtainToken(AuthView):
    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer})
    def post(self, request):
        token = services.token_for(**self.credentials(request))
        return Response({"token": token.key})


class Logout(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.token_revoke(user=request.user)
        return Response(status=HTTPStatus.NO_CONTENT)


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EmailVerify(AuthView):
    """Follow the link that verifies an address (or moves the account to a new one)."""

    @extend_schema(request=EmailVerifySerializer, responses={200: EmailVerifiedSerializer})
    def post(self, request):
        user = self_service.email_verify(**validated(EmailVerifySerializer, request))
        return Response({"email": user.email, "email_verified": True})


class PasswordReset(AuthView):
    """Ask for a password reset link: the same answer whether the address has an account."""

    @extend_schema(request=PasswordResetSerializer, responses={202: DetailSerializer})
    def post(self, request):
        self_service.password_reset_request(**validated(PasswordResetSerializer, request))
        return Response({"detail": self_service.RESET_REQUESTED}, status=HTTPStatus.ACCEPTED)


class PasswordResetConfirm(AuthView):
    """Choose a new password from a reset link; answers the new API token."""

    @extend_schema(request=PasswordResetConfirmSerializer, responses={200: TokenSerializer})
    def post(self, request):
        token = self_service.password_reset_confirm(
            **validated(PasswordResetConfirmSerializer, request)
        )
        return Response({"token": token.key})


# The views that check the reader's password hash it outside any transaction (see
# AuthView), and count against the `auth` throttle: a stolen token must not become a
# way to guess the password.
class PasswordCheckingView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    @method_decorator(transaction.non_atomic_requests)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class Me(PasswordCheckingView):
    def get_throttles(self):
        # Reading one's account is not throttled; deleting it checks the password.
        return super().get_throttles() if self.request.method == "DELETE" else []

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        data = {
            "email": request.user.email,
            "email_verified": request.user.email_verified,
            # The access, from the app that decides it (ACCOUNT_ME_ACCESS).
            **import_string(settings.ACCOUNT_ME_ACCESS)(
                request.user, client_address=client_address(request)
            ),
        }
        return Response(MeSerializer(data).data)

    @extend_schema(
        request=PasswordSerializer,
        responses={
            204: None,
            409: OpenApiResponse(
                ErrorSerializer,
                description="A paid subscription will renew (`subscription_active`): "
                "cancel it first.",
            ),
        },
        description="Delete the account: personal data erased, subscriptions and the Stripe "
        "customer kept (anonymised) for accounting.",
    )
    def delete(self, request):
        self_service.account_delete(user=request.user, **validated(PasswordSerializer, request))
        return Response(status=HTTPStatus.NO_CONTENT)


class MeEmail(PasswordCheckingView):
    """Change the account's address: a link goes to the new one, which counts once followed."""

    @extend_schema(request=EmailChangeSerializer, responses={202: DetailSerializer})
    def post(self, request):
        email = self_service.email_change_request(
            user=request.user, **validated(EmailChangeSerializer, request)
        )
        detail = self_service.EMAIL_CHANGE_SENT.format(email=email)
        return Response({"detail": detail}, status=HTTPStatus.ACCEPTED)


class MeEmailVerify(APIView):
    """Send the verification link of the account's address again (once a day at most)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            202: DetailSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="The address is verified already (`already_verified`)."
            ),
        },
    )
    def post(self, request):
        self_service.email_verification_resend(user=request.user)
        detail = self_service.VERIFICATION_SENT.format(email=request.user.email)
        return Response({"detail": detail}, status=HTTPStatus.ACCEPTED)


class MePassword(PasswordCheckingView):
    """Change the password; every API token is revoked and the new one answered."""

    @extend_schema(request=PasswordChangeSerializer, responses={200: TokenSerializer})
    def post(self, request):
        token = self_service.password_change(
            user=request.user, **validated(PasswordChangeSerializer, request)
        )
        return Response({"token": token.key})


class MeExport(APIView):
    """Everything the site holds about the reader, as JSON (RGPD's right of access)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="One key per section: `account`, `subscriptions`, "
                "`stripe_customer`, `comments`, `gifts`, and those other apps add.",
            )
        }
    )
    def get(self, request):
        response = Response(self_service.data_export(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
        return response
