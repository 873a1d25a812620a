"""Attachments judged by their content, not their name: type, size, and archives that explode."""

import io
import zipfile
from dataclasses import dataclass, field

import filetype

# Types a customer sends about a device: photos, videos (the unboxing video), voice, documents.
ALLOWED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "image/heif",
        "image/bmp",
        "image/tiff",
        "video/mp4",
        "video/quicktime",
        "video/x-m4v",
        "video/3gpp",
        "audio/mpeg",
        "audio/amr",
        "audio/x-wav",
        "audio/mp4",
        "application/pdf",
        "application/zip",
        "text/plain",
    }
)
# Unpacked size and entry limits for a zip archive; beyond them it is refused as a zip bomb.
ZIP_MAX_UNPACKED = 100 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_MAX_ENTRIES = 1000


@dataclass(frozen=True)
class Attachment:
    name: str
    # The type judged from the bytes; `declared_type` is what the mail said.
    content_type: str
    declared_type: str
    size: int
    content: bytes = field(repr=False)
    # Why it is not stored (`too_large`, `type_not_allowed`, `zip_bomb`, `zip_broken`), or "".
    refused: str = ""


def content_type_of(content: bytes) -> str:
    """The MIME type the bytes show (magic numbers); text/plain for text, else octet-stream."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        return str(kind.mime)
    if content[:2] == b"MZ":
        return "application/x-msdownload"
    if not content:
        return "application/octet-stream"
    sample = content[:4096]
    if b"\x00" not in sample:
        for codec in ("utf-8", "gb18030"):
            try:
                sample.decode(codec)
                return "text/plain"
            except UnicodeDecodeError:
                continue
    return "application/octet-stream"


def attachment_judge(*, name: str, declared_type: str, content: bytes, max_bytes: int) -> Attachment:
    """An attachment with its type by content and, when it may not be stored, the reason."""
    content_type = content_type_of(content)
    refused = ""
    if len(content) > max_bytes:
        refused = "too_large"
    elif content_type not in ALLOWED_TYPES:
        refused = "type_not_allowed"
    elif content_type == "application/zip":
        refused = _zip_problem(content)
    return Attachment(
        name=name,
        content_type=content_type,
        declared_type=declared_type,
        size=len(content),
        content=content,
        refused=refused,
    )


def _zip_problem(content: bytes) -> str:
    """ "zip_bomb" when the archive would unpack beyond the limits, "zip_broken" when unreadable.

    Judged from the central directory without unpacking; an archive inside holding executables
    is refused too, since staff would open it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip_broken"
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if len(entries) > ZIP_MAX_ENTRIES or unpacked > ZIP_MAX_UNPACKED or unpacked / packed > ZIP_MAX_RATIO:
        return "zip_bomb"
    names = [entry.filename.lower() for entry in entries]
    if any(
        name.endswith((".exe", ".scr", ".bat", ".cmd", ".com", ".js", ".vbs", ".msi", ".dll"))
        for name in names
    ):
        return "type_not_allowed"
    return ""
