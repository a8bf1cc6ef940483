"""A full disk, for real: the data folder on a small tmpfs, filled.

No fault-injection hook: SQLite meets ENOSPC in its WAL, its checkpoints
and its database file. Requests that would write answer `unavailable`
(not `internal`, no crash), the service keeps answering, reads still
work, nothing acknowledged before is lost, and writes succeed again once
space is freed. A consumer whose disk is full does not skip the events
it could not apply: once space is freed it applies every one, once. The
bus on a full disk refuses to journal, publishes nothing it did not
journal, and keeps passing the services' events on.
"""
import pytest

from wsis_harness import Cluster, FakeSource, next_event
from disk_helpers import SmallDisk
from submissions_helpers import OPEN, prize_body, stakeholder_body
from voting_helpers import CATEGORIES, DURING, VotingWorld, project, voter


@pytest.fixture
def disk(tmp_path):
    small = SmallDisk(tmp_path / "data", size_mb=16)
    yield small
    small.close()


@pytest.fixture
def cluster(tmp_path, disk):
    cluster = Cluster(tmp_path)
    yield cluster
    cluster.close()


def cast_until_full(world, voters, start=0, limit=20000):
    """Casts votes (voter, category) in order until the disk refuses
    them: every reply is ok or unavailable. The acked votes, and the
    first refused one."""
    acked = []
    pairs = [(n, c) for n in range(1, voters + 1) for c in CATEGORIES][start:start + limit]
    for n, category in pairs:
        reply = world.cast(n, category, project(category, 1 + n % 3))
        if reply["ok"]:
            acked.append((n, category, reply["body"]["receipt"]))
            continue
        assert reply["error"]["code"] == "unavailable", reply
        return acked, (n, category)
    raise AssertionError(f"the disk never filled up after {len(acked)} votes")


def test_votes_on_a_full_disk_answer_unavailable_and_none_acked_is_lost(cluster, disk):
    voters = 400
    world = VotingWorld(cluster, voters=voters, per_category=3)
    try:
        disk.fill(keep=3 * 1024 * 1024)
        acked, refused = cast_until_full(world, voters)
        assert acked, "no vote fitted in the space left"
        print(f"acked {len(acked)} votes, then refused at {refused}")
        # Full: more writes are refused, the same vote again too, and the
        # service answers reads and pings.
        for _ in range(5):
            reply = world.cast(refused[0], refused[1], project(refused[1], 1))
            assert reply["error"]["code"] == "unavailable", reply
        assert cluster.call("voting", "sys.ping")["ok"]
        counts = world.counts()
        assert sum(counts.values()) == len(acked)
        cast_events = world.events("vote.cast")
        assert len(cast_events) == len(acked)
        for _, _, receipt in acked[-3:]:
            verified = cluster.call("voting", "vote.verify", {"receipt": receipt})
            assert verified["ok"] and verified["body"]["counted"] is True, verified
        # Stopped and started on the full disk: it comes back with every
        # acked vote, and still refuses writes (setting its clock is one).
        world.restart(clock=None)
        assert sum(world.counts().values()) == len(acked)
        assert cluster.call("voting", "sys.clock.set", {"now": DURING})["error"]["code"] == "unavailable"
        # Space again: the refused vote and more are acked.
        disk.free()
        world.set_clock(DURING)
        reply = world.cast(refused[0], refused[1], project(refused[1], 1))
        assert reply["ok"] and reply["body"]["duplicate"] is False, reply
        more = [world.cast(n, "C11", project("C11", 2)) for n in range(voters - 4, voters + 1)]
        assert all(r["ok"] for r in more), more
        total = len(acked) + 1 + len([r for r in more if not r["body"]["duplicate"]])
        assert sum(world.counts().values()) == total
        assert len(world.events("vote.cast")) == total
        # And all of it survives a restart.
        world.restart()
        assert sum(world.counts().values()) == total
    finally:
        world.close()
    assert "internal" not in cluster.log("voting")


