from http import HTTPStatus

from django.conf import settings
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from imago.throttling import AddressScopedRateThrottle, SharedScopedRateThrottle
from imago.views import NonAtomicErrorMixin

from . import selectors, services
from .models import Membership
from .serializers import JoinSerializer, MembershipSerializer, OrganisationDetailSerializer


class MyOrganisations(generics.ListAPIView):
    """The organisations whose licence the reader holds a seat of, a seat their verified
    address gives them included: taken here if not yet, as their next read would take it."""

    serializer_class = MembershipSerializer
    permission_classes = [IsAuthenticated]
    queryset = Membership.objects.none()  # tells the schema the model; get_queryset serves

    def get_queryset(self):
        # The one decision takes a domain's seat when a licence is what opens articles
        # to the reader (no subscription first); without an address, as from anywhere.
        # Asked through the setting LICENCES_READER_DECISION: subscriptions reads licences.
        import_string(settings.LICENCES_READER_DECISION)(self.request.user)
        return selectors.memberships_of(user=self.request.user)  # type: ignore[arg-type]


# Outside the request's transaction, like sign-in (accounts/views.py): the throttle's
# claim must stay counted when the code is wrong, or codes could be guessed for free;
# the seat is taken in a transaction of its own (services.membership_join).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class OrganisationJoin(NonAtomicErrorMixin, APIView):
    """Take a seat of an organisation's licence with the code it gave its readers."""

    permission_classes = [IsAuthenticated]
    # Tries per account, and per client address in total: registration lets one
    # address make accounts every minute, each with tries of its own.
    throttle_classes = [SharedScopedRateThrottle, AddressScopedRateThrottle]
    throttle_scope = "licence_join"
    address_throttle_scope = "licence_join_address"
    error_responses = {
        400: "No organisation has this code (`join_code_unknown`), or invalid input.",
        409: "Every seat is taken (`licence_full`), or the licence is not running "
        "(`licence_inactive`).",
    }

    @extend_schema(
        request=JoinSerializer,
        responses={
            HTTPStatus.CREATED: MembershipSerializer,
            HTTPStatus.OK: MembershipSerializer,
        },
        description="201 with the new seat; 200 when the reader already held one.",
    )
    def post(self, request):
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership, created = services.membership_join_by_code(
            user=request.user, code=serializer.validated_data["code"]
        )
        return Response(
            MembershipSerializer(membership).data,
            status=HTTPStatus.CREATED if created else HTTPStatus.OK,
        )


class OrganisationDetail(APIView):
    """An organisation's licence, seats and networks, for its licence managers."""

    permission_classes = [IsAuthenticated]
    not_found_message = selectors.ORGANISATION_NOT_FOUND
    error_responses = {403: "The reader is not a manager of this licence (`not_licence_manager`)."}

    @extend_schema(responses=OrganisationDetailSerializer)
    def get(self, request, slug):
        organisation = selectors.managed_organisation(user=request.user, slug=slug)
        context = {"seats_used": selectors.seats_used(organisation)}
        return Response(OrganisationDetailSerializer(organisation, context=context).data)
