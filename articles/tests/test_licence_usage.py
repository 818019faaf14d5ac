"""What a licence opened, counted as COUNTER counts it, and reported to its managers."""

import csv
import datetime as dt
import io
import re
from http import HTTPStatus
from zoneinfo import ZoneInfo

import jsonschema  # type: ignore[import-untyped]
import pytest
from celus_nigiri.counter5 import (  # type: ignore[import-untyped]
    Counter5IRReport,
    Counter5TableReport,
)
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from articles import selectors, usage
from articles.models import Article, LicenceUsage
from articles.reading import reader_for
from articles.serializers import (
    DATE_INVALID,
    MONTH_INVALID,
    PERIOD_MIXED,
    PERIOD_REVERSED,
    PERIOD_TOO_LONG,
)
from articles.tests.counter_sushi import ITEM_REPORT_SCHEMA
from articles.tests.factories import ArticleFactory
from conftest import client_for
from imago.csv_export import SEPARATOR_INVALID
from licences.tests.factories import MembershipFactory, OrganisationFactory
from subscriptions.tests.factories import ComplimentaryFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
ON_SITE, ON_SITE_TOO = "192.0.2.17", "192.0.2.18"


@pytest.fixture
def chu(db):
    return OrganisationFactory(name="CHU de Lille", slug="chu-lille", ranges=["192.0.2.0/24"])


@pytest.fixture
def article(offer):
    return ArticleFactory(slug="irm-de-demain", title="L’IRM de demain")


