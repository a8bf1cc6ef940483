"""Forged heads: in development mode any PUB may connect to the bus XSUB,
so anyone can publish a sys.heartbeat or an envelope in a source's name.
A consumer takes such a head as a reason to ask the source (events.since),
never as the truth: the source's answer puts its lag back to 0, and a
flood of forgeries costs the source a few asks, not one per forgery.
(docs/design.md, "No event is lost"; docs/protocol.md, notes on Events.)

Counts are asserted, not timings: how many events.since wsis-voting sent
to wsis-submissions (sys.stats catchups) and how many requests
wsis-submissions answered (sys.stats requests) while forgeries kept
coming for two seconds.
"""
import time

from submissions_helpers import OPEN, Submissions
from wsis_harness import envelope, next_event, pack

FORGED_HEAD = 2 ** 64 - 1
FORGED_SEQ = 1000000
FLOOD_SECONDS = 2.0
# Asks the backoff lets through in FLOOD_SECONDS (250 ms, then 500, 1000,
# 2000: about five), with room for the tick and a slow machine; without it
# there is one per batch of forgeries, hundreds.
MOST_ASKS = 12


def stats(cluster, name):
    return cluster.call(name, "sys.stats")["body"]


def asks(cluster):
    """events.since wsis-voting has sent to wsis-submissions."""
    return stats(cluster, "voting")["catchups"]["submissions"]


def lag(cluster):
    return stats(cluster, "voting")["lag"]["submissions"]


def forge_heartbeat(pub, head=FORGED_HEAD):
    heartbeat = envelope("submissions", 0, "sys.heartbeat", {"last_seq": head})
    pub.send_multipart([b"sys.heartbeat", pack(heartbeat)])


def forge_envelope(pub, seq=FORGED_SEQ):
    event = envelope("submissions", seq, "stakeholder.registered", {"stakeholder_id": "stk-forged"})
    pub.send_multipart([b"stakeholder.registered", pack(event)])


def test_forged_heads_end_in_no_lag_and_a_few_asks(cluster):
    cluster.start("bus", "submissions", "voting")
    # voting asked submissions once at start, and is not behind.
    cluster.wait_until(lambda: asks(cluster) >= 1 and lag(cluster) == 0,
                       what="voting to ask submissions at start")
    watcher = cluster.subscribe("stakeholder.")
    # With keys the bus forwards a submissions event only from the
    # submissions certificate: the forger holds it (a stolen key), and the
    # consumer's own defence is what is tested.
    forger = cluster.publisher(cluster.keys and (lambda s: cluster.keys.apply(s, "submissions", "bus")))
    try:
        # The forged heartbeat passes the bus (a PUB's first messages are
        # dropped until the XSUB's subscription reaches it), so voting,
        # subscribed to every topic, gets it too.
        def forged_heartbeat_passed():
            forge_heartbeat(forger)
            return next_event(watcher, lambda t, e: e["source"] == "submissions"
                              and e["body"].get("last_seq") == FORGED_HEAD, timeout=0.1)
        cluster.wait_until(forged_heartbeat_passed, what="a forged heartbeat to pass the bus")
        forge_envelope(forger)
        assert next_event(watcher, lambda t, e: e["seq"] == FORGED_SEQ) is not None

        # voting asked, and the answer (last_seq 0) ended the lag.
        cluster.wait_until(lambda: asks(cluster) >= 2 and lag(cluster) == 0,
                           what="submissions' answer to put voting's lag back to 0")

        # Two seconds of forgeries, a heartbeat every millisecond or so and
        # a gap every tenth: a few asks reach the source.
        asked, answered = asks(cluster), stats(cluster, "submissions")["requests"]
        forged = 0
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            forge_heartbeat(forger, FORGED_HEAD - forged)
            if forged % 10 == 0:
                forge_envelope(forger, FORGED_SEQ + forged)
            forged += 1
            time.sleep(0.001)
        asked = asks(cluster) - asked
        # Less the sys.stats that reads the count, which counts itself.
        answered = stats(cluster, "submissions")["requests"] - answered - 1
        assert forged >= 500, forged
        assert asked <= MOST_ASKS, f"voting sent {asked} events.since for {forged} forgeries"
        assert answered <= MOST_ASKS, f"submissions answered {answered} requests for {forged} forgeries"

        # Once they stop, the next answer puts the lag back to 0.
        cluster.wait_until(lambda: lag(cluster) == 0, what="voting's lag to return to 0")
    finally:
        forger.close()
        watcher.close()

    # Nothing forged was applied, and a real event still is, once.
    assert stats(cluster, "voting")["sources"]["submissions"] == {"last_seq": 0, "applied": 0}
    submissions = Submissions(cluster)
    submissions.set_clock(OPEN)
    submissions.register()
    cluster.wait_until(lambda: stats(cluster, "voting")["sources"]["submissions"]
                       == {"last_seq": 1, "applied": 1}, what="voting to apply the real event")
    assert lag(cluster) == 0
