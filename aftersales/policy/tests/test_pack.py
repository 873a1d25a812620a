import json
from pathlib import Path

import pytest

from aftersales.policy.pack import PolicyError, current_pack, load_pack, parse_pack


def test_the_shipped_pack_has_the_seed_levels():  # type: ignore[no-untyped-def]
    pack = current_pack()
    minutes = {code: level.respond_within.total_seconds() / 60 for code, level in pack.levels.items()}
    assert minutes == {"L1": 30, "L2": 120, "L3": 1440}
    assert pack.stages.resolve_within.total_seconds() == 120 * 3600
    assert set(pack.categories) >= {"logistics", "screen", "battery_charging", "other"}


def test_a_brand_can_load_its_own_pack(tmp_path, settings):  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    raw["brand"]["number_prefix"] = "ZX"
    raw["levels"]["L1"]["respond_within_minutes"] = 15
    raw["first_response"]["respond_within_minutes"] = 15
    path = tmp_path / "other.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    pack = load_pack(path)
    assert pack.number_prefix == "ZX"
    assert pack.levels["L1"].respond_within.total_seconds() == 900


def test_a_malformed_pack_is_refused_naming_the_problem(settings):  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    raw["calendars"]["hotline"]["days"] = "weekdays"
    with pytest.raises(PolicyError, match="calendar hotline"):
        parse_pack(raw)
    raw["calendars"]["hotline"]["days"] = "every_day"
    del raw["levels"]
    with pytest.raises(PolicyError, match="levels"):
        parse_pack(raw)


def test_the_symptom_lexicon_counts_distinct_words_per_category():  # type: ignore[no-untyped-def]
    from aftersales.policy.pack import KeywordLexicon

    lexicon = KeywordLexicon.from_lists(
        {
            "battery": ["充电", "充电器", "电池", "charg*", "battery life"],
            "screen": ["屏幕", "screen*", "lcd"],
        }
    )
    # Overlapping words are both found; a word named twice counts once.
    assert lexicon.counts("充电器坏了，充电充不进，电池鼓包，电池发烫") == {"battery": 3}
    assert lexicon.counts("the screens flicker and charging is slow, battery life is poor") == {
        "battery": 2,
        "screen": 1,
    }
    # Latin words are whole words; stems only match from a word's start.
    assert lexicon.counts("lcdx recharge batterylife") == {}
    assert lexicon.counts("屏幕碎了 lcd broken") == {"screen": 2}


def _notice(**changes):  # type: ignore[no-untyped-def]
    from aftersales.policy.tests.packs import EXAMPLE_2027

    return {**EXAMPLE_2027, **changes}


@pytest.mark.parametrize(
    ("holidays", "message"),
    [
        ({"notices": {"27": _notice()}}, r"holidays\.notices\.27: the key must be the notice's year"),
        (
            {"notices": {"2027": _notice(days_off=["2028-01-01"])}},
            r"2027\.days_off\[0\]: '2028-01-01' is outside 2027",
        ),
        (
            {"notices": {"2027": _notice(days_off=["2026-12-24"])}},
            r"days_off\[0\]: '2026-12-24' is outside 2027",
        ),
        ({"notices": {"2027": _notice(days_off=["2027-1-1"])}}, r"days_off\[0\]: '2027-1-1' is not a date"),
        (
            {"notices": {"2027": _notice(days_off=["２０２７-01-01"])}},
            r"days_off\[0\]: '２０２７-01-01' is not a date",
        ),
        ({"notices": {"2027": _notice(days_off=["2027-02-30"])}}, r"'2027-02-30' is not a date"),
        (
            {"notices": {"2027": _notice(days_off=["2027-02-11/2027-02-05"])}},
            r"days_off\[0\]: .* ends before it starts",
        ),
        ({"notices": {"2027": _notice(days_off=["2027-01-01/2027-03-01"])}}, r"longer than 31 days"),
        (
            {"notices": {"2027": _notice(days_off=["2027-01-01/2027-01-03", "2027-01-03"])}},
            r"days_off\[1\]: 2027-01-03 is listed twice",
        ),
        ({"notices": {"2027": _notice(days_off=[])}}, r"2027\.days_off: a notice gives at least one day off"),
        ({"notices": {"2027": _notice(days_off="2027-01-01")}}, r"2027\.days_off: must be a list"),
        (
            {"notices": {"2027": _notice(make_up_workdays=["2027-02-06"])}},
            r"notices\.2027: 2027-02-06 is both a day off and a make-up working day",
        ),
        (
            {"notices": {"2027": _notice(make_up_workdays=["2027-02-22"])}},
            r"make_up_workdays: 2027-02-22 is a Monday",
        ),
        ({"notices": {"2027": _notice(published="去年")}}, r"2027\.published: '去年' is not a date"),
        ({"notices": {"2027": _notice(published=20261120)}}, r"2027\.published: 20261120 is not a date"),
        (
            {"notices": {"2027": _notice(published="2028-01-02")}},
            r"2027\.published: 2028-01-02 is after the year",
        ),
        ({"notices": {"2027": _notice(source=" ")}}, r"2027\.source: name the notice"),
        ({"notices": {"2027": {**_notice(), "days": []}}}, r"2027: unknown fields \['days'\]"),
        (
            {"notices": {"2027": {k: v for k, v in _notice().items() if k != "published"}}},
            r"missing fields \['published'\]",
        ),
        ({"notices": ["2027"]}, r"holidays\.notices: must be an object keyed by year"),
        ({"warn_days_before_end": 0}, r"warn_days_before_end: a whole number of days, 1 to 366"),
        ({"warn_days_before_end": "60"}, r"warn_days_before_end"),
        ({"warn_days_before_end": True}, r"warn_days_before_end"),
        ({"warn_days": 60}, r"holidays: must be an object with"),
        (
            {
                "notices": {
                    "2026": _notice(days_off=["2026-10-01"], make_up_workdays=["2026-12-27"]),
                    "2027": _notice(days_off=["2026-12-26/2027-01-01"], make_up_workdays=[]),
                }
            },
            r"holidays\.notices\.2027: 2026-12-27 contradicts the 2026 notice",
        ),
    ],
)
def test_holiday_notices_are_checked_strictly_naming_the_entry(holidays, message):  # type: ignore[no-untyped-def]
    from aftersales.policy.tests.packs import shipped_pack_raw

    raw = shipped_pack_raw()
    raw["holidays"] = holidays
    with pytest.raises(PolicyError, match=message):
        parse_pack(raw)


