"""The tracking page speaks the customer's language and says who did what, as the customer sees it.

- carol: files complaints through the app and follows them on the tracking page (Chinese)
- alice: the agent who resolves carol's complaint
- olga: technician at outlet sz-futian-01's counter, where a walk-in's device is read out
"""

import html
import re

import pytest

from aftersales.accounts.actors import ANONYMOUS, SYSTEM, staff_actor
from aftersales.common import clock
from aftersales.complaints import events, services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.network.services import complaint_dispatch
from aftersales.network.tests.factories import make_outlet

pytestmark = pytest.mark.django_db


def page_url(complaint: Complaint, lang: str = "") -> str:
    url = f"/track/{complaint.number}/?token={services.tracking_token(complaint)}"
    return url + (f"&lang={lang}" if lang else "")


def page_text(client, complaint: Complaint, lang: str = "") -> str:  # type: ignore[no-untyped-def]
    response = client.get(page_url(complaint, lang))
    assert response.status_code == 200
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def timeline(client, complaint: Complaint, lang: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    raw = client.get(page_url(complaint, lang)).content.decode()
    block = raw.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in block.split("<li>")[1:]
    ]


def test_a_reopened_complaint_says_so_in_chinese_without_the_recorded_reason(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="屏幕触控失灵,打字点不到 😡")
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="换屏"
    )
    reply = client.post(
        page_url(complaint),
        {"action": "reply", "body": "还是不行，触控依旧失灵", "token": services.tracking_token(complaint)},
    )
    assert reply.status_code == 302
    steps = timeline(client, complaint)
    reopened = next(step for step in steps if "已重新打开" in step)
    assert "customer wrote again" not in " ".join(steps) and "wrote again" not in reopened
    assert "还是不行，触控依旧失灵" in " ".join(steps)


def test_the_outlets_opening_hours_are_in_the_page_language(client):  # type: ignore[no-untyped-def]
    outlet = make_outlet(hours="Mo-Fr 09:00-12:00,13:30-18:30; Sa-Su 10:00-18:00")
    complaint = submit_complaint()
    complaint_dispatch(complaint=complaint, actor=SYSTEM, outlet=outlet)
    chinese = page_text(client, complaint)
    assert "周一-周五 09:00-12:00,13:30-18:30" in chinese and "周六-周日 10:00-18:00" in chinese
    assert "Mo-Fr" not in chinese and "Sa-Su" not in chinese
    english = page_text(client, complaint, lang="en")
    assert "Mon-Fri 09:00-12:00,13:30-18:30" in english


def test_the_customers_own_files_are_listed_as_theirs_with_their_number(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="屏幕碎了，附上照片 📷")
    files = [
        {"id": n, "kind": "image", "content_type": "image/jpeg", "size": 1000, "sha256": "0" * 64}
        for n in (1, 2)
    ]
    events.attachment_event(complaint_id=complaint.pk, actor=ANONYMOUS, at=clock.now(), attachments=files)
    step = next(step for step in timeline(client, complaint) if "附件" in step)
    assert "· 您 已添加附件（2 个文件）" in step and "系统" not in step
    english = next(step for step in timeline(client, complaint, lang="en") if "file" in step)
    assert "· You A file was added (2 files)" in english


def test_the_safety_advice_stands_while_open_and_goes_once_resolved(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text="手机充电时电池鼓包，还冒烟了！！")
    assert "客服将尽快与您联系" in page_text(client, complaint)
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="已换电池"
    )
    assert "客服将尽快与您联系" not in page_text(client, complaint)


def test_a_walk_in_read_out_is_shown_in_the_page_language_as_the_counters_reading(client, db):  # type: ignore[no-untyped-def]
    from aftersales.repairs.tests.factories import make_bench
    from aftersales.repairs.tests.test_lightning import readout, walk_in

    bench = make_bench(stock=2)
    read = readout(battery=76, failed={"touch": {"passed": False, "count": 4}})
    body = walk_in(client, bench, read).json()
    complaint = Complaint.objects.get(number=body["complaint"])
    chinese = " ".join(timeline(client, complaint))
    assert "您的设备已在门店柜台完成检测" in chinese
    assert "电池健康度 76%" in chinese and "触控测试" in chinese
    assert "Walk-in read-out" not in chinese and "battery" not in chinese and "failed" not in chinese
    assert "您的留言 · 客服团队" not in chinese and "客服团队 您的留言" not in chinese
    english = " ".join(timeline(client, complaint, lang="en"))
    assert "battery health 76%" in english and "touch test" in english and "电池" not in english


def test_a_walk_in_filed_before_the_read_out_followed_the_language_is_shown_in_words(client, db):  # type: ignore[no-untyped-def]
    from aftersales.complaints.models import Message
    from aftersales.repairs.tests.factories import make_bench
    from aftersales.repairs.tests.test_lightning import readout, walk_in

    bench = make_bench(stock=2)
    body = walk_in(client, bench, readout(battery=76, failed={"touch": {"passed": False, "count": 4}})).json()
    complaint = Complaint.objects.get(number=body["complaint"])
    Message.objects.filter(complaint=complaint, direction="in").update(
        body="到店检测 Walk-in read-out: Reno10, ColorOS 14.0.1, battery 76%, failed: touch"
    )
    chinese = " ".join(timeline(client, complaint))
    assert "Walk-in read-out" not in chinese and "电池健康度 76%" in chinese
