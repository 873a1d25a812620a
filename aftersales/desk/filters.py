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
