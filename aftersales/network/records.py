"""One outlet as the outlet list gives it: parsed, checked column by column, made canonical.

The import, the admin form and the export share these rules, so a row that the export
writes imports back unchanged. `parse_outlet_row` never raises on bad data: it returns
the problems by column (with codes from aftersales/common/messages.py) and no record.
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from stdnum.cn import uscc as uscc_number

from aftersales.common.errors import FieldProblem, problem
from aftersales.network.geo import CHINA_BOUNDS, PROVINCE_BOUNDS, within
from aftersales.network.hours import HoursError, parse_hours
from aftersales.network.models import Outlet
from aftersales.policy.pack import PolicyPack

# The columns of the outlet list, in the order the export writes them.
COLUMNS = (
    "code",
    "name",
    "brand",
    "kind",
    "address",
    "province",
    "province_adcode",
    "city",
    "city_adcode",
    "district",
    "district_adcode",
    "lat",
    "lon",
    "phones",
    "hours",
    "timezone",
    "uscc",
    "authorisation",
    "authorised_from",
    "authorised_until",
    "specialities",
    "capacity_per_day",
    "notes",
)
REQUIRED = (
    "code",
    "name",
    "kind",
    "address",
    "province",
    "province_adcode",
    "city",
    "city_adcode",
    "lat",
    "lon",
    "uscc",
    "authorisation",
)
MAX_PHONES = 8
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LIST_SEPARATORS = re.compile(r"\s*[;；|、,，]\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIMITS = {
    "name": 200,
    "brand": 64,
    "address": 300,
    "province": 50,
    "city": 50,
    "district": 50,
    "notes": 2000,
}
_KIND_WORDS = {
    **{kind.value: kind.value for kind in Outlet.Kind},
    "授权服务中心": Outlet.Kind.SERVICE_CENTRE.value,
    "服务中心": Outlet.Kind.SERVICE_CENTRE.value,
    "品牌体验店": Outlet.Kind.BRAND_STORE.value,
    "品牌门店": Outlet.Kind.BRAND_STORE.value,
    "合作网点": Outlet.Kind.PARTNER.value,
}
_AUTHORISATION_WORDS = {
    **{status.value: status.value for status in Outlet.Authorisation},
    "已授权": Outlet.Authorisation.AUTHORISED.value,
    "待授权": Outlet.Authorisation.PENDING.value,
    "暂停": Outlet.Authorisation.SUSPENDED.value,
    "已撤销": Outlet.Authorisation.REVOKED.value,
}
# "0755-8888 8888 转 8001": phonenumbers reads extensions written "ext."
_EXTENSION_WORDS = re.compile(r"\s*(?:转|分机|-转)\s*")


@dataclass(frozen=True)
class PhoneEntry:
    raw: str
    e164: str  # empty when the number is not valid
    valid: bool

    @property
    def digits(self) -> str:
        return phone_digits(self.raw)


@dataclass(frozen=True)
class OutletRecord:
    """An outlet's canonical values, as stored on the Outlet row and its phones."""

    code: str
    name: str
    brand: str
    kind: str
    address: str
    province: str
    province_adcode: str
    city: str
    city_adcode: str
    district: str
    district_adcode: str
    lat: float
    lon: float
    timezone: str
    hours: str
    uscc: str
    authorisation: str
    authorised_from: date | None
    authorised_until: date | None
    specialities: tuple[str, ...]
    capacity_per_day: int
    notes: str
    phones: tuple[PhoneEntry, ...] = field(default=())

    def outlet_values(self) -> dict[str, Any]:
        """The Outlet fields this record sets (phones apart)."""
        values = {name: getattr(self, name) for name in OUTLET_FIELDS}
        values["specialities"] = list(self.specialities)
        values["name_key"] = fold_name(self.name)
        return values

    def row(self) -> dict[str, str]:
        """The record as one row of the outlet list (strings), as the export writes it."""
        row: dict[str, str] = {}
        for name in COLUMNS:
            value = self.phones if name == "phones" else getattr(self, name)
            if name == "phones":
                row[name] = "; ".join(phone.raw for phone in self.phones)
            elif name == "specialities":
                row[name] = "; ".join(self.specialities)
            elif isinstance(value, date):
                row[name] = value.isoformat()
            elif isinstance(value, float):
                row[name] = repr(value)
            else:
                row[name] = "" if value is None else str(value)
        return row


