#!/usr/bin/env python3
"""Vote benchmark: wsis-voting under the deadline rush, over the real protocol,
side by side with Redis doing the same durable vote and a raw SQLite loop.

Set-up (through the real binary): wsis-bus and wsis-voting are started with
a manual clock; a fast stand-in for wsis-submissions serves the voters'
stakeholder.registered events and one for wsis-nominations serves
nominations.published (18 categories x 20 projects) over events.since, which
wsis-voting consumes as it would from the real services (its catch-up at
start). Then the votes are cast through vote.cast, as a gateway relaying
the public web site would, by the C load generator build/bench/wsis-loadgen
(bench/loadgen/: N DEALER connections; this script only sets up, starts it
and prints what it measured). Every vote is a distinct (voter, category)
pair: each phase below casts the next slice of one fixed sequence.

Measured, for wsis-voting and for Redis 7 (redis-server, AOF with
appendfsync always, one Lua script per vote: HSETNX of the voter's
category, XADD of the event), with the same load generator, both up at
once:
  1. acked votes/s, closed loop: WINDOW votes in flight, as fast as the
     replies come (after PRELOAD votes already cast), in ROUNDS rounds
     that alternate wsis-voting and Redis, so that what the machine's
     neighbours do falls on both: the median of each, and the median of
     the rounds' ratios;
  2. latency at fixed offered rates (open loop: each latency from the
     vote's scheduled send time, so a slow reply cannot hide its own
     delay): p50/p99/p99.9/max;
  3. the client's own CPU time next to each figure, the service's CPU per
     vote, peak RSS and bytes on disk per vote of wsis-voting;
then a raw SQLite loop (python's sqlite3) inserting the same burst into a
table with a UNIQUE (voter, category) index that already holds the same
preloaded votes, 1,000 per transaction, WAL with synchronous=FULL; and one
table of the three with the ratios. The key figures go to the report at
the end of `make bench` (bench/figures.py), against issue 13's targets.

No timing is asserted. Exits non-zero only when a vote is lost or answered
with an error.

Scale with environment variables: WSIS_BENCH_VOTERS (60000),
WSIS_BENCH_PRELOAD (200000), WSIS_BENCH_VOTES (200000, each round's burst),
WSIS_BENCH_ROUNDS (3),
WSIS_BENCH_CONNECTIONS (4), WSIS_BENCH_WINDOW (votes in flight over all
connections, 2000), WSIS_BENCH_RATES (5000,20000 votes/s offered),
WSIS_BENCH_RATE_SECONDS (10 at each rate), WSIS_BENCH_REDIS (0 skips
Redis), WSIS_BENCH_DIR (keep the data there instead of a temp dir). The
sum of the votes cast is at most voters x 18.
"""
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsis_harness import ROOT, Cluster, free_ports  # noqa: E402
# FastSource by its old name: bench_http imports it from here
from wsis_harness import PagedSource as FastSource  # noqa: E402
from figures import report  # noqa: E402

VOTERS = int(os.environ.get("WSIS_BENCH_VOTERS", 60000))
PRELOAD = int(os.environ.get("WSIS_BENCH_PRELOAD", 200000))
VOTES = int(os.environ.get("WSIS_BENCH_VOTES", 200000))
ROUNDS = max(1, int(os.environ.get("WSIS_BENCH_ROUNDS", 3)))
CONNECTIONS = int(os.environ.get("WSIS_BENCH_CONNECTIONS", 4))
WINDOW = int(os.environ.get("WSIS_BENCH_WINDOW", 2000))
RATES = [int(r) for r in os.environ.get("WSIS_BENCH_RATES", "5000,20000").split(",") if r]
RATE_SECONDS = float(os.environ.get("WSIS_BENCH_RATE_SECONDS", 10))
REDIS = os.environ.get("WSIS_BENCH_REDIS", "1") != "0"
LOADGEN = os.path.join(ROOT, "build", "bench", "wsis-loadgen")

