"""Deadlines that reach past the holiday data are flagged on the complaint (issue example: 2026-12-31)."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.services import api_token_create
from aftersales.complaints import sla
from aftersales.complaints.services import tracking_token
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.policy.tests.packs import EXAMPLE_2027, with_notices

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)  # the last day chinesecalendar 1.11.0 knows
# A legal threat makes it an L3 complaint, answered on HQ's calendar of China's working days.
LEGAL_THREAT = "屏幕触控失灵,再不处理我就去12315投诉"


def deadlines_of(client, complaint, user):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}
    answer = client.get(f"/api/v1/complaints/{complaint.number}", **headers)
    assert answer.status_code == 200
    return {d["name"]: d for d in answer.json()["deadlines"]}


def opened_on_new_years_eve(caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level("WARNING", logger="aftersales.policy"):
        complaint = submit_complaint(text=LEGAL_THREAT, at=NEW_YEARS_EVE)
    assert complaint.level == "L3"
    return complaint, [r for r in caplog.records if r.name == "aftersales.policy"]


def test_the_first_response_past_the_holiday_data_is_flagged_provisional_and_logged_once(
    client, adam, caplog
):  # type: ignore[no-untyped-def]
    complaint, logged = opened_on_new_years_eve(caplog)
    deadlines = deadlines_of(client, complaint, adam)
    response = deadlines[sla.LEVEL_RESPONSE]
    # Not 1 January, New Year's Day, as a plain Monday-Friday week would have it.
    assert datetime.fromisoformat(response["due_at"]) == datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
    assert response["provisional"] is True
    assert "2026-12-31" in response["provisional_reason"]["zh-hans"]
    assert "statutory holidays only" in response["provisional_reason"]["en"]
    # The stage clocks run round the clock: no holiday data behind them.
    assert deadlines[sla.ACCEPT]["provisional"] is False
    assert deadlines[sla.ACCEPT]["provisional_reason"] is None
    (record,) = logged
    assert "provisional deadline 2027-01-04T10:00:00+08:00" in record.getMessage()


def test_with_the_year_s_notice_in_the_pack_the_deadline_follows_it_and_is_not_flagged(
    client, adam, caplog, pack_with
):  # type: ignore[no-untyped-def]
    pack_with(with_notices({"2027": EXAMPLE_2027}))
    complaint, logged = opened_on_new_years_eve(caplog)
    response = deadlines_of(client, complaint, adam)[sla.LEVEL_RESPONSE]
    # After the notice's New Year holiday (1-3 January 2027).
    assert datetime.fromisoformat(response["due_at"]) == datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
    assert response["provisional"] is False and response["provisional_reason"] is None
    assert logged == []


def test_the_customer_s_tracking_page_marks_the_provisional_deadline(client, caplog):  # type: ignore[no-untyped-def]
    complaint, _ = opened_on_new_years_eve(caplog)
    page = client.get(f"/track/{complaint.number}/?token={tracking_token(complaint)}")
    assert page.status_code == 200
    text = page.content.decode()
    assert re.search(r'2027-01-04 10:00</span> <span class="muted provisional" title="[^"]+">（暂定）', text)


def test_a_deadline_within_the_data_is_not_flagged(client, adam):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=LEGAL_THREAT, at=datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
    response = deadlines_of(client, complaint, adam)[sla.LEVEL_RESPONSE]
    assert datetime.fromisoformat(response["due_at"]) == datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    assert response["provisional"] is False
    assert json.dumps(response["provisional_reason"]) == "null"
