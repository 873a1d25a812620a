"""Debian's headless Chromium for the page journeys, started the same way by every test module."""

import shutil
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = not (CHROMIUM and CHROMEDRIVER)
REASON = "needs Debian's chromium and chromium-driver (installed by .ci/run)"

_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
)


def chromium_driver(*, profile: Path, window: str, accept_languages: str | None = None) -> Any:
    """A WebDriver on a fresh profile folder, `window` as "WIDTH,HEIGHT", no network but loopback."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*_FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if accept_languages:
        options.add_experimental_option("prefs", {"intl.accept_languages": accept_languages})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    return driver


def serious_axe_violations(driver: Any, axe_script: Path) -> list[str]:
    """Run axe-core (`axe_script`, vendored) in the current page; serious and critical violations
    as "rule: target" lines."""
    driver.execute_script(axe_script.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
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
