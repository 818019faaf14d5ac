from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from imago.parsers import RawJSONParser

from . import billing, webhooks
from .models import WebhookEvent
from .selectors import active_offers
from .serializers import CheckoutSerializer, OfferSerializer, RedirectSerializer

WEBHOOK_FAILED = "Le traitement de l'événement a échoué ; Stripe le renverra."

# Stripe calls happen outside the request's transaction: a Stripe customer made just
# before a failing step must stay recorded here, not be rolled back and made again.
non_atomic = method_decorator(transaction.non_atomic_requests, name="dispatch")


class OfferList(generics.ListAPIView):
    """Active offers, with the price as the site prints it."""

    serializer_class = OfferSerializer

    def get_queryset(self):
        return active_offers()


@non_atomic
class CheckoutStart(APIView):
    """A Stripe Checkout page where the reader subscribes to an offer."""

    permission_classes = [IsAuthenticated]
    error_responses = {
        400: "No such active offer (`offer_unavailable`), or invalid input.",
        409: "The reader already has access (`already_subscribed`), or a subscription "
        "awaits payment (`payment_due`).",
        502: "Stripe answered with an error (`stripe_error`).",
        503: "Payments are not configured or the offer is not in Stripe yet "
        "(`payments_unavailable`, `offer_not_in_stripe`), or a service is down.",
    }

    @extend_schema(request=CheckoutSerializer, responses={200: RedirectSerializer})
    def post(self, request):
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        url = billing.checkout_session_start(
            user=request.user,
            offer_slug=serializer.validated_data["offer"],
            source_article=serializer.validated_data.get("article", ""),
        )
        return Response({"url": url})


@non_atomic
class PortalStart(APIView):
    """The Stripe customer portal, where a subscriber manages their subscription."""

    permission_classes = [IsAuthenticated]
    error_responses = {
        404: "The reader has no Stripe customer yet (`no_stripe_customer`).",
        502: "Stripe answered with an error (`stripe_error`).",
        503: "Payments are not configured (`payments_unavailable`), or a service is down.",
    }

    @extend_schema(request=None, responses={200: RedirectSerializer})
    def post(self, request):
        return Response({"url": billing.portal_session_start(user=request.user)})


@non_atomic
class StripeWebhook(APIView):
    """Stripe's deliveries: trusted by their signature only, never by a session or CSRF token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [RawJSONParser]  # the signature holds for the bytes as sent

    @extend_schema(exclude=True)
    def post(self, request):
        event = webhooks.webhook_receive(
            payload=request.body, signature=request.META.get("HTTP_STRIPE_SIGNATURE")
        )
        if event.status == WebhookEvent.Status.FAILED:
            return Response({"detail": WEBHOOK_FAILED, "code": "webhook_failed"}, status=500)
        return Response({"received": True, "status": event.status})
