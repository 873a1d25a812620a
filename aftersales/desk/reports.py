"""The manager dashboard's pages: the figures of a period, and each table as CSV or XLSX.

Each view parses the period (from/to, local days), calls one reporting service and renders;
a refused actor gets the desk's refusal page with 403, a bad period the form with its reason
beside the field and 422.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from aftersales.accounts.actors import Actor
from aftersales.common import clock
from aftersales.common.errors import DomainError, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.desk import words
from aftersales.desk.presenters import error_words
from aftersales.desk.views import staff_page
from aftersales.reporting.dashboard import Period, report_access_check, report_compute, report_period_parse
from aftersales.reporting.exports import report_export
from aftersales.reporting.tables import cell_text, dashboard_tables, stage_words

# Longest text accepted in a date field before it is parsed (a date is ten characters).
DATE_FIELD_CHARACTERS = 20


def _period(request: HttpRequest) -> Period:
    return report_period_parse(
        start=request.GET.get("from", "")[:DATE_FIELD_CHARACTERS],
        end=request.GET.get("to", "")[:DATE_FIELD_CHARACTERS],
        today=clock.localdate(clock.now()),
    )


def _charts(tables: dict[str, Any]) -> dict[str, Any]:
    """The chart data, read from the tables they illustrate (the tables stay the source)."""
    categories = tables["categories"]
    channels = tables["channel"]
    sla = tables["sla"]
    total = sla.rows[-1]
    stage_labels = list(stage_words().values())
    charts: dict[str, dict[str, Any]] = {
        "categories": {
            "labels": [row[0] for row in categories.rows],
            "series": [
                {
                    "label": categories.columns[2].header,
                    "data": [_percent(row[2]) for row in categories.rows],
                },
                {
                    "label": categories.columns[3].header,
                    "data": [_percent(row[3]) for row in categories.rows],
                },
            ],
            "unit": "%",
        },
        "channels": {
            "labels": [row[0] for row in channels.rows],
            "series": [{"label": channels.columns[1].header, "data": [row[1] for row in channels.rows]}],
            "unit": "",
        },
        "sla": {
            "labels": stage_labels,
            "series": [
                {"label": total[0], "data": [_percent(total[1 + 2 * i]) for i in range(len(stage_labels))]}
            ],
            "unit": "%",
        },
    }
    titles = {
        "categories": (gettext("Category shares against the published shares"), "categories"),
        "channels": (gettext("Complaints by channel"), "channel"),
        "sla": (gettext("Deadlines met by stage, all levels"), "sla"),
    }
    for name, chart in charts.items():
        chart["title"], chart["table"] = titles[name]
        chart["description"] = _describe(chart)
    return charts


def _describe(chart: dict[str, Any]) -> str:
    """The chart in words, for screen readers: each label with each series' value."""
    parts = []
    for index, label in enumerate(chart["labels"]):
        values = [
            f"{series['label']} {'—' if series['data'][index] is None else series['data'][index]}{chart['unit']}"
            for series in chart["series"]
        ]
        parts.append(f"{label}: {', '.join(values)}")
    return "; ".join(parts)


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _rendered(table: Any) -> dict[str, Any]:
    return {
        "name": table.name,
        "caption": table.caption,
        "headers": [column.header for column in table.columns],
        "numeric": [column.kind not in ("text",) for column in table.columns],
        "rows": [
            [cell_text(value, kind) for value, kind in zip(row, table.kinds(index), strict=True)]
            for index, row in enumerate(table.rows)
        ],
    }


@require_GET
@staff_page
def reports_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET /desk/reports/?from=YYYY-MM-DD&to=YYYY-MM-DD: the period's figures, tables and charts."""
    try:
        report_access_check(actor=actor)
    except DomainError as error:
        return render(request, "desk/refused.html", {"message": error_words(error)}, status=error.status)
    form = {
        "from": request.GET.get("from", "")[:DATE_FIELD_CHARACTERS],
        "to": request.GET.get("to", "")[:DATE_FIELD_CHARACTERS],
    }
    try:
        period = _period(request)
    except ValidationFailed as error:
        errors = {
            name: message_text(issue.code, words.language(), **issue.params)
            for name, issue in error.fields.items()
        }
        return render(request, "desk/reports.html", {"form": form, "errors": errors}, status=error.status)
    dashboard = report_compute(actor=actor, period=period, now=clock.now(), language=words.language())
    tables = dashboard_tables(dashboard)
    context = {
        "form": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "errors": {},
        "period": period,
        "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}",
        # The language links keep the period (desk/base.html).
        "language_query": f"from={period.start.isoformat()}&to={period.end.isoformat()}",
        "scope_outlet": dashboard.scope_outlet,
        "summary": _rendered(tables.pop("summary")),
        "tables": [_rendered(table) for table in tables.values()],
        "charts": _charts(tables),
    }
    return render(request, "desk/reports.html", context)


@require_GET
@staff_page
def reports_export(request: HttpRequest, actor: Actor, table: str, file_format: str) -> HttpResponse:
    """GET /desk/reports/<table>.<csv|xlsx>?from=&to=: one table of the period as a file."""
    try:
        export = report_export(
            actor=actor,
            period=_period(request),
            now=clock.now(),
            table=table,
            file_format=file_format,
            language=words.language(),
        )
    except DomainError as error:
        return render(request, "desk/refused.html", {"message": error_words(error)}, status=error.status)
    response = HttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
