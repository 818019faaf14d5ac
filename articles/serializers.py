from datetime import date, datetime
from typing import Any, get_args

from rest_framework import serializers

from imago.csv_export import DEFAULT_SEPARATOR, SEPARATOR_INVALID, SEPARATORS
from subscriptions.serializers import OfferSerializer

from . import dates
from .gifts import GIFT_MESSAGE
from .models import Article, Author, Brief, Comment, Gift, Note, Rubric
from .reading import ArticleReading, Paywall, Reason, Unlock, Via
from .structured_data import news_article
from .usage import month_start, months_between

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
    url = serializers.URLField(allow_null=True)
    caption = serializers.CharField()
    credit = serializers.CharField()


_DATETIME = serializers.DateTimeField()


def article_summary(
    article: Article, *, locked: bool, now: datetime, unlock: str | None = None
) -> dict[str, Any]:
    """An article's summary as the API shows it, built straight from its row: the one
    place that writes it, for lists and the detail alike.

    A list page holds up to a hundred summaries: building the nested serializers of
    each row (rubric, authors, image) took a quarter of the request. The serializers
    below describe the same fields, for the schema.
    """
    has_image = article.image_url or article.image_caption or article.image_credit
    published_at = article.published_at
    assert published_at is not None  # a summary is of a published article
    return {
        "slug": article.slug,
        "title": article.title,
        "rubric": {"slug": article.rubric.slug, "name": article.rubric.name},
        "standfirst": article.standfirst,
        "authors": [
            {"slug": byline.author.slug, "full_name": byline.author.full_name}
            for byline in article.byline_list
        ],
        "access": article.access,
        "locked": locked,
        "unlock": unlock if locked else None,
        "reading_minutes": article.reading_minutes,
        "published_at": _DATETIME.to_representation(published_at),
        "published_display": dates.published_display(published_at),
        "updated_at": _DATETIME.to_representation(article.updated_at),
        "updated_display": dates.updated_display(
            published_at=published_at, updated_at=article.updated_at, now=now
        ),
        "comment_count": article.comment_count,
        "image": {
            "url": article.image_url or None,
            "caption": article.image_caption,
            "credit": article.image_credit,
        }
        if has_image
        else None,
    }


class ArticleSummarySerializer(serializers.ModelSerializer):
    """What every list shows of an article."""

    # `article_summary` writes it; these fields describe it for the schema.

    rubric = RubricSerializer()
    authors = AuthorRefSerializer(many=True, read_only=True)
    locked = serializers.BooleanField(
        read_only=True,
        help_text="True when reading it in full needs what the caller lacks: a subscription "
        "(or another way in), or a credit of the monthly meter.",
    )
    unlock = serializers.ChoiceField(
        choices=list(get_args(Unlock)),
        allow_null=True,
        read_only=True,
        help_text="When locked, what would open it: `meter`, a credit of the monthly meter "
        "(for an anonymous caller, once signed in to a free account: the detail spends it), "
        "or `subscription` (only a subscription or another way in: the meter is spent or "
        "off, or the article is never metered). Null when not locked.",
    )
    image = ImageSerializer(allow_null=True, read_only=True)
    published_display = serializers.CharField(read_only=True)
    updated_display = serializers.CharField(allow_null=True, read_only=True)
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
            "unlock",
            "reading_minutes",
            "published_at",
            "published_display",
            "updated_at",
            "updated_display",
            "comment_count",
            "image",
        ]

    def to_representation(self, article: Article) -> dict[str, Any]:
        return article_summary(
            article, locked=article.locked, unlock=article.unlock, now=self.context["now"]
        )


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["number", "text", "url"]


class ContentSerializer(serializers.Serializer):
    complete = serializers.BooleanField()
    html = serializers.CharField()
    remaining_percent = serializers.IntegerField(
        required=False, help_text="Only when not complete: the share of the text still hidden."
    )
    notes = NoteSerializer(many=True)

    def to_representation(self, reading: ArticleReading) -> dict:
        content = {
            "complete": reading.complete,
            "html": reading.html,
            "notes": NoteSerializer(reading.notes, many=True).data,
        }
        if not reading.complete:
            content["remaining_percent"] = reading.remaining_percent
        return content


