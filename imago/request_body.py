"""Every write request to the API has its body parsed before its view runs.

DRF parses a body only when a view reads `request.data`: a view that takes none (sign
out, a gift link) took any body, of any size or type, and went on. Parsed here with the
view's own parsers, a body too large is 413 `payload_too_large`, one of a type the view
does not parse 415 `unsupported_media_type`, malformed JSON 400 `parse_error`
(imago/parsers.py), for every operation alike, and the view never runs.
"""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from imago.parsers import TOO_LARGE, PayloadTooLarge, body_limit

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestBodyMiddleware:
    """Parse the body of every API write request before its view runs (see above).

    A refused body (413, 415, 400) is answered here, in the API's error format, and the
    view never runs: nothing is stored. An empty body passes, whatever its type, as DRF
    takes it. It must come before WriteRequestTransactionMiddleware, which calls the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if request.method not in BODY_METHODS or not (
            isinstance(view_class, type) and issubclass(view_class, APIView)
        ):
            return None
        view = view_class(**getattr(view_func, "initkwargs", {}))
        if not hasattr(view, request.method.lower()):
            return None  # DRF answers 405, whatever the body
        try:
            _check_body(request, view, view_args, view_kwargs)
        except APIException as error:
            detail = error.detail
            return JsonResponse(
                {"detail": str(detail), "code": getattr(detail, "code", error.default_code)},
                status=error.status_code,
            )
        return None


def _check_body(request: HttpRequest, view: APIView, args, kwargs) -> None:
    view.args, view.kwargs = args, kwargs
    view_parsers = view.get_parsers()
    limit = body_limit(view_parsers)
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
    try:
        # Read once and kept by Django: the view's own parsing, or a view that reads the
        # raw body (Stripe's signature), reads it again.
        request.body  # noqa: B018
    except RequestDataTooBig as error:
        raise PayloadTooLarge(TOO_LARGE.format(limit=limit)) from error
    except RawPostDataException:
        return  # a multipart form already read by Django: its view parses it
    parsed = Request(
        request,
        parsers=view_parsers,
        negotiator=view.get_content_negotiator(),
        parser_context=view.get_parser_context(request),
    )
    parsed.data  # noqa: B018  # raises ParseError, UnsupportedMediaType or PayloadTooLarge
