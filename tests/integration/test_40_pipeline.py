"""The WSIS Prizes contest end to end, every service real (issue 4's full run).

Projects in all 18 categories are submitted (wsis-submissions), reviewed
and published (wsis-nominations, refused with limit_exceeded while one
category has 21), voted on (wsis-voting) and closed by the clock with the
champions expected, a tie at rank 5 included; experts score with a
conflict of interest refused; a tie for the winner is settled by staff;
winners.selected comes for all 18 categories. Each service learns what it
needs only from the others' events.
"""
import pytest

from wsis_harness import SERVICES, Cluster
from nominations_helpers import CATEGORIES
from submissions_helpers import prize_body, stakeholder_body
from contest_helpers import IN_REVIEW, OPEN, caught_up, ok, run_contest


@pytest.fixture
def contest(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.start(*SERVICES)
    yield cluster
    cluster.close()


def test_full_prize_contest(contest):
    c = contest
    events = c.subscribe("")
    run_contest(c, events)

    # Every consumer applied every event of every source it follows.
    for consumer, sources in (("reporting", ("bus", "submissions", "nominations", "voting", "notifications")),
                              ("notifications", ("submissions", "nominations", "voting")),
                              ("submissions", ("nominations",))):
        for source in sources:
            c.wait_until(lambda: caught_up(c, consumer, source), what=f"{consumer} to apply {source}")
            position = c.call(consumer, "sys.stats")["body"]["sources"][source]
            assert position["applied"] == position["last_seq"]
    events.close()


def test_nominations_killed_while_real_submissions_arrive(tmp_path):
    """wsis-nominations is SIGKILLed while wsis-submissions keeps accepting
    projects; restarted, it learns every one it missed, once."""
    import signal
    c = Cluster(tmp_path)
    try:
        c.start("bus", "submissions", "nominations")
        for name in ("submissions", "nominations"):
            ok(c.call(name, "sys.clock.set", {"now": OPEN}))
        submitter = ok(c.call("submissions", "stakeholder.register", stakeholder_body(), role="public"))["stakeholder_id"]
        submitted = []
        for i in range(60):
            if i == 20:
                c.kill("nominations", signal.SIGKILL)
            if i == 40:
                c.start("nominations")
                ok(c.call("nominations", "sys.clock.set", {"now": OPEN}))
            category = CATEGORIES[i % len(CATEGORIES)]
            body = prize_body(submitter, category=category)
            submitted.append(ok(c.call("submissions", "submission.create", body, role="gateway"))["submission_id"])
        c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to catch up")
        position = c.call("nominations", "sys.stats")["body"]["sources"]["submissions"]
        assert position["applied"] == position["last_seq"]

        for name in ("submissions", "nominations"):
            ok(c.call(name, "sys.clock.set", {"now": IN_REVIEW}))
        known, after = [], None
        while True:
            body = {"call": "prizes-2022", "limit": 25}
            if after:
                body["after"] = after
            page = ok(c.call("nominations", "review.list", body, role="staff"))
            known += [item["submission_id"] for item in page["items"]]
            after = page["next"]
            if not after:
                break
        assert sorted(known) == sorted(submitted)
        # A project submitted while nominations was down can be reviewed.
        ok(c.call("nominations", "review.decide", {"submission_id": submitted[30], "decision": "nominate"},
                  role="staff"))
    finally:
        c.close()
