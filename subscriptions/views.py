from rest_framework import generics

from .selectors import active_offers
from .serializers import OfferSerializer


class OfferList(generics.ListAPIView):
    """Active offers, with the price as the site prints it."""

    serializer_class = OfferSerializer

    def get_queryset(self):
        return active_offers()
