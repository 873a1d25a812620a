from datetime import datetime

from ninja import Schema


class PublishedKeyOut(Schema):
    key_id: str
    algorithm: str
    public_key: str
    public_key_pem: str
    created_at: str
    retired_at: str | None


class KeysOut(Schema):
    """The platform's evidence-signing public keys, for verifying seals and bundles."""

    keys: list[PublishedKeyOut]


class ServiceRecordOut(Schema):
    """A service record's state: `status` pending | ready | failed; `pdf_url` once ready."""

    id: int
    complaint: str
    status: str
    content_sha256: str
    pdf_sha256: str
    pages: int | None
    generated_at: str | None
    status_url: str
    pdf_url: str | None
    verify_url: str | None


class WipeIn(Schema):
    """An erasure tool's report. `wiped_at`: ISO 8601 with a time zone."""

    imei: str
    method: str
    reason: str
    tool_name: str
    tool_version: str = ""
    result: str
    wiped_at: datetime
    report: str = ""
    outlet_code: str = ""


class WipeCertificateOut(Schema):
    certificate_id: str
    imei: str
    method: str
    document_sha256: str
    key_id: str
    issued_at: str
    verify_url: str
    json_url: str
    pdf_url: str
