"""Secure mode: events nobody can forge, ballots nobody can probe.

The attacks of the security review, each a test against the real
services with keys: events pushed straight into the bus XSUB claiming to
come from submissions, nominations or voting, by another system's
certificate, by another service's, by a stranger's key and by a client
without one; a forged heartbeat; a vote relayed to find out how someone
voted.
"""
import time

import pytest
import zmq

from wsis_harness import Cluster, envelope, next_event, pack
from contest_helpers import IN_REVIEW, IN_VOTING, OPEN, caught_up, ok
from submissions_helpers import prize_body, stakeholder_body
from voting_helpers import CALL, VotingWorld, project, voter


@pytest.fixture
def secure(tmp_path):
    c = Cluster(tmp_path, secure=True)
    c.start("bus", "submissions", "nominations", "voting", "reporting")
    yield c
    c.close()


def head(c, name):
    return c.call(name, "sys.ping")["body"]["last_seq"]


def stats(c, name):
    return c.call(name, "sys.stats")["body"]


def dropped(c):
    return stats(c, "bus")["proxy"]["dropped"]


def stranger(c):
    def apply(socket):
        public, secret = zmq.curve_keypair()
        socket.curve_publickey, socket.curve_secretkey = public, secret
        socket.curve_serverkey = c.keys.server_key("bus")
    return apply


def forgeries(c):
    """What an attacker would push: the next seq of each real source."""
    sub, nom, vot = head(c, "submissions"), head(c, "nominations"), head(c, "voting")
    return [
        ("stakeholder.registered", envelope("submissions", sub + 1, "stakeholder.registered", {
            "stakeholder_id": "stk-666", "name": "Mallory", "email": "m@example.org",
            "type": "civil_society", "country": "CH", "region": "europe"})),
        ("nominations.published", envelope("nominations", nom + 1, "nominations.published", {
            "call": "prizes-2022", "categories": {"C1": ["sub-evil"]}})),
        ("voting.closed", envelope("voting", vot + 1, "voting.closed", {
            "call": "prizes-2022", "results": {}, "champions": {"C1": ["sub-evil"]}})),
        ("vote.cast", envelope("voting", vot + 1, "vote.cast", {
            "call": "prizes-2022", "category": "C1", "submission_id": "sub-evil"})),
        ("sys.heartbeat", envelope("submissions", 0, "sys.heartbeat", {"last_seq": 2 ** 64 - 1})),
    ]


def vote_counts(c):
    """What reporting says of the votes and the nominated lists."""
    def body(op, request):
        reply = c.call("reporting", op, request)
        assert reply["ok"], reply
        return reply["body"]
    return {"summary": body("report.summary", {"call": "prizes-2022"}),
            "results": body("report.results", {"call": "prizes-2022"}),
            "votes": body("report.export", {"dataset": "votes", "call": "prizes-2022"})["data"],
            "nominations": body("report.export", {"dataset": "nominations", "call": "prizes-2022"})["data"]}


def speaker(name):
    return {"session_id": "s1", "session_title": "Opening", "track": "high-level", "name": name,
            "gender": "female", "role": "speaker", "organization": "ITU"}


def vote(c, voter_id, submission_id, category="C1"):
    """vote.cast as wsis-gateway relays it for voter_id."""
    return c.call("voting", "vote.cast", {"call": CALL, "voter_id": voter_id, "category": category,
                                          "submission_id": submission_id}, role="gateway", actor=voter_id)


