"""wsis-voting killed with SIGKILL in the middle of a stream of votes.

Several DEALER clients pipeline votes; the service is killed once some
hundreds have been acknowledged, then restarted. Every vote that got an ok
reply must be counted exactly once; a vote without a reply may or may not
have been committed, and sending it again gives ok (duplicate: true if it
had been) and never counts it twice.
"""
import random
import signal
import threading
import time
from collections import Counter

import zmq

from wsis_harness import CONTEXT, pack, unpack
from voting_helpers import CALL, CATEGORIES, DURING, VotingWorld, project, voter

VOTERS = 1500
PER_CATEGORY = 5
CLIENTS = 4
VOTES = 8000
KILL_AFTER = 1500       # ok replies seen before the kill
WINDOW = 300            # requests in flight per client


class Streamer(threading.Thread):
    """One DEALER pipelining its share of the votes, recording each reply."""

    def __init__(self, cluster, votes, first, acked, stop):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.endpoint = cluster.endpoint("voting")
        self.votes = votes
        self.first = first
        self.acked = acked          # shared counter of ok replies: [n]
        self.stop = stop
        self.replies = {}           # index -> reply

    def run(self):
        sock = CONTEXT.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        self.cluster.keyed(sock, "voting", "gateway").connect(self.endpoint)
        sent = 0
        try:
            while True:
                while not self.stop.is_set() and sent < len(self.votes) and sent - len(self.replies) < WINDOW:
                    n, category, k = self.votes[sent]
                    sock.send_multipart([b"", pack({
                        "v": 1, "id": f"c{self.first + sent}", "op": "vote.cast",
                        "actor": {"role": "gateway", "id": "web"},
                        "body": {"call": CALL, "voter_id": voter(n), "category": category,
                                 "submission_id": project(category, k)}})])
                    sent += 1
                # After the kill, whatever replies were already on their
                # way still arrive; then nothing more can.
                if not sock.poll(500 if self.stop.is_set() else 5000):
                    break
                while True:
                    try:
                        reply = unpack(sock.recv_multipart(zmq.NOBLOCK)[-1])
                    except zmq.Again:
                        break
                    self.replies[int(reply["id"][1:]) - self.first] = reply
                    if reply["ok"]:
                        self.acked[0] += 1
                if len(self.replies) == len(self.votes):
                    break
        finally:
            sock.close(0)
            self.sent = sent


def test_sigkill_mid_stream_loses_no_acked_vote_and_counts_none_twice(cluster):
    world = VotingWorld(cluster, voters=VOTERS, per_category=PER_CATEGORY)
    try:
        rng = random.Random(4)
        pairs = rng.sample([(n, c) for n in range(1, VOTERS + 1) for c in CATEGORIES], VOTES)
        votes = [(n, c, rng.randint(1, PER_CATEGORY)) for n, c in pairs]
        share = VOTES // CLIENTS
        acked, stop = [0], threading.Event()
        streamers = [Streamer(cluster, votes[i * share:(i + 1) * share], i * share,
                              acked, stop) for i in range(CLIENTS)]
        for s in streamers:
            s.start()
        deadline = time.monotonic() + 30
        while acked[0] < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.001)
        assert acked[0] >= KILL_AFTER, "the stream did not get going"
        cluster.kill("voting", signal.SIGKILL)
        stop.set()
        for s in streamers:
            s.join(timeout=20)
            assert not s.is_alive()

        ok, unanswered = {}, []
        for s in streamers:
            for i in range(len(s.votes)):
                reply = s.replies.get(i)
                if reply is None:
                    unanswered.append(s.votes[i])
                else:
                    assert reply["ok"], reply          # only fresh, valid votes were sent
                    assert reply["body"]["duplicate"] is False
                    ok[s.votes[i]] = reply["body"]["receipt"]
        assert len(ok) >= KILL_AFTER
        assert unanswered, "the kill came after the last vote: nothing was in flight"

        world.restart(clock=DURING)
        tally = world.tally()["body"]
        committed = tally["votes_cast"]
        # Every acknowledged vote is there; some unanswered ones may be.
        assert len(ok) <= committed <= len(ok) + len(unanswered)
        counts = world.counts()
        expected_min = Counter(project(c, k) for (n, c, k) in ok)
        assert all(counts[p] >= m for p, m in expected_min.items())
        for (n, c, k), receipt in list(ok.items())[::50]:
            assert world.cluster.call("voting", "vote.verify", {"receipt": receipt})["body"] == {
                "call": CALL, "category": c, "submission_id": project(c, k), "counted": True}

        # Sending the unanswered votes again: ok, a duplicate exactly when
        # it had been committed; acknowledged votes sent again are
        # duplicates with the receipt they got.
        duplicates = 0
        for n, c, k in unanswered:
            reply = world.cast(n, c, project(c, k), role="gateway")
            assert reply["ok"], reply
            duplicates += reply["body"]["duplicate"]
        print(f"acked {len(ok)}, unanswered {len(unanswered)}, committed without reply {committed - len(ok)}")
        assert duplicates == committed - len(ok)
        for (n, c, k), receipt in list(ok.items())[::100]:
            assert world.cast(n, c, project(c, k), role="gateway")["body"] == {"receipt": receipt,
                                                                                 "duplicate": True}

        # Now every vote is counted exactly once.
        assert world.counts() == {**{p: 0 for ps in world.lists.values() for p in ps},
                                  **Counter(project(c, k) for (n, c, k) in votes)}
        tally = world.tally()["body"]
        assert tally["votes_cast"] == VOTES
        assert tally["voters_cast"] == len({n for n, c, k in votes})
        # One vote.cast event per vote, with the receipt its voter got.
        events = world.events("vote.cast")
        assert len(events) == VOTES
        receipts = {e["body"]["receipt"] for e in events}
        assert len(receipts) == VOTES and set(ok.values()) <= receipts
        assert [e["seq"] for e in world.events()] == list(range(1, VOTES + 1))
    finally:
        world.close()
