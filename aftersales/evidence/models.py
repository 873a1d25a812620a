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
    # An RFC 3161 time-stamp token (DER) over SHA-256(statement), when an authority is set
    # (timestamps.py); filled once after the seal is signed.
    timestamp_token = models.BinaryField(null=True, blank=True)
    timestamp_authority = models.CharField(max_length=200, blank=True, default="")

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


class ServiceRecord(models.Model):
    """One issue of a complaint's electronic service record (电子服务档案): a PDF and its hashes.

    `content_sha256` is the SHA-256 of the record's canonical content (service_record.py), the
    hash printed on the PDF and carried by its QR code; `pdf_sha256` that of the PDF's bytes.
    When issued, its receipt (`receipt_bytes`: both hashes, no personal data) is appended to
    the complaint's chain. The PDF itself is a generated file (storage.py), deleted on erasure.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "生成中 Being generated"
        READY = "ready", "已生成 Ready"
        FAILED = "failed", "失败 Failed"

    class Audience(models.TextChoices):
        # The customer's copy leaves out what only staff see (service_record.py).
        CUSTOMER = "customer", "客户版 Customer copy"
        STAFF = "staff", "内部版 Staff copy"

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="service_records"
    )
    # Records issued before there were two copies were the full one: staff's.
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.STAFF)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.CharField(max_length=40)  # actor ref: "staff:3", "customer:7"
    requested_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64, blank=True, default="")
    pdf_sha256 = models.CharField(max_length=64, blank=True, default="")
    pages = models.PositiveIntegerField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True, default="")  # in storage.py's storage
    failure = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            # The verification page's and the download's lookup: a complaint's record by its hash.
            models.Index(fields=["complaint", "content_sha256"], name="service_record_hash_idx"),
        ]


class WipeCertificate(models.Model):
    """A signed certificate that a device's data was erased (NIST SP 800-88 Rev. 1).

    `document` is the certificate's canonical JSON (formats.canonical_json), the bytes the
    Ed25519 `signature` covers and whose SHA-256 (`document_sha256`) the ledger seals in the
    chain "wipe:<certificate_id>". Issued once, never edited.
    """

    certificate_id = models.UUIDField(unique=True)
    imei = models.CharField(max_length=15, db_index=True)  # the certificates of one device
    device = models.ForeignKey(
        "devices.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outlet = models.ForeignKey(
        "network.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    engineer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16)
    method = models.CharField(max_length=32)
    wiped_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    document = models.TextField()
    document_sha256 = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)  # Ed25519 over `document`, hex
    file_name = models.CharField(max_length=200, blank=True, default="")  # the PDF, storage.py
