"""The complaint page's forms keep what the agent typed, the bulk move asks for a step, and the
timeline reads in the page's language.

Personas (conftest.py): alice (hotline agent, team "agents"). The walk-in customer 王女士 came
to the counter of outlet sz-futian-01, where olga (repairs factories) took her phone in.
"""

import re

import pytest

from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.models import Macro

pytestmark = pytest.mark.django_db
SCREEN = "屏幕触控失灵,打字点不到"


def htmx(**headers: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", **headers}


def reply_box(html: str) -> str:
    found = re.search(r'<textarea name="body" id="reply-body"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None, "no reply box on the page"
    return found.group(1)


def test_every_other_form_of_the_page_sends_the_reply_being_written_along(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN)
    client.force_login(alice)
    page = client.get(f"/desk/complaints/{complaint.number}/").content.decode()
    forms = re.findall(r"<form [^>]*hx-post=\"[^\"]*/(\w+)/\"[^>]*>", page)
    steps = re.findall(
        r"<form [^>]*hx-post=\"[^\"]*/(?:transition|note|category|duplicate|dispatch|transfer)/\"[^>]*>", page
    )
    assert forms and steps
    assert all('hx-include="#reply-body"' in form for form in steps)


def test_a_reply_filled_from_a_template_survives_a_refused_duplicate_link(client, alice):  # type: ignore[no-untyped-def]
    Macro.objects.create(name="受理", body="您好,您的投诉 {complaint_number} 已受理。")
    complaint = submit_complaint(text=SCREEN)
    client.force_login(alice)
    draft = f"您好,您的投诉 {complaint.number} 已受理。我们明天上午回电 😊"
    refused = client.post(
        f"/desk/complaints/{complaint.number}/duplicate/",
        {"original": "AS-00000000-00000-0", "duplicate_reason": "同一台手机", "body": draft},
        **htmx(HTTP_ACCEPT_LANGUAGE="zh-hans"),
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert reply_box(html) == draft
    assert 'value="同一台手机"' in html  # the failed form keeps its own words too

    # Without script the page comes back (not a redirect) with the typed words in place.
    plain = client.post(f"/desk/complaints/{complaint.number}/reply/", {"body": "  "})
    assert plain.status_code == 422 and "回复内容不能为空" in plain.content.decode()


def test_a_note_added_meanwhile_leaves_the_reply_being_written_in_its_box(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN)
    client.force_login(alice)
    done = client.post(
        f"/desk/complaints/{complaint.number}/note/",
        {"note": "客户下午方便接电话", "body": "您好,请问下午方便通话吗?"},
        **htmx(),
    )
    assert done.status_code == 200
    html = done.content.decode()
    assert reply_box(html) == "您好,请问下午方便通话吗?"
    assert "客户下午方便接电话" in html  # the note is on the timeline, its box empty again
    assert re.search(r'<textarea name="note" id="note-body"[^>]*></textarea>', html)


def test_the_bulk_move_starts_on_an_empty_choice_and_refuses_none(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=SCREEN)
    complaint.owner = alice
    complaint.save(update_fields=["owner"])
    client.force_login(alice)
    page = client.get("/desk/?queue=mine", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    select = re.search(
        r'<select name="action" id="bulk-action"([^>]*)>\s*<option value="([^"]*)"[^>]*>([^<]*)<', page
    )
    assert select is not None
    assert "required" in select.group(1) and select.group(2) == "" and "选择" in select.group(3)
    refused = client.post(
        "/desk/bulk/",
        {"complaint": f"{complaint.number}@{complaint.event_count}", "action": "", "reason": "统一处理"},
        **htmx(HTTP_ACCEPT_LANGUAGE="zh-hans"),
    )
    assert refused.status_code == 422 and "请选择要对勾选的投诉执行的操作" in refused.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == "accepted"


def test_a_walk_in_reads_in_chinese_and_names_the_model_on_the_chinese_page(client):  # type: ignore[no-untyped-def]
    from aftersales.repairs.tests.factories import make_bench
    from aftersales.repairs.tests.test_lightning import readout
    from aftersales.repairs.tests.test_walk_in_readout import note_walk_in

    bench = make_bench(stock=2)
    answer = note_walk_in(client, bench, readout(battery=76), "后摄无法对焦")
    assert answer.status_code == 201, answer.content
    client.force_login(bench.olga)
    html = client.get(
        f"/desk/complaints/{answer.json()['complaint']}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style).*?</\1>", " ", html, flags=re.S))
    )
    assert "walk-in at the counter" not in text and "客户到店" in text
    assert re.search(r'<dd id="walk-in-model">Reno10</dd>', html)
    assert " reno10 " not in text
    # The owner stayed; the complaint moved to the outlet's team: said so, not "from olga to olga".
    assert "olga 转交给 olga" not in text and "将其转至网点" in text
