"""A customer downloads the electronic service record from the tracking page, and anyone who
scans its QR code opens the public verification page in a real headless Chromium.

Skipped where Chromium and its driver are not installed (.ci/run installs them).
"""

import io
import re
import urllib.request

import pytest
from pypdf import PdfReader

from aftersales.complaints.services import tracking_url
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.evidence.signing import signing_key_generate
from tests.flows.chromium import MISSING, REASON, chromium_driver

pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    driver = chromium_driver(profile=tmp_path_factory.mktemp("chromium"), window="1000,1200")
    yield driver
    driver.quit()


def test_the_customer_downloads_the_record_and_its_qr_link_says_it_is_authentic(
    live_server, browser, transactional_db, settings, tmp_path
):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    settings.EVIDENCE_KEY_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    signing_key_generate()
    complaint = submit_complaint(text="屏幕有綠線 📱,還在保修期內嗎?", phone="+8613800138000")
    track = tracking_url(complaint).replace(settings.PUBLIC_BASE_URL, live_server.url)

    # 1. The tracking page links the record; the link downloads the PDF.
    browser.get(track)
    href = browser.find_element(By.ID, "service-record-link").get_attribute("href")
    with urllib.request.urlopen(href, timeout=30) as reply:  # noqa: S310 (the live server)
        assert reply.headers.get_content_type() == "application/pdf"
        pdf = reply.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")
    assert complaint.number in text and "电子服务档案" in text
    match = re.search(r"SHA-256\):?([0-9a-f]{64})", text)
    assert match is not None
    digest = match.group(1)

    # 2. The QR code's page, opened by anyone: authentic, and no personal data.
    browser.get(f"{live_server.url}/verify/{complaint.number}?h={digest}")
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.get_attribute("data-verdict") == "authentic"
    assert "真实且未被篡改" in verdict.text and "Authentic and unchanged" in verdict.text
    assert "13800138000" not in browser.page_source and complaint.device.imei not in browser.page_source
    browser.save_screenshot(str(tmp_path / "verify.png"))

    # 3. One changed character in the hash: not verified.
    forged = ("0" if digest[0] != "0" else "1") + digest[1:]
    browser.get(f"{live_server.url}/verify/{complaint.number}?h={forged}")
    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") == "unknown"
