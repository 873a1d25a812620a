"""Complaint search for staff: by number, phone, IMEI, customer name and the words written.

Two ways in, merged into one ranked list:

1. Identifiers, looked up exactly: a complaint number (`AS-20261201-00042-7`, any case, spaces
   or full-width digits), a phone number however it is written (read by
   `accounts.phones.phone_normalise`, matched against every phone identity of a customer),
   an IMEI in any printed grouping (`devices.imei.valid_imei`). These hits come first.
2. Words, through a character-bigram index. Chinese is written without spaces, so each run of
   CJK characters is indexed as its overlapping pairs (屏幕触控失灵 → 屏幕 幕触 触控 控失 失灵)
   plus its last character alone, and other scripts as lower-case words. A query matches a
   complaint holding all of the query's pairs taken side by side (屏幕失灵 → 屏幕 + 失灵, so
   `屏幕失灵` finds `屏幕触控失灵了`, and any part of a text finds it); a single character or
   a Latin word matches as a prefix (`flicker` finds `flickering`). Text is folded first:
   NFKC (full-width to half-width), lower case, Traditional Chinese to Simplified.
   Ranking: the share of the query's overlapping pairs a complaint holds (so the phrase as
   written ranks above its words apart), then the newest; it is computed over the newest
   `SEARCH_WINDOW` matches, which is also how deep pages go.

The index holds one document per complaint: the bodies of its messages not erased (internal
notes included: only staff search), its subject while none of them is erased, and its
customer's name unless the customer was erased. PostgreSQL keeps it as a `tsvector` column with a GIN index, SQLite as an
FTS5 table; both take the same terms, cast directly (no text-search parser or locale).

Maintenance: services call `search_index_refresh` after writing a message (complaint_open,
_write_message). Forgetting is the database's job: triggers created by migration 0008 drop a
complaint's document as soon as one of its messages is erased, edited or deleted, its subject
changes or its customer is erased, whoever writes the change (a service, an admin, a bulk
update), so erased words are never findable. Whoever erases calls `search_index_refresh`
afterwards to index what is left; `aftersales search_reindex` rebuilds missing documents.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.common.errors import Forbidden, Unauthenticated, ValidationFailed, problem
from aftersales.complaints.models import Complaint
from aftersales.complaints.status import State
from aftersales.policy.pack import current_pack

# How many characters a query may have; a longer one is refused (422 on `q`).
MAX_QUERY_LENGTH = 200
# How many matches of each kind are ranked, and so how deep pages go (offset + limit).
SEARCH_WINDOW = 500
# The table holding the index (created by migration 0008; its shape differs per database).
INDEX_TABLE = "complaints_search"
# Terms longer than this are cut (a tsvector lexeme holds at most 2 KB).
MAX_TERM_LENGTH = 64

# Scripts written without spaces between words: Han (with extensions and compatibility
# ideographs), kana, Hangul syllables.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_NUMBER = re.compile(r"(?:([A-Z]{1,8})-?)?(\d{8})-?(\d{5})-?(\d)")
_PHONE_LIKE = re.compile(r"[+(\d][\d\s().+\-]{5,}\d")


# --- terms -----------------------------------------------------------------------------------


def fold(text: str) -> str:
    """The text as indexed and queried: NFKC, lower case, Traditional Chinese as Simplified."""
    from aftersales.triage.text import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def document_terms(texts: Iterable[str]) -> list[str]:
    """The sorted distinct index terms of a complaint's texts (see the module docstring)."""
    terms: set[str] = set()
    for text in texts:
        for match in _RUNS.finditer(fold(text)):
            run = match.group()
            if match.lastgroup == "cjk":
                terms.update(run[i : i + 2] for i in range(len(run) - 1))
                terms.add(run[-1])  # every character starts a term, so one character finds it
            else:
                terms.add(run[:MAX_TERM_LENGTH])
    return sorted(terms)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    """`required`: all must match. `ranking`: the more a complaint holds, the higher it ranks."""

    required: tuple[Term, ...]
    ranking: tuple[Term, ...]


