"""The ledger: an append-only hash chain per subject, a global order fixed at sealing, signed seals.

Never updated or deleted by the application, except that sealing fills `position` and `link`
of entries that had none (once). See docs/evidence.md.
"""

from django.db import models


class LedgerEntry(models.Model):
    """One sealed fact: the SHA-256 of a record's canonical serialisation, chained per subject.

    `chain` names the hash chain (one per complaint: "complaint:<number>"), so that appends for
    unrelated complaints never wait for each other; `seq` counts from 1 within the chain and
    `prev` is the entry hash of seq - 1. `subject` names what is sealed ("timeline_event:<id>").
    """

    chain = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    prev = models.CharField(max_length=64)
    content = models.CharField(max_length=64)  # SHA-256 of the subject's canonical bytes, hex
    subject_kind = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    recorded_at = models.DateTimeField()
    entry_hash = models.CharField(max_length=64)
    # Given by the sealer, in id order, contiguous from 1: the ledger's one global order.
    position = models.BigIntegerField(null=True, blank=True)
    link = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            # Also the index of the append's "last entry of this chain" read.
            models.UniqueConstraint(fields=["chain", "seq"], name="ledger_chain_seq_unique"),
            # Also the index of verification's stream in the global order.
            models.UniqueConstraint(fields=["position"], name="ledger_position_unique"),
        ]
        indexes = [
            # The bundle's and verification's lookups of a record's entry.
            models.Index(fields=["subject_kind", "subject_id"], name="ledger_subject_idx"),
        ]


class Seal(models.Model):
    """A signed checkpoint: the Merkle root of positions first..last, chained to the previous seal."""

    number = models.PositiveIntegerField(unique=True)
    first_position = models.BigIntegerField()
    last_position = models.BigIntegerField()
    merkle_root = models.CharField(max_length=64)
    last_link = models.CharField(max_length=64)
    previous_seal = models.CharField(max_length=64)  # SHA-256 of the previous statement
    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)  # Ed25519, hex

    class Meta:
        ordering = ["number"]


class SigningKey(models.Model):
    """A platform public key; kept after rotation so that old seals stay verifiable.

    The private key lives in a file under settings.EVIDENCE_KEY_DIR, never in the database.
    """

    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.CharField(max_length=64)  # raw Ed25519 public key, hex
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class SealLock(models.Model):
    """One row: sealers take it FOR UPDATE so that two seals never give the same positions."""