CALL = "prizes-2022"
CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]
PER_CATEGORY = 20
DURING = "2022-03-31T20:00:00Z"      # the last hour before the deadline
# Issue 13's latency targets (ms) at the rates offered: {rate: {quantile: ms}}.
LATENCY_TARGETS = {5000: {"p99": 5, "p99.9": 15}, 20000: {"p99": 10}}
BYTES_PER_VOTE_TARGET = 120


# ------------------------------------------------------------------ set-up

def registered(seq):
    return "stakeholder.registered", {
        "stakeholder_id": f"stk-{seq}", "name": f"Voter {seq}", "email": f"voter{seq}@example.org",
        "type": "civil_society", "country": "CH", "region": "europe"}


def published(seq):
    return "nominations.published", {"call": CALL, "categories": {
        c: [f"sub-{c}-{i}" for i in range(1, PER_CATEGORY + 1)] for c in CATEGORIES}}


def bench_cluster(work):
    """The harness's cluster with the services' own heartbeat and catch-up
    timeout (not the tests' short ones), and their catch-up pages (10,000)."""
    return Cluster(pathlib.Path(work), options={"wsis": {
        "heartbeat_ms": None, "catchup_timeout_ms": None}})


def start_voting(cluster, voters, sources):
    """Starts wsis-bus and wsis-voting fed by stand-ins for submissions
    (voters stakeholder.registered) and nominations (the ballot), appended
    to sources (the caller closes them), and sets voting's clock to the
    last hour before the deadline. The seconds voting took to apply them."""
    sources += [FastSource(cluster, "submissions", voters, registered),
                FastSource(cluster, "nominations", 1, published)]
    cluster.start("bus", timeout=30)
    started = time.monotonic()
    cluster.start("voting", timeout=30)
    while True:
        stats = cluster.call("voting", "sys.stats", timeout=30)["body"]["sources"]
        if stats["submissions"]["last_seq"] == voters and stats["nominations"]["last_seq"] == 1:
            break
        time.sleep(0.5)
    seconds = time.monotonic() - started
    cluster.call("voting", "sys.clock.set", {"now": DURING}, timeout=30)
    return seconds


def close_all(cluster, sources, work=None):
    """Stops the cluster and the stand-ins; removes work when given."""
    cluster.close()
    for source in sources:
        source.close()
    if work:
        shutil.rmtree(work, ignore_errors=True)


def outcome(failures):
    """Prints what went wrong; the bench's exit status."""
    for failure in failures:
        print(f"  FAILED: {failure}")
    return 1 if failures else 0


