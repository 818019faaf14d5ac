from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import CODE_MAX_LENGTH, Membership, Organisation


class OrganisationRefSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField(help_text="Whether the licence runs today.")

    class Meta:
        model = Organisation
        fields = ["slug", "name", "starts_on", "ends_on", "active"]

    def get_active(self, organisation: Organisation) -> bool:
        return organisation.is_active()


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "via", "is_manager", "joined_at"]


class JoinSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH, help_text="The join code the organisation gave its readers."
    )


class SeatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    used = serializers.IntegerField(help_text="Readers holding a seat (on-site use takes none).")


class OrganisationDetailSerializer(OrganisationRefSerializer):
    """What a licence manager sees of their organisation."""

    seats = serializers.SerializerMethodField()
    ip_ranges = serializers.SerializerMethodField()
    domains = serializers.SerializerMethodField()

    class Meta(OrganisationRefSerializer.Meta):
        fields = [
            *OrganisationRefSerializer.Meta.fields,
            "contact_name",
            "contact_email",
            "join_code",
            "seats",
            "ip_ranges",
            "domains",
        ]

    @extend_schema_field(SeatsSerializer)
    def get_seats(self, organisation: Organisation) -> dict:
        return {"total": organisation.seats, "used": self.context["seats_used"]}

    def get_ip_ranges(self, organisation: Organisation) -> list[str]:
        return [r.cidr for r in organisation.ip_ranges.all()]

    def get_domains(self, organisation: Organisation) -> list[str]:
        return [d.domain for d in organisation.domains.all()]