def test_forged_events_are_dropped_and_the_real_ones_applied(secure):
    c = secure
    register = lambda n: c.call("submissions", "stakeholder.register",  # noqa: E731
                                stakeholder_body(email=f"real{n}@example.org"), role="public")
    # A project in review at nominations, and voting in its phase, so that
    # each source has a real event to make at the seq the forgeries claim.
    for name, now in (("submissions", OPEN), ("nominations", IN_REVIEW), ("voting", IN_VOTING),
                      ("reporting", IN_VOTING)):
        assert c.call(name, "sys.clock.set", {"now": now})["ok"]
    submitter = ok(register(1))["stakeholder_id"]
    nominee = ok(c.call("submissions", "submission.create", prize_body(submitter, category="C1"),
                        role="gateway"))["submission_id"]
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the project")
    ok(c.call("nominations", "review.decide", {"submission_id": nominee, "decision": "nominate"}, role="staff"))
    for name, source in (("voting", "submissions"), ("voting", "nominations"), ("reporting", "nominations")):
        c.wait_until(lambda: caught_up(c, name, source), what=f"{name} to apply {source}")
    watcher = c.subscribe()
    counts = vote_counts(c)
    events = forgeries(c)
    forged = {event["source"]: event["seq"] for _, event in events if event["seq"]}
    before = dropped(c)
    catchups = stats(c, "voting")["catchups"]["submissions"]
    # Two that connect and are judged (another system, another service),
    # two that never get through the handshake.
    judged = [c.publisher(c.curve("bus", "publisher", "forum-app")),
              c.publisher(lambda s: c.keys.apply(s, "reporting", "bus"))]
    refused = [c.publisher(), c.publisher(stranger(c))]
    try:
        def all_dropped():
            for pub in judged + refused:
                for topic, event in events:
                    pub.send_multipart([topic.encode(), pack(event)])
            return dropped(c) >= before + 2 * len(events)
        c.wait_until(all_dropped, what="the bus to drop the forgeries")
        # Reporting counted no forged vote, nominated list or champion.
        assert vote_counts(c) == counts
        assert counts["summary"]["votes"] == counts["summary"]["voters"] == 0
        assert counts["summary"]["champions"] == 0
        assert "sub-evil" not in counts["votes"] + counts["nominations"]

        # The real events with those seqs come, and are the ones applied:
        # the second stakeholder, the real ballot, a real vote on it.
        second = ok(register(2))["stakeholder_id"]
        published = ok(c.call("nominations", "nominations.publish", {"call": CALL}, role="staff"))
        assert published["categories"]["C1"] == [nominee]
        c.wait_until(lambda: caught_up(c, "voting", "submissions") and caught_up(c, "voting", "nominations"),
                     what="voting to learn the real voter and ballot")
        cast = ok(vote(c, second, nominee))
        assert cast["duplicate"] is False
        for source, seq in forged.items():
            real = [e for e in c.events(source) if e["seq"] == seq]
            assert len(real) == 1 and real[0]["type"] in {"stakeholder.registered", "nominations.published",
                                                          "vote.cast"}, (source, real)
            assert "stk-666" not in str(real[0]) and "sub-evil" not in str(real[0]), real
        consumers = {"voting": ("submissions", "nominations"), "nominations": ("submissions", "voting"),
                     "reporting": ("submissions", "nominations", "voting")}
        for name, sources in consumers.items():
            for source in sources:
                c.wait_until(lambda: caught_up(c, name, source), what=f"{name} to apply {source}")
                position = stats(c, name)["sources"][source]
                assert position["applied"] == position["last_seq"] >= forged[source], (name, source)
                assert stats(c, name)["lag"][source] == 0, (name, source)
        # What they applied is the real one: the forged voter cannot vote,
        # the forged nominee is on no ballot, the real vote is counted.
        refused_vote = vote(c, "stk-666", nominee)
        assert refused_vote["error"]["code"] == "ineligible", refused_vote
        third = ok(register(3))["stakeholder_id"]
        c.wait_until(lambda: caught_up(c, "voting", "submissions"), what="voting to learn the third voter")
        evil = vote(c, third, "sub-evil")
        assert evil["error"]["field"] == "submission_id", evil
        tally = ok(c.call("voting", "vote.tally", {"call": CALL}, role="staff"))
        assert [(p["submission_id"], p["votes_cast"]) for p in tally["categories"]["C1"]] == [(nominee, 1)]
        assert tally["closed"] is False
        after = vote_counts(c)
        assert after["summary"]["votes"] == after["summary"]["voters"] == 1, after["summary"]
        assert "sub-evil" not in after["votes"] + after["nominations"]
        assert f"C1,{nominee}," in after["votes"] and "C1,1" in after["nominations"], after
        # Nothing forged went out to subscribers.
        seen = []
        deadline = time.monotonic() + 1.0
        while (event := next_event(watcher, timeout=max(0.0, deadline - time.monotonic()))) is not None:
            seen.append(event)
        assert all(e["body"].get("stakeholder_id") != "stk-666" for e in seen)
        assert all("sub-evil" not in str(e["body"]) for e in seen)
        assert not [e for e in seen if e["type"] == "voting.closed"]
        # The forged heartbeat (head 2^64-1) never reached a consumer: had
        # it, voting would have asked submissions once more to learn that
        # it is not so. Every real event came live, in order, no gap.
        assert stats(c, "voting")["catchups"]["submissions"] == catchups
        stakeholders = [e["body"]["stakeholder_id"] for e in c.events("submissions")
                        if e["type"] == "stakeholder.registered"]
        assert stakeholders == [submitter, second, third]
    finally:
        for pub in judged + refused:
            pub.close(0)
        watcher.close(0)