def text_query(query: str) -> TextQuery | None:
    """The terms of a query, or None when it has no letter or digit to search for."""
    required: list[Term] = []
    ranking: list[Term] = []
    for match in _RUNS.finditer(fold(query)):
        run = match.group()
        if match.lastgroup == "word":
            term = Term(run[:MAX_TERM_LENGTH], prefix=True)
            required.append(term)
            ranking.append(term)
        elif len(run) == 1:
            required.append(Term(run, prefix=True))
            ranking.append(Term(run, prefix=True))
        else:
            # Pairs side by side, and the last pair for an odd length: every part of an indexed
            # text has all of them, and so do texts with the words apart (屏幕…失灵).
            pairs = [run[i : i + 2] for i in range(0, len(run) - 1, 2)]
            if len(run) % 2:
                pairs.append(run[-2:])
            required += [Term(pair) for pair in pairs]
            ranking += [Term(run[i : i + 2]) for i in range(len(run) - 1)]
    if not required:
        return None
    return TextQuery(required=tuple(dict.fromkeys(required)), ranking=tuple(dict.fromkeys(ranking)))


def _tsquery(terms: Sequence[Term], operator: str) -> str:
    # Terms hold letters and digits only (see _RUNS), so quoting them is enough.
    return f" {operator} ".join(f"'{t.text}'" + (":*" if t.prefix else "") for t in terms)


def _fts5_query(terms: Sequence[Term]) -> str:
    return " AND ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)


def _score(document: set[str], ranking: Sequence[Term]) -> float:
    held = sum(
        1
        for t in ranking
        if (any(term.startswith(t.text) for term in document) if t.prefix else t.text in document)
    )
    return held / len(ranking)


# --- the index -------------------------------------------------------------------------------


def _documents(complaint_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each complaint's texts as they may be searched: nothing erased.

    The subject is the customer's words too (the first line of the first message, or a mail's
    subject): it is left out as soon as any message of the complaint is erased.
    """
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(complaint_ids))
        cursor.execute(
            "SELECT c.id, c.subject, cu.name, cu.erased_at FROM complaints_complaint c "
            f"JOIN accounts_customer cu ON cu.id = c.customer_id WHERE c.id IN ({marks})",
            list(complaint_ids),
        )
        subjects: dict[int, str] = {}
        texts: dict[int, list[str]] = {}
        for pk, subject, name, erased_at in cursor.fetchall():
            subjects[pk] = subject
            texts[pk] = [name] if erased_at is None and name else []
        cursor.execute(
            f"SELECT complaint_id, body, erased_at FROM complaints_message WHERE complaint_id IN ({marks})",
            list(complaint_ids),
        )
        for pk, body, erased_at in cursor.fetchall():
            if erased_at is None:
                texts[pk].append(body)
            else:
                subjects.pop(pk, None)
    for pk, subject in subjects.items():
        texts[pk].append(subject)
    return texts


def search_index_refresh(*, complaint_ids: Sequence[int]) -> None:
    """(Re)write the index documents of these complaints from what is stored now.

    Call it in the transaction that wrote the text (three statements per batch). Erased
    messages and an erased customer's name are left out.
    """
    ids = sorted(set(complaint_ids))
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        documents = {pk: " ".join(document_terms(texts)) for pk, texts in _documents(batch).items()}
        search_index_write(documents)


def search_index_write(documents: dict[int, str]) -> None:
    """Store documents of space-separated terms (from `document_terms`) by complaint id."""
    if not documents:
        return
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(documents))
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s::tsvector)"] * len(documents))
            cursor.execute(
                f"INSERT INTO {INDEX_TABLE} (complaint_id, terms) VALUES {values} "
                "ON CONFLICT (complaint_id) DO UPDATE SET terms = EXCLUDED.terms",
                [v for pk, terms in documents.items() for v in (pk, _tsvector(terms))],
            )
        else:
            cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE rowid IN ({marks})", list(documents))
            values = ", ".join(["(%s, %s)"] * len(documents))
            cursor.execute(
                f"INSERT INTO {INDEX_TABLE} (rowid, terms) VALUES {values}",
                [v for pk, terms in documents.items() for v in (pk, terms)],
            )


def _tsvector(terms: str) -> str:
    return " ".join(f"'{term}'" for term in terms.split())


def search_index_missing(*, limit: int = 10_000) -> list[int]:
    """Ids of complaints without an index document (new before the index, or erased since)."""
    key = "complaint_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM complaints_complaint c WHERE NOT EXISTS "
            f"(SELECT 1 FROM {INDEX_TABLE} s WHERE s.{key} = c.id) ORDER BY c.id LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


# --- searching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing of a search; every given one applies. Dates are inclusive, in local time."""

    state: str | None = None
    team: str | None = None
    category: str | None = None
    channel: str | None = None
    outlet: str | None = None  # an outlet code: the complaints its team (`outlet-<code>`) works on
    created_from: date | None = None
    created_to: date | None = None


