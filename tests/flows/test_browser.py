"""Journeys in a real headless Chromium against a live server.

A customer files a complaint on the web form and lands on its tracking page; a staff
member signs in to the workspace and takes it into processing; the customer's page
shows the new stage. Skipped where Chromium and its driver are not installed
(.ci/run installs them).
"""

import re

import pytest

from aftersales.accounts.roles import Role
from aftersales.accounts.services import staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.complaints.models import Complaint
from tests.flows.chromium import MISSING, REASON, chromium_driver

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium"), window="1200,1600", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def test_a_customer_files_a_complaint_and_staff_take_it_up(live_server, browser, transactional_db, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    # 1. The customer fills in the public form.
    browser.get(live_server.url + "/")
    browser.find_element(By.NAME, "text").send_keys("手机充电很慢,用原装充电器一晚上才充到80%")
    browser.find_element(By.NAME, "phone").send_keys("13800138000")
    browser.find_element(By.NAME, "name").send_keys("王先生")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    number = browser.find_element(By.ID, "complaint-number").text
    assert re.fullmatch(r"OP-\d{8}-\d{5}-\d", number)
    assert "投诉已受理" in browser.page_source
    tracking_url = browser.current_url
    complaint = Complaint.objects.get(number=number)
    assert complaint.channel == "web" and complaint.category == "battery_charging"
    browser.save_screenshot(str(tmp_path / "tracking.png"))

    # 2. An agent signs in and starts processing it from the workspace.
    agent = StaffFactory(username="li.agent", role=Role.AGENT, team="agents")
    staff_enable_workspace(user=agent, password="agent-pass-2026")
    browser.get(live_server.url + "/admin/login/?next=/admin/complaints/complaint/")
    browser.find_element(By.NAME, "username").send_keys("li.agent")
    browser.find_element(By.NAME, "password").send_keys("agent-pass-2026")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # click() returns once the form is sent, not when the next page has loaded.
    WebDriverWait(browser, 15).until(lambda driver: "/admin/login/" not in driver.current_url)
    assert number in browser.page_source
    browser.find_element(By.CSS_SELECTOR, f"input[name=_selected_action][value='{complaint.pk}']").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("action_start_processing")
    browser.find_element(By.NAME, "index").click()
    WebDriverWait(browser, 15).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "ul.messagelist"))
    complaint.refresh_from_db()
    assert complaint.state == "processing" and complaint.owner == agent

    # 3. The customer's page shows the new stage and the timeline.
    browser.get(tracking_url)
    assert "处理中" in browser.find_element(By.ID, "state").text
    timeline = browser.find_element(By.ID, "timeline").text
    assert "进度更新:处理中".replace(":", "：") in timeline and "processing" not in timeline
