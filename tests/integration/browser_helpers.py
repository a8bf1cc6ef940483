"""Helpers of the web pages' tests: headless chromium driven by
chromedriver (Debian's chromium-driver, python3-selenium), a visitor in
New York, and screenshots kept in build/test-artifacts/pages/."""
import os
import shutil

import pytest

from wsis_harness import ROOT

ARTIFACTS = os.environ.get("WSIS_PAGES_ARTIFACTS") or os.path.join(ROOT, "build", "test-artifacts", "pages")

# A missing selenium fails every browser test (never skips it): the pages
# are checked in a real browser or the run is not green.
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError as missing:
    webdriver = None
    SELENIUM_MISSING = str(missing)


def chromium():
    """A headless chromium, its window a desktop's, its visitor in New York."""
    if webdriver is None:
        pytest.fail(f"python3-selenium is missing ({SELENIUM_MISSING}): make deps installs it")
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


# What a page does against WCAG 2.1 AA that a script can tell: text whose
# contrast with its background is under 4.5:1 (3:1 for large text), a form
# field without a label, a picture without a text alternative, a page
# without a language or with other than one h1, a page wider than the
# window (a phone must not scroll sideways). Each problem one line.
ACCESSIBILITY = r"""
const problems = [];
const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const background = (node) => {
  for (; node && node.nodeType === 1; node = node.parentElement) {
    const color = rgb(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || color[3] > 0.5) return color.slice(0, 3);
  }
  return [255, 255, 255];
};
const visible = (node) => node.offsetParent !== null || getComputedStyle(node).position === "fixed";
const name = (node) => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "") +
                       (node.className && typeof node.className === "string" ? "." + node.className.split(" ")[0] : "");
for (const node of document.querySelectorAll("body *")) {
  if (!visible(node) || node.closest(".skip")) continue;
  const own = [...node.childNodes].some((child) => child.nodeType === 3 && child.textContent.trim());
  if (!own) continue;
  const style = getComputedStyle(node);
  if (parseFloat(style.opacity) < 1 || node.disabled) continue;
  const fore = luminance(rgb(style.color)), back = luminance(background(node));
  const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < needed) problems.push("contrast " + ratio.toFixed(2) + " < " + needed + ": " + name(node) + " '" + node.textContent.trim().slice(0, 40) + "'");
}
for (const field of document.querySelectorAll("input, select, textarea")) {
  if (field.type === "hidden" || !visible(field)) continue;
  const labelled = (field.id && document.querySelector("label[for='" + field.id + "']")) ||
                   field.closest("label") || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby");
  if (!labelled) problems.push("no label: " + name(field));
}
for (const image of document.querySelectorAll("img")) {
  if (!image.hasAttribute("alt")) problems.push("no alt: " + image.src);
}
if (!document.documentElement.lang) problems.push("no lang on html");
const headings = document.querySelectorAll("h1").length;
if (headings !== 1) problems.push(headings + " h1 headings");
if (document.documentElement.scrollWidth > window.innerWidth + 1)
  problems.push("wider than the window: " + document.documentElement.scrollWidth + " > " + window.innerWidth);
return problems;
"""


def accessibility_problems(driver):
    """The page's problems against WCAG AA that a script can tell (see
    ACCESSIBILITY), at the window's width now: [] when none."""
    return driver.execute_script(ACCESSIBILITY)


def check_accessible(driver, name):
    """No such problem at a desktop's width nor at a phone's (390 px), with
    a screenshot at each kept as name and name-phone."""
    width = driver.get_window_size()["width"]
    problems = accessibility_problems(driver)
    shot(driver, name)
    driver.set_window_size(390, 844)
    problems += [f"phone: {problem}" for problem in accessibility_problems(driver)]
    shot(driver, f"{name}-phone")
    driver.set_window_size(width, 900)
    assert not problems, f"{driver.current_url}: " + "; ".join(problems)
