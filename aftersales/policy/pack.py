"""The brand's policy pack: everything that differs between brands, read from one JSON file.

Services ask `current_pack()` for levels, deadlines, calendars and rules instead of
hard-coding them, so another brand loads its own file (settings.POLICY_PACK).
"""

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from aftersales.policy.calendars import DAY_RULES, BusinessCalendar, parse_clock
from aftersales.policy.holidays import LIBRARY_ONLY, ChinaWorkdays, HolidayNotice

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
class FirstResponse:
    """The clock every complaint gets, whatever its level: a person of `team` acknowledges it.

    The first human response tells the customer the complaint is in hand and how to stay
    safe meanwhile (stop using a device that smokes or swells). A level's own clock
    (`Level.respond_within`) is a separate deadline for the team the complaint is routed or
    escalated to, so a high level adds a deadline and never delays the first response.
    """

    team: str
    respond_within: timedelta
    calendar: BusinessCalendar
    # Channels where staff open the complaint while speaking with the customer (a hotline
    # call, a store counter): that conversation is the first human response.
    live_channels: frozenset[str] = frozenset()


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
    # What the customer is told at once when the rule fires (e.g. stop using the device).
    advice: Labels | None = None


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
class DispatchWeights:
    """What each fact costs when outlets are weighed for a complaint, in kilometres of the
    customer's way: the outlet with the lowest total wins (network/dispatch.py)."""

    per_km: float = 1.0
    # One person waiting in the outlet's walk-in queue (both lanes).
    per_waiting: float = 0.5
    # The outlet offers no speciality serving the complaint's category (when one exists).
    without_speciality: float = 20.0
    # The share of today's capacity already taken, times this.
    per_load: float = 5.0
    # No capacity left today.
    when_full: float = 40.0


@dataclass(frozen=True)
class DispatchPolicy:
    """Which complaints go to an outlet and how the outlet is chosen (the pack's `network.dispatch`)."""

    # Categories that need an inspection or a repair at an outlet (device faults).
    categories: frozenset[str] = frozenset()
    # Response levels dispatched automatically on intake; the others wait for staff.
    automatic_levels: frozenset[str] = frozenset()
    # How many of the nearest outlets (and of the nearest offering the needed speciality) are weighed.
    candidates: int = 12
    # Automatic dispatch only to an outlet within this distance of the customer.
    max_distance_km: float = 150.0
    weights: DispatchWeights = DispatchWeights()


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
    dispatch: DispatchPolicy = DispatchPolicy()

    def specialities_for_category(self, category: str) -> frozenset[str]:
        return frozenset(code for code, s in self.specialities.items() if category in s.categories)


# What a retention period counts from, per data kind (docs/privacy.md).
RETENTION_FROM = ("created", "archived", "last_used", "expired")


