"""aftersales evidence keygen | seal | timestamp | verify | bundle NUMBER -o FILE."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aftersales.accounts.actors import SYSTEM
from aftersales.common import clock
from aftersales.common.errors import DomainError
from aftersales.evidence.bundle import bundle_build
from aftersales.evidence.models import LedgerEntry, Seal
from aftersales.evidence.services import seal_all, seals_timestamp
from aftersales.evidence.signing import SigningKeyUnavailable, current_signer, signing_key_generate
from aftersales.evidence.timestamps import configured_authority
from aftersales.evidence.verify import ledger_verify


class Command(BaseCommand):
    help = "The evidence ledger: generate a signing key, seal, verify, export a complaint's bundle."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        keygen = sub.add_parser(
            "keygen", help="new signing key into EVIDENCE_KEY_DIR; retires the current one"
        )
        keygen.add_argument(
            "--if-missing", action="store_true", help="only when no current key is usable (the demo's setup)"
        )
        sub.add_parser("seal", help="seal the entries appended since the last seal")
        sub.add_parser(
            "timestamp", help="time-stamp every seal without a token at AFTERSALES_EVIDENCE_TSA_URL"
        )
        check = sub.add_parser("verify", help="check every entry and seal; exit 1 naming the first problem")
        check.add_argument("--no-progress", action="store_true", help="no progress bar")
        check.add_argument(
            "--ledger-only", action="store_true", help="skip re-hashing the sealed records themselves"
        )
        check.add_argument(
            "--keys", help="trust only the keys in this JSON (as served at the well-known URL)"
        )
        export = sub.add_parser("bundle", help="write one complaint's evidence bundle (zip)")
        export.add_argument("number")
        export.add_argument("-o", "--output", required=True)

    def handle(self, *args: object, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except SigningKeyUnavailable as exc:
            raise CommandError(str(exc.params.get("reason"))) from exc

    def _keygen(self, *, if_missing: bool, **_options: Any) -> None:
        if if_missing:
            try:
                key_id, _private = current_signer()
            except SigningKeyUnavailable:
                pass
            else:
                self.stdout.write(json.dumps({"key_id": key_id, "generated": False}))
                return
        key = signing_key_generate()
        self.stdout.write(json.dumps({"key_id": key.key_id, "public_key": key.public_key}))

    def _seal(self, **_options: Any) -> None:
        seals = seal_all(actor=SYSTEM)
        for seal in seals:
            self.stdout.write(
                f"seal {seal.number}: positions {seal.first_position}-{seal.last_position},"
                f" root {seal.merkle_root}, key {seal.key_id}"
            )
        if not seals:
            self.stdout.write("nothing to seal")

    def _timestamp(self, **_options: Any) -> None:
        authority = configured_authority()
        if authority is None:
            raise CommandError("no time-stamping authority: set AFTERSALES_EVIDENCE_TSA_URL")
        missing = Seal.objects.filter(timestamp_token__isnull=True).count()
        stamped = seals_timestamp(actor=SYSTEM, authority=authority)
        self.stdout.write(f"{stamped} of {missing} seals time-stamped by {authority.name}")
        if stamped < missing:
            raise CommandError(f"{missing - stamped} seals could not be time-stamped (see the log)")

    def _verify(self, *, no_progress: bool, ledger_only: bool, keys: str | None, **_options: Any) -> None:
        trusted = None
        if keys:
            try:
                document = json.loads(Path(keys).read_text(encoding="utf-8"))
                trusted = {item["key_id"]: item["public_key"] for item in document["keys"]}
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"cannot read keys from {keys}: {exc}") from exc
        total = LedgerEntry.objects.count()
        with tqdm(total=total, unit="entry", disable=no_progress, file=sys.stderr) as bar:
            report = ledger_verify(check_records=not ledger_only, trusted_keys=trusted, progress=bar.update)
        if report.problem is not None:
            raise CommandError(f"{report.problem.code}: {report.problem.detail}")
        self.stdout.write(
            f"OK: {report.entries} entries ({report.sealed} sealed) in {report.seals} seals;"
            f" {report.records} records re-hashed"
        )

    def _bundle(self, *, number: str, output: str, **_options: Any) -> None:
        if not LedgerEntry.objects.filter(chain=f"complaint:{number}").exists():
            raise CommandError(f"no ledger entries for complaint {number}")
        try:
            data = bundle_build(complaint_number=number, at=clock.now())
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        Path(output).write_bytes(data)
        self.stdout.write(f"wrote {output} ({len(data)} bytes)")
