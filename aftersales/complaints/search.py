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

At a million complaints (docs/benchmarks.md) PostgreSQL documents also hold facet terms
(`facet_term`: state, team, category, channel, creation month, range of ID_RANGE ids; migration
0017 writes them and a trigger swaps them when the complaint changes), so that filters are
intersected inside the index, and the newest matches are read range by range
(`_text_matches_postgresql`) instead of sorting every match. SQLite filters through the
complaints table.

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
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q, QuerySet
from django.utils import timezone

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.common import clock
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
# PostgreSQL reads the matches newest first by ranges of ID_RANGE complaint ids (the width is
# fixed in migration 0017's complaints_search_facets): the newest two ranges, then RANGE_GROWTH
# times as many, in at most MAX_BRANCHES steps (_text_matches_postgresql). At 1,000,000
# complaints a pair held by 2 % of them fills the window from the first step.
ID_RANGE = 50_000
RANGE_GROWTH = 4
MAX_BRANCHES = 4
# A period of more months than this is checked through the complaints table alone.
MAX_PERIOD_MONTHS = 36
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


def text_query(query: str, *, prefix: bool = True) -> TextQuery | None:
    """The terms of a query, or None when it has no letter or digit to search for.

    `prefix=False`: words and single characters match whole terms only (for identifiers).
    """
    required: list[Term] = []
    ranking: list[Term] = []
    for match in _RUNS.finditer(fold(query)):
        run = match.group()
        if match.lastgroup == "word":
            term = Term(run[:MAX_TERM_LENGTH], prefix=prefix)
            required.append(term)
            ranking.append(term)
        elif len(run) == 1:
            required.append(Term(run, prefix=prefix))
            ranking.append(Term(run, prefix=prefix))
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


def _quoted(lexeme: str) -> str:
    """A lexeme as a tsquery operand, whatever it holds (quotes and backslashes doubled)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


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


def search_index_write(documents: dict[int, str], *, new: bool = False) -> None:
    """Store documents of space-separated terms (from `document_terms`) by complaint id.

    `new`: the complaints were inserted in this transaction, so they have no document to
    replace (on SQLite the DELETE is skipped; a document there all the same makes the INSERT
    fail rather than leave two).
    """
    if not documents:
        return
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(documents))
        if connection.vendor == "postgresql":
            # The complaint's facet terms are added from its row (migration 0017).
            values = ", ".join(["(%s::bigint, %s::tsvector)"] * len(documents))
            cursor.execute(
                f"INSERT INTO {INDEX_TABLE} (complaint_id, terms) SELECT c.id, d.terms || "
                "array_to_tsvector(complaints_search_facets(c.id, c.created_at, c.state, c.team, c.category, c.channel)) "
                f"FROM (VALUES {values}) AS d (complaint_id, terms) "
                "JOIN complaints_complaint c ON c.id = d.complaint_id "
                "ON CONFLICT (complaint_id) DO UPDATE SET terms = EXCLUDED.terms",
                [v for pk, terms in documents.items() for v in (pk, _tsvector(terms))],
            )
        else:
            if not new:
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
    `state`, `created_to` or `offset` (past SEARCH_WINDOW). At most six statements (besides
    PostgreSQL's transaction around the word search), however many match.
    """
    from aftersales.complaints.selectors import complaints_visible_to_staff

    if actor.kind == "anonymous":
        raise Unauthenticated()
    if not actor.is_staff or not actor.may("complaint.view_team"):
        raise Forbidden(what="complaint search")
    text = _checked_query(query)
    _check_filters(filters, limit=limit, offset=offset)
    visible = _filtered(complaints_visible_to_staff(actor), filters)
    facets, scoped = _text_scope(actor, filters)

    # Complaint id -> what matched, in rank order (dicts keep insertion order).
    matched: dict[int, list[str]] = {}
    scores: dict[int, float] = {}
    conditions = _identifier_conditions(text)
    for kind, condition in conditions:
        for complaint_id in (
            visible.filter(condition)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:SEARCH_WINDOW]
        ):
            matched.setdefault(complaint_id, []).append(kind)
    # A query that names an identifier is looked for in the texts as written, not as prefixes:
    # `0` or `86` as a prefix would match most of a million documents.
    words = text_query(text, prefix=not conditions)
    if words is not None:
        ranked = _text_matches(words, facets, visible if scoped else None)
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


def _text_scope(actor: Actor, filters: SearchFilters) -> tuple[list[str], bool]:
    """How the word search is narrowed: tsquery operands the documents must hold (PostgreSQL), and
    whether the visible complaints must also be joined (SQLite; a period; visibility no facet
    expresses)."""
    from aftersales.accounts.roles import OUTLET_STAFF
    from aftersales.network.models import outlet_team

    if connection.vendor != "postgresql":
        return [], not actor.may("complaint.view_any") or filters != SearchFilters()
    facets = {
        "state": filters.state,
        "team": filters.team,
        "category": filters.category,
        "channel": filters.channel,
    }
    values = [_quoted(facet_term(name, value)) for name, value in facets.items() if value is not None]
    if filters.outlet:
        values.append(_quoted(facet_term("team", outlet_team(filters.outlet))))
    scoped = bool(filters.created_from or filters.created_to)
    if scoped:
        # The months the period touches (UTC, as the documents hold them), then the exact bounds
        # through the complaints table for the matches of those months only.
        first = _local_midnight(filters.created_from or date(2000, 1, 1)).astimezone(UTC)
        last = _local_midnight(
            (filters.created_to or clock.localdate(clock.now())) + timedelta(days=1)
        ).astimezone(UTC)
        months = _months(first, last)
        if len(months) <= MAX_PERIOD_MONTHS:
            values.append("(" + " | ".join(_quoted(facet_term("month", month)) for month in months) + ")")
    if not actor.may("complaint.view_any"):
        team = actor.user.team if actor.user is not None else ""
        if actor.role in OUTLET_STAFF and team:
            values.append(_quoted(facet_term("team", team)))
        else:
            scoped = True
    return sorted(set(values)), scoped


