"""Clients in processes of their own (multiprocessing, spawn), so that
what is measured neither shares the test's interpreter lock nor is
slowed by the load beside it: the flooders of the hostile-client tests
(each one DEALER that keeps `window` requests in flight, as fast as the
service answers them, and reads every reply), and the live subscriber of
the slow-consumer tests (LiveReader), which times each event from its
publisher to itself."""
import multiprocessing
import statistics
import time
from array import array

import msgpack
import zmq

SPAWN = multiprocessing.get_context("spawn")


def _keyed(sock, keys):
    """sock a CURVE client with keys (Cluster.curve_keys), when there are."""
    if keys:
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = keys
    return sock


def _flood(endpoint, frame, window, ready, stop, out, keys):
    context = zmq.Context()
    sock = _keyed(context.socket(zmq.DEALER), keys)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.connect(endpoint)
    sent = received = 0
    start = None
    try:
        while not stop.is_set():
            while sent - received < window:
                sock.send_multipart([b"", frame])
                sent += 1
            if sock.poll(100):
                while True:
                    try:
                        sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    received += 1
                    if start is None:
                        start = time.monotonic()
                        ready.set()
    finally:
        took = time.monotonic() - start if start else 0.0
        sock.close(0)
        context.term()
        out.put((sent, received, took))


class Flooders:
    """count flooder processes sending frame to endpoint (CURVE clients
    with keys, Cluster.curve_keys, when given); start() returns once every
    one has had a reply; stop() returns (sent, answered, seconds) summed
    over them (seconds: the longest)."""

    def __init__(self, endpoint, frame, count=2, window=2000, keys=None):
        self.stop_event = SPAWN.Event()
        self.out = SPAWN.Queue()
        self.ready = [SPAWN.Event() for _ in range(count)]
        self.processes = [SPAWN.Process(target=_flood, args=(endpoint, frame, window, ready,
                                                              self.stop_event, self.out, keys),
                                        daemon=True)
                          for ready in self.ready]

    def start(self, timeout=30):
        for process in self.processes:
            process.start()
        for ready in self.ready:
            assert ready.wait(timeout), "a flooder got no reply"
        return self

    def stop(self):
        self.stop_event.set()
        results = [self.out.get(timeout=30) for _ in self.processes]
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        return (sum(r[0] for r in results), sum(r[1] for r in results), max(r[2] for r in results))


def _read(endpoint, prefix, ready, stop, seen, out, keys):
    context = zmq.Context()
    sub = _keyed(context.socket(zmq.SUB), keys)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVHWM, 0)
    sub.setsockopt_string(zmq.SUBSCRIBE, prefix)
    sub.setsockopt_string(zmq.SUBSCRIBE, "sys.heartbeat")
    sub.connect(endpoint)
    seqs, taken = array("q"), array("d")
    try:
        while not stop.is_set():
            if not sub.poll(100):
                continue
            while True:
                try:
                    topic, frame = sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                now = time.monotonic_ns()
                if topic == b"sys.heartbeat":
                    ready.set()         # the subscription has reached the bus
                    continue
                event = msgpack.unpackb(frame, raw=False)
                seqs.append(event["seq"])
                taken.append((now - event["body"]["sent_ns"]) / 1e6)
                seen.value = len(seqs)
    finally:
        sub.close(0)
        context.term()
        out.put((seqs, taken))


class LiveReader:
    """A subscriber of the bus's XPUB that reads every event whose topic
    starts with prefix as it comes; each carries in its body `sent_ns`,
    the publisher's time.monotonic_ns() when it sent it (one clock for
    every process of the machine). A CURVE client with keys
    (Cluster.curve_keys), when given."""

    def __init__(self, endpoint, prefix, keys=None):
        self.ready, self.stop_event = SPAWN.Event(), SPAWN.Event()
        self.seen = SPAWN.Value("q", 0)
        self.out = SPAWN.Queue()
        self.process = SPAWN.Process(target=_read, args=(endpoint, prefix, self.ready, self.stop_event,
                                                         self.seen, self.out, keys), daemon=True)
        self.process.start()
        assert self.ready.wait(30), "the live reader heard no heartbeat"

    def count(self):
        return self.seen.value

    def stop(self):
        """([seq], [latency ms]) of every event it read, in order."""
        self.stop_event.set()
        seqs, taken = self.out.get(timeout=60)
        self.process.join(timeout=10)
        return list(seqs), list(taken)


def summary(taken, digits=1):
    """p50, p99 and max of latencies in ms, as printed."""
    return (f"p50 {statistics.median(taken):.{digits}f} ms, "
            f"p99 {statistics.quantiles(taken, n=100)[98]:.{digits}f} ms, max {max(taken):.{digits}f} ms")
