"""wsis-voting keeps a vote.cast event by reference: its outbox row holds
the type, the time and the vote's number, not the envelope, and the body is
packed again from the vote's row in the log when the event is served again
(docs/design.md, "The vote log is the outbox"). What a consumer gets from
events.since must be exactly what was published live: the same call,
category, project, receipt and new_voter, the same seq and ts, before and
after a restart or a kill -9 (the state the body is rebuilt from is loaded
again from the log)."""
import signal
import sqlite3

import msgpack

from voting_helpers import CATEGORIES, VotingWorld, project
from wsis_harness import next_event


def live_votes(world, sub, casts):
    """Casts (voter, category, n) in order; the vote.cast events as
    published, in the order of their seq."""
    published = []
    for voter, category, n in casts:
        reply = world.cast(voter, category, project(category, n))
        assert reply["ok"] and not reply["body"]["duplicate"], reply
        event = next_event(sub, lambda t, e: t == "vote.cast")
        assert event is not None, "no vote.cast published"
        assert event["body"]["receipt"] == reply["body"]["receipt"]
        published.append(event)
    return sorted(published, key=lambda e: e["seq"])


def outbox_rows(cluster):
    """(seq, type, envelope bytes, ref) of every outbox row, read from the
    file of the stopped service."""
    db = sqlite3.connect(f"file:{cluster.data_dir / 'voting.db'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT seq, type, length(envelope), ref FROM outbox ORDER BY seq").fetchall()
    finally:
        db.close()


def test_events_served_again_are_the_events_published(cluster):
    world = VotingWorld(cluster, voters=6, per_category=3)
    try:
        sub = cluster.subscribe("vote.")
        # Voter 1 votes in three categories (new_voter only the first time),
        # voter 2 in one, voter 3 in two with voter 2 in between.
        casts = [(1, "C1", 1), (1, "e-gov", 2), (2, "C1", 2), (3, "C3", 3), (1, "C11", 1),
                 (3, "C1", 3)]
        published = live_votes(world, sub, casts)
        assert [e["body"]["new_voter"] for e in published] == [True, False, True, True, False, False]
        assert world.events("vote.cast") == published

        # The outbox rows keep no envelope: each one names its vote, whose
        # number the receipt starts with.
        cluster.stop("voting")
        rows = [r for r in outbox_rows(cluster) if r[1] == "vote.cast"]
        assert [(seq, length) for seq, _, length, _ in rows] == [(e["seq"], 0) for e in published]
        assert [ref for *_, ref in rows] == [int(e["body"]["receipt"][:16], 16) for e in published]

        # Started again (the state rebuilt from the log), then killed -9
        # after more votes: the same events, old and new.
        world.restart()
        sub = cluster.subscribe("vote.")
        published += live_votes(world, sub, [(4, "C2", 1), (2, "C2", 3)])
        assert [e["body"]["new_voter"] for e in published[-2:]] == [True, False]
        world.restart(kill=True)
        assert world.events("vote.cast") == published
        # A page that starts in the middle is rebuilt the same way.
        middle = cluster.call("voting", "events.since", {"after": published[2]["seq"] - 1, "limit": 2},
                              role="service")["body"]["events"]
        assert middle == published[2:4]
    finally:
        world.close()


def test_an_outbox_made_before_the_reference_column_is_upgraded(cluster):
    """A voting.db whose outbox has no ref column (made by an older
    version): the column is added at start, the old rows are served as
    they were stored, and new votes are kept by reference."""
    world = VotingWorld(cluster, voters=3, per_category=2)
    try:
        sub = cluster.subscribe("vote.")
        published = live_votes(world, sub, [(1, "C1", 1)])
        cluster.stop("voting")
        # The outbox as an older version made it: the envelope in the row.
        envelope = msgpack.packb(published[0], use_bin_type=True)
        db = sqlite3.connect(cluster.data_dir / "voting.db")
        with db:
            db.execute("CREATE TABLE outbox_old (seq INTEGER PRIMARY KEY, type TEXT NOT NULL,"
                       " ts INTEGER NOT NULL, envelope BLOB NOT NULL)")
            db.execute("INSERT INTO outbox_old SELECT seq, type, ts, ? FROM outbox", (envelope,))
            db.execute("DROP TABLE outbox")
            db.execute("ALTER TABLE outbox_old RENAME TO outbox")
        db.close()

        world.restart()
        sub = cluster.subscribe("vote.")
        published += live_votes(world, sub, [(2, "C1", 2)])
        assert world.events("vote.cast") == published
        cluster.stop("voting")
        lengths = [length for _, kind, length, _ in outbox_rows(cluster) if kind == "vote.cast"]
        assert lengths[0] == len(envelope) and lengths[1] == 0
    finally:
        world.close()


def test_every_category_of_a_ballot(cluster):
    """A voter who votes in all 18 categories: new_voter once, and the
    rebuilt events match whatever order the categories came in."""
    world = VotingWorld(cluster, voters=2, per_category=2)
    try:
        sub = cluster.subscribe("vote.")
        order = CATEGORIES[7:] + CATEGORIES[:7]
        published = live_votes(world, sub, [(1, category, 1) for category in order])
        assert [e["body"]["new_voter"] for e in published] == [True] + [False] * 17
        cluster.kill("voting", signal.SIGKILL)
        world.restart()
        assert world.events("vote.cast") == published
    finally:
        world.close()