def open_article(client: APIClient, article: Article, method: str = "get"):
    response = getattr(client, method)(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == HTTPStatus.OK
    return response


def counters(organisation=None) -> list[tuple[str, int, int]]:
    rows = LicenceUsage.objects.all()
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    return [
        (row.article.slug, row.total_item_requests, row.unique_item_requests)
        for row in rows.select_related("article")
    ]


# --- Counting ---------------------------------------------------------------------------


def test_an_article_opened_by_the_licence_counts_one_request_this_month(chu, article):
    open_article(APIClient(REMOTE_ADDR=ON_SITE), article)

    row = LicenceUsage.objects.get()
    assert (row.organisation, row.article) == (chu, article)
    assert row.month == timezone.localdate().replace(day=1)
    assert (row.total_item_requests, row.unique_item_requests) == (1, 1)


def test_opening_it_again_at_once_is_a_double_click_counted_once(chu, article):
    client = APIClient(REMOTE_ADDR=ON_SITE)

    open_article(client, article)
    open_article(client, article)

    assert counters() == [("irm-de-demain", 1, 1)]


def test_two_browsers_behind_one_address_are_two_readers(chu, article):
    """A hospital's readers share its address (NAT): COUNTER tells them apart by the
    address *and* the user agent."""
    firefox = APIClient(REMOTE_ADDR=ON_SITE, HTTP_USER_AGENT="Mozilla/5.0 Firefox/140.0")
    chrome = APIClient(REMOTE_ADDR=ON_SITE, HTTP_USER_AGENT="Mozilla/5.0 Chrome/141.0")

    open_article(firefox, article)
    open_article(chrome, article)
    open_article(firefox, article)  # a double-click of the first

    assert counters() == [("irm-de-demain", 2, 2)]


def test_the_reading_site_counts_browsers_apart_too(chu, article):
    for agent in ["Firefox", "Chrome"]:
        page = Client(REMOTE_ADDR=ON_SITE, HTTP_USER_AGENT=agent).get(f"/articles/{article.slug}/")
        assert page.status_code == HTTPStatus.OK

    assert counters() == [("irm-de-demain", 2, 2)]


def test_each_reader_counts_apart(chu, article):
    member = MembershipFactory(organisation=chu).user

    open_article(APIClient(REMOTE_ADDR=ON_SITE), article)
    open_article(APIClient(REMOTE_ADDR=ON_SITE_TOO), article)
    open_article(client_for(member), article)

    assert counters() == [("irm-de-demain", 3, 3)]


def count_at(reader, article, at: dt.datetime, user_agent: str = "Firefox") -> None:
    reading = selectors.article_reading(slug=article.slug, reader=reader)
    usage.licence_reading_count(
        reader=reader, reading=reading, method="GET", user_agent=user_agent, at=at
    )


def test_later_the_same_day_is_one_more_request_by_the_same_reader(chu, article):
    reader = reader_for(UserFactory(), client_address=ON_SITE)
    nine = dt.datetime.combine(timezone.localdate(), dt.time(9), PARIS)

    for seconds in [0, 10, 45, 24 * 3600]:
        count_at(reader, article, nine + dt.timedelta(seconds=seconds))

    # 9:00:00 and 9:00:10 are one double-click; 9:00:45 another request in the same hour;
    # tomorrow another request and another unique one.
    assert sum(total for _slug, total, _unique in counters()) == 3
    assert sum(unique for _slug, _total, unique in counters()) == 2


def test_unique_requests_are_counted_by_session_and_hour(chu, article):
    """COUNTER 5.0.2, 7.3: one Unique_Item_Request per user-session, item, date and hour."""
    anonymous = reader_for(AnonymousUser(), client_address=ON_SITE)
    signed_in = reader_for(UserFactory(), client_address=ON_SITE)
    nine = dt.datetime.combine(timezone.localdate(), dt.time(9), PARIS)

    for minutes in [0, 40, 65, 70]:  # 9:00 and 9:40, then 10:05 and 10:10
        count_at(anonymous, article, nine + dt.timedelta(minutes=minutes))
        count_at(signed_in, article, nine + dt.timedelta(minutes=minutes), user_agent="Edge")
    count_at(anonymous, article, nine + dt.timedelta(minutes=71), user_agent="Safari")

    # Each of the two sessions: four requests, two hours; then a third browser.
    assert counters() == [("irm-de-demain", 9, 5)]


def test_a_new_month_starts_a_new_row(chu, article):
    reader = reader_for(UserFactory(), client_address=ON_SITE)
    day = dt.datetime(2027, 1, 31, 23, 50, tzinfo=PARIS)

    count_at(reader, article, day)
    count_at(reader, article, day + dt.timedelta(minutes=20))

    assert list(LicenceUsage.objects.values_list("month", "total_item_requests")) == [
        (dt.date(2027, 1, 1), 1),
        (dt.date(2027, 2, 1), 1),
    ]


def test_nothing_else_is_counted(chu, article, anonymous_client):
    ArticleFactory(slug="libre", access=Article.Access.FREE)
    on_site = APIClient(REMOTE_ADDR=ON_SITE)

    on_site.get("/api/v1/articles/")  # a list opens no text
    on_site.get("/api/v1/articles/libre/")  # free: not opened by the licence
    open_article(on_site, article, method="head")  # no text sent
    open_article(anonymous_client, article)  # elsewhere: the teaser
    open_article(client_for(ComplimentaryFactory().user), article)  # not the licence

    assert counters() == []


def test_no_reading_history_is_kept(chu, article):
    """Counters, and hashes that expire: nothing names who read what."""
    member = MembershipFactory(organisation=chu).user

    open_article(client_for(member), article)
    open_article(APIClient(REMOTE_ADDR=ON_SITE), article)

    assert {f.name for f in LicenceUsage._meta.get_fields()} == {
        "id",
        "organisation",
        "article",
        "month",
        "total_item_requests",
        "unique_item_requests",
        "updated_at",
    }
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):  # else Redis
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM imago_cache")
            keys = [key for (key,) in cursor.fetchall() if "licence-usage" in key]
        assert len(keys) == 4  # a double-click window and an hour, for each of the two
        for key in keys:
            assert re.fullmatch(
                r":1:licence-usage:(click:[0-9a-f]{40,}|hour:[0-9a-f]{40,}:\d{4}-\d\d-\d\dT\d\d)",
                key,
            ), key


