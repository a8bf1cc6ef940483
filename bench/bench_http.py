#!/usr/bin/env python3
"""HTTP vote benchmark: votes cast through wsis-gateway by wrk over
keep-alive connections, side by side with the direct ZeroMQ vote path
(wsis-loadgen) in the same run, against the same wsis-voting.

Set-up (through the real binaries): wsis-bus, wsis-voting,
wsis-notifications and wsis-gateway with a manual clock at the last hour
before the voting deadline; the vote bench's stand-ins for
wsis-submissions (the voters' stakeholder.registered, which both voting and
the gateway consume) and wsis-nominations (the ballot: 18 categories x 20
projects). The gateway's rate limits are off (gateway/sign_in_per_minute
and writes_per_minute 0): every request comes from one address.

Then each HTTP voter signs in as a person does: POST /api/v1/auth/code,
the code read from the message wsis-notifications wrote to its file
channel, POST /api/v1/auth/session for the token (in parallel over
keep-alive connections; nothing is written into any store by the bench).
wsis-notifications is stopped once every code is read: it takes no part
in a vote, and would otherwise consume the votes' events on the same
2 cores during the measurement.

Measured, with the same number of votes in flight on both paths, in
ROUNDS rounds (each the direct path, then the HTTP path at once after it,
so that each pair shares the machine's state of the moment):
  1. the direct path: wsis-loadgen casts VOTES votes of the first voters
     over ZeroMQ (vote.cast as the gateway role, as bench_votes.py does),
     CONNECTIONS votes in flight;
  2. the HTTP path: wrk (-t 1, bench/http/votes.lua) casts VOTES votes of
     the round's signed-in voters, POST /api/v1/calls/{call}/votes with
     each voter's Bearer token, over CONNECTIONS keep-alive connections
     (one request in flight on each); every (token, category) pair once,
     so each is a new vote;
  for each: acked votes/s, p50/p99 latency (wrk --latency; wsis-loadgen's
  own), the CPU per vote of wsis-voting, of wsis-gateway and of the
  client, the votes that shared each of wsis-voting's commits (its
  sys.stats requests / batches) and how busy the machine was (/proc/stat):
  what bounds each path; then the medians over the rounds and the median
  of the rounds' ratios HTTP / direct.

No timing is asserted. Exits non-zero when a vote is refused or
unanswered, or when the tally (vote.tally as staff) differs from the
votes acked on both paths.

Scale with environment variables: WSIS_BENCH_HTTP_VOTES (30000 a round on
each path; the HTTP path signs in ROUNDS x VOTES / 18 voters),
WSIS_BENCH_HTTP_ROUNDS (3), WSIS_BENCH_HTTP_CONNECTIONS (64),
WSIS_BENCH_HTTP_SIGN_IN (32 parallel sign-in connections), WSIS_BENCH_DIR
(keep the data there instead of a temp dir).
"""
import concurrent.futures
import email
import email.policy
import http.client
import json
import os
import pathlib
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_votes import (CALL, CATEGORIES, DURING, LOADGEN, PER_CATEGORY, FastSource,  # noqa: E402
                         close_all, cpu_seconds, loadgen, outcome, published, registered)
from figures import measured, report  # noqa: E402
from wsis_harness import ROOT, Cluster  # noqa: E402

VOTES = int(os.environ.get("WSIS_BENCH_HTTP_VOTES", 30000))
ROUNDS = int(os.environ.get("WSIS_BENCH_HTTP_ROUNDS", 3))
CONNECTIONS = int(os.environ.get("WSIS_BENCH_HTTP_CONNECTIONS", 64))
SIGN_IN = int(os.environ.get("WSIS_BENCH_HTTP_SIGN_IN", 32))
SCRIPT = os.path.join(ROOT, "bench", "http", "votes.lua")
LOADGEN_CONNECTIONS = 4
# How long the sign-in codes may take to reach the file channel.
WAIT_S = 120
# A run that hangs ends here (wrk's -d); a normal one ends with its last answer.
WRK_BOUND_S = 600


