"""Seals: signed checkpoints; tampered roots and signatures fail; rotation keeps old seals valid."""

import pytest

from aftersales.accounts.actors import SYSTEM
from aftersales.evidence.ledger import Record, ledger_append
from aftersales.evidence.models import LedgerEntry, Seal, SigningKey
from aftersales.evidence.services import seal_create, statement_of
from aftersales.evidence.signing import SigningKeyUnavailable, signature_valid, signing_key_generate
from aftersales.evidence.verify import ledger_verify

pytestmark = pytest.mark.django_db


def _append(n: int, chain: str = "complaint:A", start: int = 0) -> None:
    records = [
        Record(
            chain=chain, subject_kind="test", subject_id=start + i, content=f'{{"n":{start + i}}}'.encode()
        )
        for i in range(n)
    ]
    ledger_append(records=records)


def _verify():  # type: ignore[no-untyped-def]
    # Entries of kind "test" seal no stored record: check the ledger itself.
    return ledger_verify(check_records=False)


def test_a_seal_covers_the_entries_since_the_last_one_and_verifies(signing_key):  # type: ignore[no-untyped-def]
    _append(5)
    first = seal_create(actor=SYSTEM)
    _append(3, chain="complaint:B")
    second = seal_create(actor=SYSTEM)
    assert (first.first_position, first.last_position) == (1, 5)
    assert (second.number, second.first_position, second.last_position) == (2, 6, 8)
    assert second.key_id == signing_key.key_id
    assert signature_valid(
        public_key_hex=signing_key.public_key, signature_hex=second.signature, message=statement_of(second)
    )
    assert list(LedgerEntry.objects.order_by("position").values_list("position", flat=True)) == list(
        range(1, 9)
    )
    report = _verify()
    assert report.ok, report.problem
    assert (report.entries, report.sealed, report.seals) == (8, 8, 2)


def test_sealing_with_nothing_new_makes_no_seal(signing_key):  # type: ignore[no-untyped-def]
    assert seal_create(actor=SYSTEM) is None
    _append(1)
    seal_create(actor=SYSTEM)
    assert seal_create(actor=SYSTEM) is None
    assert Seal.objects.count() == 1


def test_without_a_signing_key_nothing_is_sealed(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EVIDENCE_KEY_DIR = tmp_path
    _append(2)
    with pytest.raises(SigningKeyUnavailable):
        seal_create(actor=SYSTEM)
    assert not LedgerEntry.objects.filter(position__isnull=False).exists()


def test_a_missing_private_key_file_is_refused_by_name(signing_key, settings):  # type: ignore[no-untyped-def]
    (settings.EVIDENCE_KEY_DIR / f"{signing_key.key_id}.pem").unlink()
    _append(1)
    with pytest.raises(SigningKeyUnavailable) as caught:
        seal_create(actor=SYSTEM)
    assert signing_key.key_id in str(caught.value.params["reason"])


def test_the_private_key_file_is_readable_by_its_owner_only(signing_key, settings):  # type: ignore[no-untyped-def]
    mode = (settings.EVIDENCE_KEY_DIR / f"{signing_key.key_id}.pem").stat().st_mode
    assert mode & 0o077 == 0


def test_a_tampered_merkle_root_fails_verification(signing_key):  # type: ignore[no-untyped-def]
    _append(4)
    seal = seal_create(actor=SYSTEM)
    changed = ("0" if seal.merkle_root[0] != "0" else "1") + seal.merkle_root[1:]  # never the same root
    Seal.objects.filter(pk=seal.pk).update(merkle_root=changed)
    problem = _verify().problem
    assert problem is not None and problem.code == "seal_signature_invalid" and problem.seal == 1


def test_a_tampered_root_re_signed_with_another_key_fails(signing_key, tmp_path):  # type: ignore[no-untyped-def]
    """Someone with database access but not the platform's key recomputes a root and signs it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _append(4)
    seal = seal_create(actor=SYSTEM)
    seal.merkle_root = "0" * 64
    seal.signature = Ed25519PrivateKey.generate().sign(statement_of(seal)).hex()
    seal.save()
    problem = _verify().problem
    assert problem is not None and problem.code == "seal_signature_invalid"


def test_a_tampered_signature_fails_verification(signing_key):  # type: ignore[no-untyped-def]
    _append(4)
    seal = seal_create(actor=SYSTEM)
    flipped = format(int(seal.signature[:2], 16) ^ 0x01, "02x") + seal.signature[2:]
    Seal.objects.filter(pk=seal.pk).update(signature=flipped)
    problem = _verify().problem
    assert problem is not None and problem.code == "seal_signature_invalid" and problem.seal == 1


def test_a_validly_signed_seal_over_other_entries_fails_on_its_root(signing_key):  # type: ignore[no-untyped-def]
    """The platform's own key signing a wrong root (a bug, or a stolen key) is caught by the entries."""
    from aftersales.evidence.signing import current_signer

    _append(4)
    seal = seal_create(actor=SYSTEM)
    seal.merkle_root = "0" * 64
    seal.signature = current_signer()[1].sign(statement_of(seal)).hex()
    seal.save()
    problem = _verify().problem
    assert problem is not None and problem.code == "seal_root_mismatch" and problem.seal == 1


def test_a_removed_seal_is_named(signing_key):  # type: ignore[no-untyped-def]
    for i in range(3):
        _append(2, start=10 * i)
        seal_create(actor=SYSTEM)
    Seal.objects.filter(number=2).delete()
    problem = _verify().problem
    assert problem is not None and problem.code == "seal_missing" and problem.seal == 2


def test_key_rotation_keeps_old_seals_verifiable(signing_key):  # type: ignore[no-untyped-def]
    _append(3)
    old_seal = seal_create(actor=SYSTEM)
    new_key = signing_key_generate()
    _append(2, chain="complaint:B")
    new_seal = seal_create(actor=SYSTEM)
    assert old_seal.key_id == signing_key.key_id != new_seal.key_id == new_key.key_id
    signing_key.refresh_from_db()
    assert signing_key.retired_at is not None
    assert _verify().ok
    # Only the new key trusted: the old seal is named.
    problem = ledger_verify(check_records=False, trusted_keys={new_key.key_id: new_key.public_key}).problem
    assert problem is not None and problem.code == "seal_key_unknown" and problem.seal == 1
    assert set(SigningKey.objects.values_list("key_id", flat=True)) == {signing_key.key_id, new_key.key_id}
