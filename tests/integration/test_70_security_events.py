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
from submissions_helpers import stakeholder_body
from voting_helpers import VotingWorld, project, voter


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


def test_forged_events_are_dropped_and_the_real_ones_applied(secure):
    c = secure
    register = lambda n: c.call("submissions", "stakeholder.register",  # noqa: E731
                                stakeholder_body(email=f"real{n}@example.org"), role="public")
    assert register(1)["ok"]
    c.wait_until(lambda: stats(c, "voting")["sources"]["submissions"]["last_seq"] == head(c, "submissions"),
                 what="voting to apply the first stakeholder")
    watcher = c.subscribe()
    counts = vote_counts(c)
    events = forgeries(c)
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
        # The real events with those seqs come, and are the ones applied.
        second = register(2)
        assert second["ok"]
        real = head(c, "submissions")
        for name in ("voting", "reporting", "nominations"):
            c.wait_until(lambda: stats(c, name)["sources"]["submissions"]["last_seq"] == real,
                         what=f"{name} to apply the real stakeholder")
            sources = stats(c, name)["sources"]
            assert sources["submissions"]["applied"] == real, name
            if "voting" in sources:
                assert sources["voting"]["last_seq"] == head(c, "voting"), name
            if "nominations" in sources:
                assert sources["nominations"]["last_seq"] == head(c, "nominations"), name
            assert stats(c, name)["lag"]["submissions"] == 0, name
        # Reporting counted no forged vote, nominated list or champion.
        assert vote_counts(c) == counts
        assert counts["summary"]["votes"] == counts["summary"]["voters"] == 0
        assert counts["summary"]["nominated"] == {} and counts["summary"]["champions"] == 0
        assert "sub-evil" not in counts["votes"] + counts["nominations"]
        # Nothing forged went out to subscribers.
        seen = []
        deadline = time.monotonic() + 1.0
        while (event := next_event(watcher, timeout=max(0.0, deadline - time.monotonic()))) is not None:
            seen.append(event)
        assert any(e["type"] == "stakeholder.registered" for e in seen)
        assert all(e["body"].get("stakeholder_id") != "stk-666" for e in seen)
        assert not [e for e in seen if e["type"] in ("nominations.published", "voting.closed", "vote.cast")]
        assert all(e["body"].get("last_seq", 0) < 2 ** 63 for e in seen if e["type"] == "sys.heartbeat")
        # The forged heartbeat cost the source nothing.
        assert stats(c, "voting")["catchups"]["submissions"] <= catchups + 2
        stakeholders = [e["body"]["stakeholder_id"] for e in c.events("submissions")
                        if e["type"] == "stakeholder.registered"]
        assert "stk-666" not in stakeholders and len(stakeholders) == 2
        assert second["body"]["stakeholder_id"] in stakeholders
    finally:
        for pub in judged + refused:
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
