import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from club.models import ClubBenefit

# Reserved to readers with access: tests look for them in every other answer.
SECRET_TEXT = "Invitation réservée : visite privée du plateau d’IRM 7 teslas."
SECRET_PLACE = "Hôpital secret, salle 7"
SECRET_URL = "https://club.example.org/invitation-reservee"
SECRET_CODE = "IMAGO-ABONNE-7T"


class ClubBenefitFactory(DjangoModelFactory[ClubBenefit]):
    class Meta:
        model = ClubBenefit

    title = factory.Sequence(lambda n: f"Avantage {n} du club")
    text = SECRET_TEXT
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    place = SECRET_PLACE
    url = SECRET_URL
    code = SECRET_CODE
