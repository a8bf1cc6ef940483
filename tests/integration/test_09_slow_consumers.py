"""Slow and dead consumers: a subscriber that stops reading while events
flow costs the bus a bounded queue (bus/subscriber_hwm events), slows
nobody else, and a consumer service that was stopped catches up by
events.since when it wakes (docs/protocol.md, "Framing and limits").

`make test` stalls them while 200,000 events are journalled (15 s or
so); the chaos suite (`make chaos`, which runs this file with
WSIS_CHAOS_LONG=1) for a minute of journalling as fast as the bus
takes it. A live subscriber, a process of its own (process_clients.py),
times every event from its publisher to itself: its latency before the
stall and during it is printed, never asserted.
"""
import os
import signal
import time

import zmq

from process_clients import LiveReader, summary
from wsis_harness import CONTEXT, SANITIZED, Cluster, pack, unpack

EVENTS = 200000                 # the stall of make test: this many events journalled
STALL_S = 60.0 if os.environ.get("WSIS_CHAOS_LONG") == "1" else None   # make chaos: this long
BEFORE = 20000                  # journalled before the stall: the live subscriber's normal latency
WINDOW = 2000
SUBSCRIBER_HWM = 20000          # bus/subscriber_hwm's default
# Two subscribers that do not read (one SUB, one stopped service) hold
# 2 x 20,000 events at most: ~55 MiB at peak here. With the XPUB's send
# high-water mark at wsis/event_hwm (1,000,000) they held all 200,000 events
# each: 139 MiB, and more with every event.
RSS_BOUND_MB = 80
# Besides, the bus keeps an index of the replies it stored for the last 24 h
# (wsis_retry: a resend is answered, not journalled twice): 16 bytes a
# slot, at most 64 a publish while its table doubles. Found by the minute
# of make chaos: its hash table of keys took 145 bytes a publish, 171 MiB
# after 1,080,000 of them.
INDEX_BYTES = 64


def speaker(n):
    """A publish of the Forum's system; sent_ns, when it was sent, lets the
    live subscriber time it."""
    return pack({"v": 1, "id": f"e{n}", "op": "publish",
                 "actor": {"role": "publisher", "id": "forum"},
                 "body": {"topic": "forum.speaker.registered", "origin": "forum",
                          "body": {"session_id": f"s{n % 50}", "session_title": "t", "track": "hl",
                                   "name": f"speaker {n}", "gender": "female", "role": "speaker",
                                   "organization": "ITU", "sent_ns": time.monotonic_ns()}}})


def journal(cluster, first, count=None, seconds=None):
    """Publishes events numbered from first through the bus journal,
    WINDOW in flight, count of them or as many as seconds allow; every
    one must be acked. Returns how many."""
    dealer = cluster.keyed(CONTEXT.socket(zmq.DEALER), "bus", "publisher", "forum")
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.SNDHWM, 0)
    dealer.setsockopt(zmq.RCVHWM, 0)
    dealer.connect(cluster.endpoint("bus"))
    sent = acked = 0
    until = time.monotonic() + seconds if seconds else None
    try:
        while True:
            while (until is None or time.monotonic() < until) and (count is None or sent < count) \
                    and sent - acked < WINDOW:
                dealer.send_multipart([b"", speaker(first + sent)])
                sent += 1
            if acked == sent:
                return acked
            assert dealer.poll(10000), f"{acked} of {sent} acked"
            while dealer.poll(0):
                reply = unpack(dealer.recv_multipart()[-1])
                assert reply["ok"], reply
                acked += 1
    finally:
        dealer.close(0)