# --- The report --------------------------------------------------------------------------


def usage_rows(organisation, article, **months):
    """LicenceUsage rows: month (YYYY_MM) = (total, unique)."""
    for name, (total, unique) in months.items():
        year, month = name.removeprefix("m").split("_")
        LicenceUsage.objects.create(
            organisation=organisation,
            article=article,
            month=dt.date(int(year), int(month), 1),
            total_item_requests=total,
            unique_item_requests=unique,
        )


@pytest.fixture
def manager_client(chu):
    return client_for(MembershipFactory(organisation=chu, is_manager=True).user)


@pytest.fixture
def recorded(chu, article):
    other = ArticleFactory(slug="scanner-faible-dose", title="Le scanner à faible dose")
    usage_rows(chu, article, m2026_09=(12, 9), m2026_11=(7, 5))
    usage_rows(chu, other, m2026_10=(4, 3))
    usage_rows(OrganisationFactory(), article, m2026_10=(99, 99))  # another licence's


def report_url(slug="chu-lille", csv=False, tsv=False) -> str:
    return f"/api/v1/organisations/{slug}/usage" + (".csv" if csv else ".tsv" if tsv else "/")


PERIOD = {"begin_date": "2026-09", "end_date": "2026-11"}
EVIL_TITLE = '=HYPERLINK("http://example.com/","Cliquez ici")'


