from http import HTTPStatus
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from imago import cache_control, csv_export
from imago.negotiation import OneFormat
from imago.pagination import NewestFirstPagination, RankedPagination
from imago.throttling import CommentThrottle
from licences.selectors import ORGANISATION_NOT_FOUND, managed_organisation

from . import gifts, selectors, services, usage
from .filters import ArticleFilter
from .models import Article, Comment, Gift, Rubric
from .reading import Reader, reader_of
from .serializers import (
    DATE_PATTERN,
    MONTH_PATTERN,
    PERIOD_MAX_MONTHS,
    ArticleDetailSerializer,
    ArticleSummarySerializer,
    AuthorDetailSerializer,
    AuthorSerializer,
    BriefSerializer,
    CommentSerializer,
    GiftLinkSerializer,
    GiftSerializer,
    RubricSerializer,
    SeparatorSerializer,
    SeriesSerializer,
    UsagePeriodSerializer,
    UsageReportSerializer,
)


class ReaderMixin(generics.GenericAPIView):
    """Decide once per request whether the reader has access; everything else reads it."""

    @property
    def reader(self) -> Reader:
        return reader_of(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        reader: Reader | None = getattr(request, "reader", None)
        if reader is not None and reader.personal:
            # A gift link (or any door of the reader's own) opened something: no shared
            # cache may keep it for anyone else (the one rule: imago/cache_control.py).
            cache_control.mark_personal(response)
        return response


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {
                    "type": "string",
                    "maxLength": ArticleFilter.base_filters["q"].extra["max_length"],
                },
                description="Words to find, all of them: in the text past the split only "
                "where the caller may read it.",
            ),
            OpenApiParameter(
                "access",
                {"type": "string", "enum": ["", *Article.Access.values]},
                description="`free` or `subscribers`; empty: either.",
            ),
            OpenApiParameter("rubric", str, description="A rubric's slug."),
            OpenApiParameter("author", str, description="An author's slug."),
            OpenApiParameter(
                RankedPagination.page_query_param,
                {"type": "integer", "minimum": 1, "maximum": RankedPagination.max_page},
                description=f"With `q` only: the page of the search, from 1 to "
                f"{RankedPagination.max_page}. Without `q`, follow `next` instead "
                "(any page but 1 is a 400).",
            ),
        ]
    )
)
class ArticleList(ReaderMixin, generics.ListAPIView):
    """Published articles, newest first, or by relevance for a search. Never a body.

    Without `q`, newest first and followed by cursor (`next`, `previous`); with `q`,
    by relevance in numbered pages, at most 50 (see imago/pagination.py).
    """

    serializer_class = ArticleSummarySerializer
    filterset_class = ArticleFilter
    pagination_class = NewestFirstPagination  # what the schema documents besides `page`

    @property
    def paginator(self) -> NewestFirstPagination | RankedPagination:
        if not hasattr(self, "_paginator"):
            searching = self.request.query_params.get("q", "").strip()
            self._paginator = RankedPagination() if searching else NewestFirstPagination()
        return self._paginator

    def get_queryset(self):
        return selectors.article_summaries(reader=self.reader)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "gift",
                str,
                description="The token of a gift link (`POST articles/{slug}/gifts/` gives "
                "the link): while valid, the article opens in full to whoever follows it "
                "(`access.via` `gift`). An expired, revoked or unknown token, one whose giver "
                "no longer has a subscription, a grant or staff, or one for another article, "
                "opens nothing.",
            )
        ]
    )
)
class ArticleDetail(ReaderMixin, generics.RetrieveAPIView):
    """The full text for a reader with access or a free article; else the teaser and paywall.

    A signed-in reader without a subscription spends a credit of the monthly meter on a
    subscriber-only article they had not opened this month, while credits last
    (`access.via` `meter`; then `paywall.reason` `meter_exhausted`).
    """

    serializer_class = ArticleDetailSerializer
    lookup_field = "slug"
    not_found_message = selectors.ARTICLE_NOT_FOUND

    def retrieve(self, request, *args, **kwargs):
        reading = services.article_read(request=request, slug=kwargs["slug"])
        return Response(self.get_serializer(reading).data)


