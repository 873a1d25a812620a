"""The public outlet finder in a real headless Chromium, on a phone-sized window, against a live server.

A customer in Futian, Shenzhen, lets the page use their location (the browser's geolocation,
set through the DevTools protocol), sees the nearest outlets with their distance, queue and
rating and the sketch map, then picks Guangzhou with "open now", reads the page in English,
and checks a shop's phone number. axe-core (vendored beside this file) checks every page for
serious or critical violations; nothing scrolls sideways at 390 px. Screenshots go to
var/screenshots/. Skipped where Chromium and its driver are not installed.
"""

from pathlib import Path

import pytest
from django.conf import settings

from aftersales.accounts.actors import ANONYMOUS, SYSTEM
from aftersales.network.services import outlet_queue_join, outlet_record_ratings
from aftersales.network.tests.factories import make_outlets, make_uscc, outlet_row
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = (390, 844)

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-public"),
        window=f"{PHONE[0]},{PHONE[1]}",
        accept_languages="zh-CN,zh",
    )
    yield driver
    driver.quit()


def check_page(browser, name: str) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling on the phone, no serious accessibility violation; a screenshot."""
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    assert serious_axe_violations(browser, AXE) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"public-{name}-{PHONE[0]}.png"))


def test_a_customer_finds_an_outlet_near_them_on_a_phone(live_server, browser, transactional_db):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    outlets = make_outlets(
        outlet_row("sz-futian", hours="24/7"),
        outlet_row(
            "sz-nanshan",
            name="演示手机授权服务中心(南山)",
            district="南山区",
            district_adcode="440305",
            lat="22.5329",
            lon="113.9305",
            uscc=make_uscc(77),
            phones="0755-2666 0000",
            specialities="express_replacement",
        ),
        outlet_row(
            "gz-tianhe",
            name="演示手机广州天河服务中心",
            address="广州市天河区天河路 200 号",
            city="广州市",
            city_adcode="440100",
            district="天河区",
            district_adcode="440106",
            lat="23.1322",
            lon="113.3240",
            hours="24/7",
            phones="020-3888 0000",
            uscc=make_uscc(5, "440100"),
        ),
    )
    for _ in range(2):
        outlet_queue_join(actor=ANONYMOUS, outlet=outlets["sz-futian"], lane="normal")
    outlet_record_ratings(actor=SYSTEM, outlet=outlets["sz-futian"], scores={f"c:{n}": 5 for n in range(12)})

    # The browser knows where the customer is and the page may ask.
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd(
        "Emulation.setGeolocationOverride", {"latitude": 22.5431, "longitude": 114.0579, "accuracy": 30}
    )

    # 1. The finder in Chinese; the location button appears once the script knows it can work.
    browser.get(live_server.url + "/outlets/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    button = browser.find_element(By.ID, "use-location")
    WebDriverWait(browser, 10).until(lambda driver: button.is_displayed())
    assert button.text == "使用我的位置"
    check_page(browser, "finder")

    # 2. Use my location: the nearest first, with the distance, queue, rating and the sketch map.
    button.click()
    WebDriverWait(browser, 15).until(lambda driver: driver.find_elements(By.ID, "results"))
    assert "lat=22.543100" in browser.current_url
    cards = browser.find_elements(By.CSS_SELECTOR, "#results article.outlet")
    assert [c.get_attribute("id") for c in cards] == [
        "outlet-sz-futian",
        "outlet-sz-nanshan",
        "outlet-gz-tianhe",
    ]
    first = cards[0].text
    assert "距您 0 米" in first and "正在营业" in first and "普通:2 人等候" in first
    assert "(12 条评价)" in first and "电池绿色通道" in first
    assert "13." in cards[1].text and "公里" in cards[1].text
    assert browser.find_element(By.ID, "map-customer").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results-map .map-outlet")) == 3
    check_page(browser, "near-me")

    # 3. A city instead, open now only: its best outlets, with the distance from where the customer is.
    Select(browser.find_element(By.ID, "id_city")).select_by_visible_text("广州市")
    browser.find_element(By.ID, "id_open_now").click()
    browser.find_element(By.CSS_SELECTOR, "#finder-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "city=440100" in driver.current_url)
    cards = browser.find_elements(By.CSS_SELECTOR, "#results article.outlet")
    assert [c.get_attribute("id") for c in cards] == ["outlet-gz-tianhe"]
    assert "本市评分最高的网点" in browser.find_element(By.ID, "results-heading").text
    check_page(browser, "city")

    # 4. The same page in English, kept for the next pages.
    browser.find_element(By.CSS_SELECTOR, "a[lang=en]").click()
    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    )
    assert browser.find_element(By.TAG_NAME, "h1").text == "Find an authorised service outlet"

    # 5. Is the shop that called the customer authorised? Its number says so.
    browser.find_element(By.LINK_TEXT, "Is this shop authorised?").click()
    browser.find_element(By.ID, "id_q").send_keys("(0755) 2666 0000")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: driver.find_elements(By.ID, "verdict"))
    assert browser.find_element(By.ID, "verdict").text == "Yes: this belongs to an authorised outlet."
    assert browser.find_element(By.ID, "outlet-sz-nanshan").is_displayed()
    check_page(browser, "verify")
