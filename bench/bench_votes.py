#!/usr/bin/env python3
"""Vote benchmark: wsis-voting under the deadline rush, over the real protocol.

Set-up (through the real binary): wsis-bus and wsis-voting are started with
a manual clock; a fast stand-in for wsis-submissions serves 1,000,000
stakeholder.registered events and one for wsis-nominations serves
nominations.published (18 categories x 20 projects) over events.since, which
wsis-voting consumes as it would from the real services (its catch-up at
start). Then 500,000 votes are cast through vote.cast, as a gateway relaying
the public web site would.

Measured:
  1. acked votes/s: K client processes pipeline votes as fast as the
     service answers;
  2. p50/p99 latency at a fixed offered load of 5,000 votes/s;
  3. peak RSS of wsis-voting (VmHWM);
  4. a raw SQLite loop (python's sqlite3) inserting the same votes into a
     table with a UNIQUE (voter, category) index that already holds the
     same 500,000 votes, in batches of 1,000 per transaction, WAL with
     synchronous=FULL, and the ratio of the two.

No timing is asserted. Exits non-zero only when a vote is lost or answered
with an error.

Scale with environment variables: WSIS_BENCH_VOTERS (1000000),
WSIS_BENCH_PRELOAD (500000), WSIS_BENCH_VOTES (300000, the measured burst),
WSIS_BENCH_CLIENTS (K, 2), WSIS_BENCH_RATE (5000 votes/s),
WSIS_BENCH_RATE_SECONDS (10), WSIS_BENCH_WINDOW (votes in flight per
client, 2000), WSIS_BENCH_DIR (keep the data there instead of a temp dir).
"""
import multiprocessing
import os
import pathlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from wsis_harness import Client, Cluster, FakeSource, envelope, pack, unpack  # noqa: E402

VOTERS = int(os.environ.get("WSIS_BENCH_VOTERS", 1000000))
PRELOAD = int(os.environ.get("WSIS_BENCH_PRELOAD", 500000))
VOTES = int(os.environ.get("WSIS_BENCH_VOTES", 300000))
CLIENTS = int(os.environ.get("WSIS_BENCH_CLIENTS", 2))
RATE = int(os.environ.get("WSIS_BENCH_RATE", 5000))
RATE_SECONDS = float(os.environ.get("WSIS_BENCH_RATE_SECONDS", 10))
WINDOW = int(os.environ.get("WSIS_BENCH_WINDOW", 2000))

CALL = "prizes-2022"
CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]
PER_CATEGORY = 20
DURING = "2022-03-31T20:00:00Z"      # the last hour before the deadline


# ------------------------------------------------------------------ set-up

class FastSource(FakeSource):
    """A producer that only answers events.since (and sys.ping), building
    each page of envelopes when asked: 1,000,000 events never sit in memory.
    """

    def __init__(self, cluster, name, count, event_of):
        self.count = count
        self.event_of = event_of
        super().__init__(cluster, name, heartbeats=False)

    def page(self, after, limit):
        events = [envelope(self.name, seq, *self.event_of(seq))
                  for seq in range(after + 1, min(after + limit, self.count) + 1)]
        return {"events": events, "last_seq": self.count}

    def last_seq(self):
        return self.count


def registered(seq):
    return "stakeholder.registered", {
        "stakeholder_id": f"stk-{seq}", "name": f"Voter {seq}", "email": f"voter{seq}@example.org",
        "type": "civil_society", "country": "CH", "region": "europe"}


def published(seq):
    return "nominations.published", {"call": CALL, "categories": {
        c: [f"sub-{c}-{i}" for i in range(1, PER_CATEGORY + 1)] for c in CATEGORIES}}


def bench_cluster(work):
    """The harness's cluster with the services' own heartbeat and catch-up
    timeout (not the tests' short ones), and catch-up pages of 10,000."""
    return Cluster(pathlib.Path(work), options={"wsis": {
        "catchup_page": 10000, "heartbeat_ms": None, "catchup_timeout_ms": None}})