def _months(first: datetime, last: datetime) -> list[str]:
    """`YYYY-MM` of every month from `first` up to, not including, the instant `last`."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if last == datetime(last.year, last.month, 1, tzinfo=last.tzinfo) and len(months) > 1:
        months.pop()
    return months


def facet_term(name: str, value: str) -> str:
    """The index term recording a complaint's `name` (state, team, category, channel): `state:closed`.

    The colon keeps it apart from every word term (letters and digits only); migration 0017's
    `complaints_search_facets` writes the same terms.
    """
    return f"{name}:{value}"


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


def _text_matches(
    words: TextQuery, facets: Sequence[str], narrowed_to: QuerySet[Complaint] | None
) -> list[tuple[int, float]]:
    """(complaint id, score) of the newest SEARCH_WINDOW complaints holding every required term
    and every facet term (PostgreSQL), among `narrowed_to` when given."""
    scope, scope_params = "", []
    if narrowed_to is not None:
        sql, params = narrowed_to.values("pk").query.sql_with_params()
        scope, scope_params = f" AND {{key}} IN ({sql})", list(params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _text_matches_postgresql(cursor, words, facets, scope, scope_params)
        cursor.execute(
            f"SELECT rowid, terms FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH %s"
            f"{scope.format(key='rowid')} ORDER BY rowid DESC LIMIT %s",
            [_fts5_query(words.required), *scope_params, SEARCH_WINDOW],
        )
        return [(pk, _score(set(terms.split()), words.ranking)) for pk, terms in cursor.fetchall()]


def _id_range_branches(top: int) -> list[list[int] | None]:
    """The id ranges (`ID_RANGE` wide, numbered from 0) each branch of the search reads, newest first:
    the newest two, then RANGE_GROWTH times as many as the branch before; None for all the rest."""
    newest = top // ID_RANGE
    branches: list[list[int] | None] = []
    size = 2
    while newest >= 0:
        if newest + 1 <= size or len(branches) == MAX_BRANCHES - 1:
            branches.append(None)
            break
        branches.append(list(range(newest, newest - size, -1)))
        newest -= size
        size *= RANGE_GROWTH
    return branches


def _text_matches_postgresql(
    cursor: CursorWrapper, words: TextQuery, facets: Sequence[str], scope: str, scope_params: list[object]
) -> list[tuple[int, float]]:
    """The newest SEARCH_WINDOW matches, read range by range of complaint ids, newest first.

    The GIN index yields every match at once, unordered; sorting them all by id means reading
    every matching row (tens of thousands for a common pair such as 屏幕 at a million
    complaints). So each document also holds the range of ids it falls in (`id:19`, migration
    0017) and the search is a UNION ALL of branches over growing sets of ranges, newest first
    (`_id_range_branches`), each asking the index for its ranges' matches only: the LIMIT stops
    the Append as soon as the window is full, so older ranges are never read. Scored after
    the LIMIT: only the window's documents are read for ranking.
    """
    # Filters are terms of the document too (`facet_term`): the index intersects them with the
    # words (a rare word skips through a common facet), so no complaint row is read to filter.
    required = " & ".join([_tsquery(words.required, "&"), *facets])
    with transaction.atomic():
        # Serial plans for this transaction only: a Parallel Append would start every branch at
        # once. And each search planned for its own words: a prepared statement's generic plan
        # cannot know how many documents a word matches.
        cursor.execute(
            f"SELECT max(complaint_id), set_config('max_parallel_workers_per_gather', '0', true), "
            f"set_config('plan_cache_mode', 'force_custom_plan', true) FROM {INDEX_TABLE}"
        )
        top = cursor.fetchone()[0] or 0
        sql, params = _branches_sql(words, required, scope, scope_params, top)
        cursor.execute(sql, params)  # type: ignore[arg-type]  # ints and strings only
        return [(pk, count / len(words.ranking)) for pk, count in cursor.fetchall()]


def _branches_sql(
    words: TextQuery, required: str, scope: str, scope_params: list[object], top: int
) -> tuple[str, list[object]]:
    branches: list[str] = []
    params: list[object] = []
    values: list[object]
    older_than: int | None = None
    for ranges in _id_range_branches(top):
        if ranges is None:
            condition, values = "s.terms @@ %s::tsquery", [required]
            if older_than is not None:
                condition, values = condition + " AND s.complaint_id < %s", [required, older_than]
        else:
            within = " | ".join(_quoted(facet_term("id", str(number))) for number in ranges)
            condition, values = "s.terms @@ %s::tsquery", [f"{required} & ({within})"]
            older_than = ranges[-1] * ID_RANGE
        branches.append(
            f"(SELECT s.complaint_id, s.terms FROM {INDEX_TABLE} s WHERE {condition}"
            f"{scope.format(key='s.complaint_id')} ORDER BY s.complaint_id DESC)"
        )
        params += [*values, *scope_params]
    held = " + ".join(["(m.terms @@ %s::tsquery)::int"] * len(words.ranking))
    return (
        f"SELECT m.complaint_id, {held} FROM ({' UNION ALL '.join(branches)} LIMIT %s) m",
        [*(_tsquery([term], "&") for term in words.ranking), *params, SEARCH_WINDOW],
    )
