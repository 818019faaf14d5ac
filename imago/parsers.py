"""The API's JSON parser: bodies bounded in size and nesting before they are decoded.

Python's json module recurses once per level: a 2 kB body nested 1,000 deep ends in a
RecursionError (a 500) instead of a 400, and nothing bounds what a client may send.
No endpoint takes more than a few kilobytes nested two levels deep, so:

* a body larger than API_JSON_MAX_BYTES is refused with 413 `payload_too_large`
  (by its Content-Length before anything is read, or as it is read);
* a body nested deeper than API_JSON_MAX_DEPTH is refused with 400 `parse_error`,
  found by a scan of its brackets before json decodes it;
* malformed JSON is 400 `parse_error`, as DRF answers it, in French.

These rules hold for every write operation, whether its view reads a body or not:
imago/request_body.py parses each one before the view runs.
"""

import codecs
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils import json

MALFORMED = "Le corps de la requête n'est pas du JSON valide."
TOO_DEEP = "Le corps de la requête est imbriqué trop profondément."
TOO_LARGE = "Le corps de la requête dépasse la taille admise ({limit} octets)."

# Strings first, so that brackets inside them never count as nesting.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (0 for a scalar)."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def body_limit(view_parsers: list[parsers.BaseParser]) -> int:
    """The most bytes a view's parsers take: API_JSON_MAX_BYTES unless one says more."""
    return (
        max(
            (getattr(parser, "max_bytes", 0) for parser in view_parsers),
            default=0,
        )
        or settings.API_JSON_MAX_BYTES
    )


class BoundedJSONParser(parsers.JSONParser):
    @property
    def max_bytes(self) -> int:
        return settings.API_JSON_MAX_BYTES

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        limit = settings.API_JSON_MAX_BYTES
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=limit))
        try:
            text = codecs.decode(raw, parser_context.get("encoding", settings.DEFAULT_CHARSET))
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(MALFORMED) from error
        if json_depth(text) > settings.API_JSON_MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as error:
            raise ParseError(MALFORMED) from error


class RawJSONParser(parsers.BaseParser):
    """A JSON body its view reads as bytes (request.body): Stripe's events, whose signature
    is computed on the bytes as sent. Not decoded here (the view refuses what it cannot
    read, once the signature holds); bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE, as
    before, since Stripe's events are larger than anything a reader sends."""

    media_type = "application/json"

    @property
    def max_bytes(self) -> int:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.API_JSON_MAX_BYTES

    def parse(self, stream, media_type=None, parser_context=None) -> dict[str, Any]:
        return {}  # the view reads request.body itself
