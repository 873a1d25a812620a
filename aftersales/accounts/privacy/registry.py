"""Where every app declares the personal data it stores, and how to export, find and erase it.

An app registers one `PersonalDataSource` in its AppConfig.ready():

    personal_data_source_register(PersonalDataSource(name="complaints", export=..., erase=..., files=...))

and, per data kind of the policy pack's retention section that it stores, one purger:

    retention_purger_register("mail_attachments", purge_attachments)

The privacy services (services.py) run every registered source; no app is named there, so an app
added later (call recordings, generated PDFs) only registers its own source.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class DataSubject:
    """Whose data: the customer and every identifier they are known by, read before anything is erased.

    `phones` in E.164, `emails` lower case, `channel_ids` maps a channel code ("wechat", "weibo",
    "douyin") to the platform user ids. `complaint_ids` are the customer's complaints.
    """

    customer_id: int
    complaint_ids: tuple[int, ...]
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    channel_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredFile:
    """A file in the default storage holding the customer's data, and its name inside an export."""

    storage_name: str
    export_name: str


# {section: rows}: what an app exports, JSON-serialisable values (dates as ISO strings when written).
ExportSections = dict[str, Sequence[Mapping[str, Any]]]


class Exporter(Protocol):
    def __call__(self, *, subject: DataSubject) -> ExportSections: ...


class Eraser(Protocol):
    def __call__(self, *, subject: DataSubject, at: datetime, request_id: int) -> dict[str, int]: ...


class FileFinder(Protocol):
    def __call__(self, *, subject: DataSubject) -> list[StoredFile]: ...


class RetentionPurger(Protocol):
    def __call__(self, *, cutoff: datetime, now: datetime) -> int: ...


def _no_files(*, subject: DataSubject) -> list[StoredFile]:
    return []


@dataclass(frozen=True)
class PersonalDataSource:
    """One app's personal data.

    - `export(subject=)`: {section: [row, ...]} of JSON-serialisable rows, what the customer gets a copy of.
    - `erase(subject=, at=, request_id=)`: delete or irreversibly pseudonymise the rows, inside the
      caller's transaction; returns {what: count}. Never touches ledger entries or timeline events
      (they hold references and hashes). Files are not deleted here: the service deletes every file
      `files` named once the transaction commits.
    - `files(subject=)`: the stored files that hold the customer's data (attachments, recordings,
      generated PDFs, exports).
    """

    name: str
    export: Exporter
    erase: Eraser
    files: FileFinder = _no_files


_sources: dict[str, PersonalDataSource] = {}
_purgers: dict[str, RetentionPurger] = {}


def personal_data_source_register(source: PersonalDataSource) -> None:
    """Add an app's source; registering the same name again replaces it (module reloads in tests)."""
    _sources[source.name] = source


def personal_data_sources() -> list[PersonalDataSource]:
    """Every registered source, by name (a stable order for exports and erasure outcomes)."""
    return [_sources[name] for name in sorted(_sources)]


def retention_purger_register(kind: str, purger: RetentionPurger) -> None:
    """`purger(cutoff=, now=)` removes the data of `kind` older than `cutoff` and returns how many."""
    _purgers[kind] = purger


def retention_purger(kind: str) -> RetentionPurger | None:
    return _purgers.get(kind)


def customer_personal_files(subject: DataSubject) -> list[StoredFile]:
    """The one place that finds every stored or generated file holding the customer's data."""
    found: list[StoredFile] = []
    for source in personal_data_sources():
        found.extend(source.files(subject=subject))
    return found
