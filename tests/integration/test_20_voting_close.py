"""wsis-voting: closing the vote, champions, and the complete-ballot rule.

Voting closes itself when its clock passes the end of the voting phase
(2022-03-31 23:00 Geneva, 21:00:00Z); staff may close it after the end.
Champions are the top 5 of each category by valid votes; a tie at the
cut-off goes to the project that reached its final count first.
"""
import pytest

from wsis_harness import Client, Cluster, next_event, pack, unpack
from voting_helpers import (CALL, CATEGORIES, CLOSES, DURING, LAST_SECOND, VotingWorld, no_event,
                            project, voter)


def cast_all(world, votes):
    """votes: [(voter n, category, project k)] in this order; returns receipts."""
    receipts = {}
    for n, category, k in votes:
        reply = world.cast(n, category, project(category, k))
        assert reply["ok"] and reply["body"]["duplicate"] is False, (n, category, k, reply)
        receipts[(n, category)] = reply["body"]["receipt"]
    return receipts


def ranking(results, category):
    return [(r["submission_id"], r["votes"], r["rank"]) for r in results[category]]


def test_closed_by_the_clock_with_champions_and_a_tie_at_rank_5(cluster):
    world = VotingWorld(cluster, voters=40, per_category=7)
    try:
        votes = []
        nxt = iter(range(1, 41))
        # C1: 5, 4, 3, 2 votes for projects 1-4; projects 5 and 6 get one
        # vote each, 5's first: 5 reached its final count first, so 5 is
        # the fifth champion.
        for k, count in ((1, 5), (2, 4), (3, 3), (4, 2), (5, 1), (6, 1)):
            votes += [(next(nxt), "C1", k) for _ in range(count)]
        # C2: the same counts, but project 6 gets its vote before project
        # 5: now 6 is the champion, though 5 comes first in the list.
        voters = iter(range(1, 41))
        for k, count in ((1, 5), (2, 4), (3, 3), (4, 2), (6, 1), (5, 1)):
            votes += [(next(voters), "C2", k) for _ in range(count)]
        # C3: 7 is ahead from the start (votes 1 and 4 of the category),
        # 6 reaches 2 votes with the category's third vote: 6 reached the
        # final count first, so 6 ranks above 7 though 7 led.
        votes += [(1, "C3", 7), (2, "C3", 6), (3, "C3", 6), (4, "C3", 7)]
        cast_all(world, votes)

        sub = cluster.subscribe("voting.")
        world.set_clock(LAST_SECOND)
        assert no_event(sub, "voting.closed", timeout=1.2)   # a tick has passed: still open
        world.set_clock(CLOSES)
        event = next_event(sub, lambda t, e: t == "voting.closed")
        assert event is not None, cluster.log("voting")
        body = event["body"]
        assert set(body) == {"call", "results", "champions", "votes", "voters", "votes_cast",
                             "voters_cast", "complete_ballot_required"}
        assert body["call"] == CALL
        assert body["complete_ballot_required"] is False
        assert (body["votes"], body["voters"], body["votes_cast"], body["voters_cast"]) == (36, 16, 36, 16)
        assert set(body["results"]) == set(CATEGORIES) == set(body["champions"])

        p = lambda c, k: project(c, k)
        assert ranking(body["results"], "C1") == [
            (p("C1", 1), 5, 1), (p("C1", 2), 4, 2), (p("C1", 3), 3, 3), (p("C1", 4), 2, 4),
            (p("C1", 5), 1, 5), (p("C1", 6), 1, 6), (p("C1", 7), 0, 7)]
        assert body["champions"]["C1"] == [p("C1", k) for k in (1, 2, 3, 4, 5)]
        assert ranking(body["results"], "C2")[4:6] == [(p("C2", 6), 1, 5), (p("C2", 5), 1, 6)]
        assert body["champions"]["C2"] == [p("C2", k) for k in (1, 2, 3, 4, 6)]
        assert ranking(body["results"], "C3")[:2] == [(p("C3", 6), 2, 1), (p("C3", 7), 2, 2)]
        assert body["champions"]["C3"] == [p("C3", k) for k in (6, 7, 1, 2, 3)]
        # No votes at all: the nominated list's order.
        assert body["champions"]["C11"] == [p("C11", k) for k in (1, 2, 3, 4, 5)]
        assert all(r["votes_cast"] == r["votes"] for r in body["results"]["C1"])

        # Closed: no more votes, no second close, and the tally is public.
        assert world.cast(40, "C1", p("C1", 7))["error"]["code"] == "deadline_passed"
        again = cluster.call("voting", "voting.close", {"call": CALL}, role="staff", actor="staff-1")
        assert again["error"]["code"] == "conflict" and again["error"]["field"] == "call"
        public = world.tally(role="public", category="C1")["body"]
        assert public["closed"] is True
        assert [(r["submission_id"], r["votes"], r["rank"]) for r in public["categories"]["C1"]] == \
            ranking(body["results"], "C1")
        assert len(world.events("voting.closed")) == 1

        # A restart keeps it closed and does not close it twice.
        world.restart(clock=CLOSES)
        assert no_event(sub, "voting.closed", timeout=1.2)
        assert world.tally(role="public")["body"]["closed"] is True
        assert len(world.events("voting.closed")) == 1
    finally:
        world.close()


