"""The agent workspace's daily moves in a real headless Chromium against a live server.

An agent opens the team queue, narrows it to screen faults and saves that view, opens a
complaint with the keyboard, fills a reply from a template and edits it before sending, moves
the complaint with a reason, corrects its category with one click, sees a colleague who has it
open, then goes back and moves two other complaints at once; one of them was resolved
meanwhile and the page says so in words. Screenshots at 390 px and 1366 px go to
var/screenshots/; axe-core (vendored in tests/flows/vendor) checks each page.
"""

from pathlib import Path

import pytest
from django.conf import settings

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.services import staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.desk.models import Macro
from aftersales.desk.services import complaint_presence_mark
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-workspace"), window="1366,900", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def screenshots(browser, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.values():
        browser.set_window_size(width, height)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        browser.save_screenshot(str(SCREENSHOTS / f"desk-{name}-{width}.png"))
    browser.set_window_size(*WIDTHS["desktop"])


def accessible(browser) -> bool:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.skip("axe-core is not vendored in tests/flows/vendor")
    assert serious_axe_violations(browser, AXE) == []
    return True


def test_an_agent_works_a_complaint_and_moves_several_at_once(live_server, browser, transactional_db):  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def wait_for(condition, timeout: int = 15):  # type: ignore[no-untyped-def]
        waiting = WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,))
        return waiting.until(lambda driver: condition())

    def text_of(element_id: str) -> str:
        return browser.find_element(By.ID, element_id).text

    def body() -> object:
        return browser.find_element(By.TAG_NAME, "body")

    agent = StaffFactory(
        username="wang.agent", first_name="王芳", last_name="", role=Role.AGENT, team="agents"
    )
    staff_enable_workspace(user=agent, password="agent-pass-2026")
    colleague = StaffFactory(
        username="zhang.agent", first_name="张三", last_name="", role=Role.AGENT, team="agents"
    )
    admin = StaffFactory(username="root.admin", role=Role.ADMIN, team="agents")
    Macro.objects.create(
        name="受理确认",
        body="{customer_name}您好,投诉 {complaint_number} 已受理,我们会在 {deadline} 前给您答复。",
    )
    complaint = submit_complaint(
        text="充电很慢,一晚上才充到80%,而且屏幕有时候闪屏", phone="+8613800138001", name="刘先生"
    )
    first = submit_complaint(text="屏幕触控失灵,打字点不到", phone="+8613800138002")
    second = submit_complaint(text="屏幕出现绿线,一直闪", phone="+8613800138003")
    assert complaint.category == "battery_charging" and first.category == second.category == "screen"

    # 1. Sign in and open the team queue narrowed to screen faults; save that view.
    browser.get(live_server.url + "/desk/signin/?next=/desk/%3Fqueue%3Dteam")
    browser.find_element(By.ID, "id_username").send_keys("wang.agent")
    browser.find_element(By.ID, "id_password").send_keys("agent-pass-2026", Keys.ENTER)
    wait_for(lambda: "queue=team" in browser.current_url and browser.find_elements(By.ID, "queue-list"))
    Select(browser.find_element(By.ID, "filter-category")).select_by_value("screen")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(lambda: complaint.number not in text_of("queue-list") and first.number in text_of("queue-list"))
    assert "category=screen" in browser.current_url
    browser.find_element(By.ID, "filter-name").send_keys("屏幕问题 📱")
    browser.find_element(By.ID, "filter-save").click()
    wait_for(lambda: "屏幕问题 📱" in text_of("saved-filters"))
    screenshots(browser, "queue-filtered")
    assert accessible(browser)

    # 2. ? opens the list of keys; Esc closes it.
    body().send_keys("?")
    wait_for(lambda: browser.find_element(By.ID, "keys-help").is_displayed())
    assert "键盘快捷键" in text_of("keys-help")
    screenshots(browser, "keys")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(lambda: not browser.find_element(By.ID, "keys-help").is_displayed())

    # 3. The whole team queue again; j to the battery complaint's row, Enter opens it.
    browser.get(live_server.url + "/desk/?queue=team")
    links = browser.find_elements(By.CSS_SELECTOR, ".queue-link")
    position = [link.text.split()[0] for link in links].index(complaint.number)
    for _ in range(position + 1):
        body().send_keys("j")
    assert complaint.number in browser.switch_to.active_element.text
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: browser.find_elements(By.ID, "complaint-number"))
    assert text_of("complaint-number") == complaint.number
    assert "解决方案库" in text_of("articles")

    # 4. A colleague opens it too: the page names him at its next check.
    complaint_presence_mark(actor=staff_actor(colleague), complaint=complaint, replying=True, now=clock.now())
    browser.execute_script(
        "htmx.ajax('POST', document.getElementById('presence-replying').dataset.presenceUrl, {target: '#colleagues', values: {replying: '0'}})"
    )
    wait_for(lambda: "张三 也在回复这条投诉" in text_of("colleagues"))

    # 5. m chooses a template; it is filled on the server; the agent edits it and sends it.
    body().send_keys("m")
    assert browser.switch_to.active_element.get_attribute("id") == "macro-select"
    browser.find_element(By.ID, "macro-use").click()
    wait_for(lambda: "刘先生您好" in browser.find_element(By.ID, "reply-body").get_attribute("value"))
    reply = browser.find_element(By.ID, "reply-body")
    assert complaint.number in reply.get_attribute("value")
    # Letters typed into a field are text, never shortcuts: "k" and "n" do not move the focus.
    reply.send_keys(" ok, 如有疑问请直接回复本邮件。")
    assert browser.switch_to.active_element.get_attribute("id") == "reply-body"
    browser.find_element(By.ID, "reply-send").click()
    wait_for(lambda: "回复已发送给客户" in text_of("desk-messages"))
    assert "如有疑问请直接回复本邮件" in text_of("timeline") and "王芳" in text_of("owner")

    # 6. e goes to the reason, where Enter would escalate; the agent chooses to wait on the customer.
    body().send_keys("e")
    assert browser.switch_to.active_element.get_attribute("id") == "transition-reason"
    assert browser.switch_to.active_element.get_attribute("data-enter-clicks") == "move-escalate"
    browser.find_element(By.ID, "transition-reason").send_keys("请客户提供充电器型号")
    browser.find_element(By.ID, "move-wait_for_customer").click()
    wait_for(lambda: "待客户回复" in text_of("state"))
    assert "请客户提供充电器型号" in text_of("timeline")

    # 7. One click corrects the category to the screen fault the pre-diagnosis also saw.
    browser.find_element(By.ID, "alternative-screen").click()
    wait_for(lambda: "屏幕显示" in text_of("category"))
    screenshots(browser, "complaint-workspace")
    assert accessible(browser)

    # 8. Back to the saved filter; tick both screen complaints; one is resolved meanwhile.
    browser.get(live_server.url + "/desk/?queue=team")
    browser.find_element(By.LINK_TEXT, "屏幕问题 📱").click()
    wait_for(lambda: "category=screen" in browser.current_url and first.number in text_of("queue-list"))
    for number in (first.number, second.number):
        browser.find_element(By.ID, f"tick-{number}").click()
    services.complaint_transition(
        actor=staff_actor(admin), complaint=second, action="resolve", reason="客户已到店换屏"
    )
    Select(browser.find_element(By.ID, "bulk-action")).select_by_value("start_processing")
    browser.find_element(By.ID, "bulk-reason").send_keys("屏幕问题统一安排检测")
    browser.find_element(By.ID, "bulk-apply").click()
    wait_for(lambda: "已处理 1 条投诉" in text_of("desk-messages"))
    messages_text = text_of("desk-messages")
    assert f"{second.number} 未处理" in messages_text and "已被他人更改" in messages_text
    screenshots(browser, "queue-bulk")
    assert accessible(browser)

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (
        complaint.state == "waiting_customer" and complaint.category == "screen" and complaint.owner == agent
    )
    assert Complaint.objects.get(pk=first.pk).state == "processing"
    assert Complaint.objects.get(pk=second.pk).state == "resolved"
    assert (
        Complaint.objects.get(pk=first.pk).events.filter(kind="status").get().payload["reason"]
        == "屏幕问题统一安排检测"
    )
