"""A voter's whole visit to the public pages in a real browser (headless
chromium): signs in with the code read from the file channel, votes in
three categories and sees each receipt, verifies one on the verify page,
and after the close sees the results and the reports' pictures.
Screenshots of each page go to build/test-artifacts/pages/."""
import pytest

import pages_flow
from browser_helpers import browser  # noqa: F401 (a fixture)
from contest_helpers import IN_REVIEW, IN_VOTING, caught_up, ok, set_clock
from gateway_helpers import mailed_codes, request, start_ready
from nominations_helpers import IN_SELECTION
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"
CALL = "prizes-2022"
BALLOT = {"C1": "Clinics online 1", "C3": "Open library 1", "e-gov": "Permits by phone 2"}


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("pages-vote")), OPEN)
    yield cluster
    cluster.close()


def nominate_projects(c):
    """Two nominated projects in each of four categories (C2 too, where
    nobody votes), then the voting phase."""
    owner = ok(c.call("submissions", "stakeholder.register", stakeholder_body()))["stakeholder_id"]
    projects = []
    for category, name in [("C1", "Clinics online"), ("C2", "Fibre to schools"), ("C3", "Open library"),
                           ("e-gov", "Permits by phone")]:
        for n in (1, 2):
            body = prize_body(owner, category=category, title=f"{name} {n}")
            projects.append(ok(c.call("submissions", "submission.create", body))["submission_id"])
    set_clock(c, IN_REVIEW)
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the projects")
    for project in projects:
        ok(c.call("nominations", "review.decide", {"submission_id": project, "decision": "nominate"}, role="staff"))
    ok(c.call("nominations", "nominations.publish", {"call": CALL}, role="staff"))
    set_clock(c, IN_VOTING)
    c.wait_until(lambda: caught_up(c, "voting", "nominations") and caught_up(c, "voting", "submissions"),
                 what="voting to learn the nominated projects")


def test_a_voter_signs_in_votes_verifies_and_reads_the_results(c, browser):
    email = "voter.ada@example.org"
    status, _, _ = request(c, "POST", "/api/v1/stakeholders", stakeholder_body(email=email, name="Ada"))
    assert status == 200
    nominate_projects(c)
    c.wait_until(lambda: caught_up(c, "gateway", "submissions"), what="the gateway to know Ada's address")
    base = f"http://127.0.0.1:{c.ports['http']}"

    pages_flow.sign_in(browser, base, email, lambda address: mailed_codes(c, address))
    receipts = pages_flow.voting(browser, BALLOT)
    # The receipts are the voting service's: each verifies over the API too
    for category, receipt in receipts.items():
        status, _, reply = request(c, "GET", f"/api/v1/receipts/{receipt}")
        assert status == 200 and reply["category"] == category and reply["counted"] is True
    pages_flow.verify(browser, base, "C3", receipts["C3"], BALLOT["C3"])

    # Before the close the results page says when they come
    browser.get(f"{base}/pages/results.html?call={CALL}")
    pages_flow.wait(browser, lambda d: "published when its vote closes" in pages_flow.text_of(d, "status"),
                    "the results promised for the close")
    assert "31 March 2022 at 23:00 (Geneva)" in pages_flow.text_of(browser, "status")

    # The vote closes by the clock; reporting learns the champions
    set_clock(c, IN_SELECTION)
    c.wait_until(lambda: request(c, "GET", f"/api/v1/calls/{CALL}/results")[2]["voting_closed"],
                 what="the results of the closed vote")
    pages_flow.results(browser, base, CALL, {
        "C1": [("Clinics online 1", 1), ("Clinics online 2", 0)],
        "C2": [("Fibre to schools 1", 0), ("Fibre to schools 2", 0)],
        "e-gov": [("Permits by phone 2", 1), ("Permits by phone 1", 0)],
    })
