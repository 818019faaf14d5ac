"""The OpenAPI contract for errors: each operation lists every error status it answers.

A client generated from the schema must never meet an "unexpected status". Most
errors follow from what an operation is, so they are derived here rather than
repeated on each view:

* a JSON body, or any write (one that takes no body still refuses a bad one): 400
  (field errors, `parse_error`, a rule of the service), 413, 415;
* query parameters (filters, pages, cursors): 400; a numbered page past the last one: 404;
* a path parameter (a slug): 404;
* authentication classes: 401 (credentials invalid, or missing where required);
  session authentication on a POST: 403 (CSRF);
* a throttle on the method: 429, with Retry-After;
* every operation: 503 when a service it needs (database, payments) is down.

What only a view knows (409 "already subscribed", 502 from Stripe, 403 for a
discussion reserved to subscribers) it declares in `error_responses`, a status →
description mapping that also words a derived status more precisely. Bodies are the
`Error` component `{"detail", "code"}`, or for a 400 on input the `FieldErrors` one
`{"field": ["message", …]}`.

Authentication is said so that generated clients type it right. OpenAPI writes "a token
is optional" as `security: [{tokenAuth: []}, {cookieAuth: []}, {}]`, but
openapi-python-client (0.29) asks for an `AuthenticatedClient` on any operation whose
`security` is not empty, `{}` or not. So the optional credentials are the document's
top-level `security`, which an operation open to anonymous readers inherits by saying
none of its own; one that takes no credentials at all says `security: []`; one that needs
a signed-in reader keeps its own list, without `{}`.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# What the API's default authentication classes take, a token or a session, or nothing:
# the document's top-level `security`, inherited by every operation open to anyone.
OPTIONAL_CREDENTIALS: list[dict[str, list[str]]] = [{"tokenAuth": []}, {"cookieAuth": []}, {}]

# The derived statuses: what they mean on any operation that answers them.
DESCRIPTIONS = {
    400: "Invalid input: field errors `{field: [messages]}` (a filter, page or cursor parameter "
    "included), or `{detail, code}` (`parse_error`, a rule of the service).",
    401: "Credentials invalid (`authentication_failed`), or missing where required "
    "(`not_authenticated`, `login_required`).",
    403: "Refused: a session without its CSRF token (`permission_denied`), or a "
    "`{detail, code}` saying why.",
    404: "Not found (`not_found`): nothing at this slug, or a page past the last one.",
    413: "Body larger than the API accepts (`payload_too_large`).",
    415: "Body not sent as `application/json` (`unsupported_media_type`).",
    429: "Too many requests (`throttled`): try again after `Retry-After` seconds.",
    503: "A service this needs (the database, payments) is unavailable for now; try again later.",
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Field errors: each field (or `non_field_errors`) with its messages, in French.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class ErrorSerializer(serializers.Serializer):
    """Every error of the API but the field errors of a 400."""

    detail = serializers.CharField(help_text="What went wrong, in French, for the reader.")
    code = serializers.CharField(
        help_text="A stable code for programs: `not_found`, `parse_error`, `throttled`, …"
    )


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        explicit: dict[int, str] = getattr(self.view, "error_responses", {})
        for status in self.error_statuses(operation) | set(explicit):
            description = explicit.get(status) or DESCRIPTIONS[status]
            responses.setdefault(str(status), self._error_response(status, description))
        operation["responses"] = dict(sorted(responses.items()))
        self._say_optional_credentials(operation)
        return operation

    @staticmethod
    def _say_optional_credentials(operation: dict[str, Any]) -> None:
        """Open to anonymous callers: no `{}` in the operation's own `security` (see above)."""
        security = operation.get("security")
        if not security or {} not in security:
            return  # credentials required (or none declared)
        if all(requirement == {} for requirement in security):
            operation["security"] = []  # takes no credentials at all
        elif security == OPTIONAL_CREDENTIALS:
            del operation["security"]  # the document's own: a token or session, or nothing

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies of POST, PUT and PATCH only. A DELETE that
        # names one with extend_schema(request=...) takes it (deleting an account asks
        # for the password), documented as a POST's would be.
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """The error statuses this operation answers, from what it is."""
        statuses = {503}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation or self.method not in SAFE_METHODS:
            # A write without a body of its own still refuses one too large, of another
            # type, or malformed (imago/request_body.py).
            statuses |= {400, 413, 415}
        if any(p["in"] == "query" for p in parameters):
            statuses.add(400)
        if any(p["in"] == "path" for p in parameters) or any(
            p["in"] == "query" and p["name"] == "page" for p in parameters
        ):
            statuses.add(404)
        authenticators = self.view.get_authenticators()
        if authenticators:
            statuses.add(401)
            if self.method not in SAFE_METHODS and any(
                isinstance(a, SessionAuthentication) for a in authenticators
            ):
                statuses.add(403)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _error_response(self, status: int, description: str) -> dict[str, Any]:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        schema: dict[str, Any] = error
        if status == 400:
            field_errors = ResolvedComponent(
                name="FieldErrors",
                type=ResolvedComponent.SCHEMA,
                object="FieldErrors",
                schema=FIELD_ERRORS_SCHEMA,
            )
            self.registry.register_on_missing(field_errors)
            schema = {"oneOf": [error, field_errors.ref]}
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before trying again.",
                }
            }
        return response


def optional_credentials_by_default(result, generator, request, public):
    """Postprocessing hook: the document's `security`, what an open operation inherits."""
    result["security"] = OPTIONAL_CREDENTIALS
    return result
