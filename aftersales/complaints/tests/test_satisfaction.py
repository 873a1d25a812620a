"""The customer's rating and replies on the tracking page: who may, when, and what they are told.

- carol: files a complaint about a screen that stops responding to touch, follows it through
  its tracking link, writes to the service team and rates it once it is resolved
- dave: another customer, signed in on his own phone; must neither rate nor write on carol's
- alice: the agent who resolves carol's complaint; staff do not rate on a customer's behalf
"""

import json
import re
import threading

import pytest
from django.db import connection

from aftersales.accounts.actors import customer_actor, staff_actor, tracking_actor
from aftersales.accounts.selectors import CUSTOMER_SESSION_KEY
from aftersales.accounts.services import customer_session_open
from aftersales.common import clock
from aftersales.common.errors import Conflict, DomainError, Forbidden, TransitionNotAllowed, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db

TOUCH = "屏幕触控失灵,打字点不到 😡"


def resolved(alice) -> Complaint:  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="换了屏"
    )
    complaint.refresh_from_db()
    return complaint


def carols(complaint: Complaint):  # type: ignore[no-untyped-def]
    return tracking_actor(customer_id=complaint.customer_id, complaint_id=complaint.pk)


def page_url(complaint: Complaint, lang: str = "") -> str:
    url = f"/track/{complaint.number}/?token={services.tracking_token(complaint)}"
    return url + (f"&lang={lang}" if lang else "")


def rate_on_page(client, complaint, score, comment="", lang=""):  # type: ignore[no-untyped-def]
    return client.post(
        page_url(complaint, lang),
        {"action": "rate", "score": score, "comment": comment, "token": services.tracking_token(complaint)},
    )


# --- the service ---------------------------------------------------------------------------


def test_the_customer_rates_a_resolved_complaint_once_with_a_comment_on_the_timeline(alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    services.complaint_record_satisfaction(
        actor=carols(complaint), complaint=complaint, score=4, comment="  换屏很快,就是排队久了点 👍  "
    )
    complaint.refresh_from_db()
    assert complaint.satisfaction_score == 4
    assert "satisfaction_due_at" not in (complaint.breaches or [])
    event = complaint.events.get(kind=TimelineEvent.Kind.SATISFACTION)
    assert event.actor == f"customer:{complaint.customer_id}" and event.payload["score"] == 4
    # The comment is the customer's message, referenced by id and hash, not copied.
    assert (
        event.message.body == "换屏很快,就是排队久了点 👍" and event.message.direction == Message.Direction.IN
    )
    assert "换屏" not in json.dumps(event.payload, ensure_ascii=False)


def test_a_second_rating_is_refused_in_both_languages(alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=5)
    with pytest.raises(Conflict) as refused:
        services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=1)
    assert refused.value.code == "satisfaction_already_recorded"
    zh = message_text(refused.value.code, "zh-hans", **refused.value.params)
    en = message_text(refused.value.code, "en", **refused.value.params)
    assert zh == f"工单 {complaint.number} 已评价(5 分,满分 5 分),每次解决只能评价一次。"
    assert en == f"Complaint {complaint.number} was already rated (5 of 5); a rating is given once."
    complaint.refresh_from_db()
    assert complaint.satisfaction_score == 5
    assert complaint.events.filter(kind=TimelineEvent.Kind.SATISFACTION).count() == 1


def test_a_complaint_still_being_handled_cannot_be_rated(alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=5)
    assert message_text(refused.value.code, "zh-hans", **refused.value.params) == (
        f"工单 {complaint.number} 解决后才能评价,当前状态为已受理。"
    )
    assert "accepted" in message_text(refused.value.code, "en", **refused.value.params)
    complaint.refresh_from_db()
    assert complaint.satisfaction_score is None


def test_only_the_complaint_s_own_customer_rates(alice, dave):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    other = submit_complaint(text="电池鼓包", phone=dave.phone)
    strangers = [
        customer_actor(dave.pk),  # another customer
        tracking_actor(customer_id=other.customer_id, complaint_id=other.pk),  # another complaint's link
        tracking_actor(
            customer_id=complaint.customer_id, complaint_id=other.pk
        ),  # a link for another complaint
        staff_actor(alice),  # staff do not rate for the customer
    ]
    for stranger in strangers:
        with pytest.raises(Forbidden) as refused:
            services.complaint_record_satisfaction(actor=stranger, complaint=complaint, score=5)
        assert message_text(refused.value.code, "zh-hans", **refused.value.params) in (
            "您无权评价此投诉。",
            "您无权处理此投诉。",
        )
    complaint.refresh_from_db()
    assert complaint.satisfaction_score is None