def tabular_rows(response, delimiter: str) -> list[list[str]]:
    """The rows of a tabular report, which opens with a UTF-8 byte order mark."""
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_manager_gets_a_counter_item_report_in_json(recorded, manager_client):
    response = manager_client.get(report_url(), {"begin_date": "2026-09", "end_date": "2026-11"})

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    jsonschema.validate(
        data, ITEM_REPORT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    header = data["Report_Header"]
    assert (header["Report_ID"], header["Release"]) == ("IR", "5")
    assert header["Report_Name"] == "Item Master Report"
    assert header["Report_Attributes"] == [
        {"Name": "Attributes_To_Show", "Value": "Data_Type|Access_Type|Access_Method"}
    ]
    assert header["Institution_Name"] == "CHU de Lille"
    assert header["Customer_ID"] == "chu-lille"
    assert {"Name": "Begin_Date", "Value": "2026-09-01"} in header["Report_Filters"]
    assert {"Name": "End_Date", "Value": "2026-11-30"} in header["Report_Filters"]
    items = {item["Item"]: item for item in data["Report_Items"]}
    assert set(items) == {"L’IRM de demain", "Le scanner à faible dose"}
    irm = items["L’IRM de demain"]
    assert {"Type": "Proprietary", "Value": "imago:irm-de-demain"} in irm["Item_ID"]
    assert {
        "Type": "URI",
        "Value": settings.ARTICLE_URL_TEMPLATE.format(slug="irm-de-demain"),
    } in irm["Item_ID"]
    # Months with requests only, as COUNTER leaves out zeros.
    assert irm["Performance"] == [
        {
            "Period": {"Begin_Date": "2026-09-01", "End_Date": "2026-09-30"},
            "Instance": [
                {"Metric_Type": "Total_Item_Requests", "Count": 12},
                {"Metric_Type": "Unique_Item_Requests", "Count": 9},
            ],
        },
        {
            "Period": {"Begin_Date": "2026-11-01", "End_Date": "2026-11-30"},
            "Instance": [
                {"Metric_Type": "Total_Item_Requests", "Count": 7},
                {"Metric_Type": "Unique_Item_Requests", "Count": 5},
            ],
        },
    ]


def test_a_harvester_reads_the_json_report(recorded, manager_client):
    """celus-nigiri, the harvester of the Celus platform, reads what we serve."""
    response = manager_client.get(report_url(), PERIOD)

    reader = Counter5IRReport()
    header, items = reader.fd_to_dicts(io.BytesIO(response.content))
    records = list(reader.read_report(header, items))

    assert reader.errors == []
    assert sorted((r.item, r.metric, r.start.isoformat(), r.value) for r in records) == [
        ("Le scanner à faible dose", "Total_Item_Requests", "2026-10-01", 4),
        ("Le scanner à faible dose", "Unique_Item_Requests", "2026-10-01", 3),
        ("L’IRM de demain", "Total_Item_Requests", "2026-09-01", 12),
        ("L’IRM de demain", "Total_Item_Requests", "2026-11-01", 7),
        ("L’IRM de demain", "Unique_Item_Requests", "2026-09-01", 9),
        ("L’IRM de demain", "Unique_Item_Requests", "2026-11-01", 5),
    ]
    scanner = next(r for r in records if r.item == "Le scanner à faible dose")
    uri = settings.ARTICLE_URL_TEMPLATE.format(slug="scanner-faible-dose")
    ids = scanner.item_ids
    assert (ids.Proprietary, ids.URI) == ("imago:scanner-faible-dose", uri)
    assert scanner.dimension_data["Access_Type"] == "Controlled"


def test_the_manager_downloads_it_as_counter_tsv(recorded, manager_client):
    response = manager_client.get(report_url(tsv=True), PERIOD)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="IR_chu-lille_2026-09_2026-11.tsv"'
    )
    rows = tabular_rows(response, "\t")
    header = dict(row for row in rows[:12])
    assert header["Report_Name"] == "Item Master Report"
    assert header["Report_ID"] == "IR"
    assert header["Release"] == "5"
    assert header["Institution_Name"] == "CHU de Lille"
    # The attributes the table shows, said in the header (COUNTER 5.0.2, 3.2).
    assert header["Report_Attributes"] == "Attributes_To_Show=Data_Type|Access_Type|Access_Method"
    assert header["Reporting_Period"] == "Begin_Date=2026-09-01; End_Date=2026-11-30"
    assert rows[12] == []
    columns = rows[13]
    assert columns == [
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
        "Sep-2026",
        "Oct-2026",
        "Nov-2026",
    ]
    table = [dict(zip(columns, row, strict=True)) for row in rows[14:]]
    assert [
        (r["Item"], r["Proprietary_ID"], r["Metric_Type"], r["Reporting_Period_Total"])
        for r in table
    ] == [
        ("Le scanner à faible dose", "imago:scanner-faible-dose", "Total_Item_Requests", "4"),
        ("Le scanner à faible dose", "imago:scanner-faible-dose", "Unique_Item_Requests", "3"),
        ("L’IRM de demain", "imago:irm-de-demain", "Total_Item_Requests", "19"),
        ("L’IRM de demain", "imago:irm-de-demain", "Unique_Item_Requests", "14"),
    ]
    assert [table[2][m] for m in ("Sep-2026", "Oct-2026", "Nov-2026")] == ["12", "0", "7"]
    assert {(r["DOI"], r["ISBN"], r["Print_ISSN"], r["Online_ISSN"]) for r in table} == {
        ("", "", "", "")
    }


