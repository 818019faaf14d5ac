from http import HTTPStatus

from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from subscriptions.access import current_subscription, has_access

from . import services
from .serializers import CredentialsSerializer, MeSerializer, RegisteredSerializer, TokenSerializer


# Passwords are hashed outside any transaction (a third of a second each, while SQLite
# has one write lock): the services open their own around the writes.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class AuthView(APIView):
    authentication_classes: list = []  # credentials in the body only; no CSRF dance
    throttle_classes = [ScopedRateThrottle]
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


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        data = {
            "email": request.user.email,
            "has_access": has_access(request.user),
            "subscription": current_subscription(request.user),
        }
        return Response(MeSerializer(data).data)