@dataclass(frozen=True)
class RetentionRule:
    """Keep one kind of data `months` calendar months plus `days` days after `counted_from`."""

    kind: str
    months: int
    days: int
    counted_from: str

    def cutoff(self, now: datetime) -> datetime:
        """The moment before which data of this kind is purged: `now` less the period."""
        return months_before(now, self.months) - timedelta(days=self.days)


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` moved back `months` calendar months, the day clamped to the month's length."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class ArchiveJobs:
    """Seed 四(四): after resolution, a care guide to the customer; per period, each outlet's KPI report."""

    care_guide_after: timedelta = timedelta(days=30)
    # Complaints resolved longer ago than after + window are not sent a late guide.
    care_guide_window: timedelta = timedelta(days=7)
    outlet_kpi_period: str = "month"


@dataclass(frozen=True)
class PrivacyPolicy:
    """The right to be forgotten, export-my-data and retention (PIPL arts. 44-47; docs/privacy.md)."""

    # A customer may cancel an erasure request within this period; then it runs.
    erasure_cooling_off: timedelta = timedelta(days=7)
    # An export archive may be downloaded (once) for this long after it is built.
    export_link_valid: timedelta = timedelta(hours=72)
    retention: dict[str, RetentionRule] = field(default_factory=dict)
    archive_jobs: ArchiveJobs = ArchiveJobs()


@dataclass(frozen=True)
class HotlineQueue:
    """One queue of the 400 hotline: its label, the number callers dial (E.164) and how much a
    complaint logged from a call on it is raised in priority (the senior-care line, seed 二)."""

    code: str
    labels: Labels
    number: str
    raise_priority_by: int = 0


@dataclass(frozen=True)
class ReportingTargets:
    """The pack's `reporting_targets`: the figures the manager dashboard sets beside the measured
    ones (the demo brand's are the seed's, section 一: 94.6 % satisfied, 8.2 h mean first
    response, 91.2 % resolved through official channels, 3.2 days mean cycle, category shares
    23/18/15/12 %). Rates and shares are fractions 0-1; hours and days are positive."""

    satisfaction_rate: float | None = None
    response_mean_hours: float | None = None
    resolution_rate: float | None = None
    cycle_mean_days: float | None = None
    category_shares: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class HotlinePolicy:
    """The pack's `hotline` section: when the hotline is staffed, its queues, and call-backs.

    A call that ends while `calendar` is closed becomes a call-back due `callback_within` of
    open time after the hotline next opens (seed 二: staffed 7:00-23:00).
    """

    calendar: BusinessCalendar
    queues: dict[str, HotlineQueue]
    default_queue: str
    callback_within: timedelta = timedelta(0)


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
    first_response: FirstResponse
    teams: dict[str, Team]
    stages: StageDeadlines
    warranty_months: int
    link_duplicates: bool
    # What a customer's message does to a complaint that is no longer open, by its state:
    # "reopen" it, or open a "new_complaint" that follows it. Open complaints just take it.
    follow_ups: dict[str, str]
    text_rules: tuple[TextRule, ...]
    customer_rules: tuple[CustomerRule, ...]
    repeat_contact: RepeatContactRule
    # Below this confidence a complaint goes to the human triage team instead of being routed.
    triage_min_confidence: float
    triage_team: str
    category_keywords: "KeywordLexicon | None" = None
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    # China's working days with the pack's holiday notices, and how long before they run out to warn.
    workdays: ChinaWorkdays = LIBRARY_ONLY
    holiday_warn_days: int = 60
    network: NetworkPolicy = NetworkPolicy({}, 4.0, 10, 15, "Asia/Shanghai")
    privacy: PrivacyPolicy = PrivacyPolicy()
    hotline_policy: HotlinePolicy | None = None
    reporting_targets: ReportingTargets = ReportingTargets()

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
            latin = self._latin
            # One-word entries by set intersection, stems by the tokens' prefixes of a
            # stem's length: a lookup per token rather than a test per entry.
            for word in token_set & latin.words.keys():
                for category in latin.words[word]:
                    found.setdefault(category, set()).add(word)
            for token in token_set:
                for length in latin.stem_lengths:
                    if length <= len(token) and (categories := latin.stems.get(token[:length])):
                        for category in categories:
                            found.setdefault(category, set()).add(token[:length])
            # Entries of several words are only searched for when their first word is a token.
            starting = token_set & latin.phrases.keys()
            if starting:
                joined = " " + " ".join(tokens) + " "
                for first in starting:
                    for phrase, categories, whole in latin.phrases[first]:
                        if (f" {phrase} " if whole else f" {phrase}") in joined:
                            for category in categories:
                                found.setdefault(category, set()).add(phrase)
        return {category: len(words) for category, words in found.items()}

    @cached_property
    def _latin(self) -> "_LatinLookup":
        return _LatinLookup.of(self)

    def __getstate__(self) -> dict[str, Any]:
        # The lookup is derived: a pickled lexicon (in a triage model) holds only its lists.
        state = dict(self.__dict__)
        state.pop("_latin", None)
        return state


@dataclass(frozen=True)
class _LatinLookup:
    """A lexicon's Latin entries arranged for `KeywordLexicon.counts`: a one-word entry
    matches a token; a stem without a space matches a token that starts with it; an entry
    of several words (a phrase, or a stem with a space) is searched for in the text's
    tokens, joined, when its first word is one of them."""

    words: dict[str, tuple[str, ...]]  # word -> categories
    stems: dict[str, tuple[str, ...]]  # stem -> categories
    stem_lengths: tuple[int, ...]
    # first word -> (entry, categories, whether whole: a phrase rather than a stem)
    phrases: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]]

    @classmethod
    def of(cls, lexicon: "KeywordLexicon") -> "_LatinLookup":
        stems: dict[str, tuple[str, ...]] = {}
        phrases: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {}
        for stem, category in lexicon.latin_stems:
            if " " not in stem:
                stems[stem] = (*stems.get(stem, ()), category)
            else:
                first = stem.split(" ", 1)[0]
                phrases[first] = (*phrases.get(first, ()), (stem, (category,), False))
        for word, categories in lexicon.latin_whole.items():
            if " " in word:
                first = word.split(" ", 1)[0]
                phrases[first] = (*phrases.get(first, ()), (word, categories, True))
        return cls(
            words={word: c for word, c in lexicon.latin_whole.items() if " " not in word},
            stems=stems,
            stem_lengths=tuple(sorted({len(stem) for stem in stems})),
            phrases=phrases,
        )


_LATIN_TOKENS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def compile_words(words: list[str]) -> re.Pattern[str]:
    """One case-insensitive pattern for a word list.

    Chinese words match anywhere; Latin words and numbers match whole words ("court"
    not in "courteous", "12315" in "打12315"), or any word starting with the stem when
    written "explod*".
    """
    alternatives = []
    # The characters a match can start with: a word's first (for a Latin word, after the
    # zero-width boundary). Put up front as a lookahead, they let the search pass over a
    # position with one test instead of trying every alternative there (case-insensitive
    # alternatives get no such shortcut from the regex engine); what matches is unchanged.
    first_characters: set[str] = set()
    for word in words:
        if word.isascii():
            stem = word.endswith("*")
            core = word.rstrip("*")
            # Latin boundaries only: Chinese characters around a Latin word still count as a boundary.
            tail = r"[A-Za-z0-9]*" if stem else r"(?![A-Za-z0-9])"
            alternatives.append(rf"(?<![A-Za-z0-9]){re.escape(core)}{tail}")
        else:
            core = word
            alternatives.append(re.escape(word))
        first_characters.add(core[:1])
    either = "|".join(alternatives)
    if "" in first_characters:  # a word that can match without a first character of its own
        return re.compile(either, re.IGNORECASE)
    starts = "".join(re.escape(character) for character in sorted(first_characters))
    return re.compile(f"(?=[{starts}])(?:{either})", re.IGNORECASE)


def _calendar(raw: dict[str, Any], name: str, workdays: ChinaWorkdays) -> BusinessCalendar:
    if raw.get("days") not in DAY_RULES:
        raise PolicyError(f"calendar {name}: days must be one of {DAY_RULES}")
    opens, closes = parse_clock(raw["opens"]), parse_clock(raw["closes"])
    if opens >= closes:
        raise PolicyError(f"calendar {name}: opens must be before closes")
    return BusinessCalendar(
        days=raw["days"], opens=opens, closes=closes, tz=ZoneInfo(settings.TIME_ZONE), workdays=workdays
    )


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_NOTICE_FIELDS = ("source", "published", "days_off", "make_up_workdays")
# A year's notice may start its New Year holiday in the last days of the December before.
_NOTICE_REACHES_BACK_TO = (12, 25)
_LONGEST_HOLIDAY = 31  # days in one range: a longer one is a typing slip


def _iso_day(text: Any, where: str) -> date:
    try:
        if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise PolicyError(f"{where}: {text!r} is not a date written YYYY-MM-DD") from None


def _notice_days(value: Any, where: str, year: int) -> frozenset[date]:
    """Dates ("2027-01-01") and inclusive ranges ("2027-02-05/2027-02-11") of one notice list."""
    if not isinstance(value, list):
        raise PolicyError(f"{where}: must be a list of dates YYYY-MM-DD or ranges YYYY-MM-DD/YYYY-MM-DD")
    earliest, latest = date(year - 1, *_NOTICE_REACHES_BACK_TO), date(year, 12, 31)
    days: set[date] = set()
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(item, str):
            raise PolicyError(f"{here}: {item!r} is not a date or range text")
        first_text, slash, last_text = item.strip().partition("/")
        first = _iso_day(first_text, here)
        last = _iso_day(last_text, here) if slash else first
        if last < first:
            raise PolicyError(f"{here}: {item!r} ends before it starts")
        if (last - first).days >= _LONGEST_HOLIDAY:
            raise PolicyError(f"{here}: {item!r} is longer than {_LONGEST_HOLIDAY} days")
        if first < earliest or last > latest:
            raise PolicyError(
                f"{here}: {item!r} is outside {year} (a notice names days of its own year, "
                f"and of {earliest} to {year - 1}-12-31 for a New Year holiday starting then)"
            )
        named = {first + timedelta(days=n) for n in range((last - first).days + 1)}
        if days & named:
            raise PolicyError(f"{here}: {min(days & named)} is listed twice")
        days |= named
    return frozenset(days)


def _holiday_notice(key: Any, spec: Any) -> HolidayNotice:
    where = f"holidays.notices.{key}"
    if not (isinstance(key, str) and re.fullmatch(r"[0-9]{4}", key, re.ASCII) and 2000 <= int(key) <= 2099):
        raise PolicyError(f"{where}: the key must be the notice's year, 2000 to 2099")
    year = int(key)
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}: must be an object with {', '.join(_NOTICE_FIELDS)}")
    unknown = sorted(set(spec) - set(_NOTICE_FIELDS))
    missing = [name for name in _NOTICE_FIELDS if name not in spec]
    if unknown or missing:
        raise PolicyError(f"{where}: unknown fields {unknown}, missing fields {missing}")
    source = spec["source"]
    if not isinstance(source, str) or not source.strip():
        raise PolicyError(f"{where}.source: name the notice (国务院办公厅关于{year}年部分节假日安排的通知)")
    published = _iso_day(spec["published"], f"{where}.published")
    if published > date(year, 12, 31):
        raise PolicyError(f"{where}.published: {published} is after the year it arranges")
    days_off = _notice_days(spec["days_off"], f"{where}.days_off", year)
    if not days_off:
        raise PolicyError(f"{where}.days_off: a notice gives at least one day off")
    make_up = _notice_days(spec["make_up_workdays"], f"{where}.make_up_workdays", year)
    if days_off & make_up:
        raise PolicyError(f"{where}: {min(days_off & make_up)} is both a day off and a make-up working day")
    weekdays = sorted(day for day in make_up if day.weekday() < 5)
    if weekdays:
        raise PolicyError(
            f"{where}.make_up_workdays: {weekdays[0]} is a {weekdays[0]:%A}; "
            "a make-up working day is a Saturday or a Sunday"
        )
    return HolidayNotice(year, source.strip(), published, days_off, make_up)


def _holidays(raw: Any) -> tuple[ChinaWorkdays, int]:
    """The pack's `holidays` section: notices by year and the warning period (days) before they run out."""
    if not isinstance(raw, dict) or set(raw) - {"warn_days_before_end", "notices"}:
        raise PolicyError("holidays: must be an object with warn_days_before_end and notices")
    warn_days = raw.get("warn_days_before_end", 60)
    if type(warn_days) is not int or not 1 <= warn_days <= 366:
        raise PolicyError("holidays.warn_days_before_end: a whole number of days, 1 to 366")
    notices_raw = raw.get("notices", {})
    if not isinstance(notices_raw, dict):
        raise PolicyError("holidays.notices: must be an object keyed by year")
    notices = [_holiday_notice(key, spec) for key, spec in notices_raw.items()]
    # Two notices may both name late-December days; they must agree.
    ruled: dict[date, tuple[bool, int]] = {}
    for notice in notices:
        for day, worked in [(d, False) for d in notice.days_off] + [
            (d, True) for d in notice.make_up_workdays
        ]:
            if day in ruled and ruled[day][0] != worked:
                raise PolicyError(
                    f"holidays.notices.{notice.year}: {day} contradicts the {ruled[day][1]} notice"
                )
            ruled[day] = (worked, notice.year)
    return ChinaWorkdays(tuple(sorted(notices, key=lambda n: n.year))), warn_days


FOLLOW_UP_EFFECTS = ("reopen", "new_complaint")
# States a customer's message can find a complaint in once it is no longer open.
FOLLOW_UP_STATES = ("resolved", "archived", "closed")


def _follow_ups(raw: dict[str, Any]) -> dict[str, str]:
    if set(raw) != set(FOLLOW_UP_STATES):
        raise PolicyError(f"follow_ups must name exactly the states {FOLLOW_UP_STATES}")
    for state, effect in raw.items():
        if effect not in FOLLOW_UP_EFFECTS:
            raise PolicyError(f"follow_ups.{state}: {effect!r} is not one of {FOLLOW_UP_EFFECTS}")
    if raw["archived"] == "reopen":
        raise PolicyError("follow_ups.archived: an archived complaint cannot reopen")
    return dict(raw)


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
    return NetworkPolicy(
        specialities, prior_mean, prior_weight, minutes, zone, _dispatch(raw.get("dispatch", {}), categories)
    )


def _dispatch(raw: dict[str, Any], categories: dict[str, Labels]) -> DispatchPolicy:
    unknown = [c for c in raw.get("categories", []) if c not in categories]
    if unknown:
        raise PolicyError(f"network dispatch names unknown categories {unknown}")
    levels = [level for level in raw.get("automatic_levels", []) if level not in LEVELS]
    if levels:
        raise PolicyError(f"network dispatch automatic_levels: unknown levels {levels}")
    weights = raw.get("weights", {})
    names = set(DispatchWeights.__dataclass_fields__)
    if set(weights) - names:
        raise PolicyError(f"network dispatch weights: unknown {sorted(set(weights) - names)}")
    values = {name: float(value) for name, value in weights.items()}
    if any(not 0 <= value < 1e6 for value in values.values()):
        raise PolicyError("network dispatch weights must be between 0 and 1e6")
    candidates = int(raw.get("candidates", 12))
    max_km = float(raw.get("max_distance_km", 150))
    if not 1 <= candidates <= 200 or not max_km > 0:
        raise PolicyError("network dispatch: candidates must be 1-200 and max_distance_km above 0")
    return DispatchPolicy(
        categories=frozenset(raw.get("categories", [])),
        automatic_levels=frozenset(raw.get("automatic_levels", [])),
        candidates=candidates,
        max_distance_km=max_km,
        weights=DispatchWeights(**values),
    )


def _reporting_targets(raw: dict[str, Any], categories: dict[str, Any]) -> ReportingTargets:
    """Parse `reporting_targets`; a rate or share outside 0-1, a non-positive duration or an
    unknown category is refused, naming the entry."""
    unknown = set(raw) - {
        "satisfaction_rate",
        "response_mean_hours",
        "resolution_rate",
        "cycle_mean_days",
        "category_shares",
    }
    if unknown:
        raise PolicyError(f"reporting_targets: unknown keys {sorted(unknown)}")

    def number(key: str, *, fraction: bool) -> float | None:
        value = raw.get(key)
        if value is None:
            return None
        if type(value) not in (int, float) or value <= 0 or (fraction and value > 1):
            bound = "a fraction in (0, 1]" if fraction else "a positive number"
            raise PolicyError(f"reporting_targets.{key}: {value!r} is not {bound}")
        return float(value)

    shares = {}
    for category, share in raw.get("category_shares", {}).items():
        if category not in categories:
            raise PolicyError(f"reporting_targets.category_shares: {category!r} is not a category")
        if type(share) not in (int, float) or not 0 < share <= 1:
            raise PolicyError(
                f"reporting_targets.category_shares.{category}: {share!r} is not a fraction in (0, 1]"
            )
        shares[category] = float(share)
    return ReportingTargets(
        satisfaction_rate=number("satisfaction_rate", fraction=True),
        response_mean_hours=number("response_mean_hours", fraction=False),
        resolution_rate=number("resolution_rate", fraction=True),
        cycle_mean_days=number("cycle_mean_days", fraction=False),
        category_shares=shares,
    )


def _whole(value: Any, where: str) -> int:
    if type(value) is not int or value < 0:
        raise PolicyError(f"{where}: {value!r} is not a whole number >= 0")
    return value


def _privacy(raw: dict[str, Any]) -> PrivacyPolicy:
    retention = {}
    for kind, spec in raw.get("retention", {}).items():
        unknown = set(spec) - {"months", "days", "from"}
        if unknown:
            raise PolicyError(f"privacy.retention.{kind}: unknown keys {sorted(unknown)}")
        counted_from = spec.get("from", "created")
        if counted_from not in RETENTION_FROM:
            raise PolicyError(
                f"privacy.retention.{kind}.from: {counted_from!r} is not one of {RETENTION_FROM}"
            )
        retention[kind] = RetentionRule(
            kind=kind,
            months=_whole(spec.get("months", 0), f"privacy.retention.{kind}.months"),
            days=_whole(spec.get("days", 0), f"privacy.retention.{kind}.days"),
            counted_from=counted_from,
        )
    jobs = raw.get("archive_jobs", {})
    period = jobs.get("outlet_kpi_period", "month")
    if period not in ("month", "week"):
        raise PolicyError(f"privacy.archive_jobs.outlet_kpi_period: {period!r} is not month or week")
    return PrivacyPolicy(
        erasure_cooling_off=timedelta(
            days=_whole(raw.get("erasure_cooling_off_days", 7), "privacy.erasure_cooling_off_days")
        ),
        export_link_valid=timedelta(
            hours=_whole(raw.get("export_link_valid_hours", 72), "privacy.export_link_valid_hours")
        ),
        retention=retention,
        archive_jobs=ArchiveJobs(
            care_guide_after=timedelta(
                days=_whole(
                    jobs.get("care_guide_after_days", 30), "privacy.archive_jobs.care_guide_after_days"
                )
            ),
            care_guide_window=timedelta(
                days=_whole(
                    jobs.get("care_guide_window_days", 7), "privacy.archive_jobs.care_guide_window_days"
                )
            ),
            outlet_kpi_period=period,
        ),
    )


def _hotline(raw: dict[str, Any], calendars: dict[str, BusinessCalendar]) -> HotlinePolicy:
    import phonenumbers

    if raw.get("calendar") not in calendars:
        raise PolicyError(f"hotline.calendar names an unknown calendar: {raw.get('calendar')!r}")
    queues: dict[str, HotlineQueue] = {}
    for code, spec in raw["queues"].items():
        where = f"hotline.queues.{code}"
        try:
            number = phonenumbers.parse(str(spec["number"]), "CN")
        except phonenumbers.NumberParseException as exc:
            raise PolicyError(f"{where}.number is not a phone number") from exc
        if not phonenumbers.is_valid_number(number):
            raise PolicyError(f"{where}.number is not a valid phone number")
        queues[code] = HotlineQueue(
            code=code,
            labels={k: v for k, v in spec.items() if k in ("zh-hans", "en")},
            number=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            raise_priority_by=_whole(spec.get("raise_priority_by", 0), f"{where}.raise_priority_by"),
        )
    if raw.get("default_queue") not in queues:
        raise PolicyError("hotline.default_queue names an unknown queue")
    return HotlinePolicy(
        calendar=calendars[raw["calendar"]],
        queues=queues,
        default_queue=raw["default_queue"],
        callback_within=timedelta(
            minutes=_whole(raw.get("callback_within_minutes", 0), "hotline.callback_within_minutes")
        ),
    )


def parse_pack(raw: dict[str, Any]) -> PolicyPack:
    try:
        workdays, holiday_warn_days = _holidays(raw.get("holidays", {}))
        calendars = {name: _calendar(spec, name, workdays) for name, spec in raw["calendars"].items()}
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
        first = raw["first_response"]
        first_response = FirstResponse(
            team=first["team"],
            respond_within=timedelta(minutes=first["respond_within_minutes"]),
            calendar=calendars[first["calendar"]],
            live_channels=frozenset(first.get("live_channels", ())),
        )
        if not first_response.live_channels <= set(raw["channels"]):
            raise PolicyError(
                f"first_response.live_channels names unknown channels: {sorted(first_response.live_channels - set(raw['channels']))}"
            )
        if first_response.team not in teams:
            raise PolicyError(f"first_response names unknown team {first_response.team}")
        slower = [
            level.code for level in levels.values() if level.respond_within < first_response.respond_within
        ]
        if slower:
            # A level faster than the first response would answer routine complaints sooner than urgent ones.
            raise PolicyError(f"first_response must be no slower than any level; faster levels: {slower}")
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
                advice=rule.get("advice"),
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
            first_response=first_response,
            teams=teams,
            stages=stages,
            warranty_months=int(raw["warranty"]["months_from_purchase"]),
            link_duplicates=bool(raw["duplicates"]["link_open_complaint_on_same_device"]),
            follow_ups=_follow_ups(raw["follow_ups"]),
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
            calendars=calendars,
            workdays=workdays,
            holiday_warn_days=holiday_warn_days,
            network=_network(raw.get("network", {}), raw["categories"]),
            privacy=_privacy(raw.get("privacy", {})),
            hotline_policy=_hotline(raw["hotline"], calendars) if "hotline" in raw else None,
            reporting_targets=_reporting_targets(raw.get("reporting_targets", {}), raw["categories"]),
        )
    except KeyError as exc:
        raise PolicyError(f"policy pack is missing {exc}") from exc


def load_pack(path: str | Path) -> PolicyPack:
    with open(path, encoding="utf-8") as handle:
        return parse_pack(json.load(handle))


@lru_cache(maxsize=1)
def current_pack() -> PolicyPack:
    return load_pack(settings.POLICY_PACK)