def test_a_disk_full_to_the_last_byte_refuses_and_a_retry_is_not_answered_from_a_failure(cluster, disk):
    voters = 200
    world = VotingWorld(cluster, voters=voters, per_category=3)
    try:
        first = world.cast(1, "C1", project("C1", 1), id="vote-1")
        assert first["ok"], first
        # Enough votes that the WAL reaches its checkpoint size (1,000
        # pages) and is written back and reused: then the disk is full
        # with a WAL already large, so the next checkpoint fails first.
        before = [world.cast(n, c, project(c, 1)) for n in range(2, 70) for c in CATEGORIES]
        assert all(r["ok"] for r in before)
        disk.fill(keep=0)
        # Whatever still fits in the WAL is acked; then refusals.
        acked, refused = cast_until_full(world, voters, start=len(before) + 18)
        print(f"{len(before) + 1} votes, then full: {len(acked)} more acked, then refused")
        acked[:0] = [(1, "C1", first["body"]["receipt"])] + [(0, "", r["body"]["receipt"]) for r in before]
        assert cluster.call("voting", "sys.ping")["ok"]
        # The retry of an acked vote is answered from its stored reply,
        # disk full or not.
        again = world.cast(1, "C1", project("C1", 1), id="vote-1")
        assert again["ok"] and again["body"]["receipt"] == first["body"]["receipt"], again
        # A refused vote retried with the same id while full: refused again.
        n, category = refused
        assert world.cast(n, category, project(category, 2), id="refused")["error"]["code"] == "unavailable"
        assert world.cast(n, category, project(category, 2), id="refused")["error"]["code"] == "unavailable"
        assert sum(world.counts().values()) == len(acked)
        disk.free()
        # Freed: the same id is executed now (a failure was not stored as
        # its reply).
        reply = world.cast(n, category, project(category, 2), id="refused")
        assert reply["ok"] and reply["body"]["duplicate"] is False, reply
        assert sum(world.counts().values()) == len(acked) + 1
        events = world.events("vote.cast")
        assert len(events) == len(acked) + 1
        assert [e["seq"] for e in world.events()] == list(range(1, len(world.events()) + 1))
    finally:
        world.close()


def test_a_consumer_with_a_full_disk_skips_no_event(cluster, disk):
    world = VotingWorld(cluster, voters=5, per_category=3)
    try:
        disk.fill(keep=0)
        # Registrations arrive while voting cannot commit what it applies.
        base = world.submissions.last_seq()
        for n in range(6, 206):
            world.submissions.emit("stakeholder.registered", {
                "stakeholder_id": voter(n), "name": f"Voter {n}", "email": f"voter{n}@example.org",
                "type": "civil_society", "country": "CH", "region": "europe", "gender": "female"})
        last = base + 200

        def source():
            return cluster.call("voting", "sys.stats")["body"]["sources"]["submissions"]
        # It tried and is still up, and has not gone past what it could commit.
        cluster.wait_until(lambda: "disk is full" in cluster.log("voting"), what="voting to meet the full disk")
        assert cluster.call("voting", "sys.ping")["ok"]
        stats = source()
        assert stats["applied"] == stats["last_seq"] and stats["last_seq"] < last, stats
        disk.free()
        cluster.wait_until(lambda: source()["last_seq"] == last, what="voting to apply every registration")
        assert source() == {"last_seq": last, "applied": last}
        # Every voter is there, once: each may vote, once.
        for n in (6, 105, 205):
            assert world.cast(n, "C1", project("C1", 1))["ok"]
            assert world.cast(n, "C1", project("C1", 2))["error"]["code"] == "already_voted"
        world.restart()
        assert source() == {"last_seq": last, "applied": last}
    finally:
        world.close()