@dataclass
class SearchHit:
    complaint: Complaint
    matched: list[str] = field(default_factory=list)  # number | phone | imei | text
    score: float = 0.0


def complaint_search(
    *, actor: Actor, query: str, filters: SearchFilters, limit: int = 25, offset: int = 0
) -> list[SearchHit]:
    """Staff: the complaints they may see that match `query`, best first, one page.

    Order: complaint-number hits, then IMEI, then phone (newest first within each), then
    word hits by rank (module docstring). Visibility is the queue's
    (`complaints_visible_to_staff`): outlet staff find only their team's complaints.
    Errors: Unauthenticated (anonymous), Forbidden (customers, roles without the queue),
    ValidationFailed naming `q` (empty, longer than MAX_QUERY_LENGTH, control characters),
    `state`, `created_to` or `offset` (past SEARCH_WINDOW). At most six queries.
    """
    from aftersales.complaints.selectors import complaints_visible_to_staff

    if actor.kind == "anonymous":
        raise Unauthenticated()
    if not actor.is_staff or not actor.may("complaint.view_team"):
        raise Forbidden(what="complaint search")
    text = _checked_query(query)
    _check_filters(filters, limit=limit, offset=offset)
    visible = _filtered(complaints_visible_to_staff(actor), filters)
    narrowed = not actor.may("complaint.view_any") or filters != SearchFilters()

    # Complaint id -> what matched, in rank order (dicts keep insertion order).
    matched: dict[int, list[str]] = {}
    scores: dict[int, float] = {}
    for kind, condition in _identifier_conditions(text):
        for complaint_id in (
            visible.filter(condition)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:SEARCH_WINDOW]
        ):
            matched.setdefault(complaint_id, []).append(kind)
    words = text_query(text)
    if words is not None:
        ranked = _text_matches(words, visible if narrowed else None)
        for complaint_id, score in sorted(ranked, key=lambda row: (-row[1], -row[0])):
            matched.setdefault(complaint_id, []).append("text")
            scores.setdefault(complaint_id, score)
    page = list(matched)[offset : offset + limit]
    complaints = Complaint.objects.select_related("owner").in_bulk(page)
    # A document outliving its complaint is never shown.
    return [
        SearchHit(complaint=complaints[pk], matched=matched[pk], score=scores.get(pk, 0.0))
        for pk in page
        if pk in complaints
    ]


def _checked_query(query: str) -> str:
    text = unicodedata.normalize("NFKC", query).strip()
    if not text or len(text) > MAX_QUERY_LENGTH or _CONTROL.search(text):
        raise ValidationFailed({"q": problem("query_invalid", limit=MAX_QUERY_LENGTH)})
    return text


