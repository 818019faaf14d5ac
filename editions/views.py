import mimetypes
from http import HTTPStatus
from pathlib import PurePosixPath

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from articles.reading import reader_of
from imago import cache_control

from . import selectors
from .models import Edition
from .ranges import file_response
from .serializers import EditionSerializer
from .storage import edition_storage, expired_link_name, linked_name

LINK_EXPIRED = "Ce lien de téléchargement a expiré : demandez-en un nouveau."
LINK_INVALID = "Ce lien de téléchargement n'est pas valide."
COVER_NOT_FOUND = "Couverture introuvable."
# A published cover changes its name when replaced: shared caches may keep it a day.
COVER_MAX_AGE = 24 * 3600


class EditionList(generics.ListAPIView):
    """Published editions, newest first, with when each one is the caller's to download."""

    serializer_class = EditionSerializer
    queryset = Edition.objects.none()  # tells the schema the model; get_queryset serves

    def get_queryset(self):
        return selectors.edition_list(reader=reader_of(self.request))


class EditionDownload(APIView):
    """The edition's PDF: a redirect to a link that works for a few minutes only."""

    not_found_message = selectors.EDITION_NOT_FOUND
    error_responses = {
        401: "Signed out, for an edition not yet (or never) public (`login_required`); or "
        "credentials invalid.",
        403: "An edition not yet (or never) public, for a reader without a subscription "
        "(`subscription_required`).",
        404: "No published edition has this number (`not_found`).",
    }

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "number",
                {"type": "integer", "minimum": 1, "maximum": selectors.MAX_NUMBER},
                OpenApiParameter.PATH,
            ),
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[HTTPStatus.FOUND],
                description="The signed link to the PDF, valid `EDITION_LINK_SECONDS`.",
            ),
        ],
        responses={HTTPStatus.FOUND: OpenApiResponse(description="Redirect to the PDF.")},
    )
    def get(self, request, number: int):
        edition = selectors.edition_to_download(number=number, reader=reader_of(request))
        # Absolute, as the schema says: the store's own URL, or this site's signed link.
        response = HttpResponseRedirect(request.build_absolute_uri(edition.pdf.url))
        cache_control.mark_personal(response, store=False)
        return response


def _error(status: HTTPStatus, detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    cache_control.mark_unstorable(response)
    return response


def _link_error(
    request: HttpRequest, status: HTTPStatus, detail: str, code: str, *, token: str = ""
) -> HttpResponse:
    """A refused link: a French page for a browser that followed it, JSON for a client.

    A browser says `Accept: text/html`; an API client says JSON, or `*/*`, which gets JSON.
    """
    if request.get_preferred_type(["application/json", "text/html"]) != "text/html":
        response: HttpResponse = _error(status, detail, code)
    else:
        number = selectors.edition_number_of_pdf(name=expired_link_name(token)) if token else None
        response = render(
            request,
            "editions/link_refused.html",
            {"detail": detail, "expired": code == "link_expired", "number": number},
            status=status,
        )
        cache_control.mark_unstorable(response)
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def edition_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """A PDF of the local storage, for a link that `PrivateFileSystemStorage.url` signed:
    by byte ranges and with validators (editions/ranges.py)."""
    try:
        name = linked_name(token)
    except signing.SignatureExpired:
        return _link_error(request, HTTPStatus.FORBIDDEN, LINK_EXPIRED, "link_expired", token=token)
    except signing.BadSignature:
        return _link_error(request, HTTPStatus.NOT_FOUND, LINK_INVALID, "not_found")
    storage = edition_storage()
    try:
        file = storage.open(name, "rb")
    except FileNotFoundError:
        return _link_error(request, HTTPStatus.NOT_FOUND, LINK_INVALID, "not_found")
    response = file_response(
        request,
        storage=storage,
        name=name,
        file=file,
        content_type="application/pdf",
        filename=PurePosixPath(name).name,
        as_attachment=True,
    )
    cache_control.mark_personal(response, store=False)
    return response


@require_safe
def edition_cover(request: HttpRequest, filename: str) -> HttpResponseBase:
    """A cover, public once its edition is published (staff preview it before)."""
    cover = selectors.edition_cover(name=f"covers/{filename}", staff=request.user.is_staff)
    if cover is None:
        return _error(HTTPStatus.NOT_FOUND, COVER_NOT_FOUND, "not_found")
    storage = edition_storage()
    try:
        file = storage.open(cover.name, "rb")
    except FileNotFoundError:
        return _error(HTTPStatus.NOT_FOUND, COVER_NOT_FOUND, "not_found")
    response = file_response(
        request,
        storage=storage,
        name=cover.name,
        file=file,
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        filename=filename,
        as_attachment=False,
    )
    if cover.public:
        cache_control.mark_shared(response, max_age=COVER_MAX_AGE)
    else:
        cache_control.mark_personal(response, store=False)
    return response
