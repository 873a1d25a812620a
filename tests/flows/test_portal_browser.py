"""The customer's own pages in a real headless Chromium, as on a phone, against a live server.

carol, in Futian, Shenzhen, files a complaint about a screen that no longer responds to touch
on the web form (sharing her location, so it goes to the outlet nearby), reads its tracking
page in Chinese, signs in with the code texted to her phone, finds it among her complaints,
writes to the service team; alice, an agent, resolves it (through the staff service); carol
rates it 4 of 5 with a comment, reads the page in English and signs out.

On every page: nothing scrolls sideways at 360 px (document.documentElement.scrollWidth <=
360) and axe-core (vendored beside this file, MPL-2.0) finds no serious or critical
violation. Screenshots at 390 px and 1366 px go to var/screenshots/portal-*.png.
Skipped where Chromium and its driver are not installed.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import new_imei
from aftersales.network.tests.factories import make_outlets, outlet_row
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
NARROWEST = 360
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-portal"), window="390,844", accept_languages="zh-CN,zh"
    )
    yield driver
    driver.quit()


def _viewport(browser, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800},
    )


def check_page(browser, name: str) -> None:  # type: ignore[no-untyped-def]
    """At 360 px nothing scrolls sideways; no serious accessibility violation; screenshots at 390 and 1366 px."""
    _viewport(browser, NARROWEST, 740)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= NARROWEST, f"{name} is {width}px wide at {NARROWEST}px"
    assert serious_axe_violations(browser, AXE) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.values():
        _viewport(browser, width, height)
        full = browser.execute_script("return document.documentElement.scrollHeight")
        _viewport(browser, width, min(max(height, full), 3000))
        browser.save_screenshot(str(SCREENSHOTS / f"portal-{name}-{width}.png"))
    _viewport(browser, *WIDTHS["phone"])


def test_a_customer_files_signs_in_tracks_replies_and_rates_on_a_phone(  # type: ignore[no-untyped-def]
    live_server, browser, transactional_db, caplog
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    make_outlets(outlet_row("sz-futian", hours="24/7"))
    alice = StaffFactory(username="alice", role=Role.AGENT, team="agents")
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride", {"latitude": 22.5431, "longitude": 114.0579, "accuracy": 30}
    )
    _viewport(browser, *WIDTHS["phone"])

    # 1. The form, in Chinese, in cards; her location fills the hidden fields.
    browser.get(live_server.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    assert browser.find_element(By.TAG_NAME, "h1").text == "提交投诉"
    check_page(browser, "submit")
    browser.find_element(By.NAME, "text").send_keys("屏幕触控失灵,打字点不到 😡")
    browser.find_element(By.NAME, "imei").send_keys(new_imei())
    browser.find_element(By.NAME, "phone").send_keys("138 0013 8000")
    browser.find_element(By.NAME, "name").send_keys("王女士")
    browser.find_element(By.ID, "use-location").click()
    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_element(By.NAME, "lat").get_attribute("value")
    )
    browser.find_element(By.ID, "submit-complaint").click()

    # 2. The tracking page: the stage in words, what happens next and by when, self-help, the outlet.
    number = browser.find_element(By.ID, "complaint-number").text
    assert re.fullmatch(r"OP-\d{8}-\d{5}-\d", number)
    complaint = Complaint.objects.get(number=number)
    main = browser.find_element(By.ID, "main").text
    assert "投诉已受理" in main and browser.find_element(By.ID, "state").text == "已受理"
    assert re.search(
        r"最晚于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(北京时间\)",
        browser.find_element(By.ID, "next-due").text.replace("（", "(").replace("）", ")"),
    )
    assert browser.find_element(By.ID, "self-help").find_elements(By.CSS_SELECTOR, "ol.steps li")
    assert "演示手机授权服务中心(sz-futian)" in browser.find_element(By.ID, "service-outlet").text
    for word in ("accepted", "alice", "agents", "first response"):
        assert word not in main
    check_page(browser, "track-new")

    # 3. Sign in with the code texted to her phone; the resend button waits out its minute.
    browser.get(live_server.url + "/signin/")
    browser.find_element(By.ID, "phone").send_keys("13800138000")
    browser.find_element(By.ID, "signin-submit").click()
    assert browser.find_element(By.ID, "code-sent").text.startswith("验证码已发送至 138****8000")
    resend = browser.find_element(By.ID, "resend")
    assert not resend.is_enabled() and "秒后可重新获取" in resend.text
    check_page(browser, "signin-code")
    code = re.findall(r"code: (\d{6})", caplog.text)[-1]
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.ID, "signin-submit").click()

    # 4. My complaints: a card with its stage and next deadline.
    WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.ID, "my-complaints"))
    card = browser.find_element(By.CSS_SELECTOR, "#my-complaints .complaint-card")
    assert number in card.text and "已受理" in card.text and "下一步截止" in card.text
    check_page(browser, "mine")
    card.find_element(By.CSS_SELECTOR, "a.number").click()

    # 5. She writes to the service team; it is on the timeline at once.
    browser.find_element(By.ID, "reply-body").send_keys("补充一下:上周摔过一次,屏幕右下角有裂纹")
    browser.find_element(By.CSS_SELECTOR, "#reply button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: "done=sent" in driver.current_url)
    assert "您的留言已发送给客服团队" in browser.find_element(By.ID, "done").text
    assert "上周摔过一次" in browser.find_element(By.ID, "timeline").text

    # 6. Alice resolves it; the page asks for a rating and offers to reopen until the archive deadline.
    services.complaint_transition(
        actor=staff_actor(alice), complaint=complaint, action="resolve", reason="已为客户更换屏幕总成"
    )
    browser.get(f"{live_server.url}/track/{number}/?token={services.tracking_token(complaint)}")
    assert browser.find_element(By.ID, "state").text == "已解决"
    assert "已为客户更换屏幕总成" not in browser.find_element(By.ID, "main").text  # staff's reason
    assert "可重新打开至" in browser.find_element(By.ID, "next-due").text
    check_page(browser, "track-resolved")
    browser.find_element(By.CSS_SELECTOR, "#rating input[name=score][value='4']").click()
    browser.find_element(By.ID, "rating-comment").send_keys("换屏很快,师傅很耐心 👍")
    browser.find_element(By.CSS_SELECTOR, "#rating button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: "done=rated" in driver.current_url)
    assert "感谢您的评价" in browser.find_element(By.ID, "done").text
    assert "您给本次服务打了 4 分" in browser.find_element(By.ID, "rated").text
    timeline = browser.find_element(By.ID, "timeline").text
    assert "您的评分:4 分".replace(":", "：") in timeline and "师傅很耐心" in timeline
    assert not browser.find_elements(By.CSS_SELECTOR, "input[name=score]")
    complaint.refresh_from_db()
    assert complaint.satisfaction_score == 4
    check_page(browser, "track-rated")

    # 7. She signs out; her tracking link still opens the page, and it switches to English
    #    keeping the link's token.
    browser.get(live_server.url + "/my/")
    browser.find_element(By.ID, "signout").click()
    WebDriverWait(browser, 10).until(lambda driver: "/signin/" in driver.current_url)
    browser.get(live_server.url + "/my/")
    assert "/signin/" in browser.current_url
    browser.get(f"{live_server.url}/track/{number}/?token={services.tracking_token(complaint)}")
    browser.find_element(By.CSS_SELECTOR, "a[lang=en]").click()
    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    )
    assert "token=" in browser.current_url
    assert browser.find_element(By.ID, "state").text == "Resolved"
    assert "You rated the service 4 of 5" in browser.find_element(By.ID, "timeline").text
    check_page(browser, "track-rated-en")