def cpu_seconds(process):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{process.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ votes

def make_votes(count, seed):
    """count distinct (voter, category) pairs, each with a random project."""
    rng = random.Random(seed)
    pairs = rng.sample(range(VOTERS * len(CATEGORIES)), count)
    return [(1 + p // len(CATEGORIES), CATEGORIES[p % len(CATEGORIES)], rng.randint(1, PER_CATEGORY))
            for p in pairs]


def vote_frame(index, vote):
    voter, category, project = vote
    return pack({"v": 1, "id": f"v{index}", "op": "vote.cast",
                 "actor": {"id": "web-gateway", "role": "gateway"},
                 "body": {"call": CALL, "voter_id": f"stk-{voter}", "category": category,
                          "submission_id": f"sub-{category}-{project}"}})


def ready_replies(sock):
    """The reply frames that have arrived on sock, without waiting."""
    while True:
        try:
            yield sock.recv_multipart(zmq.NOBLOCK)[-1]
        except zmq.Again:
            return


def counted(reply, errors):
    """1 for an ok reply; 0 for an error, keeping the first five."""
    if reply.get("ok"):
        return 1
    if len(errors) < 5:
        errors.append(reply.get("error"))
    return 0


def client_flood(endpoint, votes, first_index, window, results):
    """Pipelines votes as fast as replies come back; a window bounds the
    requests in flight."""
    frames = [vote_frame(first_index + i, v) for i, v in enumerate(votes)]
    client = Client(endpoint, unbounded=True)
    sock = client.socket
    results.put(("ready", 0))
    sent = received = ok = 0
    errors = []
    start = time.monotonic()
    while received < len(frames):
        while sent < len(frames) and sent - received < window:
            sock.send_multipart([b"", frames[sent]], copy=False)
            sent += 1
        if sock.poll(10000) == 0:
            break
        for reply in ready_replies(sock):
            received += 1
            ok += counted(unpack(reply), errors)
    elapsed = time.monotonic() - start
    results.put(("done", (ok, received, len(frames), elapsed, errors)))
    client.close()


def client_paced(endpoint, votes, first_index, rate, results):
    """Sends at a fixed rate whatever the replies do (an open loop, so a
    slow reply cannot hide its own delay) and records each latency."""
    frames = [vote_frame(first_index + i, v) for i, v in enumerate(votes)]
    client = Client(endpoint, unbounded=True)
    sock = client.socket
    results.put(("ready", 0))
    sent_at = [0.0] * len(frames)
    latencies = []
    sent = received = ok = 0
    errors = []
    start = time.monotonic()
    while received < len(frames):
        now = time.monotonic()
        due = min(len(frames), int((now - start) * rate) + 1)
        while sent < due:
            sent_at[sent] = time.monotonic()
            sock.send_multipart([b"", frames[sent]], copy=False)
            sent += 1
        next_due = start + sent / rate
        #  At least 1 ms: the votes due meanwhile go out together, and the
        #  client does not spin on the cores the service needs.
        timeout = max(1, int((next_due - time.monotonic()) * 1000)) if sent < len(frames) else 10000
        if sock.poll(timeout) == 0:
            if sent >= len(frames):
                break
            continue
        for reply in ready_replies(sock):
            now = time.monotonic()
            body = unpack(reply)
            index = int(body["id"][1:]) - first_index
            latencies.append(now - sent_at[index])
            received += 1
            ok += counted(body, errors)
    elapsed = time.monotonic() - start
    results.put(("done", (ok, received, len(frames), elapsed, errors, latencies)))
    client.close()


def run_clients(target, endpoint, votes, first_index, extra):
    """Splits votes over CLIENTS processes; returns their results once all
    have finished. Timing starts when every client is connected."""
    #  spawn, not fork: the parent runs zmq threads (the stand-in sources).
    mp = multiprocessing.get_context("spawn")
    results = mp.Queue()
    share = (len(votes) + CLIENTS - 1) // CLIENTS
    processes = []
    for k in range(CLIENTS):
        part = votes[k * share:(k + 1) * share]
        processes.append(mp.Process(
            target=target, args=(endpoint, part, first_index + k * share, extra, results)))
    for p in processes:
        p.start()
    done = []
    while len(done) < len(processes):
        kind, value = results.get()
        if kind == "done":
            done.append(value)
    for p in processes:
        p.join()
    return done


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


# ------------------------------------------------------------------ raw SQLite

def raw_sqlite(work, preload, votes):
    """The naive store: one table with UNIQUE (voter, category), holding the
    same preloaded votes, inserting the measured ones 1,000 per commit."""
    path = os.path.join(work, "raw.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE vote (voter TEXT NOT NULL, call TEXT NOT NULL, category TEXT NOT NULL,"
               " submission_id TEXT NOT NULL, UNIQUE (voter, category))")
    db.execute("PRAGMA synchronous = OFF")
    rows = [(f"stk-{v}", CALL, c, f"sub-{c}-{p}") for v, c, p in preload]
    for i in range(0, len(rows), 10000):
        db.execute("BEGIN")
        db.executemany("INSERT INTO vote VALUES (?, ?, ?, ?)", rows[i:i + 10000])
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA synchronous = FULL")
    rows = [(f"stk-{v}", CALL, c, f"sub-{c}-{p}") for v, c, p in votes]
    start = time.monotonic()
    for i in range(0, len(rows), 1000):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO vote VALUES (?, ?, ?, ?)", rows[i:i + 1000])
        db.execute("COMMIT")
    elapsed = time.monotonic() - start
    db.close()
    return len(rows) / elapsed


# ------------------------------------------------------------------ main

def main():
    keep = os.environ.get("WSIS_BENCH_DIR")
    work = keep or tempfile.mkdtemp(prefix="wsis-bench-votes-")
    os.makedirs(work, exist_ok=True)
    cluster = bench_cluster(work)
    failures = []
    sources = []
    try:
        print(f"votes: {VOTERS:,} voters, {PRELOAD:,} votes preloaded, {VOTES:,} measured, "
              f"{CLIENTS} client processes, data in {work}", flush=True)
        rate_votes = int(RATE * RATE_SECONDS)
        all_votes = make_votes(PRELOAD + VOTES + rate_votes, seed=2022)
        preload = all_votes[:PRELOAD]
        burst = all_votes[PRELOAD:PRELOAD + VOTES]
        paced = all_votes[PRELOAD + VOTES:]

        sources = [FastSource(cluster, "submissions", VOTERS, registered),
                   FastSource(cluster, "nominations", 1, published)]
        cluster.start("bus", timeout=30)
        started = time.monotonic()
        cluster.start("voting", timeout=30)
        while True:
            stats = cluster.call("voting", "sys.stats", timeout=30)["body"]["sources"]
            if stats["submissions"]["last_seq"] == VOTERS and stats["nominations"]["last_seq"] == 1:
                break
            time.sleep(0.5)
        print(f"  set-up: {VOTERS:,} stakeholder.registered applied in {time.monotonic() - started:.1f} s",
              flush=True)
        cluster.call("voting", "sys.clock.set", {"now": DURING}, timeout=30)

        endpoint = cluster.endpoint("voting")
        started = time.monotonic()
        done = run_clients(client_flood, endpoint, preload, 0, WINDOW)
        ok = sum(d[0] for d in done)
        print(f"  set-up: {ok:,} of {PRELOAD:,} votes preloaded in {time.monotonic() - started:.1f} s "
              f"({ok / (time.monotonic() - started):,.0f}/s)", flush=True)
        if ok != PRELOAD:
            failures.append(f"preload: {PRELOAD - ok} votes not ok: {[d[4] for d in done]}")

        cpu = cpu_seconds(cluster.processes["voting"])
        done = run_clients(client_flood, endpoint, burst, PRELOAD, WINDOW)
        cpu = cpu_seconds(cluster.processes["voting"]) - cpu
        ok = sum(d[0] for d in done)
        elapsed = max(d[3] for d in done)
        service_rate = ok / elapsed
        print(f"  wsis-voting: {service_rate:,.0f} acked votes/s ({ok:,} votes, {CLIENTS} clients, "
              f"{WINDOW} in flight each, {elapsed:.1f} s; {cpu * 1e6 / max(ok, 1):.1f} us of "
              f"service CPU per vote)", flush=True)
        if ok != len(burst):
            failures.append(f"burst: {len(burst) - ok} votes not ok: {[d[4] for d in done]}")

        done = run_clients(client_paced, endpoint, paced, PRELOAD + VOTES, RATE / CLIENTS)
        ok = sum(d[0] for d in done)
        latencies = [x for d in done for x in d[5]]
        elapsed = max(d[3] for d in done)
        print(f"  latency at {RATE:,} votes/s offered ({ok:,} votes in {elapsed:.1f} s): "
              f"p50 {percentile(latencies, 0.50) * 1000:.2f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms, "
              f"max {max(latencies or [0]) * 1000:.2f} ms", flush=True)
        if ok != len(paced):
            failures.append(f"paced: {len(paced) - ok} votes not ok: {[d[4] for d in done]}")

        tally = cluster.call("voting", "vote.tally", {"call": CALL}, role="staff", timeout=30)["body"]
        expected = len(all_votes)
        print(f"  tally: {tally['votes_cast']:,} votes of {tally['voters_cast']:,} voters "
              f"(expected {expected:,} votes)", flush=True)
        if tally["votes_cast"] != expected:
            failures.append(f"tally counts {tally['votes_cast']} votes, {expected} were acked")
        print(f"  wsis-voting peak RSS: {cluster.peak_rss_mb('voting'):.0f} MiB", flush=True)
        cluster.close()

        raw_rate = raw_sqlite(work, preload, burst)
        print(f"  raw SQLite, UNIQUE (voter, category), 1,000 per commit, synchronous=FULL: "
              f"{raw_rate:,.0f} votes/s", flush=True)
        print(f"  ratio wsis-voting / raw SQLite: {service_rate / raw_rate:.2f} (target >= 1.5)",
              flush=True)
    finally:
        cluster.close()
        for s in sources:
            s.close()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"  FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