class CommentList(ReaderMixin, generics.ListCreateAPIView):
    """The approved comments of an article, oldest first; a new one awaits moderation.

    The discussion of a subscriber-only article is open to readers with access only.
    """

    serializer_class = CommentSerializer
    queryset = Comment.objects.none()  # tells the schema the model; get_queryset serves
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_scope = "comments"
    not_found_message = selectors.ARTICLE_NOT_FOUND
    error_responses = {
        401: "Signed out, for the discussion of a subscriber-only article (`login_required`), "
        "or credentials invalid; or signed out to comment (`not_authenticated`).",
        403: "The discussion of a subscriber-only article, for a reader without access "
        "(`subscription_required`); or a session without its CSRF token.",
    }

    def get_throttles(self):
        return [CommentThrottle()] if self.request.method == "POST" else []

    def article(self):
        return selectors.discussion_article(slug=self.kwargs["slug"], reader=self.reader)

    def get_queryset(self):
        return selectors.approved_comments(self.article())

    @extend_schema(responses={HTTPStatus.CREATED: CommentSerializer})
    def post(self, request, *args, **kwargs):
        article = self.article()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(
            article=article, user=request.user, body=serializer.validated_data["body"]
        )
        return Response(self.get_serializer(comment).data, status=HTTPStatus.CREATED)


class AuthorList(generics.ListAPIView):
    serializer_class = AuthorSerializer
    queryset = selectors.author_list()


# The paginator's own parameters: drf-spectacular lists them by itself for list views only.
PAGE_PARAMETERS = [
    OpenApiParameter(
        parameter["name"],
        parameter["schema"],
        OpenApiParameter.QUERY,
        description=parameter["description"],
    )
    for parameter in NewestFirstPagination().get_schema_operation_parameters(None)
]


@extend_schema_view(get=extend_schema(parameters=PAGE_PARAMETERS, responses=AuthorDetailSerializer))
class AuthorDetail(ReaderMixin, generics.RetrieveAPIView):
    """The author's profile and their published articles, newest first, by cursor."""

    serializer_class = AuthorSerializer
    lookup_field = "slug"
    queryset = selectors.author_list()
    not_found_message = selectors.AUTHOR_NOT_FOUND
    pagination_class = NewestFirstPagination

    def retrieve(self, request, *args, **kwargs):
        author = self.get_object()
        articles = selectors.article_summaries(reader=self.reader).filter(authors=author)
        page = self.paginate_queryset(articles)
        response = self.get_paginated_response(
            ArticleSummarySerializer(page, many=True, context=self.get_serializer_context()).data
        )
        response.data = {**self.get_serializer(author).data, "articles": response.data}
        return response


class SeriesDetail(ReaderMixin, generics.RetrieveAPIView):
    """A series and its published parts, in order."""

    serializer_class = SeriesSerializer
    not_found_message = selectors.SERIES_NOT_FOUND

    def retrieve(self, request, *args, **kwargs):
        listing = selectors.series_listing(slug=kwargs["slug"], reader=self.reader)
        return Response(self.get_serializer(listing).data)


class RubricList(generics.ListAPIView):
    serializer_class = RubricSerializer
    queryset = Rubric.objects.all()


class BriefList(generics.ListAPIView):
    serializer_class = BriefSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.brief_list()


class ArticleGiftCreate(generics.GenericAPIView):
    """Gift an article: a link whose follower reads it in full, no account needed.

    For a reader with access of their own (a subscription, a complimentary grant, staff;
    not a licence seat), within GIFTS_PER_MONTH subscriber-only articles a calendar month
    (a free article costs nothing); valid GIFT_LINK_DAYS, and while the giver keeps that
    access. The link is shown this once.
    """

    serializer_class = GiftLinkSerializer
    permission_classes = [IsAuthenticated]
    not_found_message = selectors.ARTICLE_NOT_FOUND
    error_responses = {
        403: "A reader without a subscription, a grant or staff, a licence member "
        "included (`subscription_required`), the month's gifts all "
        "given (`gift_quota_exceeded`), or a session without its CSRF token.",
    }

    @extend_schema(request=None, responses={HTTPStatus.CREATED: GiftLinkSerializer})
    def post(self, request, *args, **kwargs):
        article = get_object_or_404(
            Article.objects.published().only("id", "slug", "access"), slug=kwargs["slug"]
        )
        link = gifts.gift_create(giver=request.user, article=article)
        return Response(GiftLinkSerializer(link).data, status=HTTPStatus.CREATED)


class MyGiftList(generics.ListAPIView):
    """The caller's gifts, newest first: what each opens, until when, and how often it was
    opened. Never their links: only a hash of each token is kept."""

    serializer_class = GiftSerializer
    permission_classes = [IsAuthenticated]
    queryset = Gift.objects.none()  # tells the schema the model; get_queryset serves

    def get_queryset(self):
        giver = self.request.user
        assert isinstance(giver, User)  # IsAuthenticated
        return gifts.gifts_of(giver=giver)


