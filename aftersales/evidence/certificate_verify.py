"""Verify a wipe certificate offline: `python -m aftersales.evidence.certificate_verify CERT.json`.

Needs neither the database nor Django settings: the standard library, `cryptography` and
`aftersales.evidence.formats`. Exit status 0 when the certificate holds, 1 when a check fails,
2 when the file cannot be read.

Checks: the canonical JSON of `document` (sorted keys, no spaces, UTF-8) hashes to
`document_sha256`; the Ed25519 `signature` over those bytes holds under the key named by
`key_id`: by default the certificate's own `public_key_pem`, or, to trust only the keys the
platform publishes (/.well-known/aftersales-evidence-keys.json), the PEM files given with --key.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from aftersales.evidence.formats import canonical_json, key_id_for, sha256_hex


class CertificateInvalid(Exception):
    """A check failed; the message says which."""


@dataclass(frozen=True)
class CertificateReport:
    certificate: str
    imei: str
    method: str
    wiped_at: str
    key_id: str


def _public_keys(pems: list[bytes]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for pem in pems:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise CertificateInvalid("a given key is not an Ed25519 public key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        keys[key_id_for(raw)] = key
    return keys


def verify_certificate(
    certificate: dict[str, Any], *, trusted_keys: list[bytes] | None = None
) -> CertificateReport:
    """Check one parsed certificate JSON; raises CertificateInvalid naming the failed check."""
    document = certificate.get("document")
    if not isinstance(document, dict):
        raise CertificateInvalid("no document")
    signed = canonical_json(document)
    if sha256_hex(signed) != certificate.get("document_sha256"):
        raise CertificateInvalid("the document does not hash to document_sha256: it was changed")
    key_id = str(certificate.get("key_id", ""))
    if document.get("key_id") != key_id:
        raise CertificateInvalid("the document names another signing key")
    pems = trusted_keys if trusted_keys is not None else [str(certificate.get("public_key_pem", "")).encode()]
    key = _public_keys(pems).get(key_id)
    if key is None:
        raise CertificateInvalid(f"key {key_id} is not among the trusted keys")
    try:
        key.verify(bytes.fromhex(str(certificate.get("signature", ""))), signed)
    except (InvalidSignature, ValueError):
        raise CertificateInvalid("the signature does not hold") from None
    return CertificateReport(
        certificate=str(document.get("certificate", "")),
        imei=str(document.get("imei", "")),
        method=str(document.get("method", "")),
        wiped_at=str(document.get("wiped_at", "")),
        key_id=key_id,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="certificate_verify", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("certificate", help="the wipe certificate (.json)")
    parser.add_argument(
        "--key", action="append", help="a trusted public key (PEM file); repeat for rotated keys"
    )
    args = parser.parse_args(argv)
    try:
        trusted = [Path(name).read_bytes() for name in args.key] if args.key else None
        certificate = json.loads(Path(args.certificate).read_text(encoding="utf-8"))
        report = verify_certificate(certificate, trusted_keys=trusted)
    except CertificateInvalid as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, ValueError) as exc:
        print(f"cannot read the certificate: {exc}")
        return 2
    print(
        f"OK: certificate {report.certificate}: IMEI {report.imei} wiped by {report.method}"
        f" at {report.wiped_at}, signed by key {report.key_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