class AccessSerializer(serializers.Serializer):
    """How the article was opened; the keys that do not apply to `via` are left out."""

    via = serializers.ChoiceField(
        choices=list(get_args(Via)), help_text="How the article was opened to the caller."
    )
    used = serializers.IntegerField(
        required=False,
        help_text="`meter` only: subscriber-only articles read with the meter this calendar "
        "month (Europe/Paris), this one included.",
    )
    limit = serializers.IntegerField(
        required=False, help_text="`meter` only: how many the meter opens a month."
    )
    resets_at = serializers.DateTimeField(
        required=False, help_text="`meter` only: when the count starts again (next month)."
    )
    organisation = serializers.CharField(
        required=False, help_text="`licence` only: the organisation whose licence opened it."
    )
    message = serializers.CharField(
        required=False,
        help_text=f"What to tell the reader: the meter's count (`meter`), "
        f"« {GIFT_MESSAGE} » (`gift`), « Accès offert par {{organisation}} » (`licence`).",
    )
    offers = OfferSerializer(
        many=True,
        required=False,
        help_text="`gift` only: the offers to show beside a gifted article, so that its "
        "reader may subscribe (`paywall` is null: the article is open).",
    )

    def to_representation(self, instance) -> dict[str, Any]:
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if value is not None}


class PaywallSerializer(serializers.Serializer):
    message = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=list(get_args(Reason)),
        help_text="`login_required`: anonymous (the message says what a free account gives); "
        "`meter_exhausted`: signed in, the month's free articles are read (`resets_at` says "
        "when more come); `subscription_required`: signed in, only a subscription opens it "
        "(the meter is off, or the article is never metered).",
    )
    offers = OfferSerializer(many=True)
    resets_at = serializers.DateTimeField(
        required=False, help_text="`meter_exhausted` only: when the meter starts again."
    )

    def to_representation(self, paywall: Paywall) -> dict:
        data = {
            "message": paywall.message,
            "reason": paywall.reason,
            "offers": OfferSerializer(paywall.offers, many=True).data,
        }
        if paywall.resets_at is not None:
            data["resets_at"] = serializers.DateTimeField().to_representation(paywall.resets_at)
        return data


class SeriesPartSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    position = serializers.IntegerField(source="series_position")


class SeriesRefSerializer(serializers.Serializer):
    slug = serializers.CharField(source="series.slug")
    name = serializers.CharField(source="series.name")
    position = serializers.IntegerField()
    total = serializers.IntegerField(source="series.total")
    parts = SeriesPartSerializer(many=True, help_text="The published parts, this one included.")


class ArticleDetailSerializer(ArticleSummarySerializer):
    """An article as the caller may read it: its summary, then its content and paywall."""

    locked = serializers.BooleanField(read_only=True)
    series = SeriesRefSerializer(allow_null=True, read_only=True)
    content = ContentSerializer(source="*", read_only=True)
    access = AccessSerializer(
        allow_null=True, read_only=True, help_text="How it was opened; null when locked."
    )
    paywall = PaywallSerializer(allow_null=True, read_only=True)
    structured_data = serializers.SerializerMethodField()

    class Meta(ArticleSummarySerializer.Meta):
        fields = [
            *ArticleSummarySerializer.Meta.fields,
            "series",
            "content",
            "access",
            "paywall",
            "structured_data",
        ]

    def to_representation(self, reading: ArticleReading) -> dict:  # type: ignore[override]
        def optional(serializer: type[serializers.Serializer], value: Any) -> Any:
            return None if value is None else serializer(value).data

        return {
            **article_summary(
                reading.article,
                locked=reading.locked,
                unlock=reading.unlock,
                now=self.context["now"],
            ),
            "series": optional(SeriesRefSerializer, reading.series),
            "content": ContentSerializer(reading).data,
            "access": optional(AccessSerializer, reading.access),
            "paywall": optional(PaywallSerializer, reading.paywall),
            "structured_data": self.get_structured_data(reading),
        }

    def get_structured_data(self, reading: ArticleReading) -> dict:
        """schema.org NewsArticle JSON-LD; no articleBody for a locked article."""
        return news_article(reading)


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["slug", "full_name", "organisation", "titles", "website", "bio"]


