"""The public web pages served by wsis-gateway, in a real browser
(Debian's chromium, headless, driven by chromedriver through
python3-selenium): the calls page lists what is open with each deadline
in Geneva time and the visitor's time and a countdown that moves, by the
service clock. Screenshots go to build/test-artifacts/pages/ (a phone's
width and a desktop's). Also the pages' headers: a Content-Security-Policy
that allows no inline script, and no inline script in any page."""
import os
import re

import pytest

from browser_helpers import browser, check_accessible  # noqa: F401 (a fixture)
from contest_helpers import set_clock
from gateway_helpers import request, start_ready
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from wsis_harness import ROOT, Cluster

OPEN = "2022-01-10T12:00:00Z"
PAGES = os.path.join(ROOT, "services", "gateway", "pages")


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("pages")), OPEN)
    yield cluster
    cluster.close()


def test_the_calls_page_shows_deadlines_in_both_times_and_counts_down(c, browser):
    browser.get(f"http://127.0.0.1:{c.ports['http']}/")
    WebDriverWait(browser, 15).until(
        lambda d: "open" in d.find_element(By.ID, "status").text and d.find_elements(By.CSS_SELECTOR, "#open-calls li.call"))
    assert browser.title == "WSIS Forum: calls and deadlines"
    assert "calls are open" in browser.find_element(By.ID, "status").text
    prizes = browser.find_element(By.ID, "call-prizes-2022")
    assert prizes.find_element(By.TAG_NAME, "h3").text == "WSIS Prizes 2022"
    assert prizes.find_element(By.XPATH, "..").get_attribute("id") == "open-calls"
    submission = prizes.find_element(By.CSS_SELECTOR, "li.phase-open")
    text = submission.text
    # 23:00 in Geneva is 17:00 in New York (both on standard time in January)
    assert "Submissions" in text and "21 January 2022 at 23:00 (Geneva)" in text, text
    assert "17:00 your time" in text or "5:00" in text, text
    countdown = submission.find_element(By.CLASS_NAME, "countdown")
    first = countdown.text
    assert re.fullmatch(r"11 days 9 h 59 min \d+ s left|11 days 10 h 0 min 0 s left", first), first
    WebDriverWait(browser, 5).until(lambda d: countdown.text != first)
    # A call that has not opened is listed apart, its phases not open
    later = browser.find_element(By.ID, "call-prizes-2027")
    assert later.find_element(By.XPATH, "..").get_attribute("id") == "other-calls"
    assert not later.find_elements(By.CLASS_NAME, "countdown")
    check_accessible(browser, "calls")
    # Keyboard: the first Tab reaches the skip link
    from selenium.webdriver.common.keys import Keys
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("class") == "skip"


def test_when_the_service_clock_moves_the_page_follows(c, browser):
    set_clock(c, "2022-03-10T12:00:00Z")
    try:
        browser.get(f"http://127.0.0.1:{c.ports['http']}/")
        WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#call-prizes-2022 li.phase-open"))
        open_phase = browser.find_element(By.CSS_SELECTOR, "#call-prizes-2022 li.phase-open").text
        assert "Public online voting" in open_phase and "31 March 2022 at 23:00 (Geneva)" in open_phase
    finally:
        set_clock(c, OPEN)


def test_pages_are_served_with_a_strict_policy_and_no_inline_script(c):
    status, headers, _ = request(c, "GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    for path, kind in [("/pages/calls.js", "text/javascript"), ("/pages/style.css", "text/css")]:
        status, headers, _ = request(c, "GET", path)
        assert status == 200 and headers["Content-Type"].startswith(kind)
    assert request(c, "GET", "/pages/nothing.html")[0] == 404
    assert request(c, "GET", "/pages/../gateway.db")[0] == 404
    assert request(c, "GET", "/pages/%2e%2e/wsis.cfg")[0] == 404
    for name in os.listdir(PAGES):
        if name.endswith(".html"):
            html = open(os.path.join(PAGES, name)).read()
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
            assert not re.search(r"\son[a-z]+=", html), name
            assert not re.search(r"style=", html), name
