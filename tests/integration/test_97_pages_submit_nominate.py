"""Submitters and nominators in a real browser (headless chromium): a
signed-in stakeholder submits a prize project through the form (the word
count shown as typed, a refusal shown at its field, then received), sees
it among their projects and withdraws it; anyone nominates a High-Level
Track Facilitator and a Gender Trendsetter, each refusal at its field.
Screenshots go to build/test-artifacts/pages/."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

import pages_flow
from browser_helpers import browser, check_accessible, shot  # noqa: F401 (a fixture)
from contest_helpers import caught_up, ok
from gateway_helpers import mailed_codes, request, start_ready
from submissions_helpers import stakeholder_body, words
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"       # prizes-2022 takes submissions; HLTF and trendsetter nominations open
wait, text_of = pages_flow.wait, pages_flow.text_of


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("pages-submit")), OPEN)
    yield cluster
    cluster.close()


def fill(driver, values):
    """Types each {id: text} into its field, or chooses it in its list."""
    for field, value in values.items():
        node = driver.find_element(By.ID, field)
        if node.tag_name == "select":
            Select(node).select_by_value(value)
        else:
            node.clear()
            node.send_keys(value)


def refused_at(driver, form, field):
    """The form's alert says why, and the field it names is marked and focused."""
    alert = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"#{form} .problem").text, f"{form} refused")
    node = driver.find_element(By.ID, field)
    assert node.get_attribute("aria-invalid") == "true", alert
    assert driver.switch_to.active_element == node
    return alert


def test_a_stakeholder_submits_a_project_and_withdraws_it(c, browser):
    email = "submitter@example.org"
    assert request(c, "POST", "/api/v1/stakeholders", stakeholder_body(email=email))[0] == 200
    c.wait_until(lambda: caught_up(c, "gateway", "submissions"), what="the gateway to know the address")
    base = f"http://127.0.0.1:{c.ports['http']}"
    pages_flow.sign_in(browser, base, email, lambda address: mailed_codes(c, address), page="submit.html")
    wait(browser, lambda d: d.find_element(By.ID, "project-form").is_displayed(), "the project form")
    assert "WSIS Prizes 2022 · submissions until 21 January 2022 at 23:00 (Geneva)" in text_of(browser, "call-line")
    fill(browser, {
        "entity": "Ministry of Health", "stakeholder_type": "government", "country": "KE", "region": "africa",
        "category": "e-hea", "title": "Clinics on the phone", "short_description": words(12, "short"),
        "sdg_linkages": "Goal 3.", "impact": "Many patients.", "partnerships": "With the operators.",
        "challenges": "Coverage.", "contact-name": "Amina", "contact-email": "amina@example.org",
        "contact-gender": "female",
    })
    browser.find_element(By.ID, "sdg-3").click()
    assert text_of(browser, "words") == "12 words: at least 150"
    browser.find_element(By.CSS_SELECTOR, "#project-form button[type=submit]").click()
    alert = refused_at(browser, "project-form", "short_description")
    assert "150" in alert, alert
    shot(browser, "submit-refused")

    fill(browser, {"short_description": words(160, "clinics")})
    assert text_of(browser, "words") == "160 words"
    browser.find_element(By.CSS_SELECTOR, "#project-form button[type=submit]").click()
    done = wait(browser, lambda d: text_of(d, "received"), "the project received")
    assert done.startswith("Received: sub-"), done
    project = done.split()[1].rstrip(".")
    record = ok(c.call("submissions", "submission.get", {"submission_id": project}))
    assert record["title"] == "Clinics on the phone" and record["sdgs"] == [3] and record["category"] == "e-hea"
    mine = wait(browser, lambda d: d.find_elements(By.ID, f"mine-{project}"), "the project among the submitter's")[0]
    assert "Clinics on the phone" in mine.text
    check_accessible(browser, "submit-received")

    button = mine.find_element(By.TAG_NAME, "button")
    button.click()
    assert button.text == "Yes, withdraw it"    # asked once more before anything is done
    assert ok(c.call("submissions", "submission.get", {"submission_id": project}))["status"] != "withdrawn"
    button.click()
    c.wait_until(lambda: ok(c.call("submissions", "submission.get", {"submission_id": project}))["status"]
                 == "withdrawn", what="the project withdrawn")


def test_anyone_nominates_a_facilitator_and_a_trendsetter(c, browser):
    browser.get(f"http://127.0.0.1:{c.ports['http']}/pages/nominate.html")
    wait(browser, lambda d: d.find_element(By.ID, "hltf-form").is_displayed()
         and d.find_element(By.ID, "trendsetter-form").is_displayed(), "both forms")
    fill(browser, {
        "hltf-stakeholder_type": "academia", "hltf-nominee-name": "Grace", "hltf-nominee-title": "Professor",
        "hltf-nominee-organization": "University", "hltf-nominee-email": "grace(at)example.org",
        "hltf-nominee-gender": "female", "hltf-nominated_by-name": "Alan", "hltf-nominated_by-email": "alan@example.org",
    })
    browser.find_element(By.CSS_SELECTOR, "#hltf-form button[type=submit]").click()
    refused_at(browser, "hltf-form", "hltf-nominee-email")
    fill(browser, {"hltf-nominee-email": "grace@example.org"})
    browser.find_element(By.CSS_SELECTOR, "#hltf-form button[type=submit]").click()
    done = wait(browser, lambda d: text_of(d, "hltf-done"), "the facilitator nominated")
    assert done.startswith("Nominated: hltf-"), done

    fill(browser, {
        "trendsetter-nominee-name": "Ada", "trendsetter-nominee-organization": "Analytical Engines",
        "trendsetter-nominee-country": "GB", "trendsetter-nominee-email": "ada@example.org",
        "trendsetter-nominee-gender": "female", "trendsetter-motivation": "She shows the way.",
    })
    browser.find_element(By.CSS_SELECTOR, "#trendsetter-form button[type=submit]").click()
    refused_at(browser, "trendsetter-form", "trendsetter-objectives")
    browser.find_element(By.ID, "objective-4").click()
    browser.find_element(By.CSS_SELECTOR, "#trendsetter-form button[type=submit]").click()
    done = wait(browser, lambda d: text_of(d, "trendsetter-done"), "the trendsetter nominated")
    assert done.startswith("Nominated: amb-"), done
    check_accessible(browser, "nominate")
    listed = ok(c.call("nominations", "hltf.list", {"call": "hltf-2022"}, role="staff"))
    assert [item["nominee"]["email"] for item in listed["stakeholder_types"]["academia"]] == ["grace@example.org"], listed
    listed = ok(c.call("nominations", "ambassador.list", {"call": "trendsetters-2021"}, role="staff"))
    assert [item["objectives"] for item in listed["items"]] == [[4]], listed
