"""What licences opened, as libraries count it: COUNTER Release 5 item requests.

Each time a licence opens an article's text (its detail read with GET), the month's row
of (organisation, article) counts one `Total_Item_Requests`, and one
`Unique_Item_Requests` when it is the first time in that hour for that user-session
(COUNTER 5.0.2, 7.3: user-session + item + date + hour). A session is the reader's
account, or without one the address they read from with their browser's user agent: two
browsers behind one hospital's address are two readers. Like COUNTER (7.2), two opens of
one article by one session within DOUBLE_CLICK_SECONDS are one request.

No reading history is kept: only the monthly counters. Whether a session already opened
an article this hour, or a moment ago, is a salted hash in the shared cache that expires
at the end of the hour or of the double-click window; nothing ties it back to a reader.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from imago import csv_export
from licences.models import Organisation

from .models import LicenceUsage
from .reading import ArticleReading, Reader

logger = logging.getLogger(__name__)

DOUBLE_CLICK_SECONDS = 30
# Release 5.0 (5.0.2), which harvesters read in JSON and in tabular form alike.
REPORT_ID, REPORT_NAME, RELEASE = "IR", "Item Master Report", "5"
TOTAL = "Total_Item_Requests"
UNIQUE = "Unique_Item_Requests"
METRIC_TYPES = (TOTAL, UNIQUE)
# COUNTER's month columns: English abbreviations, whatever the site's language.
MONTH_ABBREVIATIONS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def months_between(begin: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """The first days of the months from `begin`'s to `end`'s, both included."""
    months = []
    month = month_start(begin)
    while month <= end:
        months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return tuple(months)


def _first_click(key: str, at: dt.datetime) -> bool:
    """Whether this open is not a double-click: none of the same within the window before.

    As COUNTER has it, opens less than DOUBLE_CLICK_SECONDS apart count once, however
    many follow each other.
    """
    last = cache.get(key)
    cache.set(key, at.timestamp(), DOUBLE_CLICK_SECONDS)
    return last is None or not 0 <= at.timestamp() - last < DOUBLE_CLICK_SECONDS


def _first_this_hour(key: str, at: dt.datetime) -> bool:
    # The hour in UTC: Paris's clocks go back once a year and would repeat one.
    hour = at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    left = hour + dt.timedelta(hours=1) - at
    return bool(cache.add(f"{key}:{hour:%Y-%m-%dT%H}", 1, max(1, int(left.total_seconds()))))


def licence_reading_count(
    *,
    reader: Reader,
    reading: ArticleReading,
    method: str,
    user_agent: str,
    at: dt.datetime | None = None,
) -> None:
    """Count an article's text sent because a licence opened it (nothing for any other
    way in, nor for a HEAD request, which sends no text). `user_agent` is the request's
    User-Agent header: with the address, the session of a reader without an account.

    Never fails the reading: a cache or database error is logged and the request
    is not counted.
    """
    entitlement = reader.entitlement
    opened_by_licence = reading.access is not None and reading.access.via == "licence"
    if method != "GET" or not opened_by_licence or entitlement is None:
        return
    assert entitlement.organisation_id is not None
    article = reading.article
    at = timezone.localtime(at)
    session = (
        f"user:{reader.user.pk}"
        if not reader.is_anonymous
        else f"address:{reader.client_address}|agent:{user_agent}"
    )
    token = salted_hmac(
        "articles.usage", f"{entitlement.organisation_id}:{article.pk}:{session}"
    ).hexdigest()
    try:
        clicked = _first_click(f"licence-usage:click:{token}", at)
        this_hour = _first_this_hour(f"licence-usage:hour:{token}", at)
        if clicked or this_hour:
            _counters_add(
                organisation_id=entitlement.organisation_id,
                article_id=article.pk,
                month=month_start(at.date()),
                unique=int(this_hour),
            )
    except (DatabaseError, RedisError):
        logger.warning("Licence usage not counted", exc_info=True)


def _counters_add(*, organisation_id: int, article_id: int, month: dt.date, unique: int) -> None:
    row = LicenceUsage.objects.filter(
        organisation_id=organisation_id, article_id=article_id, month=month
    )
    increments = {
        "total_item_requests": F("total_item_requests") + 1,
        "unique_item_requests": F("unique_item_requests") + unique,
    }
    # Savepoints: a failure (or a concurrent first count) leaves the request's own
    # transaction, when there is one, as it was.
    with transaction.atomic():
        if row.update(**increments):
            return
        try:
            with transaction.atomic():
                LicenceUsage.objects.create(
                    organisation_id=organisation_id,
                    article_id=article_id,
                    month=month,
                    total_item_requests=1,
                    unique_item_requests=unique,
                )
        except IntegrityError:  # another request made the row first
            row.update(**increments)


# --- The report ------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageItem:
    """One article and one metric: its count in each month of the report."""

    title: str
    slug: str
    url: str
    metric_type: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class UsageReport:
    """COUNTER R5 Item Master Report (IR) of an organisation's licence over whole months."""

    organisation: Organisation
    months: tuple[dt.date, ...]
    items: tuple[UsageItem, ...]
    created_at: dt.datetime

    @property
    def begin(self) -> dt.date:
        return self.months[0]

    @property
    def end(self) -> dt.date:
        return month_end(self.months[-1])


