"""Each priority/level rule fires on its words and stays quiet on near misses."""

import pytest

from aftersales.triage.services import CustomerContext, triage_complaint


def triage(text: str, **context: object):  # type: ignore[no-untyped-def]
    return triage_complaint(text=text, context=CustomerContext(**context))  # type: ignore[arg-type]


def rules_of(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {reason["rule"] for reason in result.reasons}


@pytest.mark.parametrize(
    "text",
    [
        "充电的时候电池鼓包了",
        "手机冒烟了",
        "昨晚手机突然起火",
        "the battery is swollen",
        "it started to smoke while charging",
        "充电器漏电，我被电了一下，触电了",
        "the phone exploded in my pocket",
    ],
)
def test_safety_words_make_priority_one(text):  # type: ignore[no-untyped-def]
    result = triage(text)
    assert result.priority == 1 and "safety" in rules_of(result)
    assert result.reasons[0]["zh-hans"] == "安全隐患"


@pytest.mark.parametrize(
    "text",
    [
        "电池没有鼓包，就是掉电快",
        "手机没冒烟但是很烫",
        "部機冇冒煙，淨係好熱",
        "there is no smoke, it just gets warm",
        "screen burn-in after a month",
        "the firmware update failed",
    ],
)
def test_safety_near_misses_do_not_fire(text):  # type: ignore[no-untyped-def]
    result = triage(text)
    assert "safety" not in rules_of(result) and result.priority > 1


@pytest.mark.parametrize(
    "text",
    [
        "再不处理我就打12315",
        "我已经向工信部投诉了",
        "准备找律师起诉你们",
        "我会联系记者曝光",
        "I will take you to court",
        "my lawyer will contact you",
        "I have told a journalist about this",
    ],
)
def test_legal_threats_make_an_l3_major_complaint(text):  # type: ignore[no-untyped-def]
    result = triage(text)
    assert result.level == "L3" and "legal_threat" in rules_of(result) and result.priority <= 2


@pytest.mark.parametrize(
    "text",
    [
        "客服态度很courteous",
        "the staff showed no courtesy at all",
        "I saw it on social media",
        "订单号123156",
    ],
)
def test_legal_near_misses_stay_at_l1(text):  # type: ignore[no-untyped-def]
    assert triage(text).level == "L1"


def test_senior_vip_repeat_and_anger_each_raise_priority():  # type: ignore[no-untyped-def]
    base = triage("屏幕有一条线").priority
    assert triage("屏幕有一条线", is_senior=True).priority == base - 1
    assert triage("屏幕有一条线", is_vip=True).priority == base - 1
    assert triage("屏幕有一条线", recent_contacts=2).priority == base - 1
    assert triage("屏幕有一条线", recent_contacts=1).priority == base
    assert triage("屏幕有一条线，垃圾手机").priority == base - 1
    assert triage("屏幕有一条线，垃圾手机", is_senior=True, is_vip=True, recent_contacts=5).priority == 1


def test_rules_are_read_from_the_policy_pack(settings, tmp_path):  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    from aftersales.policy.pack import load_pack

    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    raw["triage_rules"][0]["words"] = ["漏水"]
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    pack = load_pack(path)
    assert triage_complaint(text="手机漏水", context=CustomerContext(), pack=pack).priority == 1
    assert triage_complaint(text="电池鼓包", context=CustomerContext(), pack=pack).priority > 1


@pytest.mark.parametrize("text", ["", "   ", "😡😡😡", "!!!???", "12345"])
def test_text_without_words_is_other_with_no_confidence(text):  # type: ignore[no-untyped-def]
    result = triage(text)
    assert result.category == "other" and result.confidence == 0.0 and result.needs_human_triage


def test_html_huge_and_mixed_text_get_an_answer():  # type: ignore[no-untyped-def]
    assert triage("<p>屏幕<b>触控失灵</b></p><script>x</script>").category == "screen"
    huge = triage("电池掉电很快。" * 20_000)
    assert huge.category == "battery_charging"
    assert triage("Reno10 的 camera 对焦不准，拍照很糊").category == "camera"


def test_traditional_chinese_is_read_as_simplified():  # type: ignore[no-untyped-def]
    from aftersales.triage.text import normalise

    assert normalise("螢幕閃爍，軟體更新後訊號很差") == "屏幕闪烁,软件更新后信号很差"
    assert normalise("这支手机屏幕很好") == "这支手机屏幕很好"
    assert triage("螢幕一直閃爍，觸控也失靈了").category == "screen"
    swollen = triage("電池鼓包了，充電的時候還冒煙")
    assert swollen.category == "battery_charging" and swollen.priority == 1
    # Taiwan's and Hong Kong's consumer bodies, and "sue" as said there, are legal threats too.
    assert triage("再不處理我就去消基會投訴").level == "L3"
    assert triage("你們再拖我就提告").level == "L3"
    assert triage("再不處理我就去投訴").level == "L1"
