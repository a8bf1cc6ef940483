"""A COMMIT that fails (a full disk, an I/O error) leaves nothing behind.

With fault injection on, a file in the data folder makes the next COMMIT
of a service fail. Every request of that batch that changed something
must answer `unavailable`; nothing of it may stay on disk, in the outbox
(the next event reuses the seq), or in memory (voting's index and counts
are reloaded); a retry then succeeds; a consumer whose apply could not
commit applies the events later, exactly once.
"""
import pytest

from wsis_harness import Cluster, FakeSource
from submissions_helpers import prize_body, stakeholder_body
from voting_helpers import CALL, VotingWorld, project, voter


@pytest.fixture
def faulty(tmp_path):
    cluster = Cluster(tmp_path, faults=True)
    yield cluster
    cluster.close()


def publish(cluster, n):
    return cluster.call("bus", "publish", {"topic": "forum.speaker.registered", "origin": "t",
                                           "body": {"name": f"speaker {n}"}}, role="publisher")


def test_failed_commit_answers_unavailable_and_the_seq_is_reused(faulty):
    faulty.start("bus")
    assert publish(faulty, 1)["body"]["seq"] == 1
    faulty.fail_next_commit("bus")
    reply = publish(faulty, 2)
    assert reply["ok"] is False and reply["error"]["code"] == "unavailable"
    assert faulty.commit_failed("bus")
    body = faulty.call("bus", "events.since", {}, role="service")["body"]
    assert body["last_seq"] == 1 and len(body["events"]) == 1
    # The outbox forgot the event that was rolled back: no gap, no reuse of
    # a published seq.
    assert publish(faulty, 3)["body"]["seq"] == 2
    events = faulty.call("bus", "events.since", {}, role="service")["body"]["events"]
    assert [e["body"]["name"] for e in events] == ["speaker 1", "speaker 3"]


def test_failed_commit_keeps_no_submission(faulty):
    faulty.start("bus", "submissions")
    faulty.call("submissions", "sys.clock.set", {"now": "2022-01-10T12:00:00Z"})
    stakeholder = faulty.call("submissions", "stakeholder.register", stakeholder_body(),
                              role="public")["body"]["stakeholder_id"]
    body = prize_body(stakeholder)
    faulty.fail_next_commit("submissions")
    reply = faulty.call("submissions", "submission.create", body, role="gateway")
    assert reply["error"]["code"] == "unavailable"
    listed = faulty.call("submissions", "submission.list", {"call": "prizes-2022"})["body"]
    assert listed["items"] == []
    # Not a duplicate of itself: the first attempt left nothing.
    again = faulty.call("submissions", "submission.create", body, role="gateway")
    assert again["ok"], again
    assert len(faulty.call("submissions", "submission.list", {"call": "prizes-2022"})["body"]["items"]) == 1


def test_failed_commit_of_votes_is_forgotten_in_memory_too(faulty):
    world = VotingWorld(faulty, voters=3, per_category=3)
    try:
        def cast(n, category, choice):
            return faulty.call("voting", "vote.cast", {"call": CALL, "voter_id": voter(n), "category": category,
                                                       "submission_id": project(category, choice)},
                               role="gateway")
        assert cast(1, "C1", 1)["ok"]
        faulty.fail_next_commit("voting")
        lost = cast(2, "C1", 2)
        assert lost["error"]["code"] == "unavailable"
        tally = faulty.call("voting", "vote.tally", {"call": CALL, "category": "C1"}, role="staff")["body"]
        counts = {row["submission_id"]: row["votes"] for row in tally["categories"]["C1"]}
        assert counts[project("C1", 1)] == 1 and counts[project("C1", 2)] == 0
        assert tally["votes"] == 1 and tally["voters"] == 1
        # The index forgot the rolled-back vote, and the ballot number it
        # took in memory goes to the next first vote (voter 3's): voter 2
        # may vote afresh, for another project even, and it is not a
        # duplicate (nor voter 3's vote).
        assert cast(3, "C1", 1)["ok"]
        fresh = cast(2, "C1", 3)
        assert fresh["ok"] and fresh["body"]["duplicate"] is False
        assert cast(2, "C1", 2)["error"]["code"] == "already_voted"
        tally = faulty.call("voting", "vote.tally", {"call": CALL, "category": "C1"}, role="staff")["body"]
        counts = {row["submission_id"]: row["votes"] for row in tally["categories"]["C1"]}
        assert counts == {project("C1", 1): 2, project("C1", 2): 0, project("C1", 3): 1}
        verified = faulty.call("voting", "vote.verify", {"receipt": fresh["body"]["receipt"]})["body"]
        assert verified["submission_id"] == project("C1", 3) and verified["counted"] is True
    finally:
        world.submissions.close()
        world.nominations.close()


def test_failed_apply_is_retried_and_applied_once(faulty):
    faulty.start("bus", "reporting")
    for n in range(1, 11):
        publish(faulty, n)
    faulty.wait_until(lambda: faulty.call("reporting", "sys.stats")["body"]["sources"]["bus"]["last_seq"] == 10,
                      what="reporting to apply 10 events")
    faulty.fail_next_commit("reporting")
    for n in range(11, 21):
        publish(faulty, n)
    faulty.wait_until(lambda: faulty.commit_failed("reporting"), what="reporting to hit the failure")
    faulty.wait_until(lambda: faulty.call("reporting", "sys.stats")["body"]["sources"]["bus"]["last_seq"] == 20,
                      what="reporting to apply the rest")
    assert faulty.call("reporting", "sys.stats")["body"]["sources"]["bus"] == {"last_seq": 20, "applied": 20}
    assert "fault injection: COMMIT refused" in faulty.log("reporting")
