"""Helpers of the web pages' tests: headless chromium driven by
chromedriver (Debian's chromium-driver, python3-selenium), a visitor in
New York, and screenshots kept in build/test-artifacts/pages/."""
import os
import shutil

import pytest

from wsis_harness import ROOT

ARTIFACTS = os.environ.get("WSIS_PAGES_ARTIFACTS") or os.path.join(ROOT, "build", "test-artifacts", "pages")

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402


def chromium():
    """A headless chromium, its window a desktop's, its visitor in New York."""
    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver is missing: make deps installs chromium-driver")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--lang=en-GB"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    # The visitor is in New York: their own time differs from Geneva's.
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    return driver


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def shot(driver, name):
    """A picture of the whole page (kept for people to look at; nothing is
    asserted on it)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 6000))
    driver.save_screenshot(os.path.join(ARTIFACTS, f"{name}.png"))
