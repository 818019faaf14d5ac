"""The staff dashboard in the admin: one page of tables and charts, and a CSV per table.

Admin views (`admin.site.admin_view`): signed-out or non-staff visitors go to the admin's
sign-in page; staff without `dashboard.view_dashboard` get a 403.
"""

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from imago import csv_export

from . import charts, selectors, tables

PERMISSION = "dashboard.view_dashboard"
CHART_RUBRICS = 8
# Before it, twelve weeks back would fall off the calendar; and nothing was sold then.
FIRST_DAY = dt.date(2000, 1, 1)
DATE_TOO_EARLY = "« {value} » est avant le {first:%d/%m/%Y}, où commence le tableau de bord."
DATE_INVALID = "« {value} » n'est pas une date passée au format AAAA-MM-JJ."


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _moment(request: HttpRequest) -> tuple[dt.datetime, str | None]:
    """When the numbers are computed: now, or with `?date=YYYY-MM-DD` at the end of that
    day in Paris (its week is then the last one); an error message for a bad or future
    date."""
    now = timezone.now()
    value = request.GET.get("date", "")
    if not value:
        return now, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return now, DATE_INVALID.format(value=value)
    # Refused before any arithmetic: the day after 9999-12-31 overflows.
    if day > timezone.localdate(now):
        return now, DATE_INVALID.format(value=value)
    if day < FIRST_DAY:
        return now, DATE_TOO_EARLY.format(value=value, first=FIRST_DAY)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return min(end - dt.timedelta(microseconds=1), now), None


def _short(label: str) -> str:
    """A week's label on a chart's axis: "S47" for 2026-W47."""
    return f"S{label[-2:]}"


def dashboard_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    at, error = _moment(request)
    now = selectors.subscribers_now(at=at)
    weeks = selectors.subscriptions_by_week(at=at)
    funnel_weeks = selectors.funnel_by_week(at=at)
    funnel_rubrics = selectors.funnel_by_rubric(at=at)
    labels = [_short(row.week.label) for row in weeks]
    chart_mrr = charts.line_chart(
        chart_id="chart-mrr",
        title="Revenu mensuel récurrent (MRR), en euros",
        summary="MRR en fin de chaque semaine, des 12 dernières semaines.",
        labels=labels,
        series=[("MRR (€)", [row.mrr_cents / 100 for row in weeks])],
    )
    chart_flow = charts.bar_chart(
        chart_id="chart-flow",
        title="Nouveaux abonnements et abonnements terminés par semaine",
        summary="Abonnements Stripe commencés et terminés chaque semaine.",
        labels=labels,
        series=[
            ("Nouveaux", [row.new for row in weeks]),
            ("Terminés", [row.ended for row in weeks]),
        ],
    )
    chart_churn = charts.line_chart(
        chart_id="chart-churn",
        title="Attrition par semaine, en %",
        summary="Abonnements terminés dans la semaine, en % des abonnements actifs à son début.",
        labels=labels,
        series=[("Attrition (%)", [float(row.churn or 0) for row in weeks])],
    )
    # Views run in hundreds where checkouts run in units: each on a scale of its own.
    chart_views = charts.bar_chart(
        chart_id="chart-views",
        title="Articles verrouillés vus par semaine",
        summary="Affichages d'un article verrouillé (paywall), par semaine.",
        labels=labels,
        series=[("Vues verrouillées", [row.views for row in funnel_weeks])],
    )
    chart_conversions = charts.bar_chart(
        chart_id="chart-conversions",
        title="Paiements commencés et abonnements par semaine",
        summary="Sessions de paiement ouvertes et abonnements nouveaux, par semaine.",
        labels=labels,
        series=[
            ("Paiements commencés", [row.checkouts for row in funnel_weeks]),
            ("Abonnements", [row.subscriptions for row in funnel_weeks]),
        ],
    )
    # The rubrics most seen behind the paywall: a chart of every rubric would not read.
    top_rubrics = sorted(funnel_rubrics, key=lambda row: row.views, reverse=True)[:CHART_RUBRICS]
    rubrics = [row.label for row in top_rubrics]
    chart_rubric_views = charts.bar_chart(
        chart_id="chart-rubric-views",
        title="Articles verrouillés vus par rubrique (les 8 plus vues), sur 12 semaines",
        summary="Affichages d'un article verrouillé par rubrique, sur les 12 dernières semaines.",
        labels=rubrics,
        series=[("Vues verrouillées", [row.views for row in top_rubrics])],
    )
    chart_rubric_conversions = charts.bar_chart(
        chart_id="chart-rubric-conversions",
        title="Paiements commencés et abonnements par rubrique (les 8 plus vues), sur 12 semaines",
        summary="Sessions de paiement ouvertes depuis un article de la rubrique, et celles payées.",
        labels=rubrics,
        series=[
            ("Paiements commencés", [row.checkouts for row in top_rubrics]),
            ("Abonnements", [row.subscriptions for row in top_rubrics]),
        ],
    )
    context = {
        **admin.site.each_context(request),
        "title": "Tableau de bord",
        "at": at,
        "date": timezone.localdate(at).isoformat(),
        "error": error,
        "mrr_cents": weeks[-1].mrr_cents,
        "mrr_euros": tables.euros(weeks[-1].mrr_cents),
        "tables": [
            tables.subscribers_table(now),
            tables.licences_table(now),
            tables.weeks_table(weeks),
            tables.funnel_weeks_table(funnel_weeks),
            tables.funnel_rubrics_table(funnel_rubrics),
        ],
        "charts": [
            ("Revenu mensuel récurrent (MRR), en euros", chart_mrr),
            ("Nouveaux abonnements et abonnements terminés", chart_flow),
            ("Attrition, en %", chart_churn),
            ("Tunnel du paywall : articles verrouillés vus", chart_views),
            ("Tunnel du paywall : paiements commencés et abonnements", chart_conversions),
            (
                "Tunnel par rubrique (les 8 plus vues) : articles verrouillés vus",
                chart_rubric_views,
            ),
            (
                "Tunnel par rubrique (les 8 plus vues) : paiements commencés et abonnements",
                chart_rubric_conversions,
            ),
        ],
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context)


def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    """A table to download, for Excel in French by default (imago/csv_export.py):
    `?sep=comma` for commas and decimal points."""
    _allowed(request)
    build = tables.EXPORTS.get(table)
    if build is None:
        raise Http404
    at, error = _moment(request)
    if error is None:
        try:
            separator = csv_export.separator_for(request.GET.get("sep"))
        except ValueError as invalid:
            error = str(invalid)
    if error is not None:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    result = build(at)
    name = f"tableau-de-bord_{result.slug}_{timezone.localdate(at)}.csv"
    return csv_export.spreadsheet_response(
        [result.columns, *result.rows], separator=separator, filename=name
    )
