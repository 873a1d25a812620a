"""Privacy messages read as sentences in both languages: states, hold kinds and times in words."""

from datetime import UTC, datetime, timedelta

import pytest

from aftersales.accounts.privacy.services import local_time_words
from aftersales.accounts.tests.privacy_fixtures import bearer, customer_session, post
from aftersales.common import clock
from aftersales.common.tests.test_message_words import stray_words

pytestmark = pytest.mark.django_db


def test_cancelling_twice_names_the_state_in_words(client, carol):  # type: ignore[no-untyped-def]
    session = customer_session(client, carol.phone)
    request_id = client.post("/api/v1/privacy/erasure", **session).json()["id"]
    client.post(f"/api/v1/privacy/erasure/{request_id}/cancel", **session)
    url = f"/api/v1/privacy/erasure/{request_id}/cancel"
    chinese = client.post(url + "?lang=zh-hans", **session).json()["message"]
    assert chinese == f"删除申请 #{request_id} 当前为已取消,只有冷静期中的申请可以撤回。"
    english = client.post(url + "?lang=en", **session).json()["message"]
    assert english == (
        f"Erasure request #{request_id} is cancelled: only a request in its cooling-off period can be withdrawn."
    )


def test_a_legal_hold_and_an_unknown_hold_kind_are_named_in_words(client, carol, adam):  # type: ignore[no-untyped-def]
    ends = (clock.localdate(clock.now()) + timedelta(days=90)).isoformat()
    url = f"/api/v1/privacy/customers/{carol.pk}/holds"
    unknown = post(
        client, url + "?lang=zh-hans", {"kind": "police", "reason": "x", "ends_on": ends}, **bearer(adam)
    )
    assert unknown.status_code == 422
    assert unknown.json()["fields"]["kind"] == "取值无效,可选:未结纠纷、法院命令、监管调查。"
    unknown_en = post(
        client, url + "?lang=en", {"kind": "police", "reason": "x", "ends_on": ends}, **bearer(adam)
    )
    assert (
        unknown_en.json()["fields"]["kind"] == "Use one of: open dispute, court order, regulator's inquiry."
    )
    placed = post(client, url, {"kind": "court_order", "reason": "民事裁定", "ends_on": ends}, **bearer(adam))
    assert placed.status_code == 201, placed.content
    session = customer_session(client, carol.phone)
    chinese = client.post("/api/v1/privacy/erasure?lang=zh-hans", **session).json()["message"]
    assert "(法院命令:民事裁定)" in chinese and stray_words(chinese) == [], chinese
    english = client.post("/api/v1/privacy/erasure?lang=en", **session).json()["message"]
    assert "(court order: 民事裁定)" in english and "court_order" not in english, english


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "2026年12月4日 13:42(北京时间)"), ("en", "4 December 2026, 13:42 (Beijing time)")],
)
def test_an_export_deadline_is_beijing_time_in_words(language, words):  # type: ignore[no-untyped-def]
    assert local_time_words(datetime(2026, 12, 4, 5, 42, tzinfo=UTC), language) == words
