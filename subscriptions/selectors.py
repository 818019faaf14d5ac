from django.db.models import QuerySet

from .models import Offer


def active_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(is_active=True)
