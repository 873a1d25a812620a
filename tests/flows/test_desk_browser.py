"""The agent workspace in a real headless Chromium against a live server.

An agent signs in at /desk/, opens the team queue, takes a complaint by answering it, moves
it to processing with a reason and corrects its category with one click, all by HTMX
without a page load. Screenshots at 390 px and 1366 px go to var/screenshots/; axe-core
(vendored beside this file) checks each page for serious or critical violations. Skipped
where Chromium and its driver are not installed (.ci/run installs them).
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from aftersales.accounts.roles import Role
from aftersales.accounts.services import staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from tests.flows.chromium import MISSING, REASON, chromium_driver

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    # The browser asks for Chinese first, as an agent's browser in China does.
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-desk"), window="1366,900", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def screenshots(browser, name: str) -> None:  # type: ignore[no-untyped-def]
    """The current page at a phone's width and a laptop's, as var/screenshots/desk-<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.values():
        browser.set_window_size(width, height)
        # Nothing may be wider than the screen: no sideways scrolling on a phone.
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        browser.save_screenshot(str(SCREENSHOTS / f"desk-{name}-{width}.png"))
    browser.set_window_size(*WIDTHS["desktop"])


def serious_accessibility_violations(browser) -> list[str]:  # type: ignore[no-untyped-def]
    """Run axe-core in the page; the serious and critical violations as "rule: target" lines."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));"
    )
    assert isinstance(result, list), result
    return [
        f"{violation['id']}: {node['target']}"
        for violation in result
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


def test_an_agent_takes_a_complaint_from_the_queue_to_processing(live_server, browser, transactional_db):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(condition, timeout: int = 15):  # type: ignore[no-untyped-def]
        # An HTMX swap replaces the elements a condition reads: read them again until it holds.
        waiting = WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,))
        return waiting.until(lambda driver: condition())

    def text_of(element_id: str) -> str:
        return browser.find_element(By.ID, element_id).text

    agent = StaffFactory(username="li.agent", first_name="李", last_name="", role=Role.AGENT, team="agents")
    staff_enable_workspace(user=agent, password="agent-pass-2026")
    # Filed 20 minutes ago: the first response is due in 10 minutes. It names a second fault.
    complaint = submit_complaint(
        text="充电很慢,一晚上才充到80%,而且屏幕有时候闪屏",
        phone="+8613800138000",
        at=clock.now() - timedelta(minutes=20),
    )
    assert complaint.category == "battery_charging"
    # Due in 10 minutes whatever the hour this runs at: after the service hours the business
    # calendar would move a first response to the next morning.
    due = clock.now() + timedelta(minutes=10)
    Complaint.objects.filter(pk=complaint.pk).update(
        response_due_at=due, level_response_due_at=due, earliest_due_at=due, next_deadline_at=due
    )

    # 1. Sign in: the desk sends a stranger to its own sign-in page, in Chinese.
    browser.get(live_server.url + "/desk/")
    assert "/desk/signin/" in browser.current_url and "登录客服工作台" in browser.page_source
    browser.find_element(By.ID, "id_username").send_keys("li.agent")
    browser.find_element(By.ID, "id_password").send_keys("agent-pass-2026", Keys.ENTER)
    wait_for(lambda: "/desk/signin/" not in browser.current_url)

    # 2. The team queue (an HTMX swap, the address follows), with a live countdown.
    browser.find_element(By.ID, "tab-team").click()
    wait_for(lambda: complaint.number in text_of("queue-list"))
    assert "queue=team" in browser.current_url
    assert browser.find_element(By.ID, "tab-team").get_attribute("aria-current") == "page"
    assert browser.find_element(By.ID, "tab-mine").get_attribute("aria-current") is None
    countdown = browser.find_element(By.CSS_SELECTOR, "#queue-list .countdown")
    assert countdown.text.startswith("剩余") and "分钟" in countdown.text
    # The countdown runs in the page: a deadline now passed reads "overdue" at the next tick.
    browser.execute_script(
        "const node = document.querySelector('#queue-list .countdown');"
        "node.setAttribute('data-due', new Date(Date.now() - 3 * 3600 * 1000 - 5000).toISOString());"
        "document.dispatchEvent(new Event('htmx:afterSettle'));"
    )
    assert countdown.text == "已超时 3 小时" and "late" in countdown.get_attribute("class")
    browser.refresh()
    screenshots(browser, "queue")
    assert serious_accessibility_violations(browser) == []

    # 3. j moves to the first row, Enter opens it.
    browser.find_element(By.TAG_NAME, "body").send_keys("j")
    assert browser.switch_to.active_element.get_attribute("class") == "queue-link"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: browser.find_elements(By.ID, "complaint-number"))
    assert text_of("complaint-number") == complaint.number
    assert "受理" in text_of("state") and "充电与电池" in text_of("category")
    screenshots(browser, "complaint")
    assert serious_accessibility_violations(browser) == []

    # 4. r goes to the reply box; the reply takes the complaint (first contact) and shows on the timeline.
    browser.find_element(By.TAG_NAME, "body").send_keys("r")
    assert browser.switch_to.active_element.get_attribute("id") == "reply-body"
    browser.switch_to.active_element.send_keys("您好,已收到您的反馈,我们会尽快安排检测 🙂")
    browser.find_element(By.ID, "reply-send").click()
    wait_for(lambda: "回复已发送给客户" in text_of("desk-messages"))
    assert "李" in text_of("owner")
    assert "我们会尽快安排检测" in text_of("timeline")

    # 5. Into processing, with a reason.
    browser.find_element(By.ID, "transition-reason").send_keys("已联系客户,开始排查")
    browser.find_element(By.ID, "move-start_processing").click()
    wait_for(lambda: "处理中" in text_of("state"))
    assert "已联系客户,开始排查" in text_of("timeline")

    # 6. One click corrects the category to the alternative the pre-diagnosis offered.
    browser.find_element(By.ID, "alternative-screen").click()
    wait_for(lambda: "屏幕显示" in text_of("category"))
    screenshots(browser, "complaint-after")

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.owner == agent and complaint.state == "processing" and complaint.category == "screen"
    assert complaint.responded_at is not None
    assert [e.kind for e in complaint.events.order_by("seq")][-4:] == [
        "assignment",
        "message_out",
        "status",
        "triage",
    ]
