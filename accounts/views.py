from http import HTTPStatus

from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from imago.throttling import SharedScopedRateThrottle
from subscriptions.access import current_subscription, has_access

from . import services
from .lockout import client_address
from .serializers import CredentialsSerializer, MeSerializer, RegisteredSerializer, TokenSerializer


# Outside the request transaction: the throttle's claim is committed at once, before
# any password is hashed, so a failed attempt counts even when the request ends in an
# error; and passwords are hashed while no write lock is held (a third of a second each,
# while SQLite has one write lock): the services open their own around the writes.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class AuthView(APIView):
    authentication_classes: list = []  # credentials in the body only; no CSRF dance
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    def handle_exception(self, exc):
        # DRF marks the innermost transaction for rollback on an error; this request
        # opened none, so one around it (a test's) is not its to roll back.
        needs_rollback = (
            transaction.get_rollback() if transaction.get_connection().in_atomic_block else None
        )
        response = super().handle_exception(exc)
        if needs_rollback is not None:
            transaction.set_rollback(needs_rollback)
        return response

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


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        data = {
            "email": request.user.email,
            "email_verified": request.user.email_verified,
            "has_access": has_access(request.user, client_address=client_address(request)),
            "subscription": current_subscription(request.user),
        }
        return Response(MeSerializer(data).data)
