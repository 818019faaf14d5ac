from functools import cached_property

from rest_framework import generics

from articles.reading import reader_of

from . import selectors
from .models import ClubBenefit
from .serializers import ClubBenefitSerializer, ClubBenefitTeaserSerializer


class ClubBenefitList(generics.ListAPIView):
    """The subscribers' club: current and coming benefits, soonest first.

    Everyone sees their titles and dates (`locked: true`); readers with access also the
    text, the place, the link and the code.
    """

    queryset = ClubBenefit.objects.none()  # tells the schema the model; get_queryset serves

    @cached_property
    def listing(self) -> selectors.ClubListing:
        return selectors.club_listing(reader=reader_of(self.request))

    def get_queryset(self):
        return self.listing.benefits

    def get_serializer_class(self):
        # The schema describes the complete benefit; a teaser leaves out its optional fields.
        if getattr(self, "swagger_fake_view", False) or self.listing.complete:
            return ClubBenefitSerializer
        return ClubBenefitTeaserSerializer