def cpu_seconds(process):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{process.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ votes

def vote_pairs(skip, count):
    """Votes skip .. skip + count - 1 of the load generator's sequence, as
    (voter, category, project): the same pairs it casts (bench/loadgen/main.c,
    s_vote), for the raw SQLite loop."""
    pairs = VOTERS * len(CATEGORIES)
    stride = 1000003
    while _gcd(stride, pairs) != 1:
        stride += 2
    votes = []
    for n in range(skip, skip + count):
        pair = (n % pairs) * stride % pairs
        project = 1 + ((pair * 0x9E3779B97F4A7C15) % (1 << 64) >> 40) % PER_CATEGORY
        votes.append((1 + pair // len(CATEGORIES), CATEGORIES[pair % len(CATEGORIES)], project))
    return votes


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def loadgen(target, endpoint, skip, count, rate=0, failures=None, what="", voters=VOTERS,
            categories=len(CATEGORIES), extra=(), live=False, inflight=WINDOW,
            connections=CONNECTIONS):
    """Runs build/bench/wsis-loadgen; returns what it printed (a dict).
    A refused or unanswered vote (or event, with target "bus") goes to
    failures. extra: more options (--ramp ...); live: its stderr (progress
    lines) goes out as it writes it."""
    command = [LOADGEN, "--target", target, "--endpoint", endpoint, "--call", CALL,
               "--connections", str(connections), "--inflight", str(inflight),
               "--voters", str(voters), "--categories", str(categories),
               "--projects", str(PER_CATEGORY),
               "--votes", str(count), "--skip", str(skip), "--rate", str(rate), *extra]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None if live else subprocess.PIPE,
                          text=True)
    if done.stderr:
        sys.stderr.write(done.stderr)
    try:
        result = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"wsis-loadgen printed no result (exit {done.returncode}): {done.stdout!r}")
    if done.returncode != 0 and failures is not None:
        failures.append(f"{target} {what}: {result['acked']:,} of {result['votes']:,} votes acked, "
                        f"{result['errors']} errors, {result['unanswered']} unanswered: "
                        f"{result['first_error']}")
    return result


def closed_line(name, r, extra=""):
    return (f"  {name}: {r['acked_per_s']:,.0f} acked votes/s ({r['acked']:,} votes, "
            f"{r['connections']} connections, {r['inflight']:,} in flight, {r['elapsed_s']:.1f} s; "
            f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, p99.9 {r['p999_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms{extra}; client CPU {r['client_cpu_s']:.2f} s)")


def open_line(name, r):
    return (f"  {name} at {r['rate']:,.0f} votes/s offered: {r['acked_per_s']:,.0f}/s acked, "
            f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, p99.9 {r['p999_ms']:.2f} ms, "
            f"max {r['max_ms']:.2f} ms, {r['errors']} errors (client: CPU {r['client_cpu_s']:.2f} s, "
            f"send lag p99 {r['send_lag_p99_ms']:.2f} ms)")


def preload(target, endpoint, failures):
    """The PRELOAD votes already cast before anything is measured."""
    name = "wsis-voting" if target == "wsis" else "redis"
    started = time.monotonic()
    r = loadgen(target, endpoint, 0, PRELOAD, failures=failures, what="preload")
    print(f"  {name} set-up: {r['acked']:,} of {PRELOAD:,} votes preloaded in "
          f"{time.monotonic() - started:.1f} s ({r['acked_per_s']:,.0f}/s)", flush=True)


def burst(target, endpoint, skip, failures, before=None, after=None):
    """One closed-loop burst of VOTES from vote skip on. before/after():
    called around it (the service's CPU)."""
    name = "wsis-voting" if target == "wsis" else "redis"
    mark = before() if before else None
    r = loadgen(target, endpoint, skip, VOTES, failures=failures, what="burst")
    print(closed_line(name, r, after(mark, r) if after else ""), flush=True)
    return r


def rates(target, endpoint, skip, failures):
    """Each offered rate in turn, from vote skip on."""
    name = "wsis-voting" if target == "wsis" else "redis"
    results = []
    for rate in RATES:
        count = int(rate * RATE_SECONDS)
        r = loadgen(target, endpoint, skip, count, rate, failures=failures, what=f"at {rate}/s")
        print(open_line(name, r), flush=True)
        results.append(r)
        skip += count
    return results


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# ------------------------------------------------------------------ Redis

def start_redis(work):
    """redis-server on a free loopback port, its AOF fsynced before every
    reply (appendfsync always), no snapshots."""
    folder = os.path.join(work, "redis")
    os.makedirs(folder, exist_ok=True)
    port = free_ports(1)[0]
    log = open(os.path.join(folder, "redis.log"), "ab")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
         "--appendonly", "yes", "--appendfsync", "always", "--save", "",
         "--protected-mode", "yes", "--daemonize", "no"], stdout=log, stderr=log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
        if ping.stdout.strip() == "PONG":
            return process, port
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not answer PING in 20 s")


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

def bytes_on_disk(folder, prefix):
    return sum(f.stat().st_size for f in pathlib.Path(folder).glob(prefix + "*") if f.is_file())


def main():
    if not os.path.exists(LOADGEN):
        print(f"{LOADGEN} is missing: make build/bench/wsis-loadgen (make bench builds it)")
        return 1
    total = PRELOAD + ROUNDS * VOTES + int(sum(RATES) * RATE_SECONDS)
    if total > VOTERS * len(CATEGORIES):
        print(f"{total:,} votes are more than {VOTERS:,} voters x {len(CATEGORIES)} categories")
        return 1
    keep = os.environ.get("WSIS_BENCH_DIR")
    work = keep or tempfile.mkdtemp(prefix="wsis-bench-votes-")
    os.makedirs(work, exist_ok=True)
    cluster = bench_cluster(work)
    failures = []
    sources = []
    redis = None
    got = {}
    try:
        print(f"votes: {VOTERS:,} voters, {PRELOAD:,} votes preloaded, {ROUNDS} rounds of "
              f"{VOTES:,} measured on each, "
              f"rates {', '.join(f'{r:,}/s' for r in RATES)} for {RATE_SECONDS:g} s each, "
              f"load generator in C ({CONNECTIONS} connections), data in {work}", flush=True)
        seconds = start_voting(cluster, VOTERS, sources)
        print(f"  set-up: {VOTERS:,} stakeholder.registered applied in {seconds:.1f} s", flush=True)

        process = cluster.processes["voting"]
        cpu = []

        def service_cpu(mark, result):
            cpu.append((cpu_seconds(process) - mark) * 1e6 / max(result['acked'], 1))
            return f"; {cpu[-1]:.1f} us of service CPU per vote"

        wsis_at = cluster.endpoint("voting")
        preload("wsis", wsis_at, failures)
        redis_at = None
        if REDIS and shutil.which("redis-server"):
            redis, port = start_redis(work)
            redis_at = f"127.0.0.1:{port}"
            preload("redis", redis_at, failures)
        elif REDIS:
            print("  redis: redis-server is not installed (make bench-deps); skipped")

        # The closed loop, in rounds that alternate the two.
        wsis_bursts, redis_bursts = [], []
        for round_no in range(ROUNDS):
            skip = PRELOAD + round_no * VOTES
            wsis_bursts.append(burst("wsis", wsis_at, skip, failures,
                                     lambda: cpu_seconds(process), service_cpu))
            if redis_at:
                redis_bursts.append(burst("redis", redis_at, skip, failures))
        skip = PRELOAD + ROUNDS * VOTES
        wsis_rates = rates("wsis", wsis_at, skip, failures)
        redis_rates = rates("redis", redis_at, skip, failures) if redis_at else []
        wsis = {"acked_per_s": median([b["acked_per_s"] for b in wsis_bursts])}
        got.update(wsis=wsis, wsis_rates=wsis_rates, cpu_us=median(cpu))
        if redis_at:
            ratios = [w["acked_per_s"] / r["acked_per_s"] for w, r in zip(wsis_bursts, redis_bursts)]
            got.update(redis={"acked_per_s": median([b["acked_per_s"] for b in redis_bursts])},
                       redis_rates=redis_rates, ratio=median(ratios))
            print(f"  closed loop over {ROUNDS} rounds, median: wsis-voting "
                  f"{wsis['acked_per_s']:,.0f}/s, Redis {got['redis']['acked_per_s']:,.0f}/s; "
                  f"wsis / Redis by round {', '.join(f'{x:.2f}' for x in ratios)}, "
                  f"median {got['ratio']:.2f}", flush=True)
            redis.terminate()
            redis.wait(timeout=30)
            redis = None

        tally = cluster.call("voting", "vote.tally", {"call": CALL}, role="staff", timeout=30)["body"]
        print(f"  tally: {tally['votes_cast']:,} votes of {tally['voters_cast']:,} voters "
              f"(expected {total:,} votes)", flush=True)
        if tally["votes_cast"] != total:
            failures.append(f"tally counts {tally['votes_cast']} votes, {total} were acked")
        got["rss"] = cluster.peak_rss_mb('voting')
        got["bytes"] = bytes_on_disk(cluster.data_dir, 'voting.db') / max(total, 1)
        wal = bytes_on_disk(cluster.data_dir, 'voting.db-wal') / max(total, 1)
        print(f"  wsis-voting peak RSS: {got['rss']:.0f} MiB; voting.db and its WAL: "
              f"{got['bytes']:.0f} bytes per vote (the WAL {wal:.0f}: it is at most "
              f"8,000 pages, whatever the votes)", flush=True)
        cluster.close()
        # A clean stop checkpoints and removes the WAL: what the votes keep.
        got["bytes_at_rest"] = bytes_on_disk(cluster.data_dir, 'voting.db') / max(total, 1)
        print(f"  voting.db once stopped: {got['bytes_at_rest']:.0f} bytes per vote", flush=True)
        redis_burst = got.get("redis")

        raw_rate = got["raw"] = raw_sqlite(work, vote_pairs(0, PRELOAD), vote_pairs(PRELOAD, VOTES))
        print(f"  raw SQLite, UNIQUE (voter, category), 1,000 per commit, synchronous=FULL: "
              f"{raw_rate:,.0f} votes/s", flush=True)

        print("  | votes/s, closed loop | acked/s | vs raw SQLite | vs Redis |")
        print("  |---|---|---|---|")
        peer = redis_burst["acked_per_s"] if redis_burst else 0
        rows = [("wsis-voting", got["wsis"]["acked_per_s"])]
        if redis_burst:
            rows.append(("Redis 7, Lua, appendfsync always", peer))
        rows.append(("raw SQLite loop", raw_rate))
        for name, rate in rows:
            vs_peer = f"{rate / peer:.2f}" if peer else "-"
            print(f"  | {name} | {rate:,.0f} | {rate / raw_rate:.2f} | {vs_peer} |")
        if redis_burst:
            for mine, theirs in zip(got["wsis_rates"], got["redis_rates"]):
                print(f"  at {mine['rate']:,.0f}/s offered: p99 wsis {mine['p99_ms']:.2f} ms, "
                      f"Redis {theirs['p99_ms']:.2f} ms; p99.9 wsis {mine['p999_ms']:.2f} ms, "
                      f"Redis {theirs['p999_ms']:.2f} ms", flush=True)
    finally:
        if redis:
            redis.kill()
        close_all(cluster, sources, None if keep else work)
        report_figures(got)
    return outcome(failures)


def report_figures(got):
    """The key figures to the report (bench/figures.py); None where this
    run did not get that far, or skipped Redis."""
    def acked(run):
        return run["acked_per_s"] if run else None

    wsis, redis, raw = got.get("wsis"), got.get("redis"), got.get("raw")
    report("votes: acked/s, closed loop (median of rounds)", acked(wsis), "votes/s", baseline=raw,
           baseline_name="raw SQLite loop")
    report("votes: acked/s vs Redis 7, median of alternating rounds (ahead of it)",
           got.get("ratio"), "x", target=1.0)
    mine = {r["rate"]: r for r in got.get("wsis_rates", [])}
    theirs = {r["rate"]: r for r in got.get("redis_rates", [])}
    for rate in RATES:
        targets = LATENCY_TARGETS.get(rate, {})
        for quantile, key in (("p99", "p99_ms"), ("p99.9", "p999_ms")):
            report(f"votes: {quantile} at {rate:,}/s offered",
                   mine[rate][key] if rate in mine else None, "ms", target=targets.get(quantile),
                   better="lower", baseline=theirs[rate][key] if rate in theirs else None,
                   baseline_name="Redis 7" if REDIS else None)
    report("votes: service CPU per vote", got.get("cpu_us"), "us", better="lower")
    report("votes: voting.db and its WAL per vote", got.get("bytes"), "bytes",
           target=BYTES_PER_VOTE_TARGET, better="lower")
    report("votes: voting.db per vote, stopped", got.get("bytes_at_rest"), "bytes",
           target=BYTES_PER_VOTE_TARGET, better="lower")
    report("votes: wsis-voting peak RSS", got.get("rss"), "MiB", better="lower")


if __name__ == "__main__":
    sys.exit(main())
