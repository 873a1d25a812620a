"""Outlet lists as files: CSV (UTF-8, with or without BOM, or GB18030 as saved by Excel in
China) or JSON lines, one outlet per row; and the export in the same columns."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aftersales.network.records import COLUMNS

FORMATS = ("csv", "jsonl")


class OutletFileError(ValueError):
    """The file as a whole cannot be read (unknown format, no header, missing columns)."""


def file_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "json":
        suffix = "jsonl"
    if suffix not in FORMATS:
        raise OutletFileError(f"{path.name}: use a .csv or .jsonl file")
    return suffix


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise OutletFileError(f"{path.name}: neither UTF-8 nor GB18030 text") from exc


def read_outlet_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any] | str]], list[str]]:
    """(row number, values by column or why the row is unreadable) for each row, and the columns
    the file has that an outlet list does not (ignored). CSV rows are numbered as a spreadsheet
    shows them (the header is row 1); JSON lines by line."""
    kind = file_format(path)
    text = _text(path)
    rows: list[tuple[int, dict[str, Any] | str]] = []
    if kind == "csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration as exc:
            raise OutletFileError(f"{path.name}: empty file") from exc
        missing = [name for name in ("code",) if name not in header]
        if missing:
            raise OutletFileError(f"{path.name}: no column {', '.join(missing)} in the header")
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                rows.append((number, f"{len(values)} values for {len(header)} columns"))
                continue
            rows.append((number, dict(zip(header, values, strict=False))))
        return rows, [name for name in header if name not in COLUMNS]
    extra: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            rows.append((number, "not valid JSON"))
            continue
        if not isinstance(value, dict):
            rows.append((number, "not a JSON object"))
            continue
        extra |= set(value) - set(COLUMNS)
        rows.append((number, value))
    return rows, sorted(extra)


def write_outlet_rows(path: Path, rows: Iterator[dict[str, str]]) -> int:
    """Write rows (by column) in the file's format; CSV with a BOM so that Excel reads it as UTF-8."""
    kind = file_format(path)
    count = 0
    with path.open("w", encoding="utf-8-sig" if kind == "csv" else "utf-8", newline="") as handle:
        if kind == "csv":
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
        else:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    return count
