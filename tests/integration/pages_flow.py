"""A voter's visit to the public pages, step by step as a person does it
in a browser: sign in with the emailed code, vote in three categories,
keep the receipts, verify one, and after the close read the results and
the reports; and the contest it needs (a ballot, then the close). Used
against local processes (test_96_pages_vote.py) and against the compose
stack (tests/compose/pages.py): `c` is a harness Cluster or the stack,
`base` the site's address, `codes(email)` the codes mailed to an address
so far, oldest first."""
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from selenium.webdriver.common.keys import Keys

from browser_helpers import check_accessible, shot
from contest_helpers import caught_up, ok, set_clock
from gateway_helpers import request
from submissions_helpers import prize_body, stakeholder_body

WAIT = 20


def wait(driver, condition, what):
    """condition's value once true; on a timeout, what the page says."""
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition)
    except TimeoutException:
        said = driver.execute_script(
            "return ['status', 'problem'].map(id => document.getElementById(id))"
            ".filter(Boolean).map(e => e.id + ': ' + e.textContent).join(' | ')")
        raise AssertionError(f"timed out waiting for {what} on {driver.current_url} ({said})") from None


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def sign_in(driver, base, email, codes, page="vote.html"):
    """From a page that needs a session (the voting page), not signed in,
    through the sign-in page and back: the page says who is signed in."""
    driver.get(f"{base}/pages/{page}")
    link = wait(driver, lambda d: d.find_elements(By.LINK_TEXT, "sign in"), "the sign-in link")[0]
    shot(driver, f"{page[:-5]}-signed-out")
    link.click()
    wait(driver, lambda d: d.title == "WSIS Forum: sign in", "the sign-in page")
    before = len(codes(email))
    field = driver.find_element(By.ID, "email")
    assert driver.find_element(By.CSS_SELECTOR, "label[for=email]").text == "Your email address"
    field.send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "#email-form button").click()
    wait(driver, lambda d: d.find_element(By.ID, "code-form").is_displayed(), "the code field")
    assert "a code is on its way" in text_of(driver, "status")
    # The page does not say whether the address is registered
    assert email in text_of(driver, "status") and "If " in text_of(driver, "status")
    code = wait(driver, lambda d: len(codes(email)) > before and codes(email)[-1], f"the code mailed to {email}")
    check_accessible(driver, "signin-code")
    wrong = "000000" if code != "000000" else "111111"
    driver.find_element(By.ID, "code").send_keys(wrong)
    driver.find_element(By.CSS_SELECTOR, "#code-form button[type=submit]").click()
    wait(driver, lambda d: text_of(d, "problem"), "the wrong code refused")
    assert driver.current_url.endswith(f"/pages/signin.html?next=%2Fpages%2F{page}")
    code_field = driver.find_element(By.ID, "code")
    code_field.clear()
    code_field.send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "#code-form button[type=submit]").click()
    wait(driver, lambda d: d.current_url == f"{base}/pages/{page}", f"{page} after signing in")
    wait(driver, lambda d: "Signed in as stk-" in text_of(d, "account"), "who is signed in")


def vote(driver, category, title, keyboard=False):
    """Chooses the project titled title in category and votes: the
    receipt. keyboard: as a person who cannot use a mouse does it (Space
    on the choice, Tab to the category's button, Enter)."""
    section, choice = ballot_choice(driver, category, title)
    if keyboard:
        choice.send_keys(Keys.SPACE)
        assert choice.is_selected()
        driver.switch_to.active_element.send_keys(Keys.TAB)
        button = driver.switch_to.active_element
        assert button == section.find_element(By.TAG_NAME, "button"), button.text
        button.send_keys(Keys.ENTER)
    else:
        choice.click()
        section.find_element(By.TAG_NAME, "button").click()
    code = wait(driver, lambda d: section.find_elements(By.CLASS_NAME, "receipt-code"), f"the receipt in {category}")[0]
    assert "Your vote is counted." in section.text
    assert all(not radio.is_enabled() for radio in section.find_elements(By.CSS_SELECTOR, "input[type=radio]"))
    return code.text


def ballot_choice(driver, category, title):
    """The ballot's section of category and its radio button labelled title."""
    section = wait(driver, lambda d: d.find_elements(By.ID, f"category-{category}"), f"category {category}")[0]
    label = section.find_element(By.XPATH, f".//label[normalize-space()='{title}']")
    return section, driver.find_element(By.ID, label.get_attribute("for"))


def vote_again(driver, base, category, title):
    """On a fresh ballot, another project in a category already voted in:
    refused (409 already_voted), the page says so, the fields stay usable."""
    driver.get(f"{base}/pages/vote.html")
    section, choice = ballot_choice(driver, category, title)
    choice.click()
    section.find_element(By.TAG_NAME, "button").click()
    wait(driver, lambda d: "already voted in this category" in section.find_element(By.CLASS_NAME, "outcome").text,
         "the second vote refused")
    assert not section.find_elements(By.CLASS_NAME, "receipt-code")
    assert section.find_element(By.TAG_NAME, "button").is_enabled()


def voting(driver, ballot):
    """Votes {category: title} on the open voting page: {category: receipt}.
    Every field of the ballot has its label."""
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "section.category"), "the ballot")
    sections = driver.find_elements(By.CSS_SELECTOR, "section.category")
    assert len(sections) == 18
    for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio]"):
        assert driver.find_elements(By.CSS_SELECTOR, f"label[for='{radio.get_attribute('id')}']")
    last = list(ballot)[-1]
    receipts = {category: vote(driver, category, title, keyboard=category == last)
                for category, title in ballot.items()}
    assert len(set(receipts.values())) == len(receipts)
    check_accessible(driver, "vote-receipts")
    return receipts