def test_submissions_on_a_full_disk_answer_unavailable_and_keep_what_was_acked(cluster, disk):
    cluster.start("bus", "submissions")
    assert cluster.call("submissions", "sys.clock.set", {"now": OPEN})["ok"]
    disk.fill(keep=512 * 1024)
    acked, refused = [], None
    for _ in range(5000):
        stakeholder = cluster.call("submissions", "stakeholder.register", stakeholder_body(), role="public")
        if stakeholder["ok"]:
            acked.append(stakeholder["body"]["stakeholder_id"])
        else:
            refused = stakeholder
            break
        created = cluster.call("submissions", "submission.create", prize_body(acked[-1]), role="gateway")
        if not created["ok"]:
            refused = created
            break
        acked.append(created["body"]["submission_id"])
    assert refused and refused["error"]["code"] == "unavailable", refused
    assert cluster.call("submissions", "sys.ping")["ok"]
    events = cluster.events("submissions")
    assert len(events) >= len(acked)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    listed = cluster.call("submissions", "submission.list", {"call": "prizes-2022", "limit": 500})["body"]
    submissions = [a for a in acked if a.startswith("sub")]
    assert submissions and listed["next"] is None
    assert {i["submission_id"] for i in listed["items"]} == set(submissions)
    disk.free()
    again = cluster.call("submissions", "stakeholder.register", stakeholder_body(), role="public")
    assert again["ok"], again
    cluster.stop("submissions")
    cluster.start("submissions")
    assert len(cluster.events("submissions")) == len(events) + 1


def journal(cluster, n, id=None):
    """publish of an outside system: event n, with a kilobyte of text so
    the disk fills in a few hundred."""
    return cluster.call("bus", "publish", {"topic": "forum.speaker.registered", "origin": "forum-site",
                                           "body": {"n": n, "bio": f"speaker {n} " + "x" * 1024}},
                        role="publisher", actor="forum-site", id=id)


def journalled(cluster):
    """(seq, n) of every journalled event, by events.since."""
    return [(e["seq"], e["body"]["n"]) for e in cluster.events("bus")]


# Some space left (the WAL grows until it cannot), and none at all.
@pytest.mark.parametrize("keep", [512 * 1024, 0])
def test_the_bus_journal_on_a_full_disk_refuses_keeps_what_it_acked_and_still_proxies(cluster, disk, keep):
    cluster.start("bus")
    sub = cluster.subscribe("")
    # An internal producer: its events live in its own outbox, not on
    # the bus's disk, and the bus only passes them on.
    source = FakeSource(cluster, "submissions")
    try:
        first = journal(cluster, 0, id="first")
        assert first["ok"], first
        acked = [(first["body"]["seq"], 0)]
        disk.fill(keep=keep)
        refused = None
        for n in range(1, 5000):
            reply = journal(cluster, n)
            if not reply["ok"]:
                refused = (n, reply)
                break
            acked.append((reply["body"]["seq"], n))
        assert refused, "the disk never filled up"
        assert refused[1]["error"]["code"] == "unavailable", refused
        print(f"journalled {len(acked)} events, then refused")
        # Full: refused again, a retry of an acked publish is answered from
        # its stored reply, and the bus answers and serves its journal.
        for _ in range(5):
            assert journal(cluster, refused[0])["error"]["code"] == "unavailable"
        again = journal(cluster, 0, id="first")
        assert again["ok"] and again["body"]["seq"] == first["body"]["seq"], again
        assert cluster.call("bus", "sys.ping")["ok"]
        assert journalled(cluster) == acked
        # Nothing the bus refused went out live: every journal event a
        # subscriber got was acked.
        live = []

        def journal_live(topic, event):
            if topic == "forum.speaker.registered":
                live.append((event["seq"], event["body"]["n"]))
            return topic == "stakeholder.registered"
        # The services' events still go through: send until the subscriber
        # sees one (the XSUB subscription reaches a new PUB in a moment).
        seen = None
        for n in range(50):
            source.emit("stakeholder.registered", {"stakeholder_id": f"stk-{n}"})
            seen = next_event(sub, journal_live, timeout=0.2)
            if seen:
                break
        assert seen and seen["source"] == "submissions", seen
        assert live and set(live) <= set(acked), live
        # Space again: the refused event is journalled next, after every
        # acked one, and all of it survives a restart.
        disk.free()
        reply = journal(cluster, refused[0])
        assert reply["ok"] and reply["body"]["seq"] == acked[-1][0] + 1, reply
        acked.append((reply["body"]["seq"], refused[0]))
        assert journalled(cluster) == acked
        cluster.stop("bus")
        cluster.start("bus")
        assert journalled(cluster) == acked
        assert journal(cluster, 9999)["body"]["seq"] == acked[-1][0] + 1
    finally:
        source.close()
        sub.close()
    assert "internal" not in cluster.log("bus")
