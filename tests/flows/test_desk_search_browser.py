"""The desk's search box and the complaint page at 390 px in a real headless Chromium.

An agent searches from the top bar for a customer's phone as she wrote it down (full-width
digits, spaces), opens the complaint, whose timeline carries a call recording's SHA-256, and
starts a reply; linking a duplicate that does not exist is refused, and her reply is still in
its box. No page scrolls sideways at 390 px; axe-core checks the search page.

Persona: 王芳 (wang.agent), hotline agent of team "agents".
"""

from pathlib import Path
from urllib.parse import unquote

import pytest
from django.db import transaction

from aftersales.accounts.actors import SYSTEM
from aftersales.accounts.roles import Role
from aftersales.accounts.services import staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints import events
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE_WIDTH = (390, 844)
DESKTOP = (1366, 900)
RECORDING_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-search"), window="1366,900", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def sideways(browser) -> int:  # type: ignore[no-untyped-def]
    return int(
        browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def test_an_agent_finds_a_complaint_by_phone_and_keeps_her_reply_through_a_refusal(  # type: ignore[no-untyped-def]
    live_server, browser, transactional_db
):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(condition, timeout: int = 15):  # type: ignore[no-untyped-def]
        waiting = WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,))
        return waiting.until(lambda driver: condition())

    def text_of(element_id: str) -> str:
        return browser.find_element(By.ID, element_id).text

    agent = StaffFactory(
        username="wang.agent", first_name="王芳", last_name="", role=Role.AGENT, team="agents"
    )
    staff_enable_workspace(user=agent, password="agent-pass-2026")
    complaint = submit_complaint(text="电池续航很差,半天就没电", phone="+8613800138005", name="刘先生")
    submit_complaint(text="屏幕触控失灵,打字点不到", phone="+8613800138006")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        facts = {"call_id": "c-1", "queue": "", "direction": "inbound", "duration_seconds": 95}
        events.call_event(
            complaint=locked,
            actor=SYSTEM,
            at=clock.now(),
            facts={**facts, "recording_sha256": RECORDING_SHA256},
        )
        locked.save(update_fields=["event_count"])

    # 1. Sign in; the top bar's box takes the phone as it was written on a note.
    browser.get(live_server.url + "/desk/signin/?next=/desk/")
    browser.find_element(By.ID, "id_username").send_keys("wang.agent")
    browser.find_element(By.ID, "id_password").send_keys("agent-pass-2026", Keys.ENTER)
    wait_for(lambda: browser.find_elements(By.ID, "topbar-q"))
    browser.find_element(By.ID, "topbar-q").send_keys("１３８ ００１３ ８００５", Keys.ENTER)
    wait_for(
        lambda: "/desk/search/" in browser.current_url and browser.find_elements(By.ID, "search-results")
    )
    assert complaint.number in text_of("search-results") and "电话" in text_of("search-results")
    assert "8006" not in text_of("search-results")
    browser.set_window_size(*PHONE_WIDTH)
    assert sideways(browser) <= 0
    browser.set_window_size(*DESKTOP)
    if AXE.exists():
        assert serious_axe_violations(browser, AXE) == []

    # 2. A two-character word through the page's own form, answered as a fragment.
    search = browser.find_element(By.ID, "search-q")
    search.clear()
    search.send_keys("触控", Keys.ENTER)
    wait_for(
        lambda: "触控" in unquote(browser.current_url) and complaint.number not in text_of("search-panel")
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#search-results .queue-link")

    # 3. Open the complaint; the recording's hash wraps at 390 px.
    browser.get(live_server.url + f"/desk/complaints/{complaint.number}/")
    wait_for(lambda: browser.find_elements(By.ID, "timeline"))
    assert RECORDING_SHA256 in text_of("timeline").replace("\n", "")
    browser.set_window_size(*PHONE_WIDTH)
    assert sideways(browser) <= 0, f"the complaint page scrolls sideways by {sideways(browser)}px"
    browser.set_window_size(*DESKTOP)

    # 4. A reply is started; a duplicate link to a complaint that does not exist is refused.
    browser.find_element(By.ID, "reply-body").send_keys("刘先生您好,我们明天上午回电 😊")
    browser.find_element(By.ID, "duplicate-original").send_keys("AS-20260101-00001-1")
    browser.find_element(By.ID, "duplicate-submit").click()
    wait_for(lambda: "AS-20260101-00001-1" in text_of("desk-messages"))
    assert (
        browser.find_element(By.ID, "reply-body").get_attribute("value") == "刘先生您好,我们明天上午回电 😊"
    )
