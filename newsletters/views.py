from django.conf import settings
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from imago import cache_control
from imago.negotiation import ContentNegotiation

from . import selectors, services
from .serializers import (
    NewsletterChoicesSerializer,
    NewsletterChoicesUpdateSerializer,
    OneClickSerializer,
    UnsubscribedSerializer,
    UnsubscribeQuerySerializer,
    UnsubscribeStateSerializer,
)

UNSUBSCRIBED = "C'est fait : vous ne recevrez plus « {name} »."
UNSUBSCRIBED_GONE = "C'est fait : vous ne recevrez plus cette newsletter."


class MyNewsletters(APIView):
    """The reader's newsletters: every active one, whether they receive it, and may."""

    permission_classes = [IsAuthenticated]

    def choices(self, request) -> Response:
        choices = selectors.newsletter_choices(user=request.user)
        return Response(NewsletterChoicesSerializer({"newsletters": choices}).data)

    @extend_schema(responses=NewsletterChoicesSerializer)
    def get(self, request):
        return self.choices(request)

    @extend_schema(
        request=NewsletterChoicesUpdateSerializer,
        responses=NewsletterChoicesSerializer,
        description="Sets the reader's newsletters to exactly those listed. Joining one needs "
        "a verified address (else 403 `email_unverified`) and, for a subscribers-only one, "
        "access (else 403 `subscription_required`); an unknown slug is a 400 "
        "`unknown_newsletter`. Nothing is stored unless everything is accepted.",
    )
    def put(self, request):
        serializer = NewsletterChoicesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.newsletter_choices_set(
            user=request.user, slugs=serializer.validated_data["newsletters"]
        )
        return self.choices(request)


class UnsubscribePage(BaseRenderer):
    """The page a reader sees on following the link in a message (text/html)."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        request, response = context.get("request"), context.get("response")
        status = response.status_code if response is not None else 200
        return render_to_string(
            "newsletters/unsubscribe.html",
            {
                "data": data if isinstance(data, dict) else {},
                "ok": status < 400,
                "method": request.method if request is not None else "GET",
                "action": request.get_full_path() if request is not None else "",
                "site_name": settings.SITE_NAME,
                "site_url": settings.SITE_URL,
            },
        )


class _NoFormatParameter:
    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class ByAcceptHeader(ContentNegotiation):
    """JSON or the page by the Accept header alone: no `?format=` on a link we mail."""

    settings = _NoFormatParameter()  # type: ignore[assignment]


UNSUBSCRIBE_PARAMETERS: list[OpenApiParameter | type[UnsubscribeQuerySerializer]] = [
    UnsubscribeQuerySerializer,
    OpenApiParameter("format", exclude=True),
]


class Unsubscribe(APIView):
    """The personal one-click unsubscribe link of every mailing (RFC 8058).

    The signed token is the only credential: no session, no cookie, no CSRF token (mail
    providers post with none). A GET never unsubscribes (link scanners fetch links): in
    a browser it shows a page whose button posts.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    # RFC 8058 §3.1: providers SHOULD post multipart/form-data; some send it urlencoded.
    parser_classes = [FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer, UnsubscribePage]
    content_negotiation_class = ByAcceptHeader

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Personal (the link is the reader's), and JSON or a page depending on Accept.
        cache_control.mark_personal(response, store=False)
        patch_vary_headers(response, ["Accept"])
        return response

    def token(self, request) -> str:
        query = UnsubscribeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data["token"]

    @extend_schema(
        parameters=UNSUBSCRIBE_PARAMETERS,
        responses={
            (200, "application/json"): UnsubscribeStateSerializer,
            (200, "text/html"): OpenApiTypes.STR,
        },
    )
    def get(self, request):
        state = selectors.unsubscribe_state(token=self.token(request))
        return Response(UnsubscribeStateSerializer(state).data)

    @extend_schema(
        parameters=UNSUBSCRIBE_PARAMETERS,
        request=OneClickSerializer,
        responses={
            (200, "application/json"): UnsubscribedSerializer,
            (200, "text/html"): OpenApiTypes.STR,
        },
    )
    def post(self, request):
        token = self.token(request)
        OneClickSerializer(data=request.data).is_valid(raise_exception=True)
        newsletter = services.newsletter_unsubscribe(token=token)
        detail = UNSUBSCRIBED.format(name=newsletter.name) if newsletter else UNSUBSCRIBED_GONE
        return Response(UnsubscribedSerializer({"detail": detail, "newsletter": newsletter}).data)
