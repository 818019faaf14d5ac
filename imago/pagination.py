"""How lists are cut into pages.

Long lists (articles, an author's articles, briefs) use `NewestFirstPagination`: a
keyset cursor on `(published_at, id)`, so a page costs one indexed range scan of
`page_size + 1` rows, however deep it is and however long the archive: no COUNT(*),
no OFFSET. A search (`q=`) is ordered by relevance, which no keyset follows:
`RankedPagination` numbers its pages, but never counts and stops at page 50. Short
lists (comments of one article, authors, rubrics, offers) keep numbered pages with a
count, `PageNumberPagination`.
"""

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

INVALID_PAGE = "Le numéro de page doit être un entier supérieur ou égal à 1."
INVALID_PAGE_SIZE = "La taille de page doit être un entier entre 1 et {maximum}."
PAGE_NOT_FOUND = "Cette page n'existe pas : la liste en compte moins."
PAGE_NUMBERS_GONE = (
    "Cette liste ne se pagine plus par numéro de page : demandez-la sans « page » "
    "puis suivez le lien « next » de chaque réponse (et « previous » pour revenir)."
)
INVALID_CURSOR = (
    "Curseur invalide : reprenez tel quel le lien « next » ou « previous » d'une réponse."
)
SEARCH_PAGE_LIMIT = (
    "Une recherche s'arrête à la page {maximum} : précisez-la (d'autres mots, une "
    "rubrique, un auteur) pour trouver ce qui suit."
)
SEARCH_HAS_NO_CURSOR = "Une recherche se pagine par numéro de page (« page »), pas par curseur."

_DIGITS = re.compile(r"[0-9]+")
# A number longer than this is larger than any page or size: compared as such, never
# converted (a page one billion is past the last page like page 100 is, not malformed).
_MAX_DIGITS = 18
_HUGE = 10**_MAX_DIGITS


