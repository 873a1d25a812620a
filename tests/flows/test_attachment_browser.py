"""The complaint form with photos and the unboxing video, in a real headless Chromium on a phone.

A customer picks a photo that is really a program (refused in words, on the field), then two
photos and a video; the complaint is filed with them and its tracking page opens. axe-core
(vendored beside this file) checks the form; nothing scrolls sideways at 390 px. Skipped
where Chromium and its driver are not installed.
"""

from pathlib import Path

import pytest
from django.conf import settings

from aftersales.complaints.models import Complaint
from aftersales.intake.tests.test_attachments import MP4, WINDOWS_PROGRAM, photo
from tests.flows.chromium import MISSING, REASON, chromium_driver, serious_axe_violations

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = (390, 844)

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(
        profile=tmp_path_factory.mktemp("chromium-attachments"),
        window=f"{PHONE[0]},{PHONE[1]}",
        accept_languages="zh-CN,zh",
    )
    yield driver
    driver.quit()


def test_a_customer_files_a_complaint_with_photos_and_a_video_from_a_phone(  # type: ignore[no-untyped-def]
    live_server, browser, transactional_db, tmp_path, settings
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    settings.MEDIA_ROOT = tmp_path / "media"
    files = tmp_path / "picked"
    files.mkdir()
    (files / "照片.jpg").write_bytes(WINDOWS_PROGRAM)
    (files / "屏幕裂纹.jpg").write_bytes(photo())
    (files / "侧面.png").write_bytes(photo("PNG"))
    (files / "开箱视频.mp4").write_bytes(MP4)

    def fill_and_send(*picked: str) -> None:
        browser.get(f"{live_server.url}/")
        browser.find_element(By.ID, "id_text").send_keys("新手机开箱屏幕就有裂纹,附照片和开箱视频")
        browser.find_element(By.ID, "id_phone").send_keys("13800138000")
        browser.find_element(By.ID, "id_attachments").send_keys(
            "\n".join(str(files / name) for name in picked)
        )
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    browser.get(f"{live_server.url}/")
    assert browser.find_element(By.ID, "id_attachments").get_attribute("multiple") is not None
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_axe_violations(browser, AXE) == []

    fill_and_send("照片.jpg")
    error = WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.CSS_SELECTOR, '.error[data-field="attachments"]')
    )
    assert "不接受程序或脚本文件" in error.text
    assert Complaint.objects.count() == 0

    fill_and_send("屏幕裂纹.jpg", "侧面.png", "开箱视频.mp4")
    # Three files travel before the answer: wait for the page, not for a fixed time.
    WebDriverWait(browser, 30).until(lambda b: "/track/" in b.current_url)
    complaint = Complaint.objects.get()
    assert complaint.number in browser.page_source
    assert sorted(complaint.attachments.values_list("kind", flat=True)) == ["photo", "photo", "video"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"public-complaint-with-attachments-{PHONE[0]}.png"))
