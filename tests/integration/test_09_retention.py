"""Outbox retention: events older than wsis/archive_after_days that every
consumer has applied leave the producer's outbox for a gzip file per month
in its data dir, and events.since still serves them, so a consumer rebuilt
from nothing gets every event from the first (docs/design.md, "Outbox
retention").

Every service runs (each is asked how far it has applied the others), with
a round of asking every second; the manual clock makes events old."""
import gzip
import random
import signal
import sqlite3
import time

import msgpack
import pytest

from contest_helpers import caught_up, ok, run_contest, set_clock
from submissions_helpers import stakeholder_body
from wsis_harness import Cluster, next_event

JANUARY = "2027-01-10T09:00:00Z"
MARCH = "2027-03-01T09:00:00Z"
MAY = "2027-05-01T09:00:00Z"


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path, options={"wsis": {"archive_after_days": 30, "archive_check_s": 1}})
    c.start_all()
    yield c
    c.close()


def register(c, count):
    for _ in range(count):
        ok(c.call("submissions", "stakeholder.register", stakeholder_body(), role="public", actor=None))


def speak(c, count, start=0):
    for n in range(start, start + count):
        ok(c.call("bus", "publish", {
            "topic": "forum.speaker.registered", "origin": "forum",
            "body": {"session_id": f"s{n % 3}", "session_title": "Session", "track": "hl",
                     "name": f"Speaker {n}", "gender": "female" if n % 2 else "male",
                     "role": "speaker", "organization": "ITU"}},
            role="publisher", actor="forum"))


def archive(c, name):
    return c.call(name, "sys.stats")["body"]["archive"]


