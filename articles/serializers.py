from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from subscriptions.serializers import OfferSerializer

from . import dates
from .models import Article, Author, Brief, Comment, Note, Rubric, Series
from .selectors import is_locked
from .structured_data import news_article

PAYWALL_MESSAGE = "Il vous reste {percent}% de l'article à lire"
COMMENT_MAX_CHARS = 3000
ANONYMOUS_COMMENTER = "Un lecteur"


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
    published_display = serializers.SerializerMethodField()
    updated_display = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(read_only=True)

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
            "published_display",
            "updated_at",
            "updated_display",
            "comment_count",
            "image",
        ]

    @extend_schema_field(AuthorRefSerializer(many=True))
    def get_authors(self, article) -> list[dict]:
        return AuthorRefSerializer([b.author for b in article.bylines.all()], many=True).data

    def get_locked(self, article) -> bool:
        return is_locked(article, reader=self.context["reader"])

    def get_published_display(self, article) -> str:
        return dates.published_display(article.published_at)

    def get_updated_display(self, article) -> str | None:
        return dates.updated_display(
            published_at=article.published_at,
            updated_at=article.updated_at,
            now=self.context["now"],
        )

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


class SeriesPartSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    position = serializers.IntegerField(source="series_position")


class SeriesRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    total = serializers.IntegerField()
    parts = SeriesPartSerializer(many=True, help_text="The published parts, this one included.")


class ArticleDetailSerializer(ArticleSummarySerializer):
    """The article as this reader may see it; the view passes what the selector decided."""

    content = serializers.SerializerMethodField()
    paywall = serializers.SerializerMethodField()
    series = serializers.SerializerMethodField()
    structured_data = serializers.SerializerMethodField()

    class Meta(ArticleSummarySerializer.Meta):
        fields = [
            *ArticleSummarySerializer.Meta.fields,
            "series",
            "content",
            "paywall",
            "structured_data",
        ]

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
            "parts": SeriesPartSerializer(self.context["series_parts"], many=True).data,
        }

    def get_structured_data(self, article) -> dict:
        """schema.org NewsArticle JSON-LD; no articleBody for a locked article."""
        authors = [byline.author for byline in article.bylines.all()]
        return news_article(article, authors=authors, locked=article.is_locked)


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["slug", "full_name", "organisation", "titles", "website", "bio"]


class BriefSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article_slug", allow_null=True)
    published_display = serializers.SerializerMethodField()

    class Meta:
        model = Brief
        fields = ["id", "published_at", "published_display", "text", "article"]

    def get_published_display(self, brief) -> str:
        return dates.brief_display(brief.published_at)


class CommentSerializer(serializers.ModelSerializer):
    """A comment is plain text: clients must show `body` as text, never as HTML."""

    author = serializers.SerializerMethodField()
    body = serializers.CharField(min_length=2, max_length=COMMENT_MAX_CHARS)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "status", "created_at"]
        read_only_fields = ["status", "created_at"]

    def get_author(self, comment) -> str:
        # Never the email address: it is private.
        return comment.user.get_full_name() or ANONYMOUS_COMMENTER


class SeriesPartSummarySerializer(ArticleSummarySerializer):
    position = serializers.IntegerField(source="series_position")

    class Meta(ArticleSummarySerializer.Meta):
        fields = ["position", *ArticleSummarySerializer.Meta.fields]


class SeriesSerializer(serializers.ModelSerializer):
    parts = SeriesPartSummarySerializer(many=True, read_only=True, help_text="Published parts.")

    class Meta:
        model = Series
        fields = ["slug", "name", "total", "parts"]
