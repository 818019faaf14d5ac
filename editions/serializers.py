from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Edition


class EditionSerializer(serializers.ModelSerializer):
    available_from = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the caller may download it: the publication for subscribers, the "
        "public date for everyone else; null when it stays subscriber-only.",
    )
    available_to_you = serializers.BooleanField(
        read_only=True, help_text="Whether `download` answers the caller with the file now."
    )
    cover = serializers.SerializerMethodField(help_text="The cover image: a public URL.")
    download = serializers.SerializerMethodField(
        help_text="Redirects to a signed link of a few minutes (when `available_to_you`)."
    )

    class Meta:
        model = Edition
        fields = [
            "number",
            "title",
            "date",
            "published_at",
            "available_from",
            "available_to_you",
            "cover",
            "download",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_cover(self, edition: Edition) -> str:
        return self._absolute(edition.cover_path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, edition: Edition) -> str:
        return self._absolute(reverse("edition-download", kwargs={"number": edition.number}))