def usage_report(
    *, organisation: Organisation, begin: dt.date, end: dt.date, at: dt.datetime | None = None
) -> UsageReport:
    """Item requests by article and month, from `begin`'s month to `end`'s, both included.

    Articles with no request in the period are left out, as COUNTER leaves out zeros.
    """
    months = months_between(begin, end)
    rows = (
        LicenceUsage.objects.filter(
            organisation=organisation, month__gte=months[0], month__lte=months[-1]
        )
        .values("article__title", "article__slug", "month")
        .annotate(total=Sum("total_item_requests"), unique=Sum("unique_item_requests"))
        .order_by("article__title", "article__slug", "month")
    )
    by_article: dict[tuple[str, str], dict[dt.date, tuple[int, int]]] = {}
    for row in rows:
        key = (row["article__title"], row["article__slug"])
        by_article.setdefault(key, {})[row["month"]] = (row["total"], row["unique"])
    items = []
    # Sorted here, not by the database: collations differ, reports must not.
    for (title, slug), counts in sorted(by_article.items()):
        url = settings.ARTICLE_URL_TEMPLATE.format(slug=slug)
        for index, metric in enumerate(METRIC_TYPES):
            items.append(
                UsageItem(
                    title=title,
                    slug=slug,
                    url=url,
                    metric_type=metric,
                    counts=tuple(counts.get(month, (0, 0))[index] for month in months),
                )
            )
    return UsageReport(
        organisation=organisation,
        months=months,
        items=tuple(items),
        created_at=at or timezone.now(),
    )


def _created(report: UsageReport) -> str:
    return report.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _institution_id(report: UsageReport) -> str:
    return f"imago:{report.organisation.slug}"


def _proprietary_id(item: UsageItem) -> str:
    return f"imago:{item.slug}"


def month_label(month: dt.date) -> str:
    """A month column as COUNTER names it: "Jan-2026"."""
    return f"{MONTH_ABBREVIATIONS[month.month - 1]}-{month.year}"


# The IR's columns (COUNTER 5.0.2, 4.4.1): the identifiers' columns are mandatory, empty
# where an article has none; Data_Type, Access_Type and Access_Method are attributes,
# shown because Report_Attributes says so.
ATTRIBUTES_TO_SHOW = "Data_Type|Access_Type|Access_Method"
TABULAR_COLUMNS = (
    "Item",
    "Publisher",
    "Publisher_ID",
    "Platform",
    "DOI",
    "Proprietary_ID",
    "ISBN",
    "Print_ISSN",
    "Online_ISSN",
    "URI",
    "Data_Type",
    "Access_Type",
    "Access_Method",
    "Metric_Type",
    "Reporting_Period_Total",
)


