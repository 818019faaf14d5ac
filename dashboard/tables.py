"""The dashboard's tables as rows of cells: the page shows them, the CSV exports them.

One function per table, from the selectors' typed rows; each says its columns once.
Amounts are given in cents and in euros, percentages with one decimal, dates in ISO.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from . import selectors

Cell = str | int | Decimal | dt.date | None


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def subscribers_table(now: selectors.SubscribersNow) -> Table:
    return Table(
        slug="abonnes",
        title="Abonnés aujourd'hui",
        columns=("Catégorie", "Nombre"),
        rows=(
            ("Abonnés payants (actifs)", now.active),
            ("En période d'essai", now.trialing),
            ("En délai de grâce (paiement en retard)", now.grace),
            ("Abonnements offerts", now.complimentary),
            ("Total des abonnements donnant accès", now.total),
            ("Lecteurs inscrits sous licence", now.licence_members),
        ),
    )


def licences_table(now: selectors.SubscribersNow) -> Table:
    return Table(
        slug="licences",
        title="Licences en cours",
        columns=("Établissement", "Lecteurs inscrits", "Sièges", "Début", "Fin (incluse)"),
        rows=tuple(
            (row.organisation, row.members, row.seats, row.starts_on, row.ends_on)
            for row in now.licences
        ),
    )


def weeks_table(weeks: tuple[selectors.WeekRow, ...]) -> Table:
    return Table(
        slug="semaines",
        title="Abonnements par semaine",
        columns=(
            "Semaine (ISO)",
            "Lundi",
            "Nouveaux",
            "Terminés",
            "Actifs en début de semaine",
            "Attrition (%)",
            "MRR (centimes)",
            "MRR (euros)",
        ),
        rows=tuple(
            (
                row.week.label,
                row.week.monday,
                row.new,
                row.ended,
                row.active_at_start,
                row.churn,
                row.mrr_cents,
                euros(row.mrr_cents),
            )
            for row in weeks
        ),
    )


def _funnel_table(
    slug: str, title: str, first: str, rows: tuple[selectors.FunnelRow, ...]
) -> Table:
    return Table(
        slug=slug,
        title=title,
        columns=(
            first,
            "Articles verrouillés vus",
            "Paiements commencés",
            "Abonnements",
            "Vues → paiement (%)",
            "Paiement → abonnement (%)",
        ),
        rows=tuple(
            (
                row.label,
                row.views,
                row.checkouts,
                row.subscriptions,
                row.checkout_rate,
                row.subscription_rate,
            )
            for row in rows
        ),
    )


def funnel_weeks_table(rows: tuple[selectors.FunnelRow, ...]) -> Table:
    return _funnel_table("tunnel-semaines", "Tunnel du paywall par semaine", "Semaine (ISO)", rows)


def funnel_rubrics_table(rows: tuple[selectors.FunnelRow, ...]) -> Table:
    return _funnel_table(
        "tunnel-rubriques", "Tunnel du paywall par rubrique (12 semaines)", "Rubrique", rows
    )


# Each export computes only what its table needs.
EXPORTS: dict[str, Callable[[dt.datetime], Table]] = {
    "abonnes": lambda at: subscribers_table(selectors.subscribers_now(at=at)),
    "licences": lambda at: licences_table(selectors.subscribers_now(at=at)),
    "semaines": lambda at: weeks_table(selectors.subscriptions_by_week(at=at)),
    "tunnel-semaines": lambda at: funnel_weeks_table(selectors.funnel_by_week(at=at)),
    "tunnel-rubriques": lambda at: funnel_rubrics_table(selectors.funnel_by_rubric(at=at)),
}
