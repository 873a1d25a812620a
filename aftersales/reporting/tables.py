"""The dashboard as tables: what the page shows and what the CSV and XLSX exports contain.

Each table has a name (used in the export's file name), a caption and headers in the active
language (Django i18n, the desk's catalogue), and rows of typed cells. A cell's kind says how
to show it: `text`, `count`, `percent` (a fraction, shown x100), `hours`, `days`, `score`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, pgettext

from aftersales.reporting.dashboard import DIMENSIONS, STAGES, Dashboard, Figures


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # text | count | percent | hours | days | score | row (the row's own kind)


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    # The kind of each row's cells in the columns of kind "row" (the summary's mixed figures).
    row_kinds: list[str] | None = None

    def kinds(self, index: int) -> list[str]:
        """The kind of each cell of row `index`."""
        own = self.row_kinds[index] if self.row_kinds else "text"
        return [own if column.kind == "row" else column.kind for column in self.columns]


TABLE_NAMES = ("summary", "sla", *DIMENSIONS, "categories", "ranking", "outlet-kpi")


def stage_words() -> dict[str, str]:
    return {
        "response": pgettext("SLA stage", "First response"),
        "level_response": pgettext("SLA stage", "Level team takes over"),
        "acceptance": pgettext("SLA stage", "Acceptance"),
        "inspection": pgettext("SLA stage", "Outlet inspection"),
        "processing": pgettext("SLA stage", "Processing"),
        "resolution": pgettext("SLA stage", "Resolution"),
    }


def dimension_words() -> dict[str, str]:
    return {
        "channel": gettext("By channel"),
        "category": gettext("By category"),
        "city": gettext("By city"),
        "outlet": gettext("By outlet"),
        "level": gettext("By response level"),
    }


def _figure_columns(first: str) -> list[Column]:
    return [
        Column(first, "text"),
        Column(gettext("Complaints"), "count"),
        Column(gettext("First response, mean (h)"), "hours"),
        Column(gettext("First response, p90 (h)"), "hours"),
        Column(gettext("Resolution rate"), "percent"),
        Column(gettext("Cycle, mean (days)"), "days"),
        Column(gettext("Reopen rate"), "percent"),
        Column(gettext("Satisfaction"), "percent"),
        Column(gettext("Scores given"), "count"),
    ]


def _figure_cells(label: str, figures: Figures) -> list[Any]:
    return [
        label,
        figures.complaints,
        figures.response_mean_hours,
        figures.response_p90_hours,
        figures.resolution_rate,
        figures.cycle_mean_days,
        figures.reopen_rate,
        figures.satisfaction_rate,
        figures.rated,
    ]


def _summary(dashboard: Dashboard) -> Table:
    totals, seed = dashboard.totals, dashboard.seed
    figures: list[tuple[str, Any, Any, str]] = [
        (gettext("Complaints opened"), totals.complaints, None, "count"),
        (
            gettext("Satisfaction (scores 4 and 5)"),
            totals.satisfaction_rate,
            seed["satisfaction_rate"],
            "percent",
        ),
        (gettext("Mean score (1-5)"), totals.satisfaction_mean, None, "score"),
        (
            gettext("First response, mean (h)"),
            totals.response_mean_hours,
            seed["response_mean_hours"],
            "hours",
        ),
        (gettext("First response, p90 (h)"), totals.response_p90_hours, None, "hours"),
        (gettext("Resolution rate"), totals.resolution_rate, seed["resolution_rate"], "percent"),
        (gettext("Cycle, mean (days)"), totals.cycle_mean_days, seed["cycle_mean_days"], "days"),
        (gettext("Reopen rate"), totals.reopen_rate, None, "percent"),
    ]
    return Table(
        name="summary",
        caption=gettext("The period at a glance, beside the figures the brand publishes"),
        columns=[
            Column(gettext("Figure"), "text"),
            Column(gettext("This period"), "row"),
            Column(gettext("Published"), "row"),
        ],
        rows=[[label, value, published] for label, value, published, _ in figures],
        row_kinds=[kind for *_, kind in figures],
    )


def _sla(dashboard: Dashboard) -> Table:
    words = stage_words()
    columns = [Column(gettext("Response level"), "text")]
    for name, _, _ in STAGES:
        columns += [
            Column(words[name], "percent"),
            Column(gettext("%(stage)s: counted") % {"stage": words[name]}, "count"),
        ]
    rows = []
    for figures in [*dashboard.breakdowns["level"], dashboard.totals]:
        label = figures.label or gettext("All levels")
        cells: list[Any] = [label]
        for name, _, _ in STAGES:
            cells += [figures.sla[name].rate, figures.sla[name].counted]
        rows.append(cells)
    return Table(
        name="sla",
        caption=gettext("Deadlines met, by response level and stage (of the deadlines decided)"),
        columns=columns,
        rows=rows,
    )


def _breakdown(dashboard: Dashboard, dimension: str) -> Table:
    first = {
        "channel": gettext("Channel"),
        "category": gettext("Category"),
        "city": gettext("City"),
        "outlet": gettext("Outlet"),
        "level": gettext("Response level"),
    }[dimension]
    return Table(
        name=dimension,
        caption=dimension_words()[dimension],
        columns=_figure_columns(first),
        rows=[_figure_cells(f.label, f) for f in dashboard.breakdowns[dimension]],
    )


def _categories(dashboard: Dashboard) -> Table:
    return Table(
        name="categories",
        caption=gettext("Category shares against the published shares"),
        columns=[
            Column(gettext("Category"), "text"),
            Column(gettext("Complaints"), "count"),
            Column(gettext("Share"), "percent"),
            Column(gettext("Published share"), "percent"),
        ],
        rows=[[c.label, c.complaints, c.share, c.seed_share] for c in dashboard.categories],
    )


def _ranking(dashboard: Dashboard) -> Table:
    columns = [Column(gettext("Rank"), "count"), *_figure_columns(gettext("Outlet"))]
    rows = [[rank, *_figure_cells(f.label, f)] for rank, f in enumerate(dashboard.outlet_ranking, start=1)]
    return Table(
        name="ranking",
        caption=gettext("Outlets ranked by satisfaction, then resolution rate, then first response"),
        columns=columns,
        rows=rows,
    )


def _outlet_kpis(dashboard: Dashboard) -> Table:
    return Table(
        name="outlet-kpi",
        caption=gettext("Outlet KPI reports of the period (repair orders)"),
        columns=[
            Column(gettext("Outlet"), "text"),
            Column(gettext("Reports"), "count"),
            Column(gettext("Orders opened"), "count"),
            Column(gettext("Orders completed"), "count"),
            Column(gettext("Turnaround, mean (h)"), "hours"),
            Column(gettext("Scores given"), "count"),
            Column(gettext("Mean score (1-5)"), "score"),
        ],
        rows=[
            [
                f"{k.outlet_code} {k.outlet_name}",
                k.reports,
                k.repair_orders_opened,
                k.repair_orders_completed,
                k.mean_turnaround_hours,
                k.satisfaction_count,
                k.satisfaction_mean,
            ]
            for k in dashboard.outlet_kpis
        ],
    )


def dashboard_tables(dashboard: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard by name (TABLE_NAMES), headers in the active language."""
    builders: dict[str, Callable[[], Table]] = {
        "summary": lambda: _summary(dashboard),
        "sla": lambda: _sla(dashboard),
        **{dimension: (lambda d=dimension: _breakdown(dashboard, d)) for dimension in DIMENSIONS},  # type: ignore[misc]
        "categories": lambda: _categories(dashboard),
        "ranking": lambda: _ranking(dashboard),
        "outlet-kpi": lambda: _outlet_kpis(dashboard),
    }
    return {name: builders[name]() for name in TABLE_NAMES}


def cell_text(value: Any, kind: str) -> str:
    """A cell as the page and the CSV show it: percentages with one decimal, hours with one,
    days and scores with two; "—" when there is nothing to measure."""
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    if kind in ("days", "score"):
        return f"{value:.2f}"
    if kind == "count":
        return str(value)
    return str(value)