def voters_for(votes):
    return -(-votes // len(CATEGORIES))


# ------------------------------------------------------------------ set-up

def start(work, voters):
    """The cluster (bus, voting, notifications, gateway) fed by the
    stand-ins, caught up with every voter, clocks at DURING."""
    cluster = Cluster(work, options={
        "wsis": {"catchup_page": 10000, "heartbeat_ms": None, "catchup_timeout_ms": None},
        "gateway": {"sign_in_per_minute": 0, "writes_per_minute": 0,
                    "max_connections": max(4000, CONNECTIONS + SIGN_IN + 16)}})
    sources = [FastSource(cluster, "submissions", voters, registered),
               FastSource(cluster, "nominations", 1, published)]

    def caught_up(name, source, seq):
        stats = cluster.call(name, "sys.stats", timeout=30)["body"]["sources"]
        return stats[source]["last_seq"] == seq

    try:
        cluster.start("bus", "voting", "notifications", "gateway", timeout=30)
        cluster.wait_until(lambda: caught_up("voting", "submissions", voters)
                           and caught_up("voting", "nominations", 1)
                           and caught_up("gateway", "submissions", voters),
                           timeout=300, what="voting and the gateway to apply every voter")
        for name in ("voting", "notifications", "gateway"):
            assert cluster.call(name, "sys.clock.set", {"now": DURING}, timeout=30)["ok"]
    except BaseException:
        close_all(cluster, sources)
        raise
    return cluster, sources


class Http:
    """One keep-alive connection per thread to the gateway."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def request(self, method, path, body):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                                            timeout=60)
        connection.request(method, path, body=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")


def read_codes(outbox, seen, codes):
    """Reads the messages of outbox not read yet (seen: their names) as a
    mail reader would, into codes {address: code}."""
    for name in os.listdir(outbox):
        if name in seen or not name.endswith(".eml"):
            continue
        with open(os.path.join(outbox, name), "rb") as f:
            message = email.message_from_bytes(f.read(), policy=email.policy.default)
        seen.add(name)
        if message["X-WSIS-Key"].startswith("sign-in/"):
            text = message.get_body(preferencelist=("plain",)).get_content()
            codes[message["To"]] = re.search(r"^\s+(\d{6})\s*$", text, re.M).group(1)


def undelivered(cluster, emails):
    """What wsis-notifications says of the sign-in codes of emails (the
    first ten): their status and last error."""
    found, body = [], {"kind": "sign_in_code", "limit": 1000}
    while True:
        reply = cluster.call("notifications", "notify.list", body, role="staff", timeout=30)
        if not reply["ok"]:
            return f"notify.list failed: {reply['error']}"
        found += [item for item in reply["body"]["items"] if item["key"].split("/")[1] in emails]
        if reply["body"]["next"] is None:
            break
        body["after"] = reply["body"]["next"]
    return [{k: v for k, v in item.items() if k in ("key", "status", "attempts", "error", "last_error")}
            for item in found[:10]] or f"none of {sorted(emails)[:10]} is known to wsis-notifications"


def sign_in(cluster, first, count):
    """Signs voters first .. first + count - 1 in through the gateway
    (code by mail, then the session): their tokens, in voter order, and
    the seconds it took."""
    http = Http(cluster.ports["http"])
    emails = [registered(n)[1]["email"] for n in range(first, first + count)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(SIGN_IN) as pool:
        for status, body in pool.map(lambda e: http.request("POST", "/api/v1/auth/code", {"email": e}),
                                     emails):
            if status != 202:
                raise RuntimeError(f"auth/code answered {status}: {body}")
        outbox = cluster.data_dir / "outbox"
        seen, codes = set(), {}
        deadline = time.monotonic() + WAIT_S
        while len(codes) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(codes)} of {count} sign-in codes mailed in {WAIT_S} s; "
                                   f"the others: {undelivered(cluster, set(emails) - set(codes))}")
            if outbox.exists():
                read_codes(outbox, seen, codes)
            time.sleep(0.05)
        tokens = []
        for status, body in pool.map(lambda e: http.request("POST", "/api/v1/auth/session",
                                                            {"email": e, "code": codes[e]}), emails):
            if status != 201:
                raise RuntimeError(f"auth/session answered {status}: {body}")
            tokens.append(body["token"])
    return tokens, time.monotonic() - started


def vote_file(path, tokens, votes):
    """The HTTP votes, one a line: token, category, submission; every
    (voter, category) pair of the signed-in voters once, in a fixed
    scattered order, the first `votes` of them."""
    rng = random.Random(2022)
    pairs = [(v, c) for v in range(len(tokens)) for c in range(len(CATEGORIES))]
    if len(pairs) < votes:
        raise RuntimeError(f"{len(tokens)} voters cannot cast {votes} votes")
    rng.shuffle(pairs)
    with open(path, "w") as f:
        for v, c in pairs[:votes]:
            category = CATEGORIES[c]
            f.write(f"{tokens[v]} {category} sub-{category}-{rng.randint(1, PER_CATEGORY)}\n")


# ------------------------------------------------------------------ the two paths

def run_wrk(cluster, path, failures, what):
    """wrk over CONNECTIONS keep-alive connections: what votes.lua printed,
    and wrk's own CPU seconds."""
    url = f"http://127.0.0.1:{cluster.ports['http']}/api/v1/calls/{CALL}/votes"
    command = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{WRK_BOUND_S}s", "--timeout", "30s",
               "--latency", "-s", SCRIPT, url, "--", path, "1"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out, err = done.stdout, done.stderr
    if err:
        sys.stderr.write(err)
    lines = [line for line in out.splitlines() if line.startswith("wsis-bench-http ")]
    if not lines:
        raise RuntimeError(f"wrk printed no result (exit {done.returncode}):\n{out}")
    result = json.loads(lines[-1].split(" ", 1)[1])
    result["wrk_output"] = out
    result["client_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result["acked"] != VOTES or result["errors"] or result["answered"] != result["sent"]:
        failures.append(f"HTTP, {what}: {result['acked']:,} of {VOTES:,} votes acked, {result['errors']} errors, "
                        f"{result['sent'] - result['answered']} unanswered: {result['first_error']}")
    errors = {k: v for k, v in result["socket_errors"].items() if v}
    if errors:
        failures.append(f"HTTP, {what}: wrk counted socket errors or error statuses: {errors}")
    return result


def machine_busy():
    """CPU seconds of the whole machine so far: (busy, all), from
    /proc/stat (busy is all but idle and iowait)."""
    with open("/proc/stat") as f:
        ticks = [int(t) for t in f.readline().split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def voting_counts(cluster):
    """wsis-voting's (requests, batches) so far: sys.stats, whose own
    request (one, in a batch of its own) the caller takes off."""
    stats = cluster.call("voting", "sys.stats", role="staff", timeout=30)["body"]
    return stats["requests"], stats["batches"]


def phase_marks(cluster):
    return {"cpu": {n: cpu_seconds(cluster.processes[n]) for n in ("voting", "gateway")},
            "machine": machine_busy(), "voting": voting_counts(cluster)}


def phase_figures(cluster, marks, result):
    """Adds to a path's result what its phase cost: the services' CPU per
    vote, the votes that shared each of wsis-voting's commits, and the
    share of the machine's CPU time that was busy."""
    requests, batches = voting_counts(cluster)
    busy, total = machine_busy()
    result["voting_us"] = per_vote(cluster, "voting", marks["cpu"]["voting"], result["acked"])
    result["gateway_us"] = per_vote(cluster, "gateway", marks["cpu"]["gateway"], result["acked"])
    result["per_commit"] = (requests - marks["voting"][0] - 1) / max(batches - marks["voting"][1] - 1, 1)
    result["machine_busy"] = (busy - marks["machine"][0]) / max(total - marks["machine"][1], 1e-9)


def per_vote(cluster, name, mark, votes):
    return (cpu_seconds(cluster.processes[name]) - mark) * 1e6 / max(votes, 1)


def client_us(result):
    return result["client_cpu_s"] * 1e6 / max(result["acked"], 1)


def median(values):
    return statistics.median(values) if values else float("nan")


def one_round(cluster, number, path, failures):
    """The direct path, then the HTTP path, VOTES votes each: their
    results, each with the CPU per vote of the services."""
    marks = phase_marks(cluster)
    direct = loadgen("wsis", cluster.endpoint("voting"), number * VOTES, VOTES, failures=failures,
                     what=f"direct, round {number + 1}", voters=ROUNDS * voters_for(VOTES),
                     inflight=CONNECTIONS, connections=LOADGEN_CONNECTIONS)
    phase_figures(cluster, marks, direct)
    marks = phase_marks(cluster)
    web = run_wrk(cluster, path, failures, f"round {number + 1}")
    phase_figures(cluster, marks, web)
    ratio = web["acked_per_s"] / direct["acked_per_s"] if direct["acked_per_s"] else 0
    print(f"  round {number + 1}: direct {direct['acked_per_s']:,.0f} acked votes/s (p50 {direct['p50_ms']:.2f} ms, "
          f"p99 {direct['p99_ms']:.2f} ms; wsis-voting {direct['voting_us']:.1f} us CPU per vote; "
          f"client {client_us(direct):.1f} us CPU per vote; {direct['per_commit']:.1f} votes per commit; "
          f"machine {direct['machine_busy']:.0%} busy) | HTTP {web['acked_per_s']:,.0f} acked votes/s "
          f"(p50 {web['p50_ms']:.2f} ms, p99 {web['p99_ms']:.2f} ms, {web['errors']} errors; "
          f"wsis-gateway {web['gateway_us']:.1f} us and wsis-voting {web['voting_us']:.1f} us CPU "
          f"per vote; wrk {client_us(web):.1f} us CPU per vote; {web['per_commit']:.1f} votes per commit; "
          f"machine {web['machine_busy']:.0%} busy) | HTTP / direct {ratio:.2f}", flush=True)
    return direct, web, ratio


def main():
    return measured(measure, report_figures)


def report_figures(got):
    """The key figures for make bench's report (bench/figures.py): the
    medians over the rounds; missing when a run did not get that far."""
    rounds = got.get("rounds") or []
    direct = median([r[0]["acked_per_s"] for r in rounds]) if rounds else None
    web = [r[1] for r in rounds]
    report("http: votes through wsis-gateway, acked/s (median of rounds)",
           median([r["acked_per_s"] for r in web]) if web else None, "votes/s",
           baseline=direct, baseline_name=f"the direct ZeroMQ path, {CONNECTIONS} in flight")
    report("http: HTTP / direct ZeroMQ path (median of rounds' ratios)",
           median([r[2] for r in rounds]) if rounds else None, "x", target=0.5)
    report("http: p50 through wsis-gateway", median([r["p50_ms"] for r in web]) if web else None, "ms",
           better="lower")
    report("http: p99 through wsis-gateway", median([r["p99_ms"] for r in web]) if web else None, "ms",
           better="lower")
    report("http: gateway CPU per vote", median([r["gateway_us"] for r in web]) if web else None, "us",
           better="lower")


def measure(got):
    for tool in ("wrk", LOADGEN):
        if not shutil.which(tool):
            print(f"{tool} is missing: make bench installs and builds it (make bench-deps)")
            return 1
    voters = ROUNDS * voters_for(VOTES)     # each round's own, on each path
    keep = os.environ.get("WSIS_BENCH_DIR")
    work = keep or tempfile.mkdtemp(prefix="wsis-bench-http-")
    os.makedirs(work, exist_ok=True)
    failures = []
    cluster, sources = None, []
    try:
        print(f"http: {ROUNDS} rounds of {VOTES:,} votes on each path, the direct one then HTTP, "
              f"{CONNECTIONS} votes in flight (wrk: {CONNECTIONS} keep-alive connections, 1 thread; "
              f"wsis-loadgen: {LOADGEN_CONNECTIONS} ZeroMQ connections), {voters:,} voters on each path, "
              f"data in {work}", flush=True)
        started = time.monotonic()
        cluster, sources = start(pathlib.Path(work), 2 * voters)
        print(f"  set-up: {2 * voters:,} stakeholder.registered applied by voting and the gateway in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        try:
            tokens, seconds = sign_in(cluster, voters + 1, voters)
        except RuntimeError as error:
            failures.append(f"sign-in: {error}")
            return outcome(failures)
        print(f"  sign-in: {voters:,} voters signed in through the gateway (code by mail, then the "
              f"session; {SIGN_IN} connections) in {seconds:.1f} s ({voters / seconds:,.0f}/s)", flush=True)
        cluster.stop("notifications")
        rounds = []
        per_round = voters_for(VOTES)
        for number in range(ROUNDS):
            path = os.path.join(work, f"http-votes-{number + 1}.txt")
            vote_file(path, tokens[number * per_round:(number + 1) * per_round], VOTES)
            rounds.append(one_round(cluster, number, path, failures))
            got["rounds"] = rounds

        tally = cluster.call("voting", "vote.tally", {"call": CALL}, role="staff", timeout=30)["body"]
        expected = sum(direct["acked"] + web["acked"] for direct, web, _ in rounds)
        print(f"  tally: {tally['votes_cast']:,} votes of {tally['voters_cast']:,} voters "
              f"(acked: {expected:,})", flush=True)
        if tally["votes_cast"] != expected:
            failures.append(f"the tally counts {tally['votes_cast']:,} votes, {expected:,} were acked")
        stats = cluster.call("gateway", "sys.stats", timeout=30)["body"]["http"]
        print(f"  gateway: {stats['requests']:,} requests served, {stats['client_errors']} 4xx, "
              f"{stats['server_errors']} 5xx; peak RSS {cluster.peak_rss_mb('gateway'):.0f} MiB", flush=True)

        print(f"  | {CONNECTIONS} votes in flight, median of {ROUNDS} rounds | acked votes/s | p50 | p99 "
              f"| service CPU per vote |")
        print("  |---|---|---|---|---|")
        for name, results, cpu in [
                ("direct ZeroMQ (wsis-loadgen)", [r[0] for r in rounds], lambda r: f"voting {r['voting_us']:.1f} us"),
                ("HTTP through wsis-gateway (wrk)", [r[1] for r in rounds],
                 lambda r: f"gateway {r['gateway_us']:.1f} us + voting {r['voting_us']:.1f} us")]:
            middle = sorted(results, key=lambda r: r["acked_per_s"])[len(results) // 2]
            print(f"  | {name} | {median([r['acked_per_s'] for r in results]):,.0f} "
                  f"| {median([r['p50_ms'] for r in results]):.2f} ms "
                  f"| {median([r['p99_ms'] for r in results]):.2f} ms | {cpu(middle)} |")
        print(f"  HTTP / direct: {median([r[2] for r in rounds]):.2f} (median of the rounds' ratios: "
              f"{', '.join(f'{r[2]:.2f}' for r in rounds)}; target: at least 0.5)", flush=True)
    finally:
        if cluster:
            close_all(cluster, sources, None if keep else work)
    return outcome(failures)


if __name__ == "__main__":
    sys.exit(main())