# The Outlet fields an outlet list sets: every column but the phones (rows of their own).
OUTLET_FIELDS = tuple(name for name in COLUMNS if name != "phones")


def record_from_outlet(outlet: Outlet, phones: list[Any]) -> OutletRecord:
    """The record of a stored outlet; `phones` are its OutletPhone rows in order."""
    return OutletRecord(
        **{name: getattr(outlet, name) for name in OUTLET_FIELDS if name != "specialities"},
        specialities=tuple(outlet.specialities),
        phones=tuple(PhoneEntry(raw=p.raw, e164=p.e164, valid=p.valid) for p in phones),
    )


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def fold_name(name: str) -> str:
    """A name reduced to what tells it apart: full-width to half-width, Traditional to Simplified,
    case, spaces and punctuation removed (`演示手機 授權服務中心（朝陽店）` = `演示手机授权服务中心朝阳店`)."""
    text = _t2s().convert(unicodedata.normalize("NFKC", name)).casefold()
    return "".join(ch for ch in text if ch.isalnum())[:200]


def phone_digits(raw: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw) if ch.isdigit())[:40]


def parse_phone(raw: str, region: str) -> PhoneEntry:
    """A published number: valid ones get their E.164 form; others are kept as written, flagged."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        number = phonenumbers.parse(_EXTENSION_WORDS.sub(" ext. ", text), region)
    except phonenumbers.NumberParseException:
        return PhoneEntry(raw=raw.strip(), e164="", valid=False)
    if not phonenumbers.is_valid_number(number):
        return PhoneEntry(raw=raw.strip(), e164="", valid=False)
    return PhoneEntry(
        raw=raw.strip(),
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        valid=True,
    )


def normalise_uscc(value: str) -> str:
    return uscc_number.compact(unicodedata.normalize("NFKC", value)).upper()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def _split(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [_text(v) for v in value if _text(v)]
    return [part for part in _LIST_SEPARATORS.split(_text(value)) if part]


def _number(value: object) -> float | None:
    text = unicodedata.normalize("NFKC", _text(value))
    if isinstance(value, bool) or len(text) > 40:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _date(value: object) -> date | None:
    return date.fromisoformat(unicodedata.normalize("NFKC", _text(value)))


def parse_outlet_row(
    row: dict[str, Any], *, pack: PolicyPack
) -> tuple[OutletRecord | None, dict[str, FieldProblem]]:
    """Check one row of the outlet list: (the record, {}) or (None, {column: problem}).

    Every column is checked, so that one pass over a file reports all that is wrong with a row.
    """
    problems: dict[str, FieldProblem] = {}
    values: dict[str, Any] = {}
    network = pack.network

    for name in COLUMNS:
        raw = row.get(name)
        if isinstance(raw, dict) or (
            isinstance(raw, list | tuple) and name not in ("phones", "specialities")
        ):
            problems[name] = problem("one_value_expected")
        elif isinstance(raw, str) and _CONTROL.search(raw):
            problems[name] = problem("control_characters")
        elif name in REQUIRED and not _text(raw):
            problems[name] = problem("required")
    for name, limit in _LIMITS.items():
        text = _text(row.get(name))
        if name not in problems and len(text) > limit:
            problems[name] = problem("text_too_long", limit=limit, length=len(text))
        values[name] = text

    code = unicodedata.normalize("NFKC", _text(row.get("code"))).lower()
    if "code" not in problems and not CODE_PATTERN.match(code):
        problems["code"] = problem("outlet_code_invalid")
    values["code"] = code
    values["brand"] = values["brand"] or pack.brand_code

    kind = _KIND_WORDS.get(_text(row.get("kind")).lower())
    if "kind" not in problems and kind is None:
        problems["kind"] = problem("outlet_kind_unknown", allowed=", ".join(Outlet.Kind.values))
    values["kind"] = kind

    _adcodes(row, values, problems)
    _coordinates(row, values, problems)

    phones = [parse_phone(raw, pack.default_region) for raw in _split(row.get("phones"))]
    if "phones" not in problems and len(phones) > MAX_PHONES:
        problems["phones"] = problem("too_many_phones", limit=MAX_PHONES)
    if "phones" not in problems and any(len(p.raw) > 40 for p in phones):
        problems["phones"] = problem("text_too_long", limit=40, length=max(len(p.raw) for p in phones))

    hours_text = _text(row.get("hours"))
    values["hours"] = ""
    if hours_text and "hours" not in problems:
        try:
            values["hours"] = parse_hours(hours_text).text()
        except HoursError as error:
            problems["hours"] = problem(error.code, detail=error.detail[:80])

    zone = _text(row.get("timezone")) or network.default_timezone
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):
        problems.setdefault("timezone", problem("timezone_unknown", zone=zone[:64]))
    values["timezone"] = zone

    uscc = normalise_uscc(_text(row.get("uscc")))
    if "uscc" not in problems and not uscc_number.is_valid(uscc):
        problems["uscc"] = problem("uscc_invalid")
    values["uscc"] = uscc

    status = _AUTHORISATION_WORDS.get(_text(row.get("authorisation")).lower())
    if "authorisation" not in problems and status is None:
        problems["authorisation"] = problem(
            "authorisation_unknown", allowed=", ".join(Outlet.Authorisation.values)
        )
    values["authorisation"] = status
    for name in ("authorised_from", "authorised_until"):
        try:
            values[name] = _date(row.get(name)) if _text(row.get(name)) else None
        except ValueError:
            problems.setdefault(name, problem("date_invalid"))
            values[name] = None
    if status == Outlet.Authorisation.AUTHORISED and values["authorised_from"] is None:
        problems.setdefault("authorised_from", problem("required"))
    start, end = values["authorised_from"], values["authorised_until"]
    if start and end and end < start:
        problems.setdefault("authorised_until", problem("authorisation_dates"))

    specialities = sorted(set(_split(row.get("specialities"))))
    unknown = [code for code in specialities if code not in network.specialities]
    if unknown and "specialities" not in problems:
        problems["specialities"] = problem(
            "speciality_unknown", unknown=", ".join(unknown)[:100], allowed=", ".join(network.specialities)
        )
    values["specialities"] = tuple(specialities)

    capacity = _number(row.get("capacity_per_day")) if _text(row.get("capacity_per_day")) else 0.0
    if capacity is None or capacity != int(capacity) or not 0 <= capacity <= 100_000:
        problems.setdefault("capacity_per_day", problem("number_invalid", low=0, high=100_000))
        capacity = 0
    values["capacity_per_day"] = int(capacity)

    if problems:
        return None, problems
    return OutletRecord(**values, phones=tuple(phones)), {}


def _adcodes(row: dict[str, Any], values: dict[str, Any], problems: dict[str, FieldProblem]) -> None:
    """Six digits each; the province's ends in 0000 and the city and district are in that province."""
    province_prefix = ""
    for name in ("province_adcode", "city_adcode", "district_adcode"):
        code = unicodedata.normalize("NFKC", _text(row.get(name)))
        values[name] = code
        if not code or name in problems:
            continue
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            problems[name] = problem("adcode_invalid", value=code[:20])
        elif name == "province_adcode":
            if not code.endswith("0000") or code[:2] not in PROVINCE_BOUNDS:
                problems[name] = problem("adcode_invalid", value=code)
            province_prefix = code[:2]
        elif province_prefix and code[:2] != province_prefix:
            problems[name] = problem("adcode_outside_province", value=code, province=province_prefix + "0000")


def _coordinates(row: dict[str, Any], values: dict[str, Any], problems: dict[str, FieldProblem]) -> None:
    lat, lon = _number(row.get("lat")), _number(row.get("lon"))
    for name, number, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if name not in problems and (number is None or not -limit <= number <= limit):
            problems[name] = problem("coordinate_invalid", low=-limit, high=limit)
    values["lat"], values["lon"] = lat or 0.0, lon or 0.0
    if "lat" in problems or "lon" in problems or lat is None or lon is None:
        return
    if not within(CHINA_BOUNDS, lat, lon):
        problems["lat"] = problem("coordinates_outside_china", lat=lat, lon=lon)
        return
    bounds = PROVINCE_BOUNDS.get(values["province_adcode"][:2])
    if "province_adcode" not in problems and bounds and not within(bounds, lat, lon):
        problems["lat"] = problem(
            "coordinates_outside_province", lat=lat, lon=lon, province=values["province"] or "?"
        )
