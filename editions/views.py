import mimetypes
from http import HTTPStatus
from pathlib import PurePosixPath

from django.core import signing
from django.http import FileResponse, HttpRequest, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from articles.reading import reader_of
from imago import cache_control

from . import selectors
from .models import Edition
from .serializers import EditionSerializer
from .storage import edition_storage, linked_name

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


@require_safe
def edition_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """A PDF of the local storage, for a link that `PrivateFileSystemStorage.url` signed."""
    try:
        name = linked_name(token)
    except signing.SignatureExpired:
        return _error(HTTPStatus.FORBIDDEN, LINK_EXPIRED, "link_expired")
    except signing.BadSignature:
        return _error(HTTPStatus.NOT_FOUND, LINK_INVALID, "not_found")
    try:
        file = edition_storage().open(name, "rb")
    except FileNotFoundError:
        return _error(HTTPStatus.NOT_FOUND, LINK_INVALID, "not_found")
    response = FileResponse(
        file,
        as_attachment=True,
        filename=PurePosixPath(name).name,
        content_type="application/pdf",
    )
    cache_control.mark_personal(response, store=False)
    return response


@require_safe
def edition_cover(request: HttpRequest, filename: str) -> HttpResponseBase:
    """A cover, public once its edition is published (staff preview it before)."""
    cover = selectors.edition_cover(name=f"covers/{filename}", staff=request.user.is_staff)
    if cover is None:
        return _error(HTTPStatus.NOT_FOUND, COVER_NOT_FOUND, "not_found")
    try:
        file = edition_storage().open(cover.name, "rb")
    except FileNotFoundError:
        return _error(HTTPStatus.NOT_FOUND, COVER_NOT_FOUND, "not_found")
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    if cover.public:
        cache_control.mark_shared(response, max_age=COVER_MAX_AGE)
    else:
        cache_control.mark_personal(response, store=False)
    return response