def test_another_systems_external_event_goes_through(secure):
    """A publisher certificate may publish under a source of its own
    (docs/protocol.md, notes on the bus journal): forwarded as it is, to
    subscribers; no wsis service follows such a source, so none applies it
    (consumers ignore sources they do not follow). What other systems want
    applied goes through the journal's publish (source bus), which
    reporting reads (section 12: forum.speaker.registered)."""
    c = secure
    watcher = c.subscribe()
    pub = c.publisher(c.curve("bus", "publisher", "forum-app"))
    external = envelope("external", 1, "forum.speaker.registered", speaker("Fire And Forget"))
    forwarded, dropped_before = stats(c, "bus")["proxy"]["forwarded"], dropped(c)
    applied = {name: stats(c, name)["events_applied"] for name in ("voting", "nominations", "reporting")}
    try:
        def arrived():
            pub.send_multipart([b"forum.speaker.registered", pack(external)])
            return next_event(watcher, lambda t, e: e["source"] == "external", timeout=0.2)
        event = c.wait_until(arrived, what="the external event to be forwarded")
        assert event == external
        assert stats(c, "bus")["proxy"]["forwarded"] > forwarded
        assert dropped(c) == dropped_before
        # The journal: acked, journalled with source bus, applied by reporting.
        seq = ok(c.call("bus", "publish", {"topic": "forum.speaker.registered", "origin": "forum-app",
                                           "body": speaker("Through The Journal")},
                        role="publisher", actor="forum-app"))["seq"]
        c.wait_until(lambda: stats(c, "reporting")["sources"]["bus"]["last_seq"] == seq,
                     what="reporting to apply the journalled speaker")
        gender = ok(c.call("reporting", "report.gender", {}, role="public"))
        groups = {g["group"]: g for g in gender["groups"]}
        assert groups["Forum speakers"]["female"] == 1, groups
        # The fire-and-forget one was applied nowhere.
        assert stats(c, "reporting")["events_applied"] == applied["reporting"] + 1
        for name in ("voting", "nominations"):
            assert stats(c, name)["events_applied"] == applied[name], name
        assert all("external" not in stats(c, name)["sources"] for name in applied)
    finally:
        pub.close(0)
        watcher.close(0)


def pack(event):
    from wsis_harness import pack
    return pack(event)


def test_a_ballot_cannot_be_probed(tmp_path):
    c = Cluster(tmp_path, secure=True)
    world = VotingWorld(c, voters=10)
    try:
        first = world.cast(1, "C1", project("C1", 1))
        assert first["ok"], first
        # Another stakeholder relaying a vote "for" stk-1: forbidden, right
        # or wrong, so the answer says nothing of stk-1's ballot.
        for guess in (project("C1", 1), project("C1", 2)):
            probe = world.cast(1, "C1", guess, role="stakeholder", actor=voter(2))
            assert probe["error"]["code"] == "forbidden", probe
        # Claiming to be the gateway does not make a stakeholder one.
        relayed = c.client("voting", "stakeholder", voter(2)).call(
            "vote.cast", {"call": "prizes-2022", "voter_id": voter(1), "category": "C1",
                          "submission_id": project("C1", 1)}, role="gateway", actor=voter(1))
        assert relayed["error"]["code"] == "forbidden", relayed
        # The gateway acts for the voter it signed in: its own vote again.
        again = world.cast(1, "C1", project("C1", 1), role="gateway", actor=voter(1))
        assert again["ok"] and again["body"]["duplicate"] is True
        assert again["body"]["receipt"] == first["body"]["receipt"]
        # And may cast a vote for stk-7.
        seventh = world.cast(7, "C2", project("C2", 3), role="gateway", actor=voter(7))
        assert seventh["ok"] and seventh["body"]["duplicate"] is False
        assert world.counts()[project("C2", 3)] == 1
    finally:
        world.close()
        c.close()