def _check_filters(filters: SearchFilters, *, limit: int, offset: int) -> None:
    if filters.state is not None and filters.state not in State.values:
        raise ValidationFailed({"state": problem("search_state_unknown", allowed=", ".join(State.values))})
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        raise ValidationFailed({"created_to": problem("search_period_reversed")})
    if offset + limit > SEARCH_WINDOW:
        raise ValidationFailed({"offset": problem("search_too_deep", window=SEARCH_WINDOW)})


def _filtered(queryset: QuerySet[Complaint], filters: SearchFilters) -> QuerySet[Complaint]:
    from aftersales.network.models import outlet_team

    exact = {
        "state": filters.state,
        "team": filters.team,
        "category": filters.category,
        "channel": filters.channel,
        "team__exact": outlet_team(filters.outlet) if filters.outlet else None,
    }
    queryset = queryset.filter(**{name: value for name, value in exact.items() if value is not None})
    if filters.created_from:
        queryset = queryset.filter(created_at__gte=_local_midnight(filters.created_from))
    if filters.created_to:
        queryset = queryset.filter(created_at__lt=_local_midnight(filters.created_to + timedelta(days=1)))
    return queryset


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _identifier_conditions(text: str) -> list[tuple[str, Q]]:
    """What the query names exactly: a complaint number, an IMEI, a phone number."""
    from aftersales.accounts.phones import phone_normalise
    from aftersales.devices.imei import valid_imei

    conditions: list[tuple[str, Q]] = []
    compact = re.sub(r"\s+", "", text).upper()
    number = _NUMBER.fullmatch(compact)
    if number is not None:
        prefix, day, serial, check = number.groups()
        prefix = prefix or current_pack().number_prefix
        conditions.append(("number", Q(number=f"{prefix}-{day}-{serial}-{check}")))
    imei = valid_imei(text)
    if imei is not None:
        conditions.append(("imei", Q(device__imei=imei)))
    if _PHONE_LIKE.fullmatch(text) and imei is None and number is None:
        try:
            e164 = phone_normalise(text)
        except ValidationFailed:
            e164 = None
        if e164 is not None:
            customers = set(
                CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.PHONE, value=e164).values_list(
                    "customer_id", flat=True
                )
            ) | set(Customer.objects.filter(phone=e164).values_list("pk", flat=True))
            conditions.append(("phone", Q(customer_id__in=sorted(customers))))
    return conditions


def _text_matches(words: TextQuery, narrowed_to: QuerySet[Complaint] | None) -> list[tuple[int, float]]:
    """(complaint id, score) of the newest SEARCH_WINDOW complaints holding every required term."""
    scope, scope_params = "", []
    if narrowed_to is not None:
        sql, params = narrowed_to.values("pk").query.sql_with_params()
        scope, scope_params = f" AND {{key}} IN ({sql})", list(params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Scored after the LIMIT: only the window's documents are read for ranking.
            held = " + ".join(["(m.terms @@ %s::tsquery)::int"] * len(words.ranking))
            cursor.execute(
                f"SELECT m.complaint_id, {held} FROM (SELECT s.complaint_id, s.terms FROM {INDEX_TABLE} s "
                f"WHERE s.terms @@ %s::tsquery{scope.format(key='s.complaint_id')} "
                "ORDER BY s.complaint_id DESC LIMIT %s) m",
                [
                    *(_tsquery([term], "&") for term in words.ranking),
                    _tsquery(words.required, "&"),
                    *scope_params,
                    SEARCH_WINDOW,
                ],
            )
            return [(pk, count / len(words.ranking)) for pk, count in cursor.fetchall()]
        cursor.execute(
            f"SELECT rowid, terms FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH %s"
            f"{scope.format(key='rowid')} ORDER BY rowid DESC LIMIT %s",
            [_fts5_query(words.required), *scope_params, SEARCH_WINDOW],
        )
        return [(pk, _score(set(terms.split()), words.ranking)) for pk, terms in cursor.fetchall()]
