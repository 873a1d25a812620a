"""The workspace's newer pages through the test client: saved filters, bulk moves, reply templates,
presence, the solution library and duplicate links, each in words and within a fixed number of queries.

Personas (conftest.py): alice (hotline agent, team "agents"), erin (HQ expert, may share filters),
oscar (outlet technician), carol (a customer). Here also bob (张三), a second hotline agent.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.models import Macro, SavedFilter
from aftersales.desk.services import complaint_presence_mark
from aftersales.desk.tests.test_pages import CODE_WORDS, htmx, signed_in, visible_text

pytestmark = pytest.mark.django_db
SCREEN = "屏幕触控失灵,打字点不到"
BATTERY = "充电很慢,一晚上才充到80%"


def phone(index: int) -> str:
    return f"+861370016{index:04d}"


@pytest.fixture
def bob(db):  # type: ignore[no-untyped-def]
    return StaffFactory(username="bob", first_name="张三", last_name="", role=Role.AGENT, team="agents")


def ticked(*complaints: Complaint) -> list[str]:
    return [f"{c.number}@{Complaint.objects.get(pk=c.pk).event_count}" for c in complaints]


# --- saved filters -------------------------------------------------------------------------------


def test_the_queue_is_narrowed_by_the_filter_in_the_address(client, alice):  # type: ignore[no-untyped-def]
    screen = submit_complaint(text=SCREEN, phone=phone(1))
    battery = submit_complaint(text=BATTERY, phone=phone(2))
    page = signed_in(client, alice).get("/desk/?queue=team&category=screen")
    body = page.content.decode()
    assert screen.number in body and battery.number not in body
    assert '<option value="screen" selected>' in body


def test_an_agent_saves_the_current_filter_and_finds_it_in_the_sidebar(client, alice):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    response = client.post(
        "/desk/filters/",
        {"name": "紧急屏幕", "queue": "team", "category": "screen", "priority": "1"},
        **htmx(),
    )
    assert response.status_code == 200
    text = visible_text(response)
    assert "筛选“紧急屏幕”已保存" in text and "紧急屏幕" in text
    assert 'href="?queue=team&amp;category=screen&amp;priority=1"' in response.content.decode()
    assert SavedFilter.objects.get().query == {"queue": "team", "category": "screen", "priority": "1"}


def test_saving_a_filter_with_a_made_up_value_says_what_is_allowed(client, alice):  # type: ignore[no-untyped-def]
    response = signed_in(client, alice).post(
        "/desk/filters/", {"name": "坏的", "queue": "team", "channel": "telegraph"}, **htmx()
    )
    assert response.status_code == 422
    text = visible_text(response)
    assert "取值无效" in text and not SavedFilter.objects.exists()
    assert not any(word in text for word in CODE_WORDS)


def test_only_a_manager_is_offered_sharing_and_the_team_sees_the_shared_filter(client, alice, erin):  # type: ignore[no-untyped-def]
    assert 'id="filter-shared"' not in signed_in(client, alice).get("/desk/").content.decode()
    client.logout()
    client = signed_in(client, erin)
    assert 'id="filter-shared"' in client.get("/desk/").content.decode()
    client.post("/desk/filters/", {"name": "专家组超时", "queue": "overdue", "shared": "on"})
    colleague = StaffFactory(username="ivy", role=Role.EXPERT, team=erin.team)
    client.logout()
    text = visible_text(signed_in(client, colleague).get("/desk/"))
    assert "专家组超时" in text and "团队:" in text


def test_deleting_a_filter_without_script_comes_back_to_the_same_queue(client, alice):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    client.post("/desk/filters/", {"name": "我的", "queue": "mine"})
    saved = SavedFilter.objects.get()
    response = client.post(f"/desk/filters/{saved.pk}/delete/", {"queue": "team"})
    assert response.status_code == 302 and response["Location"] == "/desk/?queue=team"
    assert not SavedFilter.objects.exists()


# --- bulk moves ---------------------------------------------------------------------------------


def test_a_bulk_move_reports_each_refused_complaint_in_words(client, alice, adam):  # type: ignore[no-untyped-def]
    open_one = submit_complaint(text=SCREEN, phone=phone(1))
    resolved = submit_complaint(text=SCREEN, phone=phone(2))
    services.complaint_transition(
        actor=staff_actor(adam), complaint=resolved, action="resolve", reason="已换屏"
    )
    response = signed_in(client, alice).post(
        "/desk/bulk/",
        {
            "complaint": ticked(open_one, resolved),
            "action": "start_processing",
            "reason": "批量开始处理",
            "queue": "team",
        },
        **htmx(),
    )
    assert response.status_code == 200
    text = visible_text(response)
    assert f"开始处理:已处理 1 条投诉({open_one.number})" in text
    assert f"{resolved.number} 未处理:无法执行“开始处理”" in text and "已解决" in text
    assert not any(word in text for word in CODE_WORDS)
    assert Complaint.objects.get(pk=open_one.pk).state == "processing"


def test_a_bulk_move_without_a_reason_moves_nothing_and_says_so(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        "/desk/bulk/", {"complaint": ticked(complaint), "action": "start_processing", "reason": ""}, **htmx()
    )
    assert response.status_code == 422 and "此字段为必填项" in visible_text(response)
    assert Complaint.objects.get(pk=complaint.pk).state == "accepted"


def test_the_queue_offers_ticks_and_the_moves_the_role_may_take(client, alice, oscar):  # type: ignore[no-untyped-def]
    submit_complaint(text=SCREEN, phone=phone(1))
    body = signed_in(client, alice).get("/desk/?queue=team").content.decode()
    assert (
        'name="complaint"' in body
        and '<option value="escalate">' in body
        and '<option value="assign">' in body
    )
    client.logout()
    body = signed_in(client, oscar).get("/desk/?queue=team").content.decode()
    assert '<option value="escalate">' not in body  # outlet staff do not escalate


# --- reply templates ----------------------------------------------------------------------------


def test_a_template_is_filled_on_the_server_and_lands_in_the_reply_box(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1), name="陈女士")
    macro = Macro.objects.create(name="受理", body="{customer_name}您好,您的投诉 {complaint_number} 已受理。")
    client = signed_in(client, alice)
    page = client.get(f"/desk/complaints/{complaint.number}/").content.decode()
    assert f'<option value="{macro.pk}">受理 · 简体中文' in page
    fragment = client.get(f"/desk/complaints/{complaint.number}/macro/?macro={macro.pk}", **htmx())
    assert fragment.status_code == 200
    assert f"陈女士您好,您的投诉 {complaint.number} 已受理。</textarea>" in fragment.content.decode()
    # Without script the chooser reloads the page with the reply box filled.
    page = client.get(f"/desk/complaints/{complaint.number}/?macro={macro.pk}").content.decode()
    assert f"陈女士您好,您的投诉 {complaint.number} 已受理。</textarea>" in page


def test_a_template_with_an_unknown_placeholder_is_refused_in_the_page_language(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    macro = Macro.objects.create(name="坏", body="{name}您好")
    client = signed_in(client, alice)
    chinese = client.get(f"/desk/complaints/{complaint.number}/macro/?macro={macro.pk}&body=草稿", **htmx())
    assert chinese.status_code == 422
    assert (
        "回复模板中的占位符 {name} 无法识别" in visible_text(chinese)
        and "草稿</textarea>" in chinese.content.decode()
    )
    english = client.get(f"/desk/complaints/{complaint.number}/macro/?macro={macro.pk}&lang=en", **htmx())
    assert "The reply template names an unknown placeholder {name}" in visible_text(english)


def test_the_admin_refuses_a_template_with_an_unknown_placeholder(client, adam):  # type: ignore[no-untyped-def]
    adam.is_staff = True
    adam.is_superuser = True
    adam.save()
    client.force_login(adam)
    response = client.post(
        "/admin/desk/macro/add/",
        {"name": "问候", "language": "zh-hans", "body": "{客户}您好", "is_active": "on"},
    )
    assert response.status_code == 200 and "回复模板中的占位符 {客户} 无法识别" in response.content.decode()
    assert not Macro.objects.exists()
    response = client.post(
        "/admin/desk/macro/add/",
        {"name": "问候", "language": "zh-hans", "body": "{customer_name}您好", "is_active": "on"},
    )
    assert response.status_code == 302 and Macro.objects.get().body == "{customer_name}您好"


def test_a_reply_goes_out_on_the_channel_the_customer_used(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1), channel="email", email="kh@example.com")
    client = signed_in(client, alice)
    assert "经邮件发送" in visible_text(client.get(f"/desk/complaints/{complaint.number}/")).replace(" ", "")
    client.post(f"/desk/complaints/{complaint.number}/reply/", {"body": "您好,已收到"})
    assert complaint.messages.get(direction="out").channel == "email"


# --- presence -----------------------------------------------------------------------------------


def test_a_colleague_with_the_same_complaint_open_is_named_on_the_page(client, alice, bob):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    complaint_presence_mark(actor=staff_actor(bob), complaint=complaint, replying=True, now=clock.now())
    client = signed_in(client, alice)
    assert "张三 也在回复这条投诉" in visible_text(client.get(f"/desk/complaints/{complaint.number}/"))
    fragment = client.post(f"/desk/complaints/{complaint.number}/presence/", {"replying": "0"}, **htmx())
    assert fragment.status_code == 200 and "张三 也在回复这条投诉" in visible_text(fragment)
    # bob sees alice (no full name: her username) as viewing, and then she leaves.
    client.logout()
    bob_client = signed_in(client, bob)
    assert "alice 也在查看这条投诉" in visible_text(
        bob_client.post(f"/desk/complaints/{complaint.number}/presence/", {"replying": "1"})
    )


def test_presence_is_refused_for_a_complaint_one_may_not_see(client, oscar):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, oscar).post(
        f"/desk/complaints/{complaint.number}/presence/", {"replying": "0"}
    )
    assert response.status_code in (403, 404)


# --- solution library, duplicates -------------------------------------------------------------------


def test_the_solution_library_for_the_category_is_beside_the_complaint(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN, phone=phone(1))
    text = visible_text(signed_in(client, alice).get(f"/desk/complaints/{complaint.number}/"))
    assert "解决方案库:屏幕显示" in text and "触控失灵" in text


def test_marking_a_duplicate_from_the_page_links_both_sides(client, alice, carol):  # type: ignore[no-untyped-def]
    original = submit_complaint(text=SCREEN, phone=carol.phone)
    repeat = submit_complaint(text=SCREEN, phone=carol.phone, channel="hotline")
    client = signed_in(client, alice)
    response = client.post(
        f"/desk/complaints/{repeat.number}/duplicate/",
        {"original": f" {original.number} ", "duplicate_reason": "客户重复来电"},
        **htmx(),
    )
    text = visible_text(response)
    assert f"已标记为 {original.number} 的重复投诉" in text and f"重复于 {original.number}" in text
    assert "客户重复来电" in text and "未解决关闭" in text
    text = visible_text(client.get(f"/desk/complaints/{original.number}/"))
    assert f"被以下投诉重复 {repeat.number}" in text and f"将 {repeat.number} 标记为本投诉的重复" in text


def test_an_unknown_original_keeps_what_was_typed(client, alice):  # type: ignore[no-untyped-def]
    repeat = submit_complaint(text=SCREEN, phone=phone(1))
    response = signed_in(client, alice).post(
        f"/desk/complaints/{repeat.number}/duplicate/",
        {"original": "OP-1", "duplicate_reason": "重复"},
        **htmx(),
    )
    assert response.status_code == 422
    assert "未找到您可查看的编号为 OP-1 的投诉" in visible_text(response)
    assert 'value="重复"' in response.content.decode()


# --- keys ------------------------------------------------------------------------------------------


def test_every_page_lists_its_keys_in_an_accessible_dialog(client, alice):  # type: ignore[no-untyped-def]
    body = signed_in(client, alice).get("/desk/").content.decode()
    assert '<dialog id="keys-help" aria-labelledby="keys-help-heading">' in body
    assert 'aria-controls="keys-help"' in body and "键盘快捷键" in body


# --- query counts -----------------------------------------------------------------------------------


def test_the_filtered_queue_takes_the_same_number_of_queries_for_3_or_12_complaints(client, alice):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    for name in ("一", "二", "三"):
        client.post("/desk/filters/", {"name": name, "queue": "mine"})
    counts = []
    for batch in (3, 9):
        for index in range(batch):
            complaint = submit_complaint(text=SCREEN, phone=phone(100 * batch + index))
            services.complaint_add_note(actor=staff_actor(alice), complaint=complaint, body="跟进")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/desk/?queue=mine&category=screen")
        assert response.content.decode().count('class="queue-link"') == (3 if batch == 3 else 12)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_complaint_page_with_templates_colleagues_and_duplicates_takes_a_fixed_number_of_queries(
    client, alice, bob, carol
):  # type: ignore[no-untyped-def]
    client = signed_in(client, alice)
    complaint = submit_complaint(text=SCREEN, phone=carol.phone)
    counts = []
    for more in (1, 6):
        for index in range(more):
            Macro.objects.create(name=f"模板{more}-{index}", body="{customer_name}您好")
            colleague = StaffFactory(role=Role.AGENT, team="agents")
            complaint_presence_mark(
                actor=staff_actor(colleague), complaint=complaint, replying=False, now=clock.now()
            )
            repeat = submit_complaint(text=SCREEN, phone=carol.phone, channel="hotline")
            services.complaint_mark_duplicate(
                actor=staff_actor(alice), complaint=repeat, original=complaint, reason="重复"
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/desk/complaints/{complaint.number}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