def usage_report_rows(report: UsageReport) -> list[list[csv_export.Cell]]:
    """The report as COUNTER's tabular IR: a header block, a blank row, then a row per
    article and metric with the period's total and one column per month."""
    site = settings.SITE_NAME
    header: list[list[csv_export.Cell]] = [
        ["Report_Name", REPORT_NAME],
        ["Report_ID", REPORT_ID],
        ["Release", RELEASE],
        ["Institution_Name", report.organisation.name],
        ["Institution_ID", f"Proprietary:{_institution_id(report)}"],
        ["Metric_Types", "; ".join(METRIC_TYPES)],
        ["Report_Filters", "Data_Type=Article; Access_Method=Regular"],
        ["Report_Attributes", f"Attributes_To_Show={ATTRIBUTES_TO_SHOW}"],
        ["Exceptions", ""],
        ["Reporting_Period", f"Begin_Date={report.begin}; End_Date={report.end}"],
        ["Created", _created(report)],
        ["Created_By", site],
    ]
    columns: list[csv_export.Cell] = [
        *TABULAR_COLUMNS,
        *(month_label(month) for month in report.months),
    ]
    rows: list[list[csv_export.Cell]] = [
        [
            item.title,
            site,
            "",
            site,
            "",
            _proprietary_id(item),
            "",
            "",
            "",
            item.url,
            "Article",
            "Controlled",
            "Regular",
            item.metric_type,
            item.total,
            *item.counts,
        ]
        for item in report.items
    ]
    return [*header, [], columns, *rows]


def usage_report_tabular(report: UsageReport, *, separator: str = csv_export.TAB) -> str:
    """The tabular report as text: TSV (COUNTER's format) by default, or CSV with `;` or
    `,`; a byte order mark first (a SHOULD of COUNTER for tabular reports), text cells that look
    like formulas quoted, counts as they are."""
    return csv_export.spreadsheet_text(usage_report_rows(report), separator=separator)


def tabular_filename(report: UsageReport, extension: str) -> str:
    return f"IR_{report.organisation.slug}_{report.begin:%Y-%m}_{report.end:%Y-%m}.{extension}"


def usage_report_json(report: UsageReport) -> dict[str, Any]:
    """The report as COUNTER_SUSHI's JSON IR: a header, then each article with, per month
    that counted anything, its metrics."""
    site = settings.SITE_NAME
    by_slug: dict[str, list[UsageItem]] = {}
    for item in report.items:
        by_slug.setdefault(item.slug, []).append(item)
    report_items = []
    for items in by_slug.values():
        performance = []
        for index, month in enumerate(report.months):
            instances = [
                {"Metric_Type": item.metric_type, "Count": item.counts[index]}
                for item in items
                if item.counts[index]
            ]
            if instances:
                performance.append(
                    {
                        "Period": {
                            "Begin_Date": month.isoformat(),
                            "End_Date": month_end(month).isoformat(),
                        },
                        "Instance": instances,
                    }
                )
        report_items.append(
            {
                "Item": items[0].title,
                "Item_ID": [
                    {"Type": "Proprietary", "Value": _proprietary_id(items[0])},
                    {"Type": "URI", "Value": items[0].url},
                ],
                "Platform": site,
                "Publisher": site,
                "Data_Type": "Article",
                "Access_Type": "Controlled",
                "Access_Method": "Regular",
                "Performance": performance,
            }
        )
    return {
        "Report_Header": {
            "Created": _created(report),
            "Created_By": site,
            "Customer_ID": report.organisation.slug,
            "Report_ID": REPORT_ID,
            "Release": RELEASE,
            "Report_Name": REPORT_NAME,
            "Institution_Name": report.organisation.name,
            "Institution_ID": [{"Type": "Proprietary", "Value": _institution_id(report)}],
            "Report_Filters": [
                {"Name": "Begin_Date", "Value": report.begin.isoformat()},
                {"Name": "End_Date", "Value": report.end.isoformat()},
                {"Name": "Data_Type", "Value": "Article"},
                {"Name": "Access_Method", "Value": "Regular"},
            ],
            "Report_Attributes": [{"Name": "Attributes_To_Show", "Value": ATTRIBUTES_TO_SHOW}],
            "Exceptions": [],
        },
        "Report_Items": report_items,
    }
