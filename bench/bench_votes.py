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
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN_DIR = os.path.join(ROOT, os.environ.get("WSIS_BIN_DIR", "bin"))

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


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(frame):
    return msgpack.unpackb(frame, raw=False, strict_map_key=False)


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


# ------------------------------------------------------------------ set-up

class FastSource(threading.Thread):
    """A producer that only answers events.since (and sys.ping), building
    each page of envelopes when asked: 1,000,000 events never sit in memory.
    """

    def __init__(self, context, endpoint, name, count, body_of):
        super().__init__(daemon=True)
        self.name_ = name
        self.count = count
        self.body_of = body_of
        self.router = context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind(endpoint)
        self.running = True

    def page(self, after, limit):
        events = []
        for seq in range(after + 1, min(after + limit, self.count) + 1):
            type, body = self.body_of(seq)
            events.append({"v": 1, "source": self.name_, "seq": seq, "id": f"{self.name_}:{seq}",
                           "type": type, "ts": 0, "body": body})
        return {"events": events, "last_seq": self.count}

    def run(self):
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        while self.running:
            if not poller.poll(100):
                continue
            frames = self.router.recv_multipart()
            request = unpack(frames[-1])
            body = request.get("body") or {}
            if request.get("op") == "events.since":
                reply = self.page(body.get("after", 0), body.get("limit", 1000))
            else:
                reply = {"service": self.name_, "version": "bench", "uptime_ms": 0,
                         "last_seq": self.count}
            self.router.send_multipart(frames[:-1] + [pack({"v": 1, "id": request.get("id", ""),
                                                            "ok": True, "body": reply})])

    def stop(self):
        self.running = False
        self.join(timeout=5)
        self.router.close(0)


def registered(seq):
    return "stakeholder.registered", {
        "stakeholder_id": f"stk-{seq}", "name": f"Voter {seq}", "email": f"voter{seq}@example.org",
        "type": "civil_society", "country": "CH", "region": "europe"}


def published(seq):
    return "nominations.published", {"call": CALL, "categories": {
        c: [f"sub-{c}-{i}" for i in range(1, PER_CATEGORY + 1)] for c in CATEGORIES}}


