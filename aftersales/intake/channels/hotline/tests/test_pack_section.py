"""The policy pack's `hotline` section: queues with their numbers, the calendar, call-backs."""

import copy
import json
from pathlib import Path

import pytest

from aftersales.policy.pack import PolicyError, current_pack, parse_pack


def test_the_shipped_pack_has_the_senior_care_line_with_its_boost() -> None:
    policy = current_pack().hotline_policy
    assert policy is not None
    senior = policy.queues["senior"]
    assert (senior.number, senior.raise_priority_by, senior.labels["zh-hans"]) == (
        "+864006667733",
        1,
        "银发专线",
    )
    assert (policy.calendar.opens, policy.calendar.closes) == (7 * 60, 23 * 60)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda h: h.update(calendar="nights"), "hotline.calendar"),
        (lambda h: h.update(default_queue="vip"), "hotline.default_queue"),
        (lambda h: h["queues"]["senior"].update(number="银发"), "hotline.queues.senior.number"),
        (
            lambda h: h["queues"]["senior"].update(raise_priority_by=-1),
            "hotline.queues.senior.raise_priority_by",
        ),
        (lambda h: h.update(callback_within_minutes="soon"), "hotline.callback_within_minutes"),
    ],
)
def test_a_malformed_hotline_section_is_refused_naming_the_entry(settings, change, named) -> None:  # type: ignore[no-untyped-def]
    raw = json.loads(Path(settings.POLICY_PACK).read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    change(broken["hotline"])
    with pytest.raises(PolicyError, match=named.replace(".", r"\.")):
        parse_pack(broken)
