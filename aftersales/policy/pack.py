"""The brand's policy pack: everything that differs between brands, read from one JSON file.

Services ask `current_pack()` for levels, deadlines, calendars and rules instead of
hard-coding them, so another brand loads its own file (settings.POLICY_PACK).
"""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from aftersales.policy.calendars import DAY_RULES, BusinessCalendar, parse_clock

LEVELS = ("L1", "L2", "L3")
Labels = dict[str, str]


@dataclass(frozen=True)
class Level:
    code: str
    labels: Labels
    team: str
    respond_within: timedelta
    calendar: BusinessCalendar


@dataclass(frozen=True)
class Team:
    code: str
    labels: Labels
    level: str
    calendar: BusinessCalendar


@dataclass(frozen=True)
class StageDeadlines:
    calendar: BusinessCalendar
    accept_within: timedelta
    process_within: timedelta
    inspect_within: timedelta
    resolve_within: timedelta
    satisfaction_check_within: timedelta
    archive_after: timedelta


@dataclass(frozen=True)
class TextRule:
    """A rule fired by words in the complaint text."""

    id: str
    reason: Labels
    pattern: re.Pattern[str]
    set_priority: int | None = None
    raise_priority_to: int | None = None
    raise_priority_by: int = 0
    set_level: str | None = None


@dataclass(frozen=True)
class CustomerRule:
    flag: str
    reason: Labels
    raise_priority_by: int


@dataclass(frozen=True)
class RepeatContactRule:
    contacts: int
    within: timedelta
    raise_priority_by: int
    reason: Labels


@dataclass(frozen=True)
class Speciality:
    """A service an outlet may offer beyond ordinary repair, and the complaint categories it serves."""

    code: str
    labels: Labels
    categories: tuple[str, ...]


@dataclass(frozen=True)
class NetworkPolicy:
    """The service network's rules (the pack's `network` section).

    rating: an outlet's rating is the Bayesian average
    (prior_weight * prior_mean + sum of scores) / (prior_weight + number of scores),
    so a handful of reviews cannot lift an outlet above one with hundreds.
    """

    specialities: dict[str, Speciality]
    rating_prior_mean: float
    rating_prior_weight: float
    default_minutes_per_customer: int
    default_timezone: str

    def specialities_for_category(self, category: str) -> frozenset[str]:
        return frozenset(code for code, s in self.specialities.items() if category in s.categories)


@dataclass(frozen=True)
class PolicyPack:
    brand_code: str
    brand_name: Labels
    number_prefix: str
    hotline: str
    service_email: str
    languages: tuple[str, ...]
    default_region: str
    text_limit: int
    channels: dict[str, Labels]
    categories: dict[str, Labels]
    priorities: dict[int, Labels]
    default_priority: int
    default_level: str
    levels: dict[str, Level]
    teams: dict[str, Team]
    stages: StageDeadlines
    warranty_months: int
    link_duplicates: bool
    text_rules: tuple[TextRule, ...]
    customer_rules: tuple[CustomerRule, ...]
    repeat_contact: RepeatContactRule
    # Below this confidence a complaint goes to the human triage team instead of being routed.
    triage_min_confidence: float
    triage_team: str
    category_keywords: "KeywordLexicon | None" = None
    network: NetworkPolicy = NetworkPolicy({}, 4.0, 10, 15, "Asia/Shanghai")

    def level_above(self, level: str) -> str | None:
        index = LEVELS.index(level)
        return LEVELS[index + 1] if index + 1 < len(LEVELS) else None

    def label(self, labels: Labels, language: str) -> str:
        return labels.get(language) or labels.get("zh-hans") or next(iter(labels.values()))


class PolicyError(ValueError):
    """The policy pack file is malformed; raised at load time, naming the bad entry."""