class Service:
    def __init__(self, work):
        self.work = work
        ports = free_ports(8)
        self.ports = dict(zip(["xsub", "xpub", "bus", "submissions", "nominations", "voting",
                               "notifications", "reporting"], ports))
        self.config = os.path.join(work, "wsis.cfg")
        lines = ["wsis", f"    data_dir = {work}/data", f"    calendar = {ROOT}/configs/calendar.cfg",
                 "    clock = manual", "    catchup_page = 10000",
                 "bus", f"    xsub_port = {self.ports['xsub']}", f"    xpub_port = {self.ports['xpub']}",
                 f"    port = {self.ports['bus']}"]
        for name in ["submissions", "nominations", "voting", "notifications", "reporting"]:
            lines += [name, f"    port = {self.ports[name]}"]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.processes = {}
        self.context = zmq.Context.instance()
        self.client = None

    def endpoint(self, name):
        return f"tcp://127.0.0.1:{self.ports[name]}"

    def start(self, name):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WSIS_")}
        env["WSIS_CONFIG"] = self.config
        log = open(os.path.join(self.work, f"{name}.log"), "ab")
        self.processes[name] = subprocess.Popen([os.path.join(BIN_DIR, f"wsis-{name}")], env=env,
                                                stdout=log, stderr=log, cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.call(name, "sys.ping", timeout=0.3)["ok"]:
                    return
            except TimeoutError:
                pass
        raise SystemExit(f"wsis-{name} did not start; see {self.work}/{name}.log")

    def call(self, name, op, body=None, role="operator", timeout=30.0):
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.endpoint(name))
        try:
            sock.send_multipart([b"", pack({"v": 1, "id": "bench", "op": op, "body": body or {},
                                            "actor": {"id": "bench", "role": role}})])
            if not sock.poll(int(timeout * 1000)):
                raise TimeoutError(op)
            return unpack(sock.recv_multipart()[-1])
        finally:
            sock.close(0)

    def cpu_seconds(self, name):
        """User + system CPU time the process has used so far."""
        with open(f"/proc/{self.processes[name].pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self, name):
        with open(f"/proc/{self.processes[name].pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


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


def client_flood(endpoint, votes, first_index, window, results):
    """Pipelines votes as fast as replies come back; a window bounds the
    requests in flight."""
    frames = [vote_frame(first_index + i, v) for i, v in enumerate(votes)]
    context = zmq.Context()
    sock = context.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.connect(endpoint)
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
        while True:
            try:
                reply = sock.recv_multipart(zmq.NOBLOCK)[-1]
            except zmq.Again:
                break
            received += 1
            body = unpack(reply)
            if body.get("ok"):
                ok += 1
            elif len(errors) < 5:
                errors.append(body.get("error"))
    elapsed = time.monotonic() - start
    results.put(("done", (ok, received, len(frames), elapsed, errors)))
    sock.close(0)
    context.term()


def client_paced(endpoint, votes, first_index, rate, results):
    """Sends at a fixed rate whatever the replies do (an open loop, so a
    slow reply cannot hide its own delay) and records each latency."""
    frames = [vote_frame(first_index + i, v) for i, v in enumerate(votes)]
    context = zmq.Context()
    sock = context.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.connect(endpoint)
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
        while True:
            try:
                reply = sock.recv_multipart(zmq.NOBLOCK)[-1]
            except zmq.Again:
                break
            now = time.monotonic()
            body = unpack(reply)
            index = int(body["id"][1:]) - first_index
            latencies.append(now - sent_at[index])
            received += 1
            if body.get("ok"):
                ok += 1
            elif len(errors) < 5:
                errors.append(body.get("error"))
    elapsed = time.monotonic() - start
    results.put(("done", (ok, received, len(frames), elapsed, errors, latencies)))
    sock.close(0)
    context.term()


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
    service = Service(work)
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

        context = zmq.Context.instance()
        sources = [FastSource(context, service.endpoint("submissions"), "submissions", VOTERS, registered),
                   FastSource(context, service.endpoint("nominations"), "nominations", 1, published)]
        for s in sources:
            s.start()
        service.start("bus")
        started = time.monotonic()
        service.start("voting")
        while True:
            stats = service.call("voting", "sys.stats")["body"]["sources"]
            if stats["submissions"]["last_seq"] == VOTERS and stats["nominations"]["last_seq"] == 1:
                break
            time.sleep(0.5)
        print(f"  set-up: {VOTERS:,} stakeholder.registered applied in {time.monotonic() - started:.1f} s",
              flush=True)
        service.call("voting", "sys.clock.set", {"now": DURING})

        endpoint = service.endpoint("voting")
        started = time.monotonic()
        done = run_clients(client_flood, endpoint, preload, 0, WINDOW)
        ok = sum(d[0] for d in done)
        print(f"  set-up: {ok:,} of {PRELOAD:,} votes preloaded in {time.monotonic() - started:.1f} s "
              f"({ok / (time.monotonic() - started):,.0f}/s)", flush=True)
        if ok != PRELOAD:
            failures.append(f"preload: {PRELOAD - ok} votes not ok: {[d[4] for d in done]}")

        cpu = service.cpu_seconds("voting")
        done = run_clients(client_flood, endpoint, burst, PRELOAD, WINDOW)
        cpu = service.cpu_seconds("voting") - cpu
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

        tally = service.call("voting", "vote.tally", {"call": CALL}, role="staff")["body"]
        expected = len(all_votes)
        print(f"  tally: {tally['votes_cast']:,} votes of {tally['voters_cast']:,} voters "
              f"(expected {expected:,} votes)", flush=True)
        if tally["votes_cast"] != expected:
            failures.append(f"tally counts {tally['votes_cast']} votes, {expected} were acked")
        print(f"  wsis-voting peak RSS: {service.peak_rss_mb('voting'):.0f} MiB", flush=True)
        service.stop()

        raw_rate = raw_sqlite(work, preload, burst)
        print(f"  raw SQLite, UNIQUE (voter, category), 1,000 per commit, synchronous=FULL: "
              f"{raw_rate:,.0f} votes/s", flush=True)
        print(f"  ratio wsis-voting / raw SQLite: {service_rate / raw_rate:.2f} (target >= 1.5)",
              flush=True)
    finally:
        service.stop()
        for s in sources:
            s.stop()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"  FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
