"""Slow and dead consumers: a subscriber that stops reading while events
flow costs the bus a bounded queue (bus/subscriber_hwm events), slows
nobody else, and a consumer service that was stopped catches up by
events.since when it wakes (docs/protocol.md, "Framing and limits")."""
import signal
import threading
import time

import zmq

from wsis_harness import CONTEXT, SANITIZED, pack, unpack

EVENTS = 200000
WINDOW = 2000
# Two subscribers that do not read (one SUB, one stopped service) hold
# 2 x 20,000 events at most: ~55 MiB at peak here. With the XPUB's send
# high-water mark at wsis/event_hwm (1,000,000) they held all 200,000 events
# each: 139 MiB, and more with every event.
RSS_BOUND_MB = 100


def speaker(n):
    return pack({"v": 1, "id": f"e{n}", "op": "publish",
                 "actor": {"role": "publisher", "id": "forum"},
                 "body": {"topic": "forum.speaker.registered", "origin": "forum",
                          "body": {"session_id": f"s{n % 50}", "session_title": "t", "track": "hl",
                                   "name": f"speaker {n}", "gender": "female", "role": "speaker",
                                   "organization": "ITU"}}})


def journal(cluster, count):
    """Publishes count events through the bus journal, WINDOW in flight;
    every one must be acked."""
    dealer = CONTEXT.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.SNDHWM, 0)
    dealer.setsockopt(zmq.RCVHWM, 0)
    dealer.connect(cluster.endpoint("bus"))
    sent = acked = 0
    try:
        while acked < count:
            while sent < count and sent - acked < WINDOW:
                dealer.send_multipart([b"", speaker(sent + 1)])
                sent += 1
            assert dealer.poll(10000), f"{acked} of {count} acked"
            while dealer.poll(0):
                reply = unpack(dealer.recv_multipart()[-1])
                assert reply["ok"], reply
                acked += 1
    finally:
        dealer.close(0)


class Reader:
    """A subscriber that reads every event of the journal as it comes."""

    def __init__(self, cluster):
        self.sub = cluster.subscribe("forum.")
        self.sub.setsockopt(zmq.RCVHWM, 0)
        self.seqs = 0
        self.last = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            if not self.sub.poll(100):
                continue
            while True:
                try:
                    topic, frame = self.sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if topic == b"forum.speaker.registered":
                    self.seqs += 1
                    self.last = unpack(frame)["seq"]

    def stop(self):
        self.running = False
        self.thread.join(timeout=10)
        self.sub.close(0)


def test_a_subscriber_that_stops_reading_and_a_stopped_consumer(cluster):
    cluster.start("bus", "reporting")
    # The dead subscriber: subscribed, then never reads again; its own
    # queue and socket buffers are small so the bus's queue fills.
    dead = CONTEXT.socket(zmq.SUB)
    dead.setsockopt(zmq.LINGER, 0)
    dead.setsockopt(zmq.RCVHWM, 100)
    dead.setsockopt(zmq.RCVBUF, 4096)
    dead.setsockopt_string(zmq.SUBSCRIBE, "")
    dead.connect(f"tcp://127.0.0.1:{cluster.ports['xpub']}")
    reader = Reader(cluster)
    try:
        # A consumer service stopped for a while, under load.
        cluster.processes["reporting"].send_signal(signal.SIGSTOP)
        start = time.monotonic()
        journal(cluster, EVENTS)
        took = time.monotonic() - start
        last_seq = cluster.call("bus", "sys.ping")["body"]["last_seq"]
        assert last_seq == EVENTS
        # The live subscriber gets every event; nothing else slowed it.
        cluster.wait_until(lambda: reader.seqs == EVENTS, timeout=60,
                           what=f"the live subscriber to see {EVENTS} events ({reader.seqs})")
        assert reader.last == EVENTS
        print(f"\n{EVENTS} events journalled in {took:.1f} s ({EVENTS / took:.0f}/s) beside a "
              f"subscriber that reads nothing and a stopped consumer; bus peak RSS "
              f"{cluster.peak_rss_mb('bus'):.1f} MiB")
        assert SANITIZED or cluster.peak_rss_mb("bus") < RSS_BOUND_MB
        # The stopped consumer wakes and catches up by events.since.
        cluster.processes["reporting"].send_signal(signal.SIGCONT)
        woke = time.monotonic()
        cluster.wait_until(lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]
                           .get("bus", {}).get("applied") == EVENTS, timeout=120,
                           what="reporting to apply every event of the bus")
        stats = cluster.call("reporting", "sys.stats")["body"]
        assert stats["sources"]["bus"]["last_seq"] == last_seq
        print(f"reporting caught up in {time.monotonic() - woke:.1f} s "
              f"({stats['catchups']['bus']} events.since asked)")
    finally:
        if cluster.processes["reporting"].poll() is None:
            cluster.processes["reporting"].send_signal(signal.SIGCONT)
        reader.stop()
        dead.close(0)
