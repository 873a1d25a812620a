"""A walk-in customer's tracking page in a real headless Chromium, in Chinese, against a live server.

wang walks into outlet sz-futian-01, where olga's counter terminal reads her Reno10 out (battery
health 76 %, the touch test failed) and files the complaint; wang opens the tracking link on her
phone. The read-out reads as the counter's, in Chinese words, with nothing in English. Her
neighbour's complaint, dispatched to the same outlet, shows its opening hours in words.
Skipped where Chromium and its driver are not installed.
"""

import pytest

from aftersales.accounts.actors import SYSTEM
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.network.services import complaint_dispatch
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations
from tests.flows.test_portal_browser import AXE

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-track"), window="390,844", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def test_a_walk_in_reads_the_counters_read_out_in_chinese(live_server, browser, transactional_db, client):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    from aftersales.network.models import Outlet
    from aftersales.repairs.tests.factories import make_bench
    from aftersales.repairs.tests.test_lightning import readout, walk_in

    bench = make_bench(stock=2)
    Outlet.objects.filter(pk=bench.outlet.pk).update(hours="Mo-Fr 09:00-12:00,13:30-18:30; Sa-Su 10:00-18:00")
    body = walk_in(client, bench, readout(battery=76, failed={"touch": {"passed": False, "count": 4}})).json()
    complaint = Complaint.objects.get(number=body["complaint"])
    browser.get(f"{live_server.url}/track/{complaint.number}/?token={services.tracking_token(complaint)}")
    timeline = browser.find_element(By.ID, "timeline").text
    assert "您的设备已在门店柜台完成检测" in timeline
    assert "电池健康度 76%" in timeline and "触控测试" in timeline
    for english in ("Walk-in", "read-out", "battery", "failed", "您的留言"):
        assert english not in timeline, english
    assert serious_axe_violations(browser, AXE) == []

    # A complaint filed in the app and dispatched to the same outlet: its hours in words.
    filed = submit_complaint(text="屏幕触控失灵,打字点不到")
    complaint_dispatch(complaint=filed, actor=SYSTEM, outlet=bench.outlet)
    browser.get(f"{live_server.url}/track/{filed.number}/?token={services.tracking_token(filed)}")
    hours = browser.find_element(By.ID, "outlet-hours").text
    assert "周一-周五 09:00-12:00,13:30-18:30" in hours and "周六-周日 10:00-18:00" in hours
    assert "Mo-Fr" not in hours and "Sa-Su" not in hours
