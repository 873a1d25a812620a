"""Verify an evidence bundle offline: `python -m aftersales.evidence.bundle_verify BUNDLE.zip`.

Needs neither the database nor Django settings: it imports only the standard library,
`cryptography` and `aftersales.evidence.formats`. Exit status 0 when every check holds, 1 when
one fails (the failing file is named), 2 when the bundle cannot be read.

Checks, in order: each record hashes to its entry's "content"; the entries form one chain
(seq 1, 2, ... each "prev" the SHA-256 of the entry before); each sealed entry's audit path
leads to its seal's Merkle root; each seal's Ed25519 signature holds under its key (or under
the keys given with --key, to trust only the keys the platform publishes).
"""

import argparse
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from aftersales.evidence.formats import GENESIS, canonical_json, key_id_for, root_from_inclusion_proof


class BundleInvalid(Exception):
    """A check failed; the message names the file and what is wrong."""


@dataclass
class BundleReport:
    complaint: str = ""
    entries: int = 0
    sealed: int = 0
    seals: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def _load_public_key(pem: bytes, where: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise BundleInvalid(f"{where}: not a public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BundleInvalid(f"{where}: not an Ed25519 key")
    return key


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _json(data: bytes, where: str) -> dict:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise BundleInvalid(f"{where}: not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise BundleInvalid(f"{where}: not a JSON object")
    return document


def verify_bundle(path: str, *, trusted_keys: list[bytes] | None = None) -> BundleReport:
    """Check the bundle at `path`; raise BundleInvalid naming the first failure.

    `trusted_keys` are PEM public keys; when given, a seal signed by any other key fails.
    """
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = _json(files.get("manifest.json", b""), "manifest.json")
    chain = manifest.get("chain")
    report = BundleReport(complaint=str(manifest.get("complaint", "")))
    keys: dict[str, Ed25519PublicKey] = {}
    for name, data in files.items():
        if name.startswith("keys/"):
            key = _load_public_key(data, name)
            keys[key_id_for(_raw(key))] = key
    if trusted_keys is not None:
        pinned = [_load_public_key(pem, "--key") for pem in trusted_keys]
        keys = {key_id_for(_raw(key)): key for key in pinned}

    # 1. Seals: each statement signed by the key it names.
    statements: dict[int, dict] = {}
    for name in sorted(n for n in files if n.startswith("seals/") and n.endswith(".json")):
        statement = _json(files[name], name)
        if canonical_json(statement) != files[name]:
            raise BundleInvalid(f"{name}: not in canonical form")
        signer = keys.get(str(statement.get("key_id")))
        if signer is None:
            raise BundleInvalid(f"{name}: signed by key {statement.get('key_id')}, which is not trusted")
        signature = files.get(name[: -len(".json")] + ".sig", b"")
        try:
            signer.verify(signature, files[name])
        except InvalidSignature as exc:
            raise BundleInvalid(f"{name}: the signature does not match") from exc
        statements[int(statement["seal"])] = statement

    # 2. Entries: one chain, each record hashing to its entry's content.
    entry_names = sorted(n for n in files if n.startswith("entries/"))
    if len(entry_names) != manifest.get("entries"):
        raise BundleInvalid(
            f"manifest.json: {manifest.get('entries')} entries listed, {len(entry_names)} found"
        )
    previous = GENESIS
    for seq, name in enumerate(entry_names, start=1):
        data = files[name]
        entry = _json(data, name)
        if canonical_json(entry) != data:
            raise BundleInvalid(f"{name}: not in canonical form")
        if entry.get("chain") != chain or entry.get("seq") != seq or name != f"entries/{seq:06d}.json":
            raise BundleInvalid(f"{name}: expected seq {seq} of chain {chain} (an entry is missing or added)")
        if entry.get("prev") != previous:
            raise BundleInvalid(f"{name}: does not follow the entry before it (prev hash differs)")
        record_name = name.replace("entries/", "records/")
        record = files.get(record_name)
        if record is None:
            raise BundleInvalid(f"{record_name}: missing")
        if hashlib.sha256(record).hexdigest() != entry.get("content"):
            raise BundleInvalid(f"{record_name}: does not hash to the content sealed in {name}")
        entry_hash = hashlib.sha256(data).digest()
        previous = entry_hash.hex()

        # 3. Its inclusion in a signed seal.
        proof_name = name.replace("entries/", "proofs/")
        if proof_name not in files:
            continue
        proof = _json(files[proof_name], proof_name)
        sealed_by = statements.get(int(proof.get("seal", 0)))
        if sealed_by is None:
            raise BundleInvalid(f"{proof_name}: seal {proof.get('seal')} is not in the bundle")
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
        if size != sealed_by["count"] or index != int(proof["position"]) - sealed_by["first_position"]:
            raise BundleInvalid(f"{proof_name}: position and tree size do not match seal {sealed_by['seal']}")
        try:
            audit_path = [bytes.fromhex(node) for node in proof["audit_path"]]
            root = root_from_inclusion_proof(entry_hash, index, size, audit_path)
        except (ValueError, TypeError, KeyError) as exc:
            raise BundleInvalid(f"{proof_name}: malformed audit path ({exc})") from exc
        if root.hex() != sealed_by["merkle_root"]:
            raise BundleInvalid(
                f"{proof_name}: does not lead {name} to the Merkle root of seal {sealed_by['seal']}"
                " (the entry or its audit path was changed)"
            )
        report.sealed += 1
    if report.sealed != manifest.get("sealed"):
        raise BundleInvalid(
            f"manifest.json: {manifest.get('sealed')} sealed entries listed, {report.sealed} proven"
        )
    report.entries = len(entry_names)
    report.seals = sorted(statements)
    report.keys = sorted(keys)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle_verify", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="the evidence bundle (.zip)")
    parser.add_argument(
        "--key", action="append", help="a trusted public key (PEM file); repeat for rotated keys"
    )
    args = parser.parse_args(argv)
    trusted = None
    try:
        if args.key:
            trusted = [Path(name).read_bytes() for name in args.key]
        report = verify_bundle(args.bundle, trusted_keys=trusted)
    except BundleInvalid as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        print(f"cannot read the bundle: {exc}")
        return 2
    print(
        f"OK: complaint {report.complaint}: {report.entries} entries in one unbroken chain,"
        f" {report.sealed} of them in seals {report.seals} signed by {', '.join(report.keys) or 'no key'}"
    )
    if report.sealed < report.entries:
        print(
            f"note: {report.entries - report.sealed} entries are not sealed yet (appended after the last seal)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
