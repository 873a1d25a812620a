"""What an uploaded file is, judged from its bytes: a photo or a video we take, or why not.

Seed 二 asks customers for photos of the fault and an unboxing video; the app and the web
form send them. The type comes from the magic bytes (the `filetype` library, as the e-mail
channel judges mail attachments), never from the name or the declared Content-Type; those
only serve to catch a file dressed up as something else.

Refusals, each a FieldProblem naming the form or API field (422):
  attachment_empty            nothing in it
  attachment_executable       a program or script (PE, ELF, Mach-O, DEX, `#!`), whatever its name
  attachment_archive          an archive (zip, rar, 7z, gzip, ...): may unpack to anything, a zip
                              bomb included; an archive whose own directory already shows a bomb
                              is named `attachment_zip_bomb`
  attachment_type_not_allowed any other type than the photos and videos below
  attachment_type_mismatch    the name or declared type says photo and the bytes say video, or
                              the reverse, or the name is a program's
  attachment_too_large        over the kind's limit (settings ATTACHMENT_*_MAX_BYTES)
  attachment_image_bomb       a photo of more pixels than ATTACHMENT_MAX_PIXELS (decompression bomb)
  attachment_unreadable       a photo whose bytes do not decode
"""

import hashlib
import mimetypes
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from aftersales.common.errors import FieldProblem, problem
from aftersales.intake.channels.email.attachments import _zip_problem

PHOTO = "photo"
VIDEO = "video"
# The types taken, by kind, with the words a refusal lists them in.
KINDS: dict[str, str] = {
    "image/jpeg": PHOTO,
    "image/png": PHOTO,
    "image/heic": PHOTO,
    "image/heif": PHOTO,
    "image/webp": PHOTO,
    "video/mp4": VIDEO,
    "video/x-m4v": VIDEO,
    "video/quicktime": VIDEO,
}
ALLOWED_WORDS = "JPEG, PNG, HEIC, WebP, MP4, MOV"
# Types Pillow decodes here: their pixel count is checked before anything is decoded.
DECODED_PHOTOS = frozenset({"image/jpeg", "image/png", "image/webp"})
ARCHIVES = frozenset(
    {
        "application/zip",
        "application/epub+zip",
        "application/x-tar",
        "application/x-rar-compressed",
        "application/gzip",
        "application/x-bzip2",
        "application/x-7z-compressed",
        "application/x-xz",
        "application/x-brotli",
        "application/x-compress",
        "application/x-lzip",
        "application/x-lzop",
        "application/x-lz4",
        "application/x-deb",
        "application/x-rpm",
        "application/x-unix-archive",
    }
)
EXECUTABLES = frozenset({"application/x-msdownload", "application/x-executable"})
# Magic numbers of programs filetype does not name: Mach-O (32/64 bit, both byte orders, fat),
# Android DEX, and scripts.
EXECUTABLE_MAGIC = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"dex\n",
    b"#!",
    b"MZ",
)
EXECUTABLE_SUFFIXES = frozenset(
    {".exe", ".scr", ".bat", ".cmd", ".com", ".js", ".vbs", ".msi", ".dll", ".apk", ".sh", ".ps1", ".jar"}
)
HEAD_BYTES = 8192
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class JudgedFile:
    """A file we take: its kind, type (from the bytes), size in bytes and SHA-256 (hex)."""

    name: str
    kind: str
    content_type: str
    size: int
    sha256: str


def kind_limit(kind: str) -> int:
    """The largest file of `kind` taken, in bytes (settings)."""
    return settings.ATTACHMENT_VIDEO_MAX_BYTES if kind == VIDEO else settings.ATTACHMENT_PHOTO_MAX_BYTES


def _chunks(stream: IO[bytes]) -> Iterable[bytes]:
    stream.seek(0)
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _declared_kind(name: str, declared_type: str) -> str | None:
    """The kind the name's extension or the declared Content-Type claims, if either claims one."""
    for claimed in (mimetypes.guess_type(name)[0] or "", declared_type.split(";")[0].strip().lower()):
        if claimed.startswith("image/"):
            return PHOTO
        if claimed.startswith("video/"):
            return VIDEO
    return None


def attachment_judge(*, name: str, declared_type: str, stream: IO[bytes], size: int) -> JudgedFile:
    """Judge one uploaded file (module doc); raise `AttachmentRefused` with the reason.

    `stream` is read from its start: the first 8 KiB for the type, all of it for the SHA-256
    (never more than the kind's limit, which `size` is checked against first).
    """
    if size <= 0:
        raise AttachmentRefused(problem("attachment_empty"))
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    guessed = filetype.guess(head)
    content_type = str(guessed.mime) if guessed is not None else "application/octet-stream"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if content_type in EXECUTABLES or (content_type not in KINDS and head.startswith(EXECUTABLE_MAGIC)):
        raise AttachmentRefused(problem("attachment_executable"))
    if content_type in ARCHIVES:
        if content_type == "application/zip" and size <= settings.ATTACHMENT_PHOTO_MAX_BYTES:
            stream.seek(0)
            if _zip_problem(stream.read()) == "zip_bomb":
                raise AttachmentRefused(problem("attachment_zip_bomb"))
        raise AttachmentRefused(problem("attachment_archive", allowed=ALLOWED_WORDS))
    kind = KINDS.get(content_type)
    if kind is None:
        raise AttachmentRefused(problem("attachment_type_not_allowed", allowed=ALLOWED_WORDS))
    claimed = _declared_kind(name, declared_type)
    if suffix in EXECUTABLE_SUFFIXES or (claimed is not None and claimed != kind):
        raise AttachmentRefused(problem("attachment_type_mismatch", found=content_type))
    limit = kind_limit(kind)
    if size > limit:
        raise AttachmentRefused(problem("attachment_too_large", limit=limit, size=size))
    if content_type in DECODED_PHOTOS:
        _photo_check(stream)
    digest = hashlib.sha256()
    read = 0
    for chunk in _chunks(stream):
        read += len(chunk)
        if read > limit:
            raise AttachmentRefused(problem("attachment_too_large", limit=limit, size=read))
        digest.update(chunk)
    return JudgedFile(name=name, kind=kind, content_type=content_type, size=read, sha256=digest.hexdigest())


def _photo_check(stream: IO[bytes]) -> None:
    """The header's pixel count within ATTACHMENT_MAX_PIXELS, and the image structurally sound."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > settings.ATTACHMENT_MAX_PIXELS:
                    raise AttachmentRefused(
                        problem(
                            "attachment_image_bomb",
                            limit=settings.ATTACHMENT_MAX_PIXELS,
                            pixels=width * height,
                        )
                    )
                image.verify()
    except AttachmentRefused:
        raise
    except Image.DecompressionBombError as exc:
        raise AttachmentRefused(
            problem(
                "attachment_image_bomb",
                limit=settings.ATTACHMENT_MAX_PIXELS,
                pixels=(Image.MAX_IMAGE_PIXELS or 0) * 2,
            )
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AttachmentRefused(problem("attachment_unreadable")) from exc


class AttachmentRefused(Exception):
    """A file not taken; `reason` is the FieldProblem to report on the file's field."""

    def __init__(self, reason: FieldProblem) -> None:
        super().__init__(reason.code)
        self.reason = reason