@pytest.mark.parametrize("score", [0, 6, -1, 10, True])
def test_a_score_outside_one_to_five_names_the_field(alice, score):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    with pytest.raises(ValidationFailed) as refused:
        services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=score)
    issue = refused.value.fields["score"]
    assert message_text(issue.code, "zh-hans") == "请选择 1(很差)到 5(很好)之间的评分。"
    assert message_text(issue.code, "en") == "Choose a score from 1 (poor) to 5 (excellent)."


def test_a_comment_too_long_is_refused_with_its_length(alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    with pytest.raises(ValidationFailed) as refused:
        services.complaint_record_satisfaction(
            actor=carols(complaint), complaint=complaint, score=3, comment="慢" * 501
        )
    issue = refused.value.fields["comment"]
    assert message_text(issue.code, "zh-hans", **issue.params) == "内容过长:最多 500 个字符,实际 501 个。"


def test_a_reopened_and_resolved_again_complaint_can_be_rated_again(alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=2)
    services.complaint_follow_up(
        actor=carols(complaint), complaint=complaint, body="又点不动了", channel="web"
    )
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="再换屏"
    )
    complaint.refresh_from_db()
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=5)
    scores = [e.payload["score"] for e in complaint.events.filter(kind="satisfaction").order_by("seq")]
    assert scores == [2, 5]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_ratings_at_once_count_once(alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def rate(score: int) -> None:
        barrier.wait()
        try:
            services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=score)
            outcomes.append("rated")
        except DomainError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(score,)) for score in (1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["rated", "satisfaction_already_recorded"]
    assert complaint.events.filter(kind="satisfaction").count() == 1


# --- the tracking page ---------------------------------------------------------------------


def test_the_page_rates_once_and_then_says_so_in_chinese(client, alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    page = client.get(page_url(complaint)).content.decode()
    assert 'id="rating"' in page and 'name="score"' in page and "请为本次服务评分" in page
    # A full-width digit, as a Chinese keyboard may send it.
    answer = rate_on_page(client, complaint, "４", comment="师傅很耐心")
    assert answer.status_code == 302 and "done=rated" in answer.url
    shown = client.get(answer.url).content.decode()
    assert "感谢您的评价" in shown and "您给本次服务打了 4 分" in shown and "师傅很耐心" in shown
    assert 'name="score"' not in shown
    again = rate_on_page(client, complaint, "1")
    assert again.status_code == 409
    assert f"工单 {complaint.number} 已评价(4 分,满分 5 分)" in again.content.decode()


def test_the_page_explains_a_bad_score_in_english_when_asked(client, alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    answer = rate_on_page(client, complaint, "6", lang="en")
    assert answer.status_code == 422
    body = answer.content.decode()
    assert "Choose a score from 1 (poor) to 5 (excellent)." in body and '<html lang="en">' in body
    missing = rate_on_page(client, complaint, "")
    assert missing.status_code == 422
    complaint.refresh_from_db()
    assert complaint.satisfaction_score is None


def test_the_page_offers_no_rating_before_resolution_and_refuses_a_forged_one(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    assert 'name="score"' not in client.get(page_url(complaint)).content.decode()
    forged = rate_on_page(client, complaint, "5")
    assert forged.status_code == 409 and "解决后才能评价" in forged.content.decode()


def test_the_customer_writes_from_the_page_and_sees_it_on_the_timeline(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    token = services.tracking_token(complaint)
    answer = client.post(
        page_url(complaint), {"action": "reply", "body": "补充:摔过一次 <b>屏幕</b>", "token": token}
    )
    assert answer.status_code == 302 and "done=sent" in answer.url
    page = client.get(answer.url).content.decode()
    assert "您的留言已发送给客服团队" in page
    assert "补充:摔过一次 &lt;b&gt;屏幕&lt;/b&gt;" in page  # escaped, never markup
    message = complaint.messages.get(direction=Message.Direction.IN, body__startswith="补充")
    assert message.channel == "web"


def test_an_empty_reply_is_refused_by_name(client):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    answer = client.post(page_url(complaint, "en"), {"action": "reply", "body": "   "})
    assert answer.status_code == 422
    assert 'id="body-error"' in answer.content.decode()
    assert complaint.messages.filter(direction=Message.Direction.IN).count() == 1


def test_a_reply_on_a_resolved_complaint_reopens_it(client, alice):  # type: ignore[no-untyped-def]
    complaint = resolved(alice)
    page = client.get(page_url(complaint)).content.decode()
    assert "问题没有解决?重新打开".replace("?", "？") in page and "前重新打开" in page
    answer = client.post(page_url(complaint), {"action": "reply", "body": "还是点不动"})
    assert answer.status_code == 302 and "done=reopened" in answer.url
    complaint.refresh_from_db()
    assert complaint.state == "reopened"


def test_nobody_writes_without_the_link_or_on_someone_else_s_complaint(client, dave):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    wrong = client.post(
        f"/track/{complaint.number}/?token=not-the-token", {"action": "reply", "body": "我是别人"}
    )
    assert wrong.status_code == 404
    # Dave signed in on his own phone: carol's complaint does not exist for him.
    session = client.session
    session[CUSTOMER_SESSION_KEY] = customer_session_open(customer=dave, at=clock.now())
    session.save()
    signed_in = client.post(f"/track/{complaint.number}/", {"action": "reply", "body": "我是别人"})
    assert signed_in.status_code == 404
    rating = client.post(f"/track/{complaint.number}/", {"action": "rate", "score": "1"})
    assert rating.status_code == 404
    assert not complaint.messages.filter(body="我是别人").exists()


def test_the_page_shows_stages_and_deadlines_in_words_never_codes(client, alice):  # type: ignore[no-untyped-def]
    complaint = submit_complaint(text=TOUCH)
    services.complaint_transition(
        actor=staff_actor(alice),
        complaint=complaint,
        action="wait_for_customer",
        reason="内部:等客户寄回发票",
    )
    page = client.get(page_url(complaint)).content.decode()
    main = page.split('id="main"', 1)[1]
    assert "等待您的回复" in main and "进度更新:等待您的回复".replace(":", "：") in main
    for code in ("waiting_customer", "accepted", "alice", "agents", "内部:等客户寄回发票", "first response"):
        assert code not in main, code
    english = client.get(page_url(complaint, "en")).content.decode()
    assert "Waiting for your reply" in english and "Stage: Waiting for your reply" in english
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", english)


def test_staff_read_the_rating_in_words_on_the_desk(alice):  # type: ignore[no-untyped-def]
    from django.utils import translation

    from aftersales.desk.words import event_words

    complaint = resolved(alice)
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=3)
    event = complaint.events.get(kind=TimelineEvent.Kind.SATISFACTION)
    with translation.override("zh-hans"):
        assert event_words(event, {})[0] == "客户对本次服务评分 3 分(满分 5 分)"
    with translation.override("en"):
        assert event_words(event, {})[0] == "The customer rated the service 3 of 5"


# --- the outlet that served the complaint ----------------------------------------------------


def test_a_dispatched_complaints_score_counts_for_the_outlet_it_was_last_sent_to(alice):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import SYSTEM
    from aftersales.network.models import Outlet, OutletRating
    from aftersales.network.services import complaint_dispatch
    from aftersales.network.tests.factories import make_outlets, outlet_row

    outlets = make_outlets(
        outlet_row("sz-a", lat="22.5490", lon="114.0500"), outlet_row("sz-b", lat="22.5850", lon="114.0500")
    )
    complaint = submit_complaint(text=TOUCH)
    complaint_dispatch(complaint=complaint, actor=SYSTEM, outlet=outlets["sz-a"])
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="换了屏"
    )
    complaint.refresh_from_db()
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=2)
    served = Outlet.objects.get(code="sz-a")
    assert (served.rating_count, served.rating_sum) == (1, 2)
    assert OutletRating.objects.get(outlet=served).source == f"complaint:{complaint.number}"

    # Reopened, sent on to another outlet, resolved and rated again: the later outlet is the one rated.
    services.complaint_follow_up(
        actor=carols(complaint), complaint=complaint, body="又点不动了", channel="web"
    )
    complaint_dispatch(complaint=complaint, actor=SYSTEM, outlet=outlets["sz-b"], reason="第一家没修好")
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="再换屏"
    )
    complaint.refresh_from_db()
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=5)
    assert [(o.code, o.rating_count, o.rating_sum) for o in Outlet.objects.order_by("code")] == [
        ("sz-a", 1, 2),
        ("sz-b", 1, 5),
    ]


def test_a_complaint_never_dispatched_rates_no_outlet(alice):  # type: ignore[no-untyped-def]
    from aftersales.network.models import OutletRating

    complaint = resolved(alice)
    services.complaint_record_satisfaction(actor=carols(complaint), complaint=complaint, score=4)
    assert not OutletRating.objects.exists()
