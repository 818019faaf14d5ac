from rest_framework import serializers

from .models import ClubBenefit

TEASER = ["id", "title", "starts_at", "ends_at", "locked"]
RESERVED = ["text", "place", "url", "code"]


class ClubBenefitSerializer(serializers.ModelSerializer):
    """A benefit of the club: `text`, `place`, `url` and `code` for a reader with access only."""

    locked = serializers.SerializerMethodField(
        help_text="True for a reader without access: then only the title and the dates."
    )

    class Meta:
        model = ClubBenefit
        fields = TEASER + RESERVED
        # Left out of a teaser: the schema marks them optional.
        extra_kwargs = {name: {"required": False} for name in RESERVED}

    def get_locked(self, benefit: ClubBenefit) -> bool:
        return False


class ClubBenefitTeaserSerializer(ClubBenefitSerializer):
    """What anyone else sees of a benefit: its title and its dates."""

    class Meta(ClubBenefitSerializer.Meta):
        fields = TEASER

    def get_locked(self, benefit: ClubBenefit) -> bool:
        return True