def test_staff_close_refusals(cluster):
    world = VotingWorld(cluster, voters=3, per_category=2)
    try:
        close = lambda role="staff", **body: cluster.call("voting", "voting.close", {"call": CALL, **body},
                                                          role=role, actor="staff-1")
        early = close()
        assert early["ok"] is False and early["error"]["code"] == "phase_not_open"
        assert "still open until 2022-03-31T21:00:00Z (2022-03-31 23:00 Europe/Geneva)" \
            in early["error"]["message"]
        for role in ("stakeholder", "public", "gateway", "expert"):
            assert close(role=role)["error"]["code"] == "forbidden"
        bad = cluster.call("voting", "voting.close", {"call": "hltf-2022"}, role="staff")
        assert bad["error"]["code"] == "validation" and bad["error"]["field"] == "call"
        assert world.events("voting.closed") == []
        assert world.tally()["body"]["closed"] is False
    finally:
        world.close()


def test_staff_close_after_the_end(cluster):
    """Staff close as soon as the clock has passed the end. The service's
    own close runs after the batch that moved the clock, so when both
    requests arrive in one batch staff close it; otherwise the clock did,
    and staff get `conflict`. Either way the vote is closed exactly once."""
    world = VotingWorld(cluster, voters=3, per_category=2)
    try:
        assert world.cast(1, "C1", project("C1", 2))["ok"]
        client = Client(cluster.endpoint("voting"), curve=cluster.curve("voting"))
        client.send_raw(pack({"v": 1, "id": "clock", "op": "sys.clock.set", "body": {"now": CLOSES}}))
        client.send_raw(pack({"v": 1, "id": "close", "op": "voting.close", "body": {"call": CALL},
                              "actor": {"role": "staff", "id": "staff-1"}}))
        replies = {r["id"]: r for r in (client.recv(), client.recv())}
        client.close()
        assert replies["clock"]["ok"]
        closed = world.events("voting.closed")
        assert len(closed) == 1
        if replies["close"]["ok"]:
            assert replies["close"]["body"] == closed[0]["body"]
            assert closed[0]["body"]["champions"]["C1"] == [project("C1", 2), project("C1", 1)]
        else:
            assert replies["close"]["error"]["code"] == "conflict"
    finally:
        world.close()


def test_a_call_without_published_nominations_is_not_closed(cluster):
    world = VotingWorld(cluster, voters=3, publish=False)
    try:
        sub = cluster.subscribe("voting.")
        world.set_clock(CLOSES)
        assert no_event(sub, "voting.closed", timeout=1.5)
        reply = cluster.call("voting", "voting.close", {"call": CALL}, role="operator")
        assert reply["error"]["code"] == "conflict" and reply["error"]["field"] == "call"
        assert world.events("voting.closed") == []
    finally:
        world.close()


