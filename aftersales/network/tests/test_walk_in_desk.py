"""The walk-in desk through the API: the outlet's staff issue tickets, take the next customer
and mark them served; counts and waits change at once; two desks racing for the last
ticket get it once.

Personas: oscar works at sh-01 (team outlet-sh-01); wendy is a second desk there; alice is a
hotline agent; nina works at another outlet, sz-01; adam is an administrator.
"""

import json
import threading

import pytest
from django.db import connections

from aftersales.accounts.actors import ANONYMOUS, staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.services import api_token_create
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common.errors import Conflict
from aftersales.network.models import OutletQueue
from aftersales.network.services import outlet_queue_join, outlet_queue_serve
from aftersales.network.tests.factories import make_outlets, outlet_row
from aftersales.network.tests.test_queue import database_threads_can_share, in_threads

SHANGHAI = {
    "province": "上海市",
    "province_adcode": "310000",
    "city": "上海市",
    "city_adcode": "310100",
    "district": "黄浦区",
    "district_adcode": "310101",
    "lat": "31.2304",
    "lon": "121.4737",
    "address": "上海市黄浦区南京东路 300 号",
    # 12 hours a day for 48 customers: 15 minutes each.
    "hours": "Mo-Su 09:00-21:00",
    "capacity_per_day": "48",
}


@pytest.fixture
def outlets(db):  # type: ignore[no-untyped-def]
    return make_outlets(outlet_row("sh-01", **SHANGHAI), outlet_row("sz-01"))


def bearer(user):  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_the_desk_issues_takes_and_serves_with_live_counts_and_waits(client, outlets, oscar):  # type: ignore[no-untyped-def]
    base = "/api/v1/outlets/sh-01/queue"
    for lane in ("normal", "normal", "urgent"):
        issued = post(client, f"{base}/join", {"lane": lane}, **bearer(oscar))
        assert issued.status_code == 201, issued.content
    queue = issued.json()["queue"]
    assert queue["urgent"] == {"waiting": 1, "issued": 1, "served": 0, "wait_minutes": 15}
    assert queue["normal"] == {"waiting": 2, "issued": 2, "served": 0, "wait_minutes": 45}

    taken = post(client, f"{base}/serve", {}, **bearer(oscar))
    assert taken.status_code == 200
    assert (taken.json()["lane"], taken.json()["ticket"]) == ("urgent", 1)
    assert taken.json()["queue"]["normal"]["wait_minutes"] == 30
    normal = post(client, f"{base}/serve", {"lane": "normal"}, **bearer(oscar)).json()
    assert (normal["ticket"], normal["queue"]["normal"]["waiting"]) == (1, 1)
    # The public outlet page shows the same wait at once.
    public = client.get("/api/v1/outlets/sh-01").json()["queue"]
    assert public["normal"] == {"waiting": 1, "wait_minutes": 15}
    assert client.get(base, **bearer(oscar)).json()["normal"]["served"] == 1


def test_an_empty_lane_and_an_unknown_lane_answer_in_the_error_shape(client, outlets, oscar):  # type: ignore[no-untyped-def]
    empty = post(client, "/api/v1/outlets/sh-01/queue/serve", {"lane": "urgent"}, **bearer(oscar))
    assert empty.status_code == 409 and empty.json()["error"] == "queue_empty"
    vip = post(client, "/api/v1/outlets/sh-01/queue/join", {"lane": "vip 👑"}, **bearer(oscar))
    assert vip.status_code == 422 and set(vip.json()["fields"]) == {"lane"}


def test_only_the_outlets_own_staff_work_its_desk(client, outlets, oscar, alice, adam):  # type: ignore[no-untyped-def]
    nina = StaffFactory(username="nina", role=Role.OUTLET_TECHNICIAN, team="outlet-sz-01")
    outlet_queue_join(actor=ANONYMOUS, outlet=outlets["sh-01"], lane="normal")
    serve = "/api/v1/outlets/sh-01/queue/serve"
    assert post(client, serve, {}, **bearer(nina)).status_code == 403
    assert post(client, serve, {}, **bearer(alice)).status_code == 403
    assert post(client, serve, {}).status_code == 401
    assert client.get("/api/v1/outlets/sh-01/queue").status_code == 401
    assert post(client, "/api/v1/outlets/nowhere/queue/serve", {}, **bearer(adam)).status_code == 404
    assert OutletQueue.objects.get(outlet=outlets["sh-01"], lane="normal").waiting == 1
    assert post(client, serve, {}, **bearer(adam)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_desks_serving_the_last_ticket_one_wins(tmp_path):  # type: ignore[no-untyped-def]
    outlet = make_outlets(outlet_row("sh-02", **SHANGHAI))["sh-02"]
    desks = [
        StaffFactory(username=name, role=Role.OUTLET_TECHNICIAN, team="outlet-sh-02")
        for name in ("oscar", "wendy")
    ]
    outlet_queue_join(actor=ANONYMOUS, outlet=outlet, lane="normal")
    outcomes: list[object] = []
    start = threading.Barrier(len(desks))

    def desk(user):  # type: ignore[no-untyped-def]
        try:
            start.wait()
            outcomes.append(outlet_queue_serve(actor=staff_actor(user), outlet=outlet, lane="normal").ticket)
        except Conflict as refused:
            outcomes.append(refused.code)
        finally:
            connections["default"].close()

    with database_threads_can_share(tmp_path):
        threads = [threading.Thread(target=desk, args=(user,)) for user in desks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        counts, _ = in_threads(
            1,
            lambda: OutletQueue.objects.filter(outlet=outlet, lane="normal").values_list("waiting", "served")[
                0
            ],
        )
    assert sorted(outcomes, key=str) == [1, "queue_empty"]
    assert counts == [(0, 1)]


def test_an_unknown_lane_lists_the_lanes_in_words_and_the_queue_asks_for_a_staff_sign_in(
    client, outlets, oscar
):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": bearer(oscar)["HTTP_AUTHORIZATION"]}
    refused = post(client, "/api/v1/outlets/sh-01/queue/join?lang=zh-hans", {"lane": "vip"}, **headers)
    assert refused.status_code == 422
    assert refused.json()["fields"]["lane"] == "未知排队通道,可选:加急、普通。"
    english = post(client, "/api/v1/outlets/sh-01/queue/join?lang=en", {"lane": "vip"}, **headers)
    assert english.json()["fields"]["lane"] == "Unknown queue lane; use one of: urgent, normal."
    anonymous = client.get("/api/v1/outlets/sh-01/queue?lang=zh-hans")
    assert anonymous.status_code == 401 and anonymous.json()["message"] == "请使用员工账号登录。"
    assert (
        client.get("/api/v1/outlets/sh-01/queue?lang=en").json()["message"]
        == "Sign in with your staff account."
    )
