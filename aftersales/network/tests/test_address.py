"""The offline address resolver: real published addresses, and each messy case on its own.

The fixture (data/service_centre_addresses.tsv, source in data/README.md) holds published
service-centre addresses with the province and city read off each by hand.
"""

import csv
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.network.address import DISTRICT, LEGACY_NAMES, address_resolve, gazetteer

FIXTURE = Path(__file__).parent / "data" / "service_centre_addresses.tsv"
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}


def published() -> list[dict[str, str]]:
    with open(FIXTURE, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def tally(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Resolve each (address, expected city): right, wrong (a city other than expected, not
    flagged ambiguous), ambiguous, unresolved."""
    outcome: dict[str, list[str]] = {"right": [], "wrong": [], "ambiguous": [], "unresolved": []}
    for address, city in pairs:
        found = address_resolve(address=address)
        if found.ambiguous:
            assert found.city is None and len(found.candidates) >= 2, address
            outcome["ambiguous"].append(address)
        elif found.city is None:
            outcome["unresolved"].append(address)
        elif found.city == city:
            outcome["right"].append(address)
        else:
            outcome["wrong"].append(f"{address} -> {found.city} (expected {city})")
    return outcome


def test_the_fixture_holds_hundreds_of_real_addresses_across_every_province():
    rows = published()
    assert len(rows) >= 300
    assert len({row["province"] for row in rows}) >= 30


def test_published_addresses_resolve_to_their_city_and_never_to_a_wrong_one():
    rows = published()
    outcome = tally([(row["address"], row["city"]) for row in rows])
    assert outcome["wrong"] == []
    assert len(outcome["right"]) >= 0.99 * len(rows), outcome


def test_published_addresses_resolve_to_their_district_too():
    rows = [row for row in published() if row["district"]]
    right = [row for row in rows if address_resolve(address=row["address"]).district == row["district"]]
    assert len(right) >= 0.98 * len(rows)


def test_without_the_province_the_city_is_still_right_or_the_answer_says_ambiguous():
    rows = published()
    pairs = [(row["address"].removeprefix(row["province"]), row["city"]) for row in rows]
    outcome = tally(pairs)
    assert outcome["wrong"] == []
    # every one still names its city
    assert len(outcome["right"]) >= 0.99 * len([p for p in pairs if p[1] not in MUNICIPALITIES]), outcome


def _unique_district(name: str) -> bool:
    places = {a.place.adcode for a in gazetteer().aliases.get(name, []) if a.place.level == DISTRICT}
    return len(places) == 1


def test_with_only_a_district_named_a_unique_district_gives_its_city_and_a_shared_one_no_wrong_city():
    unique: list[tuple[str, str]] = []
    shared: list[tuple[str, str]] = []
    for row in published():
        if row["city"] in MUNICIPALITIES:
            rest = row["address"].removeprefix(row["province"])
        else:
            rest = row["address"].removeprefix(row["province"]).removeprefix(row["city"])
        if not row["district"] or not rest.startswith(row["district"]):
            continue
        (unique if _unique_district(row["district"]) else shared).append((rest, row["city"]))
    assert len(unique) >= 300 and len(shared) >= 10
    outcome = tally(unique)
    assert outcome["wrong"] == []
    assert len(outcome["right"]) >= 0.99 * len(unique), outcome
    shared_outcome = tally(shared)
    assert shared_outcome["wrong"] == []
    assert len(shared_outcome["ambiguous"]) >= len(shared) // 2


def test_traditional_characters_and_full_width_digits_resolve_alike():
    to_traditional = opencc.OpenCC("s2t").convert
    widen = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    rows = published()[::5]
    outcome = tally([(to_traditional(row["address"]).translate(widen), row["city"]) for row in rows])
    assert outcome["wrong"] == []
    assert len(outcome["right"]) >= 0.99 * len(rows), outcome


# -- each messy case -----------------------------------------------------------------------


def test_a_district_shared_by_two_cities_without_a_city_is_ambiguous_and_lists_both():
    found = address_resolve(address="朝阳区建国路88号")
    assert found.ambiguous and found.city is None and found.adcode is None
    assert {(c["city"], c["adcode"]) for c in found.candidates} == {
        ("北京市", "110105"),
        ("长春市", "220104"),
    }
    assert found.reason == "address_ambiguous"


def test_a_city_hint_chooses_between_the_readings():
    assert address_resolve(address="朝阳区建国路88号", city_hint="北京").adcode == "110105"
    assert address_resolve(address="朝阳区建国路88号", city_hint="长春市").adcode == "220104"
    assert address_resolve(address="朝阳区建国路88号", city_hint="110100").city == "北京市"


def test_a_named_city_settles_a_shared_district_even_when_the_province_is_left_out():
    found = address_resolve(address="长春市朝阳区人民大街")
    assert (found.province, found.city, found.district, found.adcode) == (
        "吉林省",
        "长春市",
        "朝阳区",
        "220104",
    )
    assert not found.ambiguous and found.confidence >= 0.9


def test_gulou_district_alone_lists_every_city_that_has_one():
    found = address_resolve(address="鼓楼区中山路1号")
    assert found.ambiguous
    cities = {c["city"] for c in found.candidates}
    assert {"南京市", "徐州市", "福州市", "开封市"} <= cities


def test_a_province_narrows_a_shared_district_but_two_cities_may_remain():
    found = address_resolve(address="江苏省鼓楼区")
    assert found.ambiguous and found.province == "江苏省"
    assert {c["city"] for c in found.candidates} == {"南京市", "徐州市"}
    assert address_resolve(address="福建省鼓楼区五四路").city == "福州市"


def test_a_merged_district_answers_the_current_adcode_and_says_so():
    found = address_resolve(address="杭州市下城区延安路1号")
    assert (found.district, found.adcode) == ("拱墅区", "330105")
    assert any("下城区" in note and "2021" in note for note in found.notes)
    assert address_resolve(address="北京市宣武区广安门内大街").district == "西城区"
    assert address_resolve(address="上海市闸北区共和新路").district == "静安区"


def test_every_legacy_name_points_at_a_current_division():
    g = gazetteer()
    for old, province, city, current, _year, _how in LEGACY_NAMES:
        target = g.find(current, province=province, city=city)
        assert target is not None, (old, current)
        assert any(alias.place is target for alias in g.aliases[old]), old


def test_a_new_county_level_city_resolves_under_its_prefecture():
    found = address_resolve(address="龙港市龙跃路138号")
    assert (found.province, found.city, found.district, found.adcode) == (
        "浙江省",
        "温州市",
        "龙港市",
        "330383",
    )


def test_autonomous_prefectures_and_banners_resolve_by_full_or_short_name():
    found = address_resolve(address="黔东南州凯里市北京东路")
    assert (found.city, found.district) == ("黔东南苗族侗族自治州", "凯里市")
    found = address_resolve(address="内蒙古鄂尔多斯乌审旗乌审街")
    assert (found.province, found.city, found.district) == ("内蒙古自治区", "鄂尔多斯市", "乌审旗")
    found = address_resolve(address="云南省临沧市双江拉祜族佤族布朗族傣族自治县勐勐镇")
    assert found.district == "双江拉祜族佤族布朗族傣族自治县"


def test_corps_cities_and_province_governed_counties_are_their_own_city():
    found = address_resolve(address="新疆石河子市北四路")
    assert (found.province, found.city, found.adcode) == ("新疆维吾尔自治区", "石河子市", "659001")
    assert address_resolve(address="五家渠市人民北路").adcode == "659004"
    assert address_resolve(address="湖北省仙桃市钱沟路59号").city == "仙桃市"


def test_a_county_level_city_without_its_prefecture_finds_the_prefecture():
    for address in ("张家港市杨舍镇人民中路", "张家港杨舍镇人民中路", "昆山市前进西路1266号"):
        found = address_resolve(address=address)
        assert (found.province, found.city) == ("江苏省", "苏州市"), address


def test_place_names_inside_street_names_are_streets():
    found = address_resolve(address="上海市静安区南京西路1266号恒隆广场")
    assert (found.city, found.district) == ("上海市", "静安区")
    found = address_resolve(address="广州市越秀区北京路238号")
    assert (found.city, found.district) == ("广州市", "越秀区")
    assert address_resolve(address="南京西路1266号").reason == "address_no_place"
    assert address_resolve(address="北京路238号").city is None
    assert address_resolve(address="中山公园地铁站").city is None


def test_a_mall_named_after_another_city_does_not_move_the_address():
    found = address_resolve(address="内蒙古自治区包头市青山区钢铁大街北京华联购物中心一层")
    assert (found.city, found.district) == ("包头市", "青山区")
    found = address_resolve(address="北京市西城区德胜门外大街3-2号辽宁饭店写字楼2层")
    assert found.city == "北京市"


def test_floors_metro_exits_and_brackets_are_set_aside():
    found = address_resolve(
        address="天津市和平区南市大街与福安大街交口(地铁4号线金街站A口450米和平保利广场负一层)"
    )
    assert (found.city, found.district) == ("天津市", "和平区")
    found = address_resolve(address="（地铁2号线南京东路站3号口）黄浦区南京东路233号3层")
    assert (found.city, found.district) == ("上海市", "黄浦区")


def test_brackets_are_read_when_the_rest_names_no_place():
    found = address_resolve(address="新龙路821号（上海市闵行区七宝镇）")
    assert (found.city, found.district) == ("上海市", "闵行区")


def test_traditional_and_full_width_input():
    found = address_resolve(address="廣東省深圳市南山區科技園南區１２號")
    assert (found.city, found.district, found.adcode) == ("深圳市", "南山区", "440305")
    # 乾 is not simplified to 干 in a place name
    assert address_resolve(address="吉林省松原市乾安县").district == "乾安县"


def test_a_lone_name_fragment_names_no_city():
    # 钟楼 (a district of Changzhou) and 临城 (a county of Xingtai) are a tower and a town here
    assert address_resolve(address="三乡镇雅居乐钟楼首层2号").city is None
    assert address_resolve(address="临城镇临城兰西路103号").city is None


def test_a_province_alone_is_not_a_city():
    found = address_resolve(address="广东省")
    assert found.city is None and found.province == "广东省" and found.reason == "address_only_province"


@pytest.mark.parametrize("text", ["", "   ", "\x00", "🙂🙂", "a" * 10_000, "1号楼", "((((", "省市区县"])
def test_odd_strings_answer_without_raising(text):
    found = address_resolve(address=text)
    assert found.city is None
    assert found.reason in {"address_empty", "address_no_place"}


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_any_string_gets_an_answer_with_a_confidence_between_0_and_1(text):
    found = address_resolve(address=text, city_hint=text[:10] or None)
    assert 0.0 <= found.confidence <= 1.0
    assert not (found.ambiguous and found.city)
    if found.adcode is not None:
        assert len(found.adcode) == 6 and found.adcode.isdigit()
        assert found.lat is not None and 3 < found.lat < 54 and 73 < (found.lon or 0) < 136


def test_a_named_city_rules_out_a_reading_that_only_shares_a_fragment():
    assert address_resolve(address="北京朝阳大悦城").adcode == "110105"
    found = address_resolve(address="重庆解放碑步行街")
    assert (found.city, found.ambiguous) == ("重庆市", False)
    # the same two characters read as a city or as districts: nothing decides
    assert address_resolve(address="朝阳大悦城").ambiguous


def test_hong_kong_and_macao_are_their_own_city_with_real_adcodes():
    found = address_resolve(address="香港九龙尖沙咀广东道3号")
    assert (found.province, found.city, found.adcode) == ("香港特别行政区", "香港特别行政区", "810000")
    found = address_resolve(address="澳门特别行政区花地玛堂区")
    assert (found.city, found.district, found.adcode) == ("澳门特别行政区", "花地玛堂区", "820008")


def test_chongqing_counties_keep_their_own_adcodes_under_one_city():
    found = address_resolve(address="重庆市秀山土家族苗族自治县黄杨大道北段3号")
    assert (found.city, found.adcode) == ("重庆市", "500241")


def test_short_names_of_autonomous_regions_and_province_governed_counties():
    found = address_resolve(address="西藏拉萨城关区北京中路")
    assert (found.province, found.city, found.district) == ("西藏自治区", "拉萨市", "城关区")
    assert address_resolve(address="新疆乌鲁木齐天山区").city == "乌鲁木齐市"
    assert address_resolve(address="海南白沙牙叉镇").city == "白沙黎族自治县"
    assert address_resolve(address="神农架松柏镇").city == "神农架林区"


def test_a_short_name_shared_with_another_province_stays_the_province():
    # 海南 is the province; Qinghai's 海南藏族自治州 is written 海南州
    assert address_resolve(address="海南").reason == "address_only_province"
    assert address_resolve(address="青海省海南州共和县").city == "海南藏族自治州"
