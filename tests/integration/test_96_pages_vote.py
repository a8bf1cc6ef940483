"""A voter's whole visit to the public pages in a real browser (headless
chromium): signs in with the code read from the file channel, votes in
three categories and sees each receipt, verifies one on the verify page,
and after the close sees the results and the reports' pictures
(pages_flow.py; scripts/check-compose.sh runs the same visit against the
containers). Screenshots of each page go to build/test-artifacts/pages/."""
import pytest

import pages_flow
from browser_helpers import browser  # noqa: F401 (a fixture)
from contest_helpers import IN_REVIEW, IN_VOTING
from gateway_helpers import mailed_codes, start_ready
from nominations_helpers import IN_SELECTION
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("pages-vote")), OPEN)
    yield cluster
    cluster.close()


def test_a_voter_signs_in_votes_verifies_and_reads_the_results(c, browser):
    pages_flow.visit(browser, c, f"http://127.0.0.1:{c.ports['http']}", "prizes-2022", "voter.ada@example.org",
                     lambda address: mailed_codes(c, address), IN_REVIEW, IN_VOTING, IN_SELECTION,
                     "31 March 2022 at 23:00")