def test_complete_ballot_required(tmp_path):
    """The 2013 rule: only voters who voted in every category count. The
    tally keeps both counts, so staff see what the rule changes."""
    cluster = Cluster(tmp_path, options={"voting": {"complete_ballot_required": "true"}})
    world = None
    try:
        world = VotingWorld(cluster, voters=5, per_category=3)
        others = [c for c in CATEGORIES if c not in ("C1", "C2")]
        receipts = cast_all(world, [(2, "C1", 2), (3, "C1", 2)])
        receipts.update(cast_all(world, [(4, "C2", 2)] + [(4, c, 1) for c in others]))
        receipts.update(cast_all(world, [(5, "C2", 3)] + [(5, c, 1) for c in others + ["C1"]]))
        receipts.update(cast_all(world, [(1, c, 1) for c in CATEGORIES]))
        verify = lambda n, c: cluster.call("voting", "vote.verify", {"receipt": receipts[(n, c)]})["body"]
        assert verify(4, "C2")["counted"] is False      # voter 4 has 17 of 18 categories
        receipts.update(cast_all(world, [(4, "C1", 1)]))
        assert verify(4, "C2")["counted"] is True
        assert verify(2, "C1") == {"call": CALL, "category": "C1", "submission_id": project("C1", 2),
                                   "counted": False}

        tally = world.tally()["body"]
        assert tally["complete_ballot_required"] is True
        assert (tally["votes"], tally["voters"], tally["votes_cast"], tally["voters_cast"],
                tally["complete_voters"]) == (54, 3, 56, 5, 3)
        rows = lambda t, c: [(r["submission_id"], r["votes"], r["votes_cast"], r["votes_complete"], r["rank"])
                             for r in t["categories"][c]]
        assert rows(tally, "C1") == [(project("C1", 1), 3, 3, 3, 1), (project("C1", 2), 0, 2, 0, 2),
                                     (project("C1", 3), 0, 0, 0, 3)]
        # C2: one valid vote each; project 3's counted first (voter 5
        # completed first), then 1 (voter 1), then 2 (voter 4, last).
        assert rows(tally, "C2") == [(project("C2", 3), 1, 1, 1, 1), (project("C2", 1), 1, 1, 1, 2),
                                     (project("C2", 2), 1, 1, 1, 3)]

        # The counts survive a restart (replayed from the vote log).
        world.restart()
        assert world.tally()["body"] == tally

        sub = cluster.subscribe("voting.")
        world.set_clock(CLOSES)
        body = next_event(sub, lambda t, e: t == "voting.closed")["body"]
        assert body["complete_ballot_required"] is True
        assert (body["votes"], body["voters"], body["votes_cast"], body["voters_cast"]) == (54, 3, 56, 5)
        assert body["champions"]["C1"] == [project("C1", k) for k in (1, 2, 3)]
        assert body["champions"]["C2"] == [project("C2", k) for k in (3, 1, 2)]
        assert [(r["submission_id"], r["votes"], r["votes_cast"]) for r in body["results"]["C1"]] == [
            (project("C1", 1), 3, 3), (project("C1", 2), 0, 2), (project("C1", 3), 0, 0)]

        # Without the rule the same votes rank otherwise: every vote counts
        # and in C2 project 2 got its vote first.
        cluster.config.write_text(cluster.config.read_text().replace(
            "complete_ballot_required = true", "complete_ballot_required = false"))
        world.restart()
        tally = world.tally()["body"]
        assert tally["complete_ballot_required"] is False
        assert (tally["votes"], tally["voters"]) == (56, 5)
        assert rows(tally, "C2") == [(project("C2", 2), 1, 1, 1, 1), (project("C2", 3), 1, 1, 1, 2),
                                     (project("C2", 1), 1, 1, 1, 3)]
        assert rows(tally, "C1")[:2] == [(project("C1", 1), 3, 3, 3, 1), (project("C1", 2), 2, 2, 0, 2)]
        assert verify(2, "C1")["counted"] is True
    finally:
        if world:
            world.close()
        cluster.close()
