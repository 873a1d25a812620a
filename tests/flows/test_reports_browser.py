"""The manager dashboard in a real headless Chromium against a live server.

Mei, an HQ expert (who sees every outlet's complaints), signs in, opens the dashboard from the desk's menu, changes the
period to the fixture week, sees the figures and the charts, and downloads the channel table
as CSV. Screenshots at 390 px and 1366 px go to var/screenshots/; axe-core (vendored beside
this file) checks the page. Skipped where Chromium and its driver are not installed.
"""

import csv
import io
import time
from pathlib import Path

import pytest

from aftersales.accounts.roles import Role
from aftersales.accounts.services import staff_enable_workspace
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.reporting.daily import complaint_figures_refresh
from aftersales.reporting.tests.fixtures import make_week
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations
from tests.flows.test_desk_browser import AXE, SCREENSHOTS, screenshots

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-reports"), window="1366,900", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def test_a_manager_reads_the_dashboard_and_downloads_a_table(
    live_server, browser, transactional_db, tmp_path: Path
):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(condition, timeout: int = 15):  # type: ignore[no-untyped-def]
        return WebDriverWait(browser, timeout).until(lambda driver: condition())

    manager = StaffFactory(username="mei.expert", first_name="梅", role=Role.EXPERT, team="hq-experts")
    staff_enable_workspace(user=manager, password="manager-pass-2026")
    make_week()
    complaint_figures_refresh(days=60)

    # 1. Sign in, then the dashboard from the desk's menu.
    browser.get(live_server.url + "/desk/signin/")
    browser.find_element(By.ID, "id_username").send_keys("mei.expert")
    browser.find_element(By.ID, "id_password").send_keys("manager-pass-2026", Keys.ENTER)
    wait_for(lambda: "/desk/signin/" not in browser.current_url)
    browser.find_element(By.LINK_TEXT, "管理看板").click()
    wait_for(lambda: "/desk/reports/" in browser.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("管理看板")

    # 2. The week of 1 to 7 November, chosen in the date fields (as the date picker sets them).
    browser.execute_script(
        "document.getElementById('period-from').value = '2026-11-01';"
        "document.getElementById('period-to').value = '2026-11-07';"
    )
    browser.find_element(By.ID, "period-show").click()
    wait_for(lambda: "from=2026-11-01" in browser.current_url)
    summary = browser.find_element(By.ID, "table-summary").text
    assert "66.7%" in summary and "94.6%" in summary and "75.0%" in summary
    channels = browser.find_element(By.ID, "table-channel").text
    assert "服务 App" in channels and "400 服务热线" in channels
    # The charts are drawn (Chart.js marks its canvases) and carry their figures in words.
    wait_for(lambda: browser.execute_script("return Chart.getChart('chart-channels') !== undefined"))
    words = browser.find_element(By.ID, "chart-channels-words").text
    assert "服务 App" in words and "3" in words
    screenshots(browser, "reports")
    assert serious_axe_violations(browser, AXE) == []
    # The whole page at a laptop's width, as docs/images/dashboard.png shows it.
    browser.set_window_size(1366, 3200)
    browser.save_screenshot(str(SCREENSHOTS / "desk-reports-full.png"))
    browser.set_window_size(1366, 900)

    # 3. The channel table as CSV, named with the period.
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.find_element(By.ID, "download-channel-csv").click()
    target = tmp_path / "dashboard-channel-20261101-20261107.csv"
    deadline = time.monotonic() + 15
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["渠道", "投诉量"]
    assert {row[0]: row[1] for row in rows[1:]} == {"服务 App": "3", "400 服务热线": "2", "微信公众号": "1"}


def test_an_outlet_manager_sees_only_his_outlet_on_the_dashboard(live_server, browser, transactional_db):  # type: ignore[no-untyped-def]
    """Max manages the Futian outlet: his dashboard counts the complaints of its team only, and
    the ranking lists his outlet alone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from aftersales.complaints.models import Complaint

    week = make_week()
    Complaint.objects.filter(number__in=["T-20261101-C1", "T-20261101-C2", "T-20261101-C6"]).update(
        team=week.outlet_a.team
    )
    max_ = StaffFactory(
        username="max.manager", first_name="马", role=Role.OUTLET_MANAGER, team=week.outlet_a.team
    )
    staff_enable_workspace(user=max_, password="manager-pass-2026")
    browser.delete_all_cookies()
    browser.get(live_server.url + "/desk/signin/")
    browser.find_element(By.ID, "id_username").send_keys("max.manager")
    browser.find_element(By.ID, "id_password").send_keys("manager-pass-2026", Keys.ENTER)
    WebDriverWait(browser, 15).until(lambda driver: "/desk/signin/" not in driver.current_url)
    browser.get(live_server.url + "/desk/reports/?from=2026-11-01&to=2026-11-07")
    assert "sz-futian-01" in browser.find_element(By.ID, "report-scope").text
    ranking = browser.find_element(By.ID, "table-ranking-title").find_element(By.XPATH, "..").text
    assert "sz-futian-01" in ranking and "gz-tianhe-01" not in ranking
    summary = browser.find_element(By.ID, "table-summary-title").find_element(By.XPATH, "..").text
    assert "新建投诉 3" in summary
    assert "gz-tianhe-01" not in browser.find_element(By.TAG_NAME, "main").text
