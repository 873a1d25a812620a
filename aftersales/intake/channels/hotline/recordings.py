"""Call recordings judged by their content, not their name or declared type: audio only, capped.

A recording arrives as a file object (Django's UploadedFile, or any binary file). It is read
once in chunks: the first bytes decide the type (magic numbers, the `filetype` package), every
byte goes into the SHA-256 that makes the recording an electronic voucher, and the count stops
at the cap (settings.HOTLINE_RECORDING_MAX_BYTES).
"""

import hashlib
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings

from aftersales.common.errors import FieldProblem, problem

# The types call-centre systems record in (filetype's names).
AUDIO_TYPES = frozenset({"audio/x-wav", "audio/mpeg", "audio/amr", "audio/mp4", "audio/ogg", "audio/x-flac"})
CHUNK = 64 * 1024
SNIFF = 8192


@dataclass(frozen=True)
class JudgedRecording:
    content_type: str
    size: int
    sha256: str


def recording_judge(upload: IO[bytes], *, limit: int | None = None) -> JudgedRecording | FieldProblem:
    """Type, size and SHA-256 of the recording in `upload`, or the problem that refuses it:
    `recording_empty`, `recording_too_large` (over `limit` bytes, the setting by default) or
    `recording_type_not_allowed` (the bytes are not one of AUDIO_TYPES, whatever the name says).
    Leaves `upload` at its start."""
    limit = settings.HOTLINE_RECORDING_MAX_BYTES if limit is None else limit
    upload.seek(0)
    digest = hashlib.sha256()
    head = b""
    size = 0
    while chunk := upload.read(CHUNK):
        if len(head) < SNIFF:
            head += chunk[: SNIFF - len(head)]
        size += len(chunk)
        if size > limit:
            upload.seek(0)
            return problem("recording_too_large", limit=limit)
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        return problem("recording_empty")
    kind = filetype.guess(head)
    if kind is None or kind.mime not in AUDIO_TYPES:
        return problem("recording_type_not_allowed")
    return JudgedRecording(content_type=str(kind.mime), size=size, sha256=digest.hexdigest())
