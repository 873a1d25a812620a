"""Schema errors (pydantic's) answer in the project's own words in both languages: no pydantic
English inside a Chinese message, the length of a too-long text given, allowed values in words."""

from typing import Literal

import pydantic
import pytest

from aftersales.common.messages import message_text
from aftersales.common.tests.test_message_words import stray_words
from aftersales.repairs.models import CheckKind
from config.api import schema_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field", "limit"),
    [
        ("/api/v1/warranty?imei=" + "1" * 5000, "imei", 200),
        ("/api/v1/outlets/nearest?address=" + "字" * 5000, "address", 200),
        ("/api/v1/outlets/verify?q=" + "x" * 5000, "q", 100),
    ],
)
def test_a_too_long_query_names_its_length(client, url, field, limit):  # type: ignore[no-untyped-def]
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 422
    assert chinese.json()["fields"][field] == f"内容过长:最多 {limit} 个字符,实际 5000 个。"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"][field] == f"Too long: at most {limit} characters, got 5000."


@pytest.mark.parametrize("lat", ["1e400", "nan", "-inf"])
def test_an_infinite_latitude_is_refused_in_words(client, lat):  # type: ignore[no-untyped-def]
    chinese = client.get(f"/api/v1/outlets/nearest?lat={lat}&lon=114", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 422
    assert chinese.json()["fields"]["lat"] == "必须为有限的数字。"
    english = client.get(f"/api/v1/outlets/nearest?lat={lat}&lon=114", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["lat"] == "Must be a finite number."


class Form(pydantic.BaseModel):
    flag: bool = False
    kind: CheckKind = CheckKind.TOUCH
    lane: Literal["urgent", "normal"] = "normal"
    items: list[int] = pydantic.Field(default=[0], min_length=1, max_length=2)
    count: int = 0
    ratio: float = pydantic.Field(default=0.0, allow_inf_nan=False)


def rendered(**given: object) -> tuple[str, str, str]:
    """(code, Chinese, English) of the one schema error of `given`."""
    with pytest.raises(pydantic.ValidationError) as caught:
        Form(**given)
    (item,) = caught.value.errors(include_url=False)
    issue = schema_problem(dict(item))
    return (
        issue.code,
        message_text(issue.code, "zh-hans", **issue.params),
        message_text(issue.code, "en", **issue.params),
    )


@pytest.mark.parametrize(
    ("given", "code", "chinese", "english"),
    [
        ({"flag": "perhaps"}, "boolean_invalid", "必须为布尔值(是或否)。", "Must be true or false."),
        ({"lane": "fast"}, "choice_invalid", "取值无效,可选:加急、普通。", "Use one of: urgent, normal."),
        ({"items": []}, "list_too_short", "至少填写 1 项。", "Give at least 1 item(s)."),
        ({"items": [1, 2, 3]}, "list_too_long", "最多填写 2 项。", "Give at most 2 item(s)."),
        ({"count": "9" * 5000}, "number_too_big", "数值过大。", "The number is too large."),
        ({"ratio": "abc"}, "decimal_invalid", "必须为数字。", "Must be a number."),
        ({"ratio": float("nan")}, "number_not_finite", "必须为有限的数字。", "Must be a finite number."),
    ],
)
def test_pydantic_errors_speak_both_languages(given, code, chinese, english):  # type: ignore[no-untyped-def]
    assert rendered(**given) == (code, chinese, english)


def test_an_unknown_check_kind_lists_the_kinds_in_words():  # type: ignore[no-untyped-def]
    code, chinese, english = rendered(kind="smell")
    assert code == "choice_invalid"
    assert chinese.startswith("取值无效,可选:触控测试、电池健康度、") and stray_words(chinese) == [], chinese
    assert english.startswith("Use one of: touch test, battery health, ") and "_" not in english, english
