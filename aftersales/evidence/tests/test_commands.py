"""`aftersales evidence ...` and the scheduled seal."""

import io
import json

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.evidence.ledger import Record, ledger_append
from aftersales.evidence.models import LedgerEntry, Seal, SigningKey
from aftersales.evidence.tasks import seal_task

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("evidence", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _append(n: int) -> None:
    ledger_append(
        records=[
            Record(chain="complaint:A", subject_kind="test", subject_id=i, content=b"{}") for i in range(n)
        ]
    )


def test_keygen_writes_the_private_key_under_the_configured_folder(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_KEY_DIR = tmp_path / "keys"
    printed = json.loads(_run("keygen"))
    assert (tmp_path / "keys" / f"{printed['key_id']}.pem").exists()
    assert SigningKey.objects.get().public_key == printed["public_key"]


def test_keygen_if_missing_keeps_a_usable_key(signing_key):  # type: ignore[no-untyped-def]
    assert json.loads(_run("keygen", "--if-missing")) == {"key_id": signing_key.key_id, "generated": False}
    assert SigningKey.objects.count() == 1


def test_seal_then_verify_reports_ok(signing_key):  # type: ignore[no-untyped-def]
    _append(3)
    assert "seal 1: positions 1-3" in _run("seal")
    assert "nothing to seal" in _run("seal")
    assert "OK: 3 entries (3 sealed) in 1 seals" in _run("verify", "--no-progress", "--ledger-only")


def test_verify_fails_naming_the_entry_changed_in_the_database(signing_key):  # type: ignore[no-untyped-def]
    _append(3)
    _run("seal")
    entry = LedgerEntry.objects.get(position=2)
    LedgerEntry.objects.filter(pk=entry.pk).update(content="0" * 64)
    with pytest.raises(CommandError, match=f"entry_altered: entry {entry.pk} "):
        _run("verify", "--no-progress", "--ledger-only")


def test_verify_with_pinned_keys_refuses_a_seal_by_another_key(signing_key, tmp_path):  # type: ignore[no-untyped-def]
    _append(1)
    _run("seal")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"key_id": "0" * 16, "public_key": "00" * 32}]}))
    with pytest.raises(CommandError, match="seal_key_unknown"):
        _run("verify", "--no-progress", "--ledger-only", "--keys", str(keys))


def test_seal_without_a_key_says_how_to_make_one(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_KEY_DIR = tmp_path
    _append(1)
    with pytest.raises(CommandError, match="aftersales evidence keygen"):
        _run("seal")


def test_the_scheduler_seals_hourly_by_default(signing_key):  # type: ignore[no-untyped-def]
    assert django_settings.CELERY_BEAT_SCHEDULE["evidence-seal"] == {
        "task": "evidence.seal",
        "schedule": 3600.0,
    }
    _append(2)
    assert seal_task.delay().get() == 1
    assert Seal.objects.get().last_position == 2


def test_the_scheduled_seal_without_a_key_logs_and_leaves_entries_unsealed(settings, tmp_path, caplog):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_KEY_DIR = tmp_path
    _append(1)
    assert seal_task.delay().get() == 0
    assert "unsealed" in caplog.text
    assert not Seal.objects.exists()
