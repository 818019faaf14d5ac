"""Content negotiation: the browsable API only where settings.API_BROWSABLE turns it on."""

from django.conf import settings
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, without the browsable API when it is off.

    Read per request (not when views are defined), so a setting can turn it on or off.
    A client that accepts HTML only then gets 406 `not_acceptable`, in JSON.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if not settings.API_BROWSABLE:
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)


class OneFormat(BaseContentNegotiation):
    """For a view with one format (the docs page): it, whatever the Accept header asks."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