@pytest.mark.parametrize(("extension", "query"), [("tsv", {}), ("csv", {"sep": "comma"})])
def test_a_harvester_reads_the_tabular_report(recorded, manager_client, tmp_path, extension, query):
    response = manager_client.get(
        f"/api/v1/organisations/chu-lille/usage.{extension}", {**PERIOD, **query}
    )
    path = tmp_path / f"IR.{extension}"
    path.write_bytes(response.content)

    records = list(Counter5TableReport().file_to_records(str(path)))

    assert sorted((r.title, r.metric, r.start.isoformat(), r.value) for r in records) == [
        ("Le scanner à faible dose", "Total_Item_Requests", "2026-09-01", 0),
        ("Le scanner à faible dose", "Total_Item_Requests", "2026-10-01", 4),
        ("Le scanner à faible dose", "Total_Item_Requests", "2026-11-01", 0),
        ("Le scanner à faible dose", "Unique_Item_Requests", "2026-09-01", 0),
        ("Le scanner à faible dose", "Unique_Item_Requests", "2026-10-01", 3),
        ("Le scanner à faible dose", "Unique_Item_Requests", "2026-11-01", 0),
        ("L’IRM de demain", "Total_Item_Requests", "2026-09-01", 12),
        ("L’IRM de demain", "Total_Item_Requests", "2026-10-01", 0),
        ("L’IRM de demain", "Total_Item_Requests", "2026-11-01", 7),
        ("L’IRM de demain", "Unique_Item_Requests", "2026-09-01", 9),
        ("L’IRM de demain", "Unique_Item_Requests", "2026-10-01", 0),
        ("L’IRM de demain", "Unique_Item_Requests", "2026-11-01", 5),
    ]
    assert records[0].title_ids["Proprietary"] == "imago:scanner-faible-dose"
    assert records[0].dimension_data == {
        "Publisher": settings.SITE_NAME,
        "Platform": settings.SITE_NAME,
        "Data_Type": "Article",
        "Access_Type": "Controlled",
        "Access_Method": "Regular",
    }


def test_the_csv_is_for_excel_in_french(recorded, manager_client):
    response = manager_client.get(report_url(csv=True), PERIOD)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="IR_chu-lille_2026-09_2026-11.csv"'
    )
    rows = tabular_rows(response, ";")
    assert rows[3] == ["Institution_Name", "CHU de Lille"]
    assert rows[16][-5:] == ["Total_Item_Requests", "19", "12", "0", "7"]


def test_the_csv_with_commas_on_request(recorded, manager_client):
    response = manager_client.get(report_url(csv=True), {**PERIOD, "sep": "comma"})

    rows = tabular_rows(response, ",")
    assert rows[16][-5:] == ["Total_Item_Requests", "19", "12", "0", "7"]