@dataclass(frozen=True)
class KeywordLexicon:
    """Symptom words per category, counted fast enough for every complaint.

    Chinese words are found by substring search, only among the words whose first
    character the text has; Latin words by looking up the text's Latin tokens, whole
    ("court" not in "courtesy") or by stem when written "charg*".
    """

    chinese: dict[str, tuple[tuple[str, str], ...]]  # first character -> (word, category)
    latin_whole: dict[str, tuple[str, ...]]  # word -> categories
    latin_stems: tuple[tuple[str, str], ...]  # (stem, category)
    categories: tuple[str, ...]

    @classmethod
    def from_lists(cls, lists: dict[str, list[str]]) -> "KeywordLexicon":
        chinese: dict[str, tuple[tuple[str, str], ...]] = {}
        stems = []
        whole: dict[str, tuple[str, ...]] = {}
        for category, words in lists.items():
            for word in (w.lower() for w in words):
                if not word.isascii():
                    chinese[word[0]] = (*chinese.get(word[0], ()), (word, category))
                elif word.endswith("*"):
                    stems.append((word[:-1], category))
                else:
                    whole[word] = (*whole.get(word, ()), category)
        return cls(chinese, whole, tuple(stems), tuple(sorted(lists)))

    def counts(self, text: str) -> dict[str, int]:
        """How many distinct words of each category `text` (lower case) contains."""
        found: dict[str, set[str]] = {}
        for first in self.chinese.keys() & set(text):
            for word, category in self.chinese[first]:
                if word in text:
                    found.setdefault(category, set()).add(word)
        tokens = _LATIN_TOKENS.findall(text)
        if tokens:
            token_set = set(tokens)
            joined = " " + " ".join(tokens) + " "
            for word, categories in self.latin_whole.items():
                if (f" {word} " in joined) if " " in word else (word in token_set):
                    for category in categories:
                        found.setdefault(category, set()).add(word)
            for stem, category in self.latin_stems:
                if f" {stem}" in joined:
                    found.setdefault(category, set()).add(stem)
        return {category: len(words) for category, words in found.items()}


_LATIN_TOKENS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def compile_words(words: list[str]) -> re.Pattern[str]:
    """One case-insensitive pattern for a word list.

    Chinese words match anywhere; Latin words and numbers match whole words ("court"
    not in "courteous", "12315" in "打12315"), or any word starting with the stem when
    written "explod*".
    """
    alternatives = []
    for word in words:
        if word.isascii():
            stem = word.endswith("*")
            core = re.escape(word.rstrip("*"))
            # Latin boundaries only: Chinese characters around a Latin word still count as a boundary.
            tail = r"[A-Za-z0-9]*" if stem else r"(?![A-Za-z0-9])"
            alternatives.append(rf"(?<![A-Za-z0-9]){core}{tail}")
        else:
            alternatives.append(re.escape(word))
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _calendar(raw: dict[str, Any], name: str) -> BusinessCalendar:
    if raw.get("days") not in DAY_RULES:
        raise PolicyError(f"calendar {name}: days must be one of {DAY_RULES}")
    opens, closes = parse_clock(raw["opens"]), parse_clock(raw["closes"])
    if opens >= closes:
        raise PolicyError(f"calendar {name}: opens must be before closes")
    return BusinessCalendar(days=raw["days"], opens=opens, closes=closes, tz=ZoneInfo(settings.TIME_ZONE))