class ArticlePageSerializer(serializers.Serializer):
    """A page of article summaries, newest first: follow `next` and `previous` as they are."""

    next = serializers.URLField(allow_null=True, help_text="The following page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The page before; null on the first."
    )
    results = ArticleSummarySerializer(many=True)


class AuthorDetailSerializer(AuthorSerializer):
    """An author's profile and a page of their published articles, newest first."""

    articles = ArticlePageSerializer(read_only=True)

    class Meta(AuthorSerializer.Meta):
        fields = [*AuthorSerializer.Meta.fields, "articles"]


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

    def to_representation(self, article: Article) -> dict[str, Any]:
        return {"position": article.series_position, **super().to_representation(article)}


class SeriesSerializer(serializers.Serializer):
    """A series and its published parts, in order."""

    slug = serializers.CharField(source="series.slug")
    name = serializers.CharField(source="series.name")
    total = serializers.IntegerField(source="series.total")
    parts = SeriesPartSummarySerializer(many=True, read_only=True, help_text="Published parts.")


class GiftArticleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class GiftLinkSerializer(serializers.Serializer):
    """A gift just made: its link is shown this once (only a hash of its token is kept)."""

    id = serializers.IntegerField(source="gift.id", help_text="To revoke it: `me/gifts/{id}/`.")
    url = serializers.URLField(
        help_text="The article's page with `?gift=…`: whoever opens it reads the article."
    )
    expires_at = serializers.DateTimeField(source="gift.expires_at")


class GiftSerializer(serializers.ModelSerializer):
    """One of the caller's gifts: never its link, which is not stored."""

    article = GiftArticleSerializer(read_only=True)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Gift
        fields = [
            "id",
            "article",
            "created_at",
            "expires_at",
            "revoked",
            "revoked_at",
            "opens",
            "counted",
        ]
        read_only_fields = fields

    def get_revoked(self, gift: Gift) -> bool:
        return gift.revoked_at is not None


# --- Licence usage: COUNTER R5 Item Master Report ---------------------------------------

MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
MONTH_INVALID = "Un mois s'écrit AAAA-MM, par exemple 2026-11."
# begin_date and end_date as SUSHI gives them too: a day, which stands for its month.
DATE_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$"
DATE_INVALID = (
    "Un mois s'écrit AAAA-MM, par exemple 2026-11, ou par une date de ce mois AAAA-MM-JJ."
)
PERIOD_MIXED = "Donnez soit `month`, soit `begin_date` et `end_date`."
PERIOD_REVERSED = "La fin de la période précède son début."
PERIOD_MAX_MONTHS = 36
PERIOD_TOO_LONG = f"Une période couvre {PERIOD_MAX_MONTHS} mois au plus."


def _month_field() -> serializers.RegexField:
    return serializers.RegexField(
        MONTH_PATTERN, required=False, error_messages={"invalid": MONTH_INVALID}
    )


def _date_field() -> serializers.RegexField:
    return serializers.RegexField(
        DATE_PATTERN, required=False, error_messages={"invalid": DATE_INVALID}
    )


def _first_of_month(value: str) -> date:
    """The month of `YYYY-MM` or of `YYYY-MM-DD` (a real day: not 2026-02-30)."""
    try:
        return date.fromisoformat(value if len(value) > len("YYYY-MM") else f"{value}-01")
    except ValueError:
        raise serializers.ValidationError(DATE_INVALID) from None