class MyGift(generics.GenericAPIView):
    """One of the caller's gifts: DELETE revokes it, and its link opens nothing more."""

    serializer_class = GiftSerializer
    permission_classes = [IsAuthenticated]
    queryset = Gift.objects.none()
    not_found_message = gifts.GIFT_NOT_FOUND

    @extend_schema(responses={HTTPStatus.NO_CONTENT: None})
    def delete(self, request, *args, **kwargs):
        gifts.gift_revoke(giver=request.user, gift_id=kwargs["pk"])
        return Response(status=HTTPStatus.NO_CONTENT)


# --- Licence usage, for an organisation's licence managers ------------------------------

MONTH_PARAMETERS = [
    OpenApiParameter(
        name,
        {"type": "string", "pattern": pattern},
        description=description,
    )
    for name, pattern, description in [
        ("month", MONTH_PATTERN, "One month, `YYYY-MM` (not with `begin_date` nor `end_date`)."),
        (
            "begin_date",
            DATE_PATTERN,
            "The first month, `YYYY-MM` or (as SUSHI) `YYYY-MM-DD`, which stands for its "
            "month; default: `end_date`, else this month.",
        ),
        (
            "end_date",
            DATE_PATTERN,
            "The last month, `YYYY-MM` or `YYYY-MM-DD`; default: `begin_date`, else this month.",
        ),
    ]
]
SEPARATOR_PARAMETER = OpenApiParameter(
    "sep",
    {"type": "string", "enum": ["semicolon", "comma"]},
    description="Between cells: `semicolon` (default, for Excel in French) or `comma`.",
)
USAGE_ERRORS = {
    400: "A month not written `YYYY-MM` (or a date `YYYY-MM-DD`), an end before the "
    f"beginning, more than {PERIOD_MAX_MONTHS} months, an unknown `sep`: field errors.",
    403: "The reader is not a manager of this licence (`not_licence_manager`).",
}


class UsageReportMixin(APIView):
    permission_classes = [IsAuthenticated]
    not_found_message = ORGANISATION_NOT_FOUND
    error_responses = USAGE_ERRORS

    def report(self, request, slug: str) -> usage.UsageReport:
        organisation = managed_organisation(user=request.user, slug=slug)
        period = UsagePeriodSerializer(
            data=request.query_params, context={"today": timezone.localdate()}
        )
        period.is_valid(raise_exception=True)
        return usage.usage_report(organisation=organisation, **period.validated_data)


class OrganisationUsage(UsageReportMixin):
    """What the licence opened, month by month: a COUNTER R5 Item Master Report, in JSON.

    Per article and month, `Total_Item_Requests` and `Unique_Item_Requests`; never who read.
    """

    @extend_schema(parameters=MONTH_PARAMETERS, responses=UsageReportSerializer)
    def get(self, request, slug):
        return Response(usage.usage_report_json(self.report(request, slug)))


class OrganisationUsageCsv(UsageReportMixin):
    """The same report as a tabular CSV, to download and open in a spreadsheet: a byte
    order mark, `;` between cells unless `?sep=comma`. Errors are JSON."""

    content_negotiation_class = OneFormat  # JSON errors whatever Accept says; CSV on success

    @extend_schema(
        parameters=[*MONTH_PARAMETERS, SEPARATOR_PARAMETER],
        responses={
            (HTTPStatus.OK, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="COUNTER R5 IR, tabular (CSV, UTF-8 with a BOM)."
            )
        },
    )
    def get(self, request, slug):
        options = SeparatorSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        report = self.report(request, slug)
        return csv_export.spreadsheet_response(
            usage.usage_report_rows(report),
            separator=csv_export.SEPARATORS[options.validated_data["sep"]],
            filename=usage.tabular_filename(report, "csv"),
        )


class OrganisationUsageTsv(UsageReportMixin):
    """The same report as COUNTER's tabular TSV (tab-separated, UTF-8 with a BOM), as
    harvesters and COUNTER's own tools read it. Errors are JSON."""

    content_negotiation_class = OneFormat

    @extend_schema(
        parameters=MONTH_PARAMETERS,
        responses={
            (HTTPStatus.OK, "text/tab-separated-values"): OpenApiResponse(
                OpenApiTypes.STR, description="COUNTER R5 IR, tabular (TSV, UTF-8 with a BOM)."
            )
        },
    )
    def get(self, request, slug):
        report = self.report(request, slug)
        return csv_export.spreadsheet_response(
            usage.usage_report_rows(report),
            separator=csv_export.TAB,
            filename=usage.tabular_filename(report, "tsv"),
        )