def verify(driver, base, category, receipt, title):
    """Follows the receipt's link to the verify page: counted, for title.
    A receipt that belongs to no vote is said to be unknown."""
    section = driver.find_element(By.ID, f"category-{category}")
    section.find_element(By.LINK_TEXT, "Verify this receipt").click()
    wait(driver, lambda d: "This vote is counted." in text_of(d, "answer"), "the receipt verified")
    answer = text_of(driver, "answer")
    assert f"{category} · " in answer and title in answer, answer
    assert driver.find_element(By.ID, "receipt").get_attribute("value") == receipt
    check_accessible(driver, "verify-counted")
    field = driver.find_element(By.ID, "receipt")
    field.clear()
    field.send_keys("f" * len(receipt))
    driver.find_element(By.CSS_SELECTOR, "#verify-form button").click()
    wait(driver, lambda d: "No vote has this receipt" in text_of(d, "problem"), "an unknown receipt refused")
    assert text_of(driver, "answer") == ""


def results(driver, base, call, expected):
    """The results page of call after the close: each {category: [(title,
    votes)]} of expected among the champions, the reports' pictures drawn."""
    driver.get(f"{base}/pages/results.html?call={call}")
    wait(driver, lambda d: " from " in text_of(d, "status") and " voter" in text_of(d, "status"), "the results")
    for category, champions in expected.items():
        text = driver.find_element(By.ID, f"result-{category}").text
        for title, votes in champions:
            assert f"{title} · {votes} vote" in text, text
    for image in ("sdg_matrix-svg", "gender-svg"):
        wait(driver, lambda d: d.execute_script(
            "const i = document.getElementById(arguments[0]); return i.complete && i.naturalWidth > 0", image),
            f"the picture {image}")
    assert driver.find_element(By.PARTIAL_LINK_TEXT, "Read the Success Stories")
    check_accessible(driver, "results")


# What the voter chooses: {category: title} (C2 is on the ballot too,
# and nobody votes there).
BALLOT = {"C1": "Clinics online 1", "C3": "Open library 1", "e-gov": "Permits by phone 2"}
RESULTS = {
    "C1": [("Clinics online 1", 1), ("Clinics online 2", 0)],
    "C2": [("Fibre to schools 1", 0), ("Fibre to schools 2", 0)],
    "e-gov": [("Permits by phone 2", 1), ("Permits by phone 1", 0)],
}


def open_ballot(c, call, in_review, in_voting):
    """Two nominated projects in each of four categories of call (its
    submission phase open now), then its voting phase."""
    owner = ok(c.call("submissions", "stakeholder.register",
                      stakeholder_body(email=f"projects.{call}@example.org")))["stakeholder_id"]
    projects = []
    for category, name in [("C1", "Clinics online"), ("C2", "Fibre to schools"), ("C3", "Open library"),
                           ("e-gov", "Permits by phone")]:
        for n in (1, 2):
            body = prize_body(owner, call=call, category=category, title=f"{name} {n}")
            projects.append(ok(c.call("submissions", "submission.create", body))["submission_id"])
    set_clock(c, in_review)
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the projects")
    for project in projects:
        ok(c.call("nominations", "review.decide", {"submission_id": project, "decision": "nominate"}, role="staff"))
    ok(c.call("nominations", "nominations.publish", {"call": call}, role="staff"))
    set_clock(c, in_voting)
    c.wait_until(lambda: caught_up(c, "voting", "nominations") and caught_up(c, "voting", "submissions"),
                 what="voting to learn the nominated projects")


def visit(driver, c, base, call, email, codes, in_review, in_voting, closed, deadline):
    """The whole visit: a voter registers (over HTTP), the ballot opens, the
    voter signs in, votes, verifies a receipt, sees the results promised
    for the close (deadline: its Geneva wall time in words), and after
    the close (the clock set to closed) reads them."""
    status, _, _ = request(c, "POST", "/api/v1/stakeholders", stakeholder_body(email=email, name="Ada"))
    assert status == 200
    open_ballot(c, call, in_review, in_voting)
    c.wait_until(lambda: caught_up(c, "gateway", "submissions"), what="the gateway to know the voter's address")

    sign_in(driver, base, email, codes)
    receipts = voting(driver, BALLOT)
    # The receipts are the voting service's: each verifies over the API too
    for category, receipt in receipts.items():
        status, _, reply = request(c, "GET", f"/api/v1/receipts/{receipt}")
        assert status == 200 and reply["category"] == category and reply["counted"] is True
    verify(driver, base, "C3", receipts["C3"], BALLOT["C3"])
    vote_again(driver, base, "C1", "Clinics online 2")

    driver.get(f"{base}/pages/results.html?call={call}")
    wait(driver, lambda d: "published when its vote closes" in text_of(d, "status"), "the results promised for the close")
    assert f"{deadline} (Geneva)" in text_of(driver, "status")

    # The vote closes by the clock; reporting learns the champions
    set_clock(c, closed)
    c.wait_until(lambda: request(c, "GET", f"/api/v1/calls/{call}/results")[2]["voting_closed"],
                 what="the results of the closed vote")
    results(driver, base, call, RESULTS)
