"""aftersales outlets import FILE.csv|FILE.jsonl | export FILE.csv|FILE.jsonl | locate < addresses.jsonl."""

import io
import json
import select
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aftersales.accounts.actors import SYSTEM
from aftersales.common.messages import message_text
from aftersales.network.address import locate_line
from aftersales.network.files import OutletFileError, read_outlet_rows, write_outlet_rows
from aftersales.network.selectors import outlet_export_rows
from aftersales.network.services import outlets_import


class Command(BaseCommand):
    help = "Import or export the outlet list (CSV or JSON lines; the outlet code is the key), or locate addresses."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="create and update outlets; report each refused row")
        load.add_argument("file")
        load.add_argument("--lang", choices=["en", "zh-hans"], default="en", help="language of the report")
        load.add_argument("--no-progress", action="store_true", help="no progress bar")
        load.add_argument("--report", help="also write the refused rows as JSON lines to this file")
        dump = sub.add_parser("export", help="write every outlet, in the columns the import reads")
        dump.add_argument("file")
        sub.add_parser(
            "locate",
            help="resolve addresses offline: JSON lines with `address` (and `city_hint`) on stdin, "
            "one JSON line per input on stdout",
        )

    def handle(self, *args: object, action: str, file: str = "", **options: Any) -> None:
        if action == "locate":
            self._locate(options.get("stdin") or _utf8_stdin())
            return
        path = Path(file)
        if action == "export":
            try:
                count = write_outlet_rows(path, outlet_export_rows())
            except OutletFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(json.dumps({"exported": count, "file": str(path)}))
            return
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        try:
            rows, ignored = read_outlet_rows(path)
        except OutletFileError as exc:
            raise CommandError(str(exc)) from exc
        show = not options["no_progress"]

        def progress(iterator: Iterator[Any], total: int, label: str) -> Iterator[Any]:
            return iter(
                tqdm(iterator, total=total, desc=label, unit="row", disable=not show, file=sys.stderr)
            )

        report = outlets_import(actor=SYSTEM, rows=rows, source=path.name, progress=progress, total=len(rows))
        language = options["lang"]
        for item in report.problems:
            where = f"row {item.row}" + (f", {item.column}" if item.column else "")
            self.stdout.write(f"{where}: {message_text(item.code, language, **item.params)}")
        if options.get("report"):
            with open(options["report"], "w", encoding="utf-8") as handle:
                for item in report.problems:
                    line = {
                        "row": item.row,
                        "column": item.column,
                        "code": item.code,
                        "reason": message_text(item.code, language, **item.params),
                    }
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        if ignored:
            self.stdout.write(f"ignored columns: {', '.join(ignored)}")
        self.stdout.write(json.dumps(report.as_dict()))

    def _locate(self, lines: Iterable[str]) -> None:
        """One JSON line out per non-blank line in, in order. Output is flushed whenever no more
        input is waiting, so a program that writes one address and waits gets its answer at once,
        while a file streams through in large writes."""
        out = self.stdout
        for number, line in enumerate(lines, start=1):
            if line.strip():
                out.write(_strict_json(locate_line(line, number), number))
                if not _input_waiting(lines):
                    out.flush()
        out.flush()


def _strict_json(answer: dict[str, Any], number: int) -> str:
    """One answer as strict JSON (no NaN or Infinity, RFC 8259); an error line if it cannot be."""
    try:
        return json.dumps(answer, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(
            {"line": number, "error": "not_json", "message": "the answer holds a number JSON cannot carry"}
        )


def _input_waiting(lines: Iterable[str]) -> bool:
    """Whether more input can be read without blocking (a file: always; a pipe: if data is there)."""
    try:
        fileno = lines.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return True  # an in-memory stream
    try:
        ready, _, _ = select.select([fileno], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(ready)


def _utf8_stdin() -> TextIO:
    stream = sys.stdin
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(encoding="utf-8", errors="replace")
    return stream
