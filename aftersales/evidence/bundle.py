"""The evidence bundle of one complaint: a zip a third party verifies offline.

Layout (docs/evidence.md gives the procedure by hand):

    manifest.json            complaint number, chain, counts, seals and keys included
    entries/NNNNNN.json      the chain's entries, seq NNNNNN, as canonical JSON (the hashed bytes)
    records/NNNNNN.json      the sealed record's canonical bytes (its SHA-256 is the entry's "content")
    proofs/NNNNNN.json       for a sealed entry: its seal, leaf index, tree size and RFC 6962 audit path
    seals/NNNNNN.json        a seal's statement (the signed bytes); seals/NNNNNN.sig its raw signature
    seals/NNNNNN.tst         its RFC 3161 time-stamp token (DER), when the seal was time-stamped
    keys/<key_id>.pem        the public keys that signed the included seals
    SHA256SUMS               every file above, for `sha256sum -c`
"""

import hashlib
import io
import json
import zipfile
from datetime import datetime

from aftersales.evidence.formats import canonical_json, inclusion_proof, iso_time
from aftersales.evidence.ledger import entry_document_of
from aftersales.evidence.models import LedgerEntry, Seal, SigningKey
from aftersales.evidence.records import record_contents
from aftersales.evidence.services import statement_of
from aftersales.evidence.signing import public_key_pem

BUNDLE_FORMAT = 1


def chain_for_complaint(number: str) -> str:
    return f"complaint:{number}"


def bundle_build(*, complaint_number: str, at: datetime) -> bytes:
    """The zip's bytes for the complaint's chain: its entries, records, proofs, seals and keys."""
    chain = chain_for_complaint(complaint_number)
    entries = list(LedgerEntry.objects.filter(chain=chain).order_by("seq"))
    contents = record_contents((entry.subject_kind, entry.subject_id) for entry in entries)
    files: dict[str, bytes] = {}
    seals: dict[int, Seal] = {}
    seal_leaves: dict[int, list[bytes]] = {}
    for entry in entries:
        name = f"{entry.seq:06d}.json"
        files[f"entries/{name}"] = entry_document_of(entry)
        content = contents.get((entry.subject_kind, entry.subject_id))
        if content is not None:
            files[f"records/{name}"] = content
        if entry.position is None:
            continue
        seal = Seal.objects.filter(
            first_position__lte=entry.position, last_position__gte=entry.position
        ).first()
        if seal is None:
            continue
        if seal.number not in seals:
            seals[seal.number] = seal
            seal_leaves[seal.number] = [
                bytes.fromhex(value)
                for value in LedgerEntry.objects.filter(
                    position__gte=seal.first_position, position__lte=seal.last_position
                )
                .order_by("position")
                .values_list("entry_hash", flat=True)
            ]
        index = entry.position - seal.first_position
        path = inclusion_proof(seal_leaves[seal.number], index)
        files[f"proofs/{name}"] = canonical_json(
            {
                "entry_hash": entry.entry_hash,
                "position": entry.position,
                "seal": seal.number,
                "leaf_index": index,
                "tree_size": seal.last_position - seal.first_position + 1,
                "audit_path": [node.hex() for node in path],
            }
        )
    key_ids = sorted({seal.key_id for seal in seals.values()})
    for number, seal in sorted(seals.items()):
        files[f"seals/{number:06d}.json"] = statement_of(seal)
        files[f"seals/{number:06d}.sig"] = bytes.fromhex(seal.signature)
        if seal.timestamp_token:
            files[f"seals/{number:06d}.tst"] = bytes(seal.timestamp_token)
    for key in SigningKey.objects.filter(key_id__in=key_ids):
        files[f"keys/{key.key_id}.pem"] = public_key_pem(key.public_key).encode()
    manifest = {
        "format": BUNDLE_FORMAT,
        "complaint": complaint_number,
        "chain": chain,
        "entries": len(entries),
        "sealed": sum(1 for entry in entries if entry.position is not None),
        "seals": sorted(seals),
        "keys": key_ids,
        "generated_at": iso_time(at),
        "verify": "python -m aftersales.evidence.bundle_verify BUNDLE.zip, or docs/evidence.md by hand",
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n"
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()
