"""The agent workspace's pages through the test client: sign-in, queues, the complaint page and its moves.

Personas (conftest.py): alice (hotline agent, team "agents"), tom (technical team), oscar
(outlet technician of outlet-sh-01, sees only what is dispatched there), adam (administrator),
carol (a customer). Here also olga, outlet technician of another outlet.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "desk-pass-2026"
SCREEN = "屏幕触控失灵,打字点不到"
# Names a battery fault and a screen fault: the pre-diagnosis offers the other as an alternative.
TWO_FAULTS = "充电很慢,一晚上才充到80%,而且屏幕有时候闪屏"
CODE_WORDS = ("start_processing", "wait_for_customer", "waiting_customer", "message_out", "battery_charging")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def phone(index: int) -> str:
    return f"+861370014{index:04d}"


def signed_in(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def visible_text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a reader sees it: tags, attribute values and scripts left out."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def htmx(**headers: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", **headers}


@pytest.fixture
def olga(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="olga", role=Role.OUTLET_TECHNICIAN, team="outlet-gz-02")


def dispatch(complaint: Complaint, team: str) -> Complaint:
    # Dispatching to an outlet is the network's step; here the complaint is simply placed there.
    Complaint.objects.filter(pk=complaint.pk).update(team=team)
    complaint.refresh_from_db()
    return complaint


# --- signing in and out -----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_desk_sign_in_page(client):  # type: ignore[no-untyped-def]
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/signin/?next=/desk/"


def test_an_agent_signs_in_with_a_password_and_lands_on_the_queue(client, alice):  # type: ignore[no-untyped-def]
    alice.set_password(PASSWORD)
    alice.save()
    page = client.get("/desk/signin/")
    assert "登录" in visible_text(page)
    response = client.post("/desk/signin/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_outlet_staff_sign_in_too(client, oscar):  # type: ignore[no-untyped-def]
    oscar.set_password(PASSWORD)
    oscar.save()
    response = client.post(
        "/desk/signin/", {"username": "oscar", "password": PASSWORD, "next": "/desk/?queue=team"}
    )
    assert response.status_code == 302 and response["Location"] == "/desk/?queue=team"


def test_a_wrong_password_is_refused_in_chinese(client, alice):  # type: ignore[no-untyped-def]
    alice.set_password(PASSWORD)
    alice.save()
    response = client.post("/desk/signin/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in visible_text(response)


def test_an_account_without_a_staff_role_may_not_sign_in(client, db):  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username="mallory", password=PASSWORD, role=Role.CUSTOMER)
    response = client.post("/desk/signin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "此账号不能登录服务台" in visible_text(response)
    assert client.get("/desk/").status_code == 302


def test_signing_out_ends_the_session(client, alice):  # type: ignore[no-untyped-def]
    signed_in(client, alice)
    response = client.post("/desk/signout/")
    assert response.status_code == 302 and response["Location"] == "/desk/signin/"
    assert client.get("/desk/").status_code == 302


# --- the queues -----------------------------------------------------------------------------------


def test_the_team_queue_shows_the_most_overdue_first_in_words(client, alice):  # type: ignore[no-untyped-def]
    older = submit_complaint(text=SCREEN, phone=phone(1), at=at("2026-11-02 10:00"))
    newer = submit_complaint(text=SCREEN, phone=phone(2), at=at("2026-11-02 11:00"))
    with clock.travel_to(at("2026-11-02 12:00")):
        page = signed_in(client, alice).get("/desk/?queue=team")
    text = visible_text(page)
    assert text.index(older.number) < text.index(newer.number)
    assert "屏幕显示" in text and "受理" in text and "超时" in text
    assert not any(word in text for word in ("accepted", "screen", "L1 "))


def test_each_queue_keeps_only_its_complaints(client, alice, tom):  # type: ignore[no-untyped-def]
    with clock.travel_to(at("2026-11-02 10:00")):
        mine = submit_complaint(text=SCREEN, phone=phone(1))
        services.complaint_add_note(actor=staff_actor(alice), complaint=mine, body="我来跟进")
    with clock.travel_to(at("2026-11-02 10:55")):
        soon = submit_complaint(text=SCREEN, phone=phone(2))
        waiting = submit_complaint(text=SCREEN, phone=phone(3))
        services.complaint_transition(
            actor=staff_actor(tom), complaint=waiting, action="wait_for_customer", reason="等客户寄回"
        )
    triage = submit_complaint(text="😡😡😡", phone=phone(4), at=at("2026-11-02 11:10"))
    assert triage.team == "triage"
    client = signed_in(client, alice)
    with clock.travel_to(at("2026-11-02 11:15")):
        # mine: first response due 10:30 (passed); soon: due 11:25; waiting: paused.
        shown = {
            name: visible_text(client.get(f"/desk/?queue={name}"))
            for name in ("mine", "breaching", "overdue", "triage", "waiting")
        }
    assert mine.number in shown["mine"] and soon.number not in shown["mine"]
    assert soon.number in shown["breaching"] and mine.number not in shown["breaching"]
    assert mine.number in shown["overdue"] and soon.number not in shown["overdue"]
    assert triage.number in shown["triage"] and mine.number not in shown["triage"]
    assert waiting.number in shown["waiting"] and mine.number not in shown["waiting"]
    assert "待客户回复" in shown["waiting"]


def test_an_unknown_queue_name_shows_my_queue(client, alice):  # type: ignore[no-untyped-def]
    response = signed_in(client, alice).get("/desk/?queue=<script>")
    assert response.status_code == 200 and "<script>" not in response.content.decode().split("<main")[1]


def test_outlet_staff_see_only_their_outlets_complaints_in_every_queue(client, oscar, olga):  # type: ignore[no-untyped-def]
    ours = dispatch(submit_complaint(text=SCREEN, phone=phone(1), at=at("2026-11-02 10:00")), "outlet-sh-01")
    theirs = dispatch(
        submit_complaint(text=SCREEN, phone=phone(2), at=at("2026-11-02 10:00")), "outlet-gz-02"
    )
    central = submit_complaint(text=SCREEN, phone=phone(3), at=at("2026-11-02 10:00"))
    client = signed_in(client, oscar)
    with clock.travel_to(at("2026-11-02 12:00")):
        for name in ("team", "mine", "breaching", "overdue", "triage", "waiting"):
            text = visible_text(client.get(f"/desk/?queue={name}"))
            assert theirs.number not in text and central.number not in text, name
        assert ours.number in visible_text(client.get("/desk/?queue=team"))
        assert ours.number in visible_text(client.get("/desk/?queue=overdue"))
    # Outside their team answers exactly as a number that does not exist.
    missing = client.get("/desk/complaints/OP-20261102-99999-9/")
    assert missing.status_code == 404
    for number in (theirs.number, central.number):
        refused = client.get(f"/desk/complaints/{number}/")
        assert refused.status_code == 404
        assert visible_text(refused).replace(number, "") == visible_text(missing).replace(
            "OP-20261102-99999-9", ""
        )
    assert client.get(f"/desk/complaints/{ours.number}/").status_code == 200


def test_outlet_staff_cannot_write_to_another_outlets_complaint(client, oscar):  # type: ignore[no-untyped-def]
    theirs = dispatch(submit_complaint(text=SCREEN, phone=phone(1)), "outlet-gz-02")
    response = signed_in(client, oscar).post(
        f"/desk/complaints/{theirs.number}/note/", {"note": "看一下"}, **htmx()
    )
    assert response.status_code == 404
    assert "未找到该投诉" in visible_text(response)
    assert not theirs.messages.filter(direction="note").exists()


def test_the_queue_fragment_answers_htmx_without_the_page_around_it(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).get("/desk/?queue=team", **htmx())
    body = response.content.decode()
    assert complaint.number in body and "<html" not in body
    assert 'id="tab-team" aria-current="page"' in body and 'id="tab-mine" aria-current' not in body


def test_the_queue_takes_the_same_number_of_queries_for_3_or_12_complaints(client, alice):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    counts = []
    for batch in (3, 9):
        for index in range(batch):
            complaint = submit_complaint(text=SCREEN, phone=phone(100 * batch + index))
            services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body="跟进")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/desk/?queue=mine")
        assert response.content.decode().count('class="queue-link"') == (3 if batch == 3 else 12)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the complaint page ---------------------------------------------------------------------------


def test_the_complaint_page_shows_customer_diagnosis_deadlines_and_timeline_in_words(client, alice, carol):  # type: ignore[no-untyped-def]
    first = submit_complaint(text=SCREEN, phone=carol.phone, at=at("2026-11-02 09:00"))
    complaint = submit_complaint(text=TWO_FAULTS, phone=carol.phone, at=at("2026-11-02 10:00"))
    services.complaint_reply(actor=staff_actor(alice), complaint=complaint, body="您好,我们已收到")
    with clock.travel_to(at("2026-11-02 10:20")):
        text = visible_text(signed_in(client, alice).get(f"/desk/complaints/{complaint.number}/"))
    assert "Carol" in text and carol.phone in text
    assert "充电与电池" in text and "屏幕显示" in text  # the category and its alternative
    assert "首次响应 已停止计时" in text and "受理 剩余 23 小时" in text  # replied; acceptance runs
    assert "2026-11-02 10:00" in text  # filed, in Asia/Shanghai, one format
    assert "通过服务 App提交投诉" in text and "回复了客户" in text and "您好,我们已收到" in text
    assert first.number in text  # the customer's other complaint
    assert not any(word in text for word in CODE_WORDS)


def test_an_english_reader_gets_the_page_in_english_by_lang_or_browser(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    client = signed_in(client, alice)
    text = visible_text(client.get(f"/desk/complaints/{complaint.number}/?lang=en"))
    assert "Screen and display" in text and "Accepted" in text and "Timeline" in text
    assert "屏幕显示" not in text
    # The choice sticks (language cookie) until changed.
    assert "Timeline" in visible_text(client.get(f"/desk/complaints/{complaint.number}/"))
    browser = client.__class__()
    browser.force_login(alice)
    text = visible_text(browser.get("/desk/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Queues" in text
    assert "队列" in visible_text(browser.get("/desk/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"))


def test_the_complaint_page_takes_the_same_number_of_queries_for_few_or_many_events(client, alice, tom):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    counts = []
    for more in (1, 8):
        for index in range(more):
            services.complaint_add_note(
                actor=staff_actor(tom if index % 2 else alice), complaint=complaint, body="跟进"
            )
            submit_complaint(text=SCREEN, phone=phone(1), imei=None)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/desk/complaints/{complaint.number}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_reply_from_the_page_reaches_the_timeline_and_the_fragment_comes_back(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/reply/", {"body": "已为您安排检测 🙂"}, **htmx()
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "已为您安排检测 🙂" in body and "回复已发送给客户" in body
    complaint.refresh_from_db()
    assert complaint.owner == alice and complaint.responded_at is not None


def test_a_plain_form_post_redirects_back_to_the_page(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/note/", {"note": "内部:客户很着急"}
    )
    assert response.status_code == 302 and response["Location"] == f"/desk/complaints/{complaint.number}/"
    text = visible_text(client.get(response["Location"]))
    assert "内部备注已添加" in text and "添加了内部备注" in text and "内部:客户很着急" in text


def test_an_empty_reply_is_refused_in_words_and_keeps_nothing(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/reply/", {"body": "　 "}, **htmx()
    )
    assert response.status_code == 422
    # The desk's own words, not the customer form's "describe the problem".
    assert "回复内容不能为空" in visible_text(response)
    assert "请用几句话描述问题" not in visible_text(response)
    english = client.post(
        f"/desk/complaints/{complaint.number}/reply/?lang=en",
        {"body": "\n\t"},
        **htmx(HTTP_ACCEPT_LANGUAGE="en"),
    )
    assert english.status_code == 422 and "The reply is empty" in visible_text(english)
    assert not complaint.messages.filter(direction="out").exists()


def test_only_the_allowed_moves_are_offered(client, alice, oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    body = signed_in(client, alice).get(f"/desk/complaints/{complaint.number}/").content.decode()
    assert 'value="start_processing"' in body and 'value="escalate"' in body and 'value="close"' in body
    assert 'value="resume"' not in body and 'value="reopen"' not in body and 'value="archive"' not in body
    ours = dispatch(submit_complaint(text=SCREEN, phone=phone(2)), "outlet-sh-01")
    body = signed_in(client, oscar).get(f"/desk/complaints/{ours.number}/").content.decode()
    assert 'value="start_processing"' in body
    assert 'value="escalate"' not in body and 'value="close"' not in body  # outlet staff may not
    assert 'id="category-select"' not in body and 'id="transfer-owner"' not in body


def test_a_move_that_needs_a_reason_is_refused_without_one_and_taken_with_one(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    client = signed_in(client, alice)
    url = f"/desk/complaints/{complaint.number}/transition/"
    refused = client.post(url, {"action": "wait_for_customer", "reason": ""}, **htmx())
    assert refused.status_code == 422 and "此字段为必填项" in visible_text(refused)
    complaint.refresh_from_db()
    assert complaint.state == "accepted"
    taken = client.post(url, {"action": "wait_for_customer", "reason": "等客户提供购机凭证"}, **htmx())
    assert taken.status_code == 200
    text = visible_text(taken)
    assert "待客户回复" in text and "等客户提供购机凭证" in text
    complaint.refresh_from_db()
    assert complaint.state == "waiting_customer"


def test_a_move_not_allowed_in_the_state_is_refused_in_words(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/transition/", {"action": "reopen", "reason": "x"}, **htmx()
    )
    assert response.status_code == 409
    text = visible_text(response)
    assert "无法执行“重新打开”" in text and "开始处理" in text
    assert "start_processing" not in text and "reopen" not in text


def test_one_click_corrects_the_category_to_an_alternative(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TWO_FAULTS, phone=phone(1))
    assert complaint.category == "battery_charging"
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/category/", {"category": "screen"}, **htmx()
    )
    assert response.status_code == 200
    assert "类别已改为屏幕显示" in visible_text(response)
    complaint.refresh_from_db()
    assert complaint.category == "screen"


def test_an_unknown_category_is_refused_naming_the_known_ones(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/category/", {"category": "toaster"}, **htmx()
    )
    assert response.status_code == 422 and "未知类别" in visible_text(response)


def test_the_owner_transfers_a_complaint_with_a_reason(client, alice, tom):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body="先看看")
    client = signed_in(client, alice)
    url = f"/desk/complaints/{complaint.number}/transfer/"
    refused = client.post(url, {"owner": str(tom.pk), "transfer_reason": ""}, **htmx())
    assert refused.status_code == 422
    done = client.post(url, {"owner": str(tom.pk), "transfer_reason": "需要技术判断"}, **htmx())
    assert done.status_code == 200 and "tom 现在负责该投诉" in visible_text(done)
    complaint.refresh_from_db()
    assert complaint.owner == tom


def test_a_transfer_to_nobody_known_is_refused(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{complaint.number}/transfer/", {"owner": "９９", "transfer_reason": "x"}, **htmx()
    )
    assert response.status_code == 422 and "不存在在职员工" in visible_text(response)


def test_an_unknown_complaint_number_is_a_404_in_words(client, alice):  # type: ignore[no-untyped-def]
    response = signed_in(client, alice).get("/desk/complaints/OP-20260101-99999-9/")
    assert response.status_code == 404 and "未找到该投诉" in visible_text(response)


def test_writes_need_a_signed_in_staff_member(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = client.post(f"/desk/complaints/{complaint.number}/reply/", {"body": "hi"})
    assert response.status_code == 302 and response["Location"].startswith("/desk/signin/")
    assert not complaint.messages.filter(direction="out").exists()


def test_writes_refuse_a_get(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    assert signed_in(client, alice).get(f"/desk/complaints/{complaint.number}/reply/").status_code == 405
