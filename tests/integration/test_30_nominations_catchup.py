"""Nominations learns every project exactly once, across crashes and lost events."""
import signal

from nominations_helpers import (  # noqa: F401  (nom is a fixture)
    CATEGORIES, IN_REVIEW, PRIZES, nom, project, withdrawn)


def test_killed_while_submissions_arrive_catches_up_on_restart(nom):
    cluster = nom.cluster
    total = 300
    for n in range(1, 101):
        nom.submissions.emit("submission.received", project(n, CATEGORIES[n % 18]))
    nom.wait_applied("submissions", 100)

    cluster.kill("nominations", signal.SIGKILL)
    # Published to the bus while nominations is down: it hears none of them.
    for n in range(101, 201):
        nom.submissions.emit("submission.received", project(n, CATEGORIES[n % 18]))
    nom.submissions.emit("submission.withdrawn", withdrawn(150, category=CATEGORIES[150 % 18]))
    cluster.start("nominations")
    # And more while it catches up.
    for n in range(201, total + 1):
        nom.submissions.emit("submission.received", project(n, CATEGORIES[n % 18]))
    last = len(nom.submissions.events)
    nom.wait_applied("submissions", last)
    # Exactly once: every event applied, none twice (applied counts every application).
    assert nom.applied("submissions") == {"last_seq": last, "applied": last}

    # What it could only know from the missed events is usable.
    nom.clock(IN_REVIEW)
    assert nom.ok("review.decide", {"submission_id": "sub-120", "decision": "nominate"})["category"] \
        == CATEGORIES[120 % 18]
    error = nom.refused("review.decide", {"submission_id": "sub-150", "decision": "nominate"},
                        "conflict", "submission_id")
    assert "withdrawn" in error["message"]
    assert nom.ok("review.decide", {"submission_id": "sub-300", "decision": "nominate"})["changed"]
    listed = []
    after = 0
    while True:
        page = nom.ok("review.list", {"call": PRIZES, "after": after, "limit": 1000})
        listed += page["items"]
        if page["next"] is None:
            break
        after = page["next"]
    assert [i["submission_id"] for i in listed] == [f"sub-{n}" for n in range(1, total + 1)]
    assert [i["status"] for i in listed if i["submission_id"] == "sub-150"] == ["withdrawn"]

    draft = nom.ok("nominations.list", {"call": PRIZES})
    # 120 and 300 share a category: the list keeps the order they arrived in.
    assert CATEGORIES[120 % 18] == CATEGORIES[300 % 18]
    assert draft["categories"][CATEGORIES[120 % 18]] == ["sub-120", "sub-300"]

    # A clean restart re-applies nothing.
    cluster.stop("nominations")
    cluster.start("nominations")
    assert nom.applied("submissions") == {"last_seq": last, "applied": last}


def test_dropped_events_are_repaired_by_catch_up(nom):
    nom.submit(project(1))
    # Lost on the way (never published): the next one shows the gap.
    nom.submissions.emit("submission.received", project(2), publish=False)
    nom.submissions.emit("submission.received", project(3, "C2"))
    nom.wait_applied("submissions", 3)
    # A lost last event is found by the heartbeat.
    seq = nom.submissions.emit("submission.received", project(4, "C3"), publish=False)
    nom.submissions.heartbeat()
    nom.cluster.wait_until(lambda: (nom.submissions.heartbeat() or True)
                           and nom.applied("submissions")["last_seq"] == seq,
                           what="the heartbeat to reveal the lost event")
    assert nom.applied("submissions") == {"last_seq": 4, "applied": 4}
    nom.clock(IN_REVIEW)
    for n in (2, 4):
        assert nom.ok("review.decide", {"submission_id": f"sub-{n}", "decision": "nominate"})


def test_voting_closed_missed_while_down_is_caught_up(nom):
    nom.submit(*[project(n, "C1", country="KE") for n in range(1, 6)])
    nom.cluster.kill("nominations", signal.SIGKILL)
    nom.voting.emit("voting.closed", {
        "call": PRIZES, "results": {"C1": [{"submission_id": f"sub-{n}", "votes": 10 - n, "rank": n}
                                           for n in range(1, 6)]},
        "champions": {**{c: [] for c in CATEGORIES}, "C1": [f"sub-{n}" for n in range(1, 6)]},
        "votes": 40, "voters": 10, "complete_ballot_required": False})
    nom.cluster.start("nominations")
    nom.wait_applied("voting", 1)
    standings = nom.ok("selection.standings", {"call": PRIZES, "category": "C1"})
    assert [(c["submission_id"], c["rank"], c["votes"]) for c in standings["champions"]] == [
        (f"sub-{n}", n, 10 - n) for n in range(1, 6)]
