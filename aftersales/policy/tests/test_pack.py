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
