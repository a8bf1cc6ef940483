#!/usr/bin/env python3
"""Bus journal and command-path throughput, beside the vote path and a raw
XSUB/XPUB proxy.

Prints:
  - sys.ping round trips/s (the command path without a write; pipelined
    Python DEALER clients);
  - acked publish/s through the journal (each reply means the event is
    committed with synchronous=FULL), sent by the C load generator
    (build/bench/wsis-loadgen --target bus: the same connections and
    events in flight as the vote bench), with the bus's CPU per event;
  - how fast a consumer (wsis-reporting) applies them;
  - in the same run, the vote path (wsis-voting, vote.cast by the same load
    generator, WSIS_BENCH_BUS_VOTERS voters fed by stand-ins) and a raw
    XSUB/XPUB proxy (build/bench/bench_proxy: libzmq's zmq_proxy, one
    publisher and one subscriber, all in C, events of the journal's
    size), and the ratios.
No timing is asserted; exits non-zero when an event or vote is refused or
unanswered. The key figures go to the report at the end of `make bench`
(bench/figures.py).

Scale: WSIS_BENCH_EVENTS (200000 publishes), WSIS_BENCH_BUS_VOTES (200000
votes), WSIS_BENCH_BUS_VOTERS (20000), WSIS_BENCH_PROXY_EVENTS (1000000),
and the vote bench's WSIS_BENCH_CONNECTIONS and WSIS_BENCH_WINDOW.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, HERE)
from wsis_harness import ROOT, Client, Cluster, pack, unpack  # noqa: E402
from bench_votes import (LOADGEN, bench_cluster, close_all, cpu_seconds, loadgen, outcome,  # noqa: E402
                         start_voting)
from figures import measured, report  # noqa: E402

EVENTS = int(os.environ.get("WSIS_BENCH_EVENTS", "200000"))
VOTES = int(os.environ.get("WSIS_BENCH_BUS_VOTES", "200000"))
VOTERS = int(os.environ.get("WSIS_BENCH_BUS_VOTERS", "20000"))
PROXY_EVENTS = int(os.environ.get("WSIS_BENCH_PROXY_EVENTS", "1000000"))
PROXY = os.path.join(ROOT, "build", "bench", "bench_proxy")
PINGS = 50000
# Issue 13: the journal's durable publish within 2x of the vote path.
PUBLISH_VS_VOTES_TARGET = 0.5
CLIENTS = 8
WINDOW = 200


def pipeline(clients, request, total):
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
            c.send_raw(request)
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
                    c.send_raw(request)
                    sent[c] += 1
                    outstanding[c] += 1
    return time.perf_counter() - start, errors


def raw_proxy(count, size):
    """Events/s through libzmq's zmq_proxy (XSUB/XPUB), publisher and
    subscriber in C: build/bench/bench_proxy (bench/proxy/)."""
    done = subprocess.run([PROXY, str(count), str(size)], capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"bench_proxy failed ({done.returncode}): {done.stdout} {done.stderr}")
    return json.loads(done.stdout)["events_per_s"]


def main():
    return measured(measure, report_figures)


def report_figures(got):
    """The key figures to the report (bench/figures.py); None where this
    run did not get that far."""
    publish, votes, proxy = got.get("publish"), got.get("votes"), got.get("proxy")
    report("bus: sys.ping round trips/s (Python clients)", got.get("pings"), "requests/s")
    report("bus: durable publish, acked/s", publish, "events/s", baseline=proxy,
           baseline_name="raw XSUB/XPUB proxy")
    report("bus: durable publish vs vote path (within 2x)",
           publish / votes if publish and votes else None, "x", target=PUBLISH_VS_VOTES_TARGET)
    report("bus: bus CPU per published event", got.get("cpu_us"), "us", better="lower")
    report("bus: consumer caught up after the last ack", got.get("caught_up_s"), "s",
           better="lower")


def measure(got):
    """Every phase; what it measured into got. The exit status."""
    for tool in (LOADGEN, PROXY):
        if not os.path.exists(tool):
            print(f"{tool} is missing: make {os.path.relpath(tool, ROOT)} (make bench builds it)")
            return 1
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bus").mkdir()
        cluster = Cluster(Path(tmp) / "bus")
        try:
            cluster.start("bus", "reporting")
            clients = [Client(cluster.endpoint("bus")) for _ in range(CLIENTS)]
            ping = pack({"v": 1, "id": "p", "op": "sys.ping"})
            seconds, errors = pipeline(clients, ping, PINGS)
            got["pings"] = PINGS / seconds
            print(f"sys.ping: {PINGS / seconds:,.0f} requests/s ({CLIENTS} Python clients, "
                  f"window {WINDOW})", flush=True)
            for c in clients:
                c.close()

            process = cluster.processes["bus"]
            cpu = cpu_seconds(process)
            publish = loadgen("bus", cluster.endpoint("bus"), 0, EVENTS, failures=failures,
                              what="publish")
            cpu = cpu_seconds(process) - cpu
            got["publish"] = publish["acked_per_s"]
            got["cpu_us"] = cpu * 1e6 / max(publish['acked'], 1)
            print(f"publish (journalled, durable): {publish['acked_per_s']:,.0f} acked events/s "
                  f"({publish['acked']:,} events, {publish['connections']} connections, "
                  f"{publish['inflight']:,} in flight; p50 {publish['p50_ms']:.1f} ms, "
                  f"p99 {publish['p99_ms']:.1f} ms; {cpu * 1e6 / max(publish['acked'], 1):.1f} us "
                  f"of bus CPU per event; client CPU {publish['client_cpu_s']:.2f} s), "
                  f"{publish['errors']} errors", flush=True)
            start = time.perf_counter()
            cluster.wait_until(
                lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]["bus"]["last_seq"]
                >= publish["acked"], timeout=600, what="reporting to apply every event")
            got["caught_up_s"] = time.perf_counter() - start
            print(f"reporting caught up {got['caught_up_s']:.2f} s after the last ack", flush=True)
            print(f"peak RSS: bus {cluster.peak_rss_mb('bus'):.1f} MiB, "
                  f"reporting {cluster.peak_rss_mb('reporting'):.1f} MiB", flush=True)
        finally:
            cluster.close()

        # The vote path, the same load generator, in the same run.
        (Path(tmp) / "votes").mkdir()
        cluster = bench_cluster(Path(tmp) / "votes")
        sources = []
        try:
            start_voting(cluster, VOTERS, sources)
            votes = loadgen("wsis", cluster.endpoint("voting"), 0, VOTES, failures=failures,
                            what="votes", voters=VOTERS)
            got["votes"] = votes["acked_per_s"]
            print(f"vote.cast (durable, same load generator): {votes['acked_per_s']:,.0f} acked "
                  f"votes/s ({votes['acked']:,} votes of {VOTERS:,} voters)", flush=True)
        finally:
            close_all(cluster, sources)

    proxy = got["proxy"] = raw_proxy(PROXY_EVENTS, 200)
    print(f"raw XSUB/XPUB proxy (zmq_proxy; publisher and subscriber in C; 200-byte events; "
          f"nothing stored): {proxy:,.0f} events/s", flush=True)

    print("| events/s | acked/s | vs vote path | vs raw proxy |")
    print("|---|---|---|---|")
    for name, rate in (("bus publish (durable)", publish["acked_per_s"]),
                       ("vote.cast (durable)", votes["acked_per_s"]),
                       ("raw XSUB/XPUB proxy", proxy)):
        print(f"| {name} | {rate:,.0f} | {rate / max(votes['acked_per_s'], 1):.2f} | "
              f"{rate / proxy:.3f} |")
    print(f"target: bus publish within 2x of the vote path (ratio at least 0.50): "
          f"{publish['acked_per_s'] / max(votes['acked_per_s'], 1):.2f}")
    return outcome(failures)


if __name__ == "__main__":
    sys.exit(main())
