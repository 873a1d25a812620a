"""aftersales outlets import FILE.csv|FILE.jsonl | export FILE.csv|FILE.jsonl."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aftersales.accounts.actors import SYSTEM
from aftersales.common.messages import message_text
from aftersales.network.files import OutletFileError, read_outlet_rows, write_outlet_rows
from aftersales.network.selectors import outlet_export_rows
from aftersales.network.services import outlets_import


class Command(BaseCommand):
    help = "Import or export the outlet list (CSV or JSON lines; the outlet code is the key)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="create and update outlets; report each refused row")
        load.add_argument("file")
        load.add_argument("--lang", choices=["en", "zh-hans"], default="en", help="language of the report")
        load.add_argument("--no-progress", action="store_true", help="no progress bar")
        load.add_argument("--report", help="also write the refused rows as JSON lines to this file")
        dump = sub.add_parser("export", help="write every outlet, in the columns the import reads")
        dump.add_argument("file")

    def handle(self, *args: object, action: str, file: str, **options: Any) -> None:
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