def test_a_valid_notice_loads_with_ranges_and_a_new_year_starting_in_december(pack_with):  # type: ignore[no-untyped-def]
    from datetime import date

    from aftersales.policy.tests.packs import with_notices

    pack = pack_with(
        with_notices(
            {"2027": _notice(days_off=["2026-12-31/2027-01-01", " 2027-02-05/2027-02-07 "])},
            warn_days_before_end=30,
        )
    )
    (notice,) = pack.workdays.notices
    assert notice.year == 2027 and notice.published == date(2026, 11, 20)
    assert sorted(notice.days_off)[0] == date(2026, 12, 31) and len(notice.days_off) == 5
    assert pack.holiday_warn_days == 30
    assert pack.workdays.covered_until == date(2027, 12, 31)
    assert pack.levels["L3"].calendar.workdays is pack.workdays


def test_the_shipped_pack_names_no_unofficial_holiday_data():  # type: ignore[no-untyped-def]
    pack = current_pack()
    assert pack.workdays.notices == ()
    assert pack.holiday_warn_days == 60


def test_a_network_speciality_must_serve_known_categories(settings):  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    network = parse_pack(raw).network
    assert network.specialities_for_category("battery_charging") >= {"battery_green_channel"}
    raw["network"]["specialities"]["battery_green_channel"]["categories"] = ["batteries"]
    with pytest.raises(PolicyError, match="battery_green_channel"):
        parse_pack(raw)
    # A pack without the section gets an empty network: no specialities, a neutral prior.
    del raw["network"]
    assert parse_pack(raw).network.specialities == {}


def test_the_dispatch_section_names_known_categories_levels_and_weights(settings):  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    dispatch = parse_pack(raw).network.dispatch
    assert "battery_charging" in dispatch.categories and "logistics" not in dispatch.categories
    assert dispatch.automatic_levels == {"L1", "L2"} and dispatch.weights.without_speciality == 20
    for key, value, named in (
        ("categories", ["screens"], "screens"),
        ("automatic_levels", ["L4"], "L4"),
        ("weights", {"per_mile": 1}, "per_mile"),
        ("weights", {"per_km": -1}, "weights"),
        ("candidates", 0, "candidates"),
    ):
        broken = json.loads(json.dumps(raw))
        broken["network"]["dispatch"][key] = value
        with pytest.raises(PolicyError, match=named):
            parse_pack(broken)
    # Without the section nothing is dispatched automatically.
    del raw["network"]["dispatch"]
    assert parse_pack(raw).network.dispatch.categories == frozenset()


def test_the_dashboards_targets_are_the_packs_and_refused_when_malformed():  # type: ignore[no-untyped-def]
    from aftersales.policy.tests.packs import shipped_pack_raw

    shipped = current_pack().reporting_targets
    assert shipped.satisfaction_rate == 0.946 and shipped.cycle_mean_days == 3.2
    assert shipped.category_shares["logistics"] == 0.23

    raw = shipped_pack_raw()
    raw["reporting_targets"] = {"satisfaction_rate": 94.6}
    with pytest.raises(PolicyError, match=r"reporting_targets\.satisfaction_rate: 94\.6"):
        parse_pack(raw)
    raw["reporting_targets"] = {"category_shares": {"sound": 0.1}}
    with pytest.raises(PolicyError, match="'sound' is not a category"):
        parse_pack(raw)
    raw["reporting_targets"] = {"resolution_rte": 0.9}
    with pytest.raises(PolicyError, match="unknown keys"):
        parse_pack(raw)
    # A brand without targets shows its figures alone.
    del raw["reporting_targets"]
    assert parse_pack(raw).reporting_targets.category_shares == {}


def test_a_word_pattern_finds_what_the_plain_alternation_of_its_words_finds():  # type: ignore[no-untyped-def]
    import re

    from aftersales.policy.pack import compile_words

    words = ["起火", "冒烟", "fire", "caught fire", "explod*", "12315", "rip-off", "iPhone发烫"]
    pattern = compile_words(words)
    plain = re.compile(pattern.pattern.split("(?:", 1)[1][:-1], re.IGNORECASE)
    assert pattern.pattern.startswith("(?=[")
    texts = [
        "手机起火了,还冒烟",
        "It caught FIRE and EXPLODED",
        "打12315投诉 a rip-off",
        "IPHONE发烫 firefly misfire",
        # Letters that match Latin ones only case-insensitively: the Kelvin sign, a long s, a dotless i.
        "\u212aaboom \u017fmoke F\u0131RE f\u0130re",
        "没有问题",
    ]
    for text in texts:
        assert [(m.start(), m.group(0)) for m in pattern.finditer(text)] == [
            (m.start(), m.group(0)) for m in plain.finditer(text)
        ]
    assert [m.group(0) for m in pattern.finditer(texts[1])] == ["caught FIRE", "EXPLODED"]