def test_an_unknown_separator_is_a_field_error(recorded, manager_client):
    response = manager_client.get(report_url(csv=True), {**PERIOD, "sep": "pipe"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"sep": [SEPARATOR_INVALID]}


@pytest.mark.parametrize(("extension", "delimiter"), [("csv", ";"), ("tsv", "\t")])
def test_a_title_that_looks_like_a_formula_stays_text(chu, manager_client, extension, delimiter):
    evil = ArticleFactory(slug="piege", title=EVIL_TITLE)
    usage_rows(chu, evil, m2026_10=(3, 2))
    chu.name = "@CHU"
    chu.save()

    response = manager_client.get(
        f"/api/v1/organisations/chu-lille/usage.{extension}", {"month": "2026-10"}
    )

    rows = tabular_rows(response, delimiter)
    assert rows[3] == ["Institution_Name", "'@CHU"]
    assert rows[14][0] == f"'{EVIL_TITLE}"
    assert rows[14][-3:] == ["Total_Item_Requests", "3", "3"]  # counts intact


def test_sushi_dates_with_a_day_are_understood(recorded, manager_client):
    """SUSHI clients send `begin_date=2026-09-01&end_date=2026-11-30`."""
    for url in [report_url(), report_url(tsv=True)]:
        response = manager_client.get(url, {"begin_date": "2026-09-01", "end_date": "2026-11-30"})
        assert response.status_code == HTTPStatus.OK

    filters = manager_client.get(
        report_url(), {"begin_date": "2026-09-01", "end_date": "2026-11-30"}
    ).json()["Report_Header"]["Report_Filters"]
    assert {"Name": "Begin_Date", "Value": "2026-09-01"} in filters
    assert {"Name": "End_Date", "Value": "2026-11-30"} in filters


def test_one_month_with_month(recorded, manager_client):
    data = manager_client.get(report_url(), {"month": "2026-10"}).json()

    assert [item["Item"] for item in data["Report_Items"]] == ["Le scanner à faible dose"]


def test_by_default_the_report_is_this_month(chu, article, manager_client):
    open_article(APIClient(REMOTE_ADDR=ON_SITE), article)

    data = manager_client.get(report_url()).json()

    begin = timezone.localdate().replace(day=1).isoformat()
    assert {"Name": "Begin_Date", "Value": begin} in data["Report_Header"]["Report_Filters"]
    [item] = data["Report_Items"]
    assert item["Performance"][0]["Instance"][0] == {
        "Metric_Type": "Total_Item_Requests",
        "Count": 1,
    }


@pytest.mark.parametrize("csv_", [False, True])
def test_a_member_who_is_not_a_manager_may_not_read_it(recorded, chu, csv_):
    member = MembershipFactory(organisation=chu).user

    response = client_for(member).get(report_url(csv=csv_))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_licence_manager"


@pytest.mark.parametrize("csv_", [False, True])
def test_signed_out_it_is_401(recorded, anonymous_client, csv_):
    accept = "text/csv" if csv_ else "application/json"
    response = anonymous_client.get(report_url(csv=csv_), HTTP_ACCEPT=accept)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"] == "application/json"


def test_an_unknown_organisation_is_404(manager_client):
    assert manager_client.get(report_url("inconnu")).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"month": "2026-13"}, {"month": [MONTH_INVALID]}),
        ({"month": "26-11"}, {"month": [MONTH_INVALID]}),
        ({"begin_date": "novembre"}, {"begin_date": [DATE_INVALID]}),
        ({"begin_date": "2026-02-30"}, {"begin_date": [DATE_INVALID]}),
        ({"end_date": "2026-11-1"}, {"end_date": [DATE_INVALID]}),
        ({"month": "2026-11-01"}, {"month": [MONTH_INVALID]}),
        ({"month": "2026-11", "end_date": "2026-12"}, {"month": [PERIOD_MIXED]}),
        ({"begin_date": "2026-11", "end_date": "2026-10"}, {"end_date": [PERIOD_REVERSED]}),
        ({"begin_date": "2020-01", "end_date": "2026-12"}, {"end_date": [PERIOD_TOO_LONG]}),
    ],
)
@pytest.mark.parametrize("extension", ["", "csv", "tsv"])
def test_a_bad_period_is_a_field_error(manager_client, query, errors, extension):
    url = report_url(csv=extension == "csv", tsv=extension == "tsv")
    response = manager_client.get(url, query)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == errors


def test_licence_report_prints_the_report(recorded):
    out = io.StringIO()

    call_command(
        "licence_report", "chu-lille", "--begin", "2026-09", "--end", "2026-11", stdout=out
    )

    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Report_Name", "Item Master Report"]
    assert rows[16][-5:] == ["Total_Item_Requests", "19", "12", "0", "7"]


def test_licence_report_prints_counters_tsv(recorded):
    out = io.StringIO()

    call_command("licence_report", "chu-lille", "--month", "2026-09", "--format", "tsv", stdout=out)

    rows = list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff")), delimiter="\t"))
    assert rows[14][-3:] == ["Total_Item_Requests", "12", "12"]


def test_licence_report_prints_json_too(recorded):
    out = io.StringIO()

    call_command(
        "licence_report", "chu-lille", "--month", "2026-10", "--format", "json", stdout=out
    )

    assert '"Item": "Le scanner à faible dose"' in out.getvalue()


def test_the_demo_licence_has_a_report(db):
    call_command("load_demo", verbosity=0)
    out = io.StringIO()

    call_command(
        "licence_report", "chu-demonstration", "--begin", "2026-09", "--end", "2026-11", stdout=out
    )

    rows = list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff")), delimiter=";"))
    assert rows[3] == ["Institution_Name", "CHU de démonstration"]
    assert len(rows) == 14 + 4  # two articles, two metrics
