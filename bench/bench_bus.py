#!/usr/bin/env python3
"""Bus journal and command-path throughput.

Prints: sys.ping round trips/s (the command path without a write), acked
publish/s through the journal (each reply means the event is committed
with synchronous=FULL), and how fast a consumer (wsis-reporting) applies
them. Pipelined DEALER clients, real binaries, own data dir.
"""
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from wsis_harness import Client, Cluster, pack, unpack  # noqa: E402

N = int(os.environ.get("WSIS_BENCH_EVENTS", "50000"))
CLIENTS = int(os.environ.get("WSIS_BENCH_CLIENTS", "8"))
WINDOW = 200


def pipeline(clients, make_request, total):
    """Keeps WINDOW requests in flight per client; returns (seconds, errors)."""
    import zmq
    poller = zmq.Poller()
    for c in clients:
        poller.register(c.socket, zmq.POLLIN)
    sent = {c: 0 for c in clients}
    outstanding = {c: 0 for c in clients}
    per_client = total // len(clients)
    done = errors = 0
    start = time.perf_counter()
    for c in clients:
        while outstanding[c] < WINDOW and sent[c] < per_client:
            c.send_raw(make_request(c, sent[c]))
            sent[c] += 1
            outstanding[c] += 1
    while done < per_client * len(clients):
        for sock, _ in poller.poll(10000):
            c = next(c for c in clients if c.socket is sock)
            while True:
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if not unpack(frames[-1])["ok"]:
                    errors += 1
                done += 1
                outstanding[c] -= 1
                if sent[c] < per_client:
                    c.send_raw(make_request(c, sent[c]))
                    sent[c] += 1
                    outstanding[c] += 1
    return time.perf_counter() - start, errors


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp))
        try:
            cluster.start("bus", "reporting")
            clients = [Client(cluster.endpoint("bus")) for _ in range(CLIENTS)]
            ping = pack({"v": 1, "id": "p", "op": "sys.ping"})
            seconds, errors = pipeline(clients, lambda c, i: ping, N)
            print(f"sys.ping: {N / seconds:,.0f} requests/s ({CLIENTS} clients, window {WINDOW})")

            def publish(c, i):
                return pack({"v": 1, "id": uuid.uuid4().hex, "op": "publish",
                             "actor": {"id": "bench", "role": "publisher"},
                             "body": {"topic": "forum.speaker.registered", "origin": "bench",
                                      "body": {"session_id": f"s{i}", "name": "speaker", "gender": "female"}}})
            seconds, errors = pipeline(clients, publish, N)
            print(f"publish (journalled, durable): {N / seconds:,.0f} acked events/s, {errors} errors")
            start = time.perf_counter()
            cluster.wait_until(lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]["bus"]["last_seq"] >= N,
                               timeout=600, what="reporting to apply every event")
            print(f"reporting caught up {time.perf_counter() - start:.2f} s after the last ack")
            print(f"peak RSS: bus {cluster.peak_rss_mb('bus'):.1f} MiB, "
                  f"reporting {cluster.peak_rss_mb('reporting'):.1f} MiB")
            for c in clients:
                c.close()
            return 1 if errors else 0
        finally:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
