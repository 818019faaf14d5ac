"""Every error under /api/ is JSON: {"detail": ..., "code": ...}, never an HTML page."""

import logging
import sys
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (
    "Le service est momentanément indisponible. Réessayez dans quelques instants."
)
# The database cannot be reached, stopped answering, cancelled a statement past its
# timeout, or (SQLite) its write lock stayed taken: 503, whatever the request was
# doing. Other database errors (integrity, programming) are bugs and stay 500.
DATABASE_FAILURES = (OperationalError, InterfaceError)

# What a 404 says when its view names nothing more precise (its `not_found_message`).
NOT_FOUND = "Ressource introuvable."
# The JSON pages of the URL resolver and of Django's own errors, in French like the rest.
ERROR_PAGE_MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: NOT_FOUND,
    500: "Erreur interne du serveur.",
}


class DomainError(Exception):
    """Raised by services for a broken business rule; the handler makes it a 4xx."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


def api_exception_handler(exc, context):
    if isinstance(exc, DATABASE_FAILURES):
        logger.warning("Database unavailable: %s", exc)
        return Response(
            {"detail": DATABASE_UNAVAILABLE, "code": "database_unavailable"},
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, DomainError):
        response = Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            response["WWW-Authenticate"] = "Token"
        return response
    if isinstance(exc, DjangoValidationError):
        # Always the field-errors object, never a bare list.
        errors = exc.message_dict if hasattr(exc, "error_dict") else None
        exc = exceptions.ValidationError(
            errors or {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        )
    if isinstance(exc, Http404):
        # Django's "No Article matches the given query.": English, and names our models.
        exc = exceptions.NotFound(getattr(context.get("view"), "not_found_message", NOT_FOUND))
    handled = exception_handler(exc, context)
    if handled is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        # DRF's field errors stay as they are: {"field": ["message"]}.
        return handled
    if isinstance(handled.data, dict) and "detail" in handled.data:
        detail = handled.data["detail"]
        code = getattr(detail, "code", None) or _code_for(exc)
        handled.data = {"detail": str(detail), "code": code}
    return handled


def _code_for(exc) -> str:
    if isinstance(exc, Http404):
        return "not_found"
    if isinstance(exc, PermissionDenied):
        return "permission_denied"
    return "error"


def _json_error(request, status_code: int, code: str):
    return JsonResponse(
        {
            "detail": ERROR_PAGE_MESSAGES.get(status_code, HTTPStatus(status_code).phrase),
            "code": code,
        },
        status=status_code,
    )


def json_bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return _json_error(request, 400, "bad_request")
    return defaults.bad_request(request, exception)


def json_permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return _json_error(request, 403, "permission_denied")
    return defaults.permission_denied(request, exception)


def json_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _json_error(request, 404, "not_found")
    return defaults.page_not_found(request, exception)


def database_unavailable(request) -> HttpResponse:
    """503 for a database failure raised outside DRF's views (middleware, health, admin)."""
    if request.path.startswith(("/api/", "/healthz")):
        return JsonResponse(
            {"detail": DATABASE_UNAVAILABLE, "code": "database_unavailable"},
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    return HttpResponse(
        DATABASE_UNAVAILABLE,
        status=HTTPStatus.SERVICE_UNAVAILABLE,
        content_type="text/plain; charset=utf-8",
    )


def json_server_error(request):
    # Django calls this handler while it handles the exception: sys.exc_info() names it.
    if isinstance(sys.exc_info()[1], DATABASE_FAILURES):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return _json_error(request, 500, "server_error")
    return defaults.server_error(request)
