from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from subscriptions.serializers import OfferSerializer

from .models import Article, Author, Brief, Note, Rubric
from .selectors import is_locked

PAYWALL_MESSAGE = "Il vous reste {percent}% de l'article à lire"


class RubricSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rubric
        fields = ["slug", "name"]


class AuthorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["slug", "full_name"]


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    caption = serializers.CharField(source="image_caption")
    credit = serializers.CharField(source="image_credit")

    def get_url(self, article) -> str | None:
        return article.image_url or None


class ArticleSummarySerializer(serializers.ModelSerializer):
    rubric = RubricSerializer()
    authors = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "rubric",
            "standfirst",
            "authors",
            "access",
            "locked",
            "reading_minutes",
            "published_at",
            "updated_at",
            "image",
        ]

    @extend_schema_field(AuthorRefSerializer(many=True))
    def get_authors(self, article) -> list[dict]:
        return AuthorRefSerializer([b.author for b in article.bylines.all()], many=True).data

    def get_locked(self, article) -> bool:
        return is_locked(article, reader=self.context["reader"])

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, article) -> dict | None:
        has_image = article.image_url or article.image_caption or article.image_credit
        return ImageSerializer(article).data if has_image else None


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["number", "text", "url"]


class ContentSerializer(serializers.Serializer):
    complete = serializers.BooleanField()
    html = serializers.CharField()
    remaining_percent = serializers.IntegerField(required=False)
    notes = NoteSerializer(many=True)


class PaywallSerializer(serializers.Serializer):
    message = serializers.CharField()
    reason = serializers.ChoiceField(choices=["login_required", "subscription_required"])
    offers = OfferSerializer(many=True)


class SeriesRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    total = serializers.IntegerField()


class ArticleDetailSerializer(ArticleSummarySerializer):
    """The article as this reader may see it; the view passes what the selector decided."""

    content = serializers.SerializerMethodField()
    paywall = serializers.SerializerMethodField()
    series = serializers.SerializerMethodField()

    class Meta(ArticleSummarySerializer.Meta):
        fields = [*ArticleSummarySerializer.Meta.fields, "series", "content", "paywall"]

    def get_locked(self, article) -> bool:
        return article.is_locked

    @extend_schema_field(ContentSerializer)
    def get_content(self, article) -> dict:
        notes = NoteSerializer(self.context["notes"], many=True).data
        if not article.is_locked:
            return {"complete": True, "html": article.full_html, "notes": notes}
        return {
            "complete": False,
            "html": article.teaser_html,
            "remaining_percent": article.remaining_percent,
            "notes": notes,
        }

    @extend_schema_field(PaywallSerializer(allow_null=True))
    def get_paywall(self, article) -> dict | None:
        if not article.is_locked:
            return None
        reader = self.context["reader"]
        return {
            "message": PAYWALL_MESSAGE.format(percent=article.remaining_percent),
            "reason": "login_required" if reader.is_anonymous else "subscription_required",
            "offers": OfferSerializer(self.context["offers"], many=True).data,
        }

    @extend_schema_field(SeriesRefSerializer(allow_null=True))
    def get_series(self, article) -> dict | None:
        if article.series is None:
            return None
        return {
            "slug": article.series.slug,
            "name": article.series.name,
            "position": article.series_position,
            "total": article.series.total,
        }


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["slug", "full_name", "organisation", "titles", "website", "bio"]


class BriefSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article_slug", allow_null=True)

    class Meta:
        model = Brief
        fields = ["id", "published_at", "text", "article"]
