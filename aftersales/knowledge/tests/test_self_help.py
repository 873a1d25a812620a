import pytest

from aftersales.knowledge.services import self_help_for
from aftersales.policy.pack import current_pack


@pytest.mark.parametrize(
    ("category", "rule"),
    [
        ("battery_charging", "80%"),
        ("screen", "7"),
        ("screen", "3"),
        ("logistics", "50"),
        ("system_software", "3"),
    ],
)
def test_the_seed_rules_come_with_their_category(category, rule):  # type: ignore[no-untyped-def]
    rules = [text for item in self_help_for(category=category, language="zh-hans") for text in item.rules]
    assert any(rule in text for text in rules)


def test_every_category_but_other_has_an_article_in_both_languages():  # type: ignore[no-untyped-def]
    for category in current_pack().categories:
        if category == "other":
            continue
        chinese = self_help_for(category=category, language="zh-hans")
        english = self_help_for(category=category, language="en")
        assert chinese and english and chinese[0].steps != english[0].steps
        assert all(item.steps and item.rules for item in english)