def outbox_rows(c, name):
    """Rows left in the outbox table, read from the file of a stopped
    service (a running one keeps its database locked)."""
    assert c.processes[name].poll() is not None
    db = sqlite3.connect(f"file:{c.data_dir / (name + '.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        db.close()


def settled(c):
    return all(caught_up(c, consumer, source)
               for consumer, source in [("nominations", "submissions"), ("voting", "submissions"),
                                        ("notifications", "submissions"), ("reporting", "submissions"),
                                        ("gateway", "submissions"),
                                        ("reporting", "bus")])


def test_old_applied_events_move_to_the_archive_and_are_still_served(cluster):
    c = cluster
    set_clock(c, JANUARY)
    register(c, 40)
    speak(c, 12)
    c.wait_until(lambda: settled(c), what="every consumer to apply every event")
    before = {name: c.events(name) for name in ("submissions", "bus")}
    assert len(before["submissions"]) == 40 and len(before["bus"]) == 12
    gender = c.call("reporting", "report.gender", {"format": "json"})["body"]

    # Nothing is 30 days old yet: every round finds every consumer, moves nothing.
    c.wait_until(lambda: archive(c, "submissions")["checked"] is not None, what="a whole round")
    stats = archive(c, "submissions")
    assert stats["through"] == 0 and stats["silent"] == []
    assert set(stats["consumers"]) == {"nominations", "voting", "notifications", "reporting", "gateway"}
    assert all(seq == 40 for seq in stats["consumers"].values())

    set_clock(c, MARCH)
    for name, count in (("submissions", 40), ("bus", 12)):
        # The head stays in the outbox; everything before it moves.
        c.wait_until(lambda: archive(c, name)["through"] == count - 1,
                     what=f"{name}'s events to move to its archive")
        assert c.events(name) == before[name]
        assert c.events(name, after=count - 3, limit=1) == before[name][count - 3:]
        # zcat of the month's file is the envelopes, as events.since serves them
        path = c.data_dir / f"{name}-archive" / "2027-01.events.gz"
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(gzip.decompress(path.read_bytes()))
        archived = list(unpacker)
        assert archived == before[name][:count - 1]
        stats = archive(c, name)
        assert stats["events"] == count - 1 and stats["files"] == 1
        assert stats["bytes"] == path.stat().st_size
    assert archive(c, "bus")["consumers"].keys() >= {"reporting"}

    # A consumer rebuilt from nothing reads the archive: the same report.
    c.stop("reporting")
    c.start("reporting", args=["--rebuild"])
    c.wait_until(lambda: settled(c), what="the rebuild to apply every event")
    assert c.call("reporting", "report.gender", {"format": "json"})["body"] == gender
    assert c.call("reporting", "sys.stats")["body"]["sources"]["bus"]["applied"] == 12

    # The outbox holds the head alone; a restart goes on from the archive's
    # seq: nothing is numbered twice.
    c.stop("submissions")
    assert outbox_rows(c, "submissions") == 1
    c.start("submissions")
    register(c, 1)
    events = c.events("submissions")
    assert [e["seq"] for e in events] == list(range(1, 42))
    assert events[:40] == before["submissions"]


def test_votes_kept_by_reference_move_to_the_archive_as_they_were_published(cluster):
    """wsis-voting's vote.cast rows hold no envelope (the vote log holds the
    vote): moving them to the archive packs each one again from its vote,
    and the archive serves what was published."""
    c = cluster
    events = c.subscribe()
    votes = c.subscribe("vote.cast")
    run_contest(c, events)
    consumers = [name for name in ("nominations", "notifications", "reporting", "gateway")
                 if "voting" in c.call(name, "sys.stats")["body"]["sources"]]
    assert "reporting" in consumers
    c.wait_until(lambda: all(caught_up(c, consumer, "voting") for consumer in consumers),
                 what="every consumer to apply voting's events")
    before = c.events("voting")
    cast = [e for e in before if e["type"] == "vote.cast"]
    assert len(cast) > 500
    published = [next_event(votes, lambda t, e: t == "vote.cast") for _ in cast]
    assert sorted(published, key=lambda e: e["seq"]) == cast
    set_clock(c, "2023-06-01T09:00:00Z")
    count = len(before)
    c.wait_until(lambda: archive(c, "voting")["through"] == count - 1,
                 what="voting's events to move to its archive", timeout=60)
    assert c.events("voting") == before
    unpacker = msgpack.Unpacker(raw=False)
    for path in sorted((c.data_dir / "voting-archive").glob("*.events.gz")):
        unpacker.feed(gzip.decompress(path.read_bytes()))
    assert list(unpacker) == before[:count - 1]


def test_a_silent_consumer_holds_the_archive_back(cluster):
    c = cluster
    set_clock(c, JANUARY)
    register(c, 10)
    c.wait_until(lambda: settled(c), what="every consumer to apply every event")
    c.stop("reporting")
    register(c, 10)
    set_clock(c, MARCH)
    # Rounds go on without reporting's answer: nothing moves, and it is named.
    c.wait_until(lambda: archive(c, "submissions")["silent"] == ["reporting"],
                 what="a round that reporting did not answer")
    round_seen = archive(c, "submissions")["checked"]
    assert archive(c, "submissions")["through"] == 0
    assert archive(c, "submissions")["checked"] == round_seen

    # Back, it catches up from the outbox; then everything old moves.
    c.start("reporting")
    set_clock(c, MARCH)
    c.wait_until(lambda: settled(c), what="reporting to catch up")
    c.wait_until(lambda: archive(c, "submissions")["through"] == 19,
                 what="the events to move once reporting has them")
    assert archive(c, "submissions")["consumers"]["reporting"] == 20


def test_a_lagging_consumer_holds_back_only_what_it_has_not_applied(cluster):
    c = cluster
    set_clock(c, JANUARY)
    register(c, 10)
    c.wait_until(lambda: settled(c), what="every consumer to apply every event")
    # Reporting stops reading (SIGSTOP): it answers nothing, then all at once
    # when it wakes, behind by ten events, which stay in the outbox.
    c.processes["reporting"].send_signal(signal.SIGSTOP)
    register(c, 10)
    for name in ("bus", "submissions", "nominations", "voting", "notifications"):
        ok(c.call(name, "sys.clock.set", {"now": MAY}))
    c.wait_until(lambda: archive(c, "submissions")["silent"] == ["reporting"],
                 what="a round that reporting did not answer")
    assert archive(c, "submissions")["through"] == 0
    c.processes["reporting"].send_signal(signal.SIGCONT)
    c.wait_until(lambda: archive(c, "submissions")["through"] == 19,
                 what="everything applied and old to move")
    assert c.events("submissions", after=0, limit=7)[:20] == c.events("submissions")[:20]
    assert [e["seq"] for e in c.events("submissions")] == list(range(1, 21))


def test_archiving_off(tmp_path):
    c = Cluster(tmp_path, options={"wsis": {"archive_after_days": 0, "archive_check_s": 1}})
    try:
        c.start("submissions")
        set_clock(c, JANUARY)
        register(c, 3)
        set_clock(c, MAY)
        stats = archive(c, "submissions")
        assert stats["after_days"] == 0 and stats["checked"] is None and stats["through"] == 0
        c.stop("submissions")
        assert outbox_rows(c, "submissions") == 3
        assert not (c.data_dir / "submissions-archive").exists()
    finally:
        c.close()


def test_kill_9_while_events_move(tmp_path):
    """SIGKILL of the producer at random instants while its events move
    (chunks of 5 events, so the moving takes a while): after each restart
    every event is served once, in order, as it was; the archive's files
    hold exactly the chunks its index records; and the moving goes on to
    the end."""
    c = Cluster(tmp_path, options={"wsis": {"archive_after_days": 1, "archive_check_s": 1,
                                            "archive_chunk": 5}})
    rng = random.Random(9)
    try:
        c.start_all()
        set_clock(c, JANUARY)
        register(c, 1500)
        c.wait_until(lambda: settled(c), what="every consumer to apply every event", timeout=60)
        before = c.events("submissions")
        set_clock(c, MARCH)
        kills_moving = 0
        at = 0
        for _ in range(8):
            # Once a round has started moving events, a kill within 20 ms
            c.wait_until(lambda: archive(c, "submissions")["through"] > at,
                         what="events to be moving", timeout=30)
            time.sleep(rng.uniform(0.0, 0.02))
            c.kill("submissions")
            c.start("submissions")
            assert c.events("submissions") == before
            at = archive(c, "submissions")["through"]
            kills_moving += at < 1499
            if at == 1499:
                break
        c.wait_until(lambda: archive(c, "submissions")["through"] == 1499,
                     what="every event but the head to move", timeout=60)
        assert c.events("submissions") == before
        stats = archive(c, "submissions")
        folder = c.data_dir / "submissions-archive"
        assert stats["bytes"] == sum(f.stat().st_size for f in folder.iterdir())
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(gzip.decompress((folder / "2027-01.events.gz").read_bytes()))
        assert list(unpacker) == before[:1499]
        # The kills came while events were moving, not only after.
        assert kills_moving >= 3, kills_moving
    finally:
        c.close()
