"""The dispatch choice as a pure function: distance against queue, capacity and speciality,
and the reason in words. Weights are the demo pack's (per km 1, per waiting 0.5, without
the speciality 20, load 5, full 40)."""

import pytest

from aftersales.network.dispatch import Candidate, choose, kilometres, reason_words
from aftersales.policy.pack import current_pack

BATTERY = frozenset({"battery_green_channel", "express_replacement"})


def outlet(code: str, km: float, *, waiting: int = 0, offers: str = "", capacity: int = 60, today: int = 0):  # type: ignore[no-untyped-def]
    return Candidate(
        pk=hash(code) & 0xFFFF,
        code=code,
        distance_m=round(km * 1000),
        specialities=frozenset(offers.split()) if offers else frozenset(),
        waiting=waiting,
        capacity_per_day=capacity,
        dispatched_today=today,
    )


def picked(*candidates: Candidate, wanted: frozenset[str] = BATTERY) -> tuple[str, str]:
    choice = choose(list(candidates), wanted=wanted, policy=current_pack().network)
    assert choice is not None
    return choice.chosen.candidate.code, choice.basis


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # Alike but for distance: the nearer.
        ((outlet("a", 1.0), outlet("b", 5.0)), ("a", "nearest")),
        # A few people waiting do not outweigh four kilometres...
        ((outlet("a", 1.0, waiting=4), outlet("b", 5.0)), ("a", "nearest")),
        # ...thirty do.
        ((outlet("a", 1.0, waiting=30), outlet("b", 5.0)), ("b", "shorter_queue")),
        # A nearer outlet full for today loses to one with places left.
        ((outlet("a", 1.0, capacity=10, today=10), outlet("b", 5.0)), ("b", "nearer_full")),
        # Waiting customers take today's places too.
        ((outlet("a", 1.0, capacity=10, today=6, waiting=4), outlet("b", 5.0)), ("b", "nearer_full")),
        # Unknown capacity (0) is never full.
        ((outlet("a", 1.0, capacity=0, today=500), outlet("b", 5.0)), ("a", "nearest")),
        # Equal cost: the nearer, then the lower code (outlets sharing an address).
        ((outlet("b", 2.0), outlet("a", 2.0)), ("a", "nearest")),
    ],
)
def test_distance_is_weighed_against_queue_and_capacity(candidates, expected):  # type: ignore[no-untyped-def]
    assert picked(*candidates, wanted=frozenset()) == expected


def test_a_closer_outlet_without_the_needed_speciality_loses():  # type: ignore[no-untyped-def]
    near = outlet("near", 1.0)
    green = outlet("green", 6.0, offers="battery_green_channel")
    assert picked(near, green) == ("green", "nearest_with_speciality")
    # ...unless it is far closer than the speciality is worth (20 km by the demo pack).
    assert picked(near, outlet("green", 30.0, offers="battery_green_channel")) == ("near", "nearest")
    # A category no speciality serves ignores specialities.
    assert picked(near, green, wanted=frozenset()) == ("near", "nearest")


def test_the_most_specific_speciality_is_named():  # type: ignore[no-untyped-def]
    both = outlet("both", 2.0, offers="express_replacement battery_green_channel")
    choice = choose([both, outlet("plain", 1.0)], wanted=BATTERY, policy=current_pack().network)
    assert choice is not None and choice.chosen.speciality == "battery_green_channel"


def test_no_candidate_no_choice():  # type: ignore[no-untyped-def]
    assert choose([], wanted=BATTERY, policy=current_pack().network) is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "nearest with battery green channel, 2.3 km, 4 waiting, 56 places left today"),
        ("zh-hans", "最近的提供电池绿色通道的网点,2.3 公里,4 人排队,今日余 56 个名额"),
    ],
)
def test_the_reason_reads_as_a_sentence_in_each_language(language, expected):  # type: ignore[no-untyped-def]
    words = reason_words(
        basis="nearest_with_speciality",
        speciality="battery_green_channel",
        distance_m=2320,
        waiting=4,
        capacity_left=56,
        reason="",
        language=language,
        pack=current_pack(),
    )
    assert words == expected


def test_a_staff_choice_without_location_gives_the_reason_and_no_distance():  # type: ignore[no-untyped-def]
    words = reason_words(
        basis="staff",
        speciality="",
        distance_m=None,
        waiting=0,
        capacity_left=0,
        reason="客户说公司在南山 🏢",
        language="en",
        pack=current_pack(),
    )
    assert words == "chosen by staff, 0 waiting, full today, reason: 客户说公司在南山 🏢"


def test_kilometres_keep_one_decimal_below_a_hundred():  # type: ignore[no-untyped-def]
    assert [kilometres(m) for m in (0, 2349, 99_940, 123_456)] == ["0.0", "2.3", "99.9", "123"]