def _network(raw: dict[str, Any], categories: dict[str, Labels]) -> NetworkPolicy:
    specialities = {}
    for code, spec in raw.get("specialities", {}).items():
        unknown = [c for c in spec["categories"] if c not in categories]
        if unknown:
            raise PolicyError(f"network speciality {code} names unknown categories {unknown}")
        specialities[code] = Speciality(
            code=code,
            labels={k: v for k, v in spec.items() if k in ("zh-hans", "en")},
            categories=tuple(spec["categories"]),
        )
    rating = raw.get("rating", {})
    prior_mean, prior_weight = float(rating.get("prior_mean", 4.0)), float(rating.get("prior_weight", 10))
    if not (1 <= prior_mean <= 5 and prior_weight >= 0):
        raise PolicyError("network rating: prior_mean must be 1-5 and prior_weight at least 0")
    minutes = int(raw.get("queue", {}).get("default_minutes_per_customer", 15))
    if minutes < 1:
        raise PolicyError("network queue: default_minutes_per_customer must be at least 1")
    zone = raw.get("default_timezone", "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError) as exc:
        raise PolicyError(f"network default_timezone: unknown time zone {zone}") from exc
    return NetworkPolicy(specialities, prior_mean, prior_weight, minutes, zone)


def parse_pack(raw: dict[str, Any]) -> PolicyPack:
    try:
        calendars = {name: _calendar(spec, name) for name, spec in raw["calendars"].items()}
        levels = {
            code: Level(
                code=code,
                labels={k: v for k, v in spec.items() if k in ("zh-hans", "en")},
                team=spec["team"],
                respond_within=timedelta(minutes=spec["respond_within_minutes"]),
                calendar=calendars[spec["calendar"]],
            )
            for code, spec in raw["levels"].items()
        }
        if tuple(sorted(levels)) != LEVELS:
            raise PolicyError(f"levels must be exactly {LEVELS}")
        teams = {
            code: Team(
                code=code,
                labels={k: v for k, v in spec.items() if k in ("zh-hans", "en")},
                level=spec["level"],
                calendar=calendars[spec["calendar"]],
            )
            for code, spec in raw["teams"].items()
        }
        if raw["triage"]["human_queue_team"] not in teams:
            raise PolicyError("triage.human_queue_team names an unknown team")
        for level in levels.values():
            if level.team not in teams:
                raise PolicyError(f"level {level.code} names unknown team {level.team}")
        stage = raw["stage_deadlines"]
        stages = StageDeadlines(
            calendar=calendars[stage["calendar"]],
            accept_within=timedelta(hours=stage["accept_within_hours"]),
            process_within=timedelta(hours=stage["process_within_hours"]),
            inspect_within=timedelta(hours=stage["inspect_within_hours"]),
            resolve_within=timedelta(hours=stage["resolve_within_hours"]),
            satisfaction_check_within=timedelta(minutes=stage["satisfaction_check_within_minutes"]),
            archive_after=timedelta(days=stage["archive_after_days"]),
        )
        text_rules = tuple(
            TextRule(
                id=rule["id"],
                reason=rule["reason"],
                pattern=compile_words(rule["words"]),
                set_priority=rule.get("set_priority"),
                raise_priority_to=rule.get("raise_priority_to"),
                raise_priority_by=rule.get("raise_priority_by", 0),
                set_level=rule.get("set_level"),
            )
            for rule in raw["triage_rules"]
        )
        repeat = raw["repeat_contact"]
        return PolicyPack(
            brand_code=raw["brand"]["code"],
            brand_name=raw["brand"]["name"],
            number_prefix=raw["brand"]["number_prefix"],
            hotline=raw["brand"]["hotline"],
            service_email=raw["brand"]["service_email"],
            languages=tuple(raw["languages"]),
            default_region=raw["default_region"],
            text_limit=int(raw["text_limit"]),
            channels=raw["channels"],
            categories=raw["categories"],
            priorities={int(k): v for k, v in raw["priorities"].items()},
            default_priority=int(raw["default_priority"]),
            default_level=raw["default_level"],
            levels=levels,
            teams=teams,
            stages=stages,
            warranty_months=int(raw["warranty"]["months_from_purchase"]),
            link_duplicates=bool(raw["duplicates"]["link_open_complaint_on_same_device"]),
            text_rules=text_rules,
            customer_rules=tuple(
                CustomerRule(flag=r["flag"], reason=r["reason"], raise_priority_by=r["raise_priority_by"])
                for r in raw["customer_rules"]
            ),
            repeat_contact=RepeatContactRule(
                contacts=repeat["contacts"],
                within=timedelta(days=repeat["within_days"]),
                raise_priority_by=repeat["raise_priority_by"],
                reason=repeat["reason"],
            ),
            triage_min_confidence=float(raw["triage"]["min_confidence"]),
            triage_team=raw["triage"]["human_queue_team"],
            category_keywords=KeywordLexicon.from_lists(raw["category_keywords"]),
            network=_network(raw.get("network", {}), raw["categories"]),
        )
    except KeyError as exc:
        raise PolicyError(f"policy pack is missing {exc}") from exc


def load_pack(path: str | Path) -> PolicyPack:
    with open(path, encoding="utf-8") as handle:
        return parse_pack(json.load(handle))


@lru_cache(maxsize=1)
def current_pack() -> PolicyPack:
    return load_pack(settings.POLICY_PACK)