def test_a_subscriber_that_stops_reading_and_a_stopped_consumer(cluster):
    cluster.start("bus", "reporting")
    reader = LiveReader(f"tcp://127.0.0.1:{cluster.ports['xpub']}", "forum.",
                        keys=cluster.curve_keys("bus", "service", "reader"))
    # The dead subscriber: its own queue and socket buffers are small so
    # the bus's queue fills; it reads one heartbeat (its subscription is
    # live), then nothing, ever.
    dead = cluster.keyed(CONTEXT.socket(zmq.SUB), "bus", "service", "dead")
    dead.setsockopt(zmq.LINGER, 0)
    dead.setsockopt(zmq.RCVHWM, 100)
    dead.setsockopt(zmq.RCVBUF, 4096)
    dead.setsockopt_string(zmq.SUBSCRIBE, "")
    dead.connect(f"tcp://127.0.0.1:{cluster.ports['xpub']}")
    try:
        # The live subscriber's normal latency: events before the stall.
        journal(cluster, 1, count=BEFORE)
        cluster.wait_until(lambda: reader.count() == BEFORE, what="the live subscriber to see the first events")
        assert dead.poll(10000)
        dead.recv_multipart()
        # A consumer service stopped for a while, under load.
        cluster.processes["reporting"].send_signal(signal.SIGSTOP)
        start = time.monotonic()
        stalled = journal(cluster, BEFORE + 1, count=None if STALL_S else EVENTS, seconds=STALL_S)
        took = time.monotonic() - start
        total = BEFORE + stalled
        last_seq = cluster.call("bus", "sys.ping")["body"]["last_seq"]
        assert last_seq == total
        # The live subscriber gets every event; nothing else slowed it.
        cluster.wait_until(lambda: reader.count() == total, timeout=120,
                           what=f"the live subscriber to see {total} events ({reader.count()})")
        seqs, taken = reader.stop()
        assert seqs == list(range(1, total + 1))
        size = len(pack(cluster.call("bus", "events.since", {"after": total - 1, "limit": 1},
                                     role="service")["body"]["events"][0]))
        print(f"\n{stalled} events journalled in {took:.1f} s ({stalled / took:.0f}/s) beside a "
              f"subscriber that reads nothing and a stopped consumer; bus peak RSS "
              f"{cluster.peak_rss_mb('bus'):.1f} MiB; what the bus may queue for each: "
              f"{SUBSCRIBER_HWM} events of {size} bytes ({SUBSCRIBER_HWM * size / 2**20:.1f} MiB)")
        print(f"the live subscriber, from publisher to it: before the stall {summary(taken[:BEFORE])}; "
              f"during it {summary(taken[BEFORE:])}")
        assert SANITIZED or cluster.peak_rss_mb("bus") < RSS_BOUND_MB + total * INDEX_BYTES / 2**20
        # The stopped consumer wakes and catches up by events.since.
        cluster.processes["reporting"].send_signal(signal.SIGCONT)
        woke = time.monotonic()
        cluster.wait_until(lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]
                           .get("bus", {}).get("applied") == total, timeout=600,
                           what="reporting to apply every event of the bus")
        stats = cluster.call("reporting", "sys.stats")["body"]
        assert stats["sources"]["bus"]["last_seq"] == last_seq
        print(f"reporting caught up in {time.monotonic() - woke:.1f} s "
              f"({stats['catchups']['bus']} events.since asked)")
    finally:
        if cluster.processes["reporting"].poll() is None:
            cluster.processes["reporting"].send_signal(signal.SIGCONT)
        if reader.process.is_alive():
            reader.process.kill()
        dead.close(0)


def test_an_event_too_large_to_go_live_reaches_its_consumer_by_catch_up(tmp_path):
    """With wsis/max_request raised to 32 MiB, a 20 MiB event journalled
    through the bus is over the 16 MiB a live message may be (docs/
    protocol.md, Events): a consumer gets it by events.since instead, and
    the small event after it; nothing lost, nothing twice."""
    cluster = Cluster(tmp_path, options={"wsis": {"max_request": 32 * 1024 * 1024}})
    try:
        cluster.start("bus", "reporting")
        event = unpack(speaker(1))
        # 20 strings of 1 MiB (the most one string may be)
        event["body"]["body"]["notes"] = ["x" * (1024 * 1024 - 64)] * 20
        dealer = cluster.keyed(CONTEXT.socket(zmq.DEALER), "bus", "publisher", "forum")
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(cluster.endpoint("bus"))

        def publish(frame):
            dealer.send_multipart([b"", frame])
            assert dealer.poll(30000), "the bus did not answer a publish"
            reply = unpack(dealer.recv_multipart()[-1])
            assert reply["ok"], reply

        def applied(count):
            cluster.wait_until(lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]
                               .get("bus", {}).get("applied") == count, timeout=30,
                               what=f"reporting to apply {count} events of the bus")
            stats = cluster.call("reporting", "sys.stats")["body"]
            assert stats["sources"]["bus"]["last_seq"] == count and stats["events_ignored"] == 0
            return stats["catchups"]["bus"]

        try:
            publish(pack(event))
            publish(speaker(2))
            asked = applied(2)
            assert asked >= 1
            # The live connection is still there: the next event comes
            # through it, with no catch-up.
            publish(speaker(3))
            assert applied(3) == asked
        finally:
            dealer.close(0)
    finally:
        cluster.close()


def test_a_consumer_cut_off_by_its_own_side_connects_to_the_bus_again(tmp_path):
    """libzmq drops for good a connection its own side judged broken (here
    a message over the subscriber's 16 MiB from a stand-in bus): the
    consumer hears nothing, not even heartbeats, for ten heartbeats, says
    so and connects again, and events flow once more."""
    cluster = Cluster(tmp_path)
    xpub = cluster.serve_as(CONTEXT.socket(zmq.XPUB), "bus")
    xpub.setsockopt(zmq.LINGER, 0)
    xpub.setsockopt(zmq.XPUB_VERBOSE, 1)
    xpub.bind(f"tcp://127.0.0.1:{cluster.ports['xpub']}")
    try:
        cluster.start("reporting")

        def subscribed(timeout):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if xpub.poll(100) and xpub.recv()[:1] == b"\x01":
                    return True
            return False

        assert subscribed(10), "reporting never subscribed"
        xpub.send_multipart([b"sys.heartbeat", b"\x00" * (17 * 1024 * 1024)])
        assert subscribed(30), "reporting did not connect to the bus again"
        assert "nothing from the bus" in cluster.log("reporting")
        event = {"v": 1, "source": "bus", "seq": 1, "id": "bus:1", "type": "forum.speaker.registered",
                 "ts": 0, "body": unpack(speaker(1))["body"]["body"]}
        cluster.wait_until(lambda: xpub.send_multipart([event["type"].encode(), pack(event)]) or
                           cluster.call("reporting", "sys.stats")["body"]["sources"]
                           .get("bus", {}).get("applied") == 1,
                           what="reporting to apply the event the stand-in bus sends")
    finally:
        xpub.close(0)
        cluster.close()
