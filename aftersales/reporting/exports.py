"""CSV and XLSX exports of the dashboard's tables (reporting.tables), one table per file.

Texts that a spreadsheet would run as a formula are neutralised (OWASP "CSV injection"): a cell
starting with = + - @, a tab or a carriage return gets a leading apostrophe. City names and
outlet names come from customers' input and imported files, so this matters.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from aftersales.accounts.actors import Actor
from aftersales.common.errors import NotFound
from aftersales.reporting.dashboard import Period, report_access_check, report_compute
from aftersales.reporting.tables import TABLE_NAMES, Table, cell_text, dashboard_tables

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NUMBER_FORMATS = {"percent": "0.0%", "hours": "0.0", "days": "0.00", "score": "0.00", "count": "0"}


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    body: bytes


def neutralise(text: str) -> str:
    """`text` made inert for a spreadsheet: prefixed with an apostrophe if it could start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, which spreadsheet programs need to read Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(column.header) for column in table.columns])
    for index, row in enumerate(table.rows):
        writer.writerow(
            [neutralise(cell_text(value, kind)) for value, kind in zip(row, table.kinds(index), strict=True)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    """One sheet: the headers, then the rows; numbers stay numbers, formatted by their kind."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    sheet.append([neutralise(column.header) for column in table.columns])
    for index, row in enumerate(table.rows):
        cells = []
        for value, kind in zip(row, table.kinds(index), strict=True):
            if isinstance(value, str) or kind == "text":
                cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
                cell.data_type = "s"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[kind]
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_export(
    *, actor: Actor, period: Period, now: datetime, table: str, file_format: str, language: str
) -> Export:
    """One table of the period's dashboard as a file named dashboard-<table>-<yyyymmdd>-<yyyymmdd>.<fmt>.

    Errors: Forbidden (as report_compute), NotFound for a table or format not offered.
    """
    report_access_check(actor=actor)
    if table not in TABLE_NAMES or file_format not in FORMATS:
        raise NotFound(what="report table")
    dashboard = report_compute(actor=actor, period=period, now=now, language=language)
    chosen = dashboard_tables(dashboard)[table]
    body = table_csv(chosen) if file_format == "csv" else table_xlsx(chosen)
    return Export(
        filename=f"dashboard-{table}-{period.slug}.{file_format}",
        content_type=FORMATS[file_format],
        body=body,
    )
