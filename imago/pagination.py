import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

INVALID_PAGE = "Le numéro de page doit être un entier supérieur ou égal à 1."
INVALID_PAGE_SIZE = "La taille de page doit être un entier entre 1 et {maximum}."
PAGE_NOT_FOUND = "Cette page n'existe pas : la liste en compte moins."

_DIGITS = re.compile(r"[0-9]{1,9}")


def _query_int(request, name: str, *, maximum: int | None, message: str) -> int | None:
    """The positive integer in the query parameter `name`, None when it is absent.

    Anything else (empty, zero, negative, "null", "false", "1.5", over `maximum`) is a
    400 naming the parameter, like a filter's: a client learns its mistake instead of
    getting a default it did not ask for.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = int(raw) if _DIGITS.fullmatch(raw) else 0
    if value < 1 or (maximum is not None and value > maximum):
        raise ValidationError({name: [message]})
    return value


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of 20 by default, `?page_size=` from 1 to 100; bad numbers are 400s."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # a page is a number, as the schema says

    def get_page_size(self, request) -> int:
        size = _query_int(
            request,
            self.page_size_query_param,
            maximum=self.max_page_size,
            message=INVALID_PAGE_SIZE.format(maximum=self.max_page_size),
        )
        return size or self.page_size

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