class UsagePeriodSerializer(serializers.Serializer):
    """The months a report covers: one (`month`), or from `begin_date` to `end_date`
    (`YYYY-MM`, or as SUSHI clients send them `YYYY-MM-DD`: the day's month)."""

    month = _month_field()
    begin_date = _date_field()
    end_date = _date_field()

    def validate_begin_date(self, value: str) -> str:
        _first_of_month(value)
        return value

    def validate_end_date(self, value: str) -> str:
        _first_of_month(value)
        return value

    def validate(self, data: dict[str, str]) -> dict[str, Any]:
        def parse(value: str) -> date:
            return _first_of_month(value).replace(day=1)

        if "month" in data and ("begin_date" in data or "end_date" in data):
            raise serializers.ValidationError({"month": [PERIOD_MIXED]})
        current = month_start(self.context["today"])
        if "month" in data:
            begin = end = parse(data["month"])
        else:
            first = parse(data["begin_date"]) if "begin_date" in data else None
            last = parse(data["end_date"]) if "end_date" in data else None
            begin, end = first or last or current, last or first or current
        if end < begin:
            raise serializers.ValidationError({"end_date": [PERIOD_REVERSED]})
        if len(months_between(begin, end)) > PERIOD_MAX_MONTHS:
            raise serializers.ValidationError({"end_date": [PERIOD_TOO_LONG]})
        return {"begin": begin, "end": end}


class SeparatorSerializer(serializers.Serializer):
    """How a CSV download separates its cells (imago/csv_export.py)."""

    sep = serializers.ChoiceField(
        choices=list(SEPARATORS),
        default=DEFAULT_SEPARATOR,
        error_messages={"invalid_choice": SEPARATOR_INVALID},
    )


class CounterIdentifierSerializer(serializers.Serializer):
    Type = serializers.CharField()
    Value = serializers.CharField()


class CounterFilterSerializer(serializers.Serializer):
    Name = serializers.CharField()
    Value = serializers.CharField()


class CounterExceptionSerializer(serializers.Serializer):
    Code = serializers.IntegerField()
    Severity = serializers.CharField()
    Message = serializers.CharField()


class CounterHeaderSerializer(serializers.Serializer):
    Created = serializers.DateTimeField()
    Created_By = serializers.CharField()
    Customer_ID = serializers.CharField(help_text="The organisation's slug.")
    Report_ID = serializers.ChoiceField(choices=["IR"])
    Release = serializers.ChoiceField(choices=["5"])
    Report_Name = serializers.CharField()
    Institution_Name = serializers.CharField()
    Institution_ID = CounterIdentifierSerializer(many=True)
    Report_Filters = CounterFilterSerializer(many=True)
    Report_Attributes = CounterFilterSerializer(many=True)
    Exceptions = CounterExceptionSerializer(many=True)


class CounterPeriodSerializer(serializers.Serializer):
    Begin_Date = serializers.DateField()
    End_Date = serializers.DateField()


class CounterInstanceSerializer(serializers.Serializer):
    Metric_Type = serializers.ChoiceField(choices=["Total_Item_Requests", "Unique_Item_Requests"])
    Count = serializers.IntegerField(min_value=1)


class CounterPerformanceSerializer(serializers.Serializer):
    Period = CounterPeriodSerializer()
    Instance = CounterInstanceSerializer(many=True)


class CounterItemSerializer(serializers.Serializer):
    Item = serializers.CharField(help_text="The article's title.")
    Item_ID = CounterIdentifierSerializer(
        many=True, help_text="`Proprietary` (imago:{slug}) and `URI` (where it is read)."
    )
    Platform = serializers.CharField()
    Publisher = serializers.CharField()
    Data_Type = serializers.CharField()
    Access_Type = serializers.CharField()
    Access_Method = serializers.CharField()
    Performance = CounterPerformanceSerializer(many=True, help_text="Months with requests only.")


class UsageReportSerializer(serializers.Serializer):
    """COUNTER Release 5 Item Master Report (IR), as COUNTER_SUSHI serves it: counts only, never
    who read."""

    Report_Header = CounterHeaderSerializer()
    Report_Items = CounterItemSerializer(many=True)
