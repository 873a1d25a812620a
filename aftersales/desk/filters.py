"""A queue filter as the address carries it: which queue, narrowed by category, state, priority, channel.

`filter_parse` reads query parameters into a `QueueFilter`; unknown keys are dropped, and a
value outside its allowed set is dropped when browsing (`strict=False`) or refused with a
field-named bilingual message when saving a filter (`strict=True`). The allowed values come
from the policy pack (categories, priorities, channels) and the workflow's open states.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aftersales.common.errors import ValidationFailed, problem
from aftersales.complaints.status import OPEN_STATES
from aftersales.policy.pack import current_pack

QUEUES = ("mine", "team", "breaching", "overdue", "triage", "waiting")
# The narrowing keys, in the order they are written into an address.
FILTER_KEYS = ("category", "state", "priority", "channel")


@dataclass(frozen=True)
class QueueFilter:
    queue: str = "mine"
    # key -> value, only keys of FILTER_KEYS with an allowed value.
    narrow: dict[str, str] = field(default_factory=dict)

    def as_query(self) -> dict[str, str]:
        return {"queue": self.queue, **{k: self.narrow[k] for k in FILTER_KEYS if k in self.narrow}}

    def as_querystring(self) -> str:
        return urlencode(self.as_query())


def allowed_values(key: str) -> tuple[str, ...]:
    pack = current_pack()
    if key == "category":
        return tuple(pack.categories)
    if key == "state":
        return tuple(sorted(OPEN_STATES))
    if key == "priority":
        return tuple(str(p) for p in sorted(pack.priorities))
    if key == "channel":
        return tuple(pack.channels)
    raise ValueError(f"unknown filter key {key!r}; known: {', '.join(FILTER_KEYS)}")


def filter_parse(params: Mapping[str, str], *, strict: bool = False) -> QueueFilter:
    """The filter in `params` (a QueryDict or a saved filter's query).

    Values are stripped and full-width digits read as digits ("１" is priority 1). With
    `strict`, an unknown queue or value raises ValidationFailed naming the field (422).
    """
    problems = {}
    queue = str(params.get("queue", "") or "mine").strip()
    if queue not in QUEUES:
        if strict:
            problems["queue"] = problem("choice_invalid", allowed=_in_words("queue", QUEUES))
        queue = "mine"
    narrow: dict[str, str] = {}
    for key in FILTER_KEYS:
        raw = params.get(key)
        if raw is None or not str(raw).strip():
            continue
        value = _normalised(str(raw))
        allowed = allowed_values(key)
        if value in allowed:
            narrow[key] = value
        elif strict:
            problems[key] = problem("choice_invalid", allowed=_in_words(key, allowed))
    if problems:
        raise ValidationFailed(problems)
    return QueueFilter(queue=queue, narrow=narrow)


def _normalised(raw: str) -> str:
    # Full-width digits and letters (as Chinese input methods type them) to their ASCII forms.
    text = raw.strip()
    return "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text).lower()


def _in_words(key: str, values: tuple[str, ...]) -> str:
    from aftersales.desk import words

    say = {
        "queue": lambda v: str(words.QUEUE_WORDS[v]),
        "category": words.category_words,
        "state": words.state_words,
        "priority": lambda v: words.priority_words(int(v)),
        "channel": words.channel_words,
    }[key]
    return ", ".join(say(value) for value in values)


# --- the desk's search page (GET /desk/search/) ----------------------------------------------------

# The search's narrowing keys, as the complaint search API names them.
SEARCH_KEYS = ("state", "team", "category", "channel")
# Complaints per page of search results.
SEARCH_PAGE_SIZE = 25


@dataclass(frozen=True)
class SearchRequest:
    """What the search page was asked: the query as typed, its narrowing and the page (from 1)."""

    query: str = ""
    narrow: dict[str, str] = field(default_factory=dict)
    page: int = 1

    def querystring(self, *, page: int | None = None) -> str:
        return urlencode(
            {
                "q": self.query,
                **{k: self.narrow[k] for k in SEARCH_KEYS if k in self.narrow},
                "page": page or self.page,
            }
        )


def search_allowed_values(key: str) -> tuple[str, ...]:
    """The values a search may be narrowed to: every state (closed ones too), the pack's
    teams, categories and channels."""
    from aftersales.complaints.status import State

    pack = current_pack()
    if key == "state":
        return tuple(State.values)
    if key == "team":
        return tuple(pack.teams)
    if key in ("category", "channel"):
        return allowed_values(key)
    raise ValueError(f"unknown search key {key!r}; known: {', '.join(SEARCH_KEYS)}")


def search_parse(params: Mapping[str, str]) -> SearchRequest:
    """The search in `params`. The query is kept as typed (the search service checks it and
    names `q` when it refuses); a narrowing value outside its allowed set is dropped; the
    page is a positive number (full-width digits read as digits), else 1."""
    narrow: dict[str, str] = {}
    for key in SEARCH_KEYS:
        raw = params.get(key)
        if raw is None or not str(raw).strip():
            continue
        value = _normalised(str(raw))
        if value in search_allowed_values(key):
            narrow[key] = value
    raw_page = _normalised(str(params.get("page", "") or "1"))
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 4 else 1
    return SearchRequest(query=str(params.get("q", "")), narrow=narrow, page=max(page, 1))