def _query_int(request, name: str, *, maximum: int | None, message: str) -> int | None:
    """The positive integer in the query parameter `name`, None when it is absent.

    Anything else (empty, zero, negative, "null", "false", "1.5", over `maximum`) is a
    400 naming the parameter, like a filter's: a client learns its mistake instead of
    getting a default it did not ask for. Any count of digits is a number: without a
    `maximum`, one past the last page is the caller's 404, however large.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = 0
    if _DIGITS.fullmatch(raw):
        digits = raw.lstrip("0")
        value = int(digits or "0") if len(digits) <= _MAX_DIGITS else _HUGE
    if value < 1 or (maximum is not None and value > maximum):
        raise ValidationError({name: [message]})
    return value


def _page_size_parameter(name: str, *, maximum: int, default: int) -> dict[str, Any]:
    return {
        "name": name,
        "required": False,
        "in": "query",
        "description": "Items per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


def _links_schema(results: dict[str, Any], *, how: str) -> dict[str, Any]:
    """`{next, previous, results}`, without a count: what every uncounted list answers."""
    link = {"type": "string", "nullable": True, "format": "uri"}
    return {
        "type": "object",
        "required": ["next", "previous", "results"],
        "properties": {
            "next": {**link, "description": f"The following page, {how}; null on the last."},
            "previous": {**link, "description": f"The page before, {how}; null on the first."},
            "results": results,
        },
    }


PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_size_of(request) -> int:
    """`?page_size=` from 1 to MAX_PAGE_SIZE, PAGE_SIZE without it; anything else a 400."""
    message = INVALID_PAGE_SIZE.format(maximum=MAX_PAGE_SIZE)
    return _query_int(request, "page_size", maximum=MAX_PAGE_SIZE, message=message) or PAGE_SIZE


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of 20 by default, `?page_size=` from 1 to 100; bad numbers are 400s."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # a page is a number, as the schema says

    def get_page_size(self, request) -> int:
        return page_size_of(request)

    def get_page_number(self, request, paginator) -> int:
        return _query_int(request, self.page_query_param, maximum=None, message=INVALID_PAGE) or 1

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:  # a page past the last one
            raise NotFound(PAGE_NOT_FOUND) from error

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["schema"]["default"] = self.page_size
        return parameters


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
# Base64url of "<n|p><microseconds since 1970>.<id>": short, opaque to clients, and
# checked character by character before anything reaches the database.
_ENCODED_CURSOR = re.compile(r"[A-Za-z0-9_-]{4,64}")
_CURSOR = re.compile(r"([np])(-?[0-9]{1,17})\.([0-9]{1,19})")
_MAX_ID = 2**63 - 1  # a bigint: anything larger would be a database error, not a 400


@dataclass(frozen=True)
class Keyset:
    """Where a page starts: strictly after (`backwards`: before) this row."""

    published_at: dt.datetime
    id: int
    backwards: bool

    def encode(self) -> str:
        micros = (self.published_at - _EPOCH) // _MICROSECOND
        raw = f"{'p' if self.backwards else 'n'}{micros}.{self.id}"
        return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, encoded: str) -> "Keyset":
        """The keyset of a cursor this API made; ValueError for anything else."""
        if not _ENCODED_CURSOR.fullmatch(encoded):
            raise ValueError(encoded)
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(encoded) from error
        match = _CURSOR.fullmatch(raw)
        if match is None or int(match[3]) > _MAX_ID:
            raise ValueError(encoded)
        try:
            published_at = _EPOCH + int(match[2]) * _MICROSECOND
        except OverflowError as error:  # outside the years 1 to 9999
            raise ValueError(encoded) from error
        return cls(published_at=published_at, id=int(match[3]), backwards=match[1] == "p")

    def rows_after(self) -> Q:
        """The rows past this one in the direction read, newest first or (backwards) oldest.

        `published_at <= t AND (published_at < t OR id < i)` rather than the bare OR: the
        first half bounds the index scan, the second only sorts out rows of the same
        instant, so a page deep in the archive reads no more rows than the first.
        """
        if self.backwards:
            return Q(published_at__gte=self.published_at) & (
                Q(published_at__gt=self.published_at) | Q(id__gt=self.id)
            )
        return Q(published_at__lte=self.published_at) & (
            Q(published_at__lt=self.published_at) | Q(id__lt=self.id)
        )


class NewestFirstPagination(pagination.CursorPagination):
    """Newest first by `(published_at, id)`, followed by the `next` and `previous` links.

    No count and no offset: each page is the `page_size` rows past the cursor's row,
    so every page costs what the first does. The cursor names a row, not a page: rows
    published in the meantime shift no page, and rows sharing an instant are neither
    skipped nor repeated (the id breaks the tie). A client sending `?page=` (numbered
    pages, as before) gets a 400 saying to follow `next`; `?page=1` alone is still the
    first page, so a client that starts there and follows `next` keeps working.
    """

    ordering = ("-published_at", "-id")
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_param = "page"
    cursor_query_description = (
        "Where the page starts: the value found in the `next` or `previous` link of a "
        "response, as it is. Absent: the first page."
    )
    template = None  # the browsable API shows the links in the JSON

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list[Any]:
        self.request = request
        page = request.query_params.get(self.page_query_param)
        if page is not None and page != "1":
            raise ValidationError({self.page_query_param: [PAGE_NUMBERS_GONE]})
        self.page_size = self.get_page_size(request)
        self.url = remove_query_param(request.build_absolute_uri(), self.page_query_param)
        self.keyset = self.decode_cursor(request)
        backwards = self.keyset is not None and self.keyset.backwards
        if self.keyset is not None:
            queryset = queryset.filter(self.keyset.rows_after())
        if backwards:
            queryset = queryset.order_by("published_at", "id")
        else:
            queryset = queryset.order_by(*self.ordering)
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.keyset is not None
        return self.page

    def get_page_size(self, request) -> int:
        return page_size_of(request)

    def decode_cursor(self, request) -> Keyset | None:  # type: ignore[override]
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            return Keyset.decode(encoded)
        except ValueError:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def _link(self, row: Any, *, backwards: bool) -> str:
        keyset = Keyset(published_at=row.published_at, id=row.id, backwards=backwards)
        return replace_query_param(self.url, self.cursor_query_param, keyset.encode())

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.page:
            return self._link(self.page[-1], backwards=False)
        # Nothing newer than a `previous` cursor's row: the list starts there.
        return remove_query_param(self.url, self.cursor_query_param)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.page:
            return self._link(self.page[0], backwards=True)
        assert self.keyset is not None  # has_previous on a forward page: it had a cursor
        return self._link(self.keyset, backwards=True)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _links_schema(schema, how="as a link with its `cursor`, to follow as it is")

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"},
            },
            _page_size_parameter(
                self.page_size_query_param, maximum=self.max_page_size, default=self.page_size
            ),
        ]


class RankedPagination(pagination.BasePagination):
    """Numbered pages over an ordered search, without a count and at most 50 of them.

    Each page reads `page_size + 1` rows to know whether another follows; the cap
    bounds the rows skipped (at most 4,900 of the best matches). Past it, a reader is
    better served by a narrower search than by page 51.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_param = "page"
    max_page = 50

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list[Any]:
        if "cursor" in request.query_params:
            raise ValidationError({"cursor": [SEARCH_HAS_NO_CURSOR]})
        size = page_size_of(request)
        number = _query_int(request, self.page_query_param, maximum=None, message=INVALID_PAGE) or 1
        if number > self.max_page:
            message = SEARCH_PAGE_LIMIT.format(maximum=self.max_page)
            raise ValidationError({self.page_query_param: [message]})
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        if not rows and number > 1:
            raise NotFound(PAGE_NOT_FOUND)
        self.url = request.build_absolute_uri()
        self.number = number
        self.has_next = len(rows) > size and number < self.max_page
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return replace_query_param(self.url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number == 1:
            return None
        if self.number == 2:
            return remove_query_param(self.url, self.page_query_param)
        return replace_query_param(self.url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _links_schema(schema, how="as a link with its `page`")

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"The page of a search, from 1 to {self.max_page}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
            },
            _page_size_parameter(
                self.page_size_query_param, maximum=self.max_page_size, default=self.page_size
            ),
        ]
