#!/usr/bin/env python3
"""make bench-rush: the last 24 hours of a WSIS Prizes vote, compressed.

A year of 1,300,000 votes by 350,000 voters, each filling in one ballot
(3 or 4 categories, cast in a row): the votes before the last day are
cast first (closed loop, as fast as they are acked), then the last
24 hours are played in 2 minutes, the offered rate rising toward the
deadline up to 20,000 votes/s (open loop: every vote is due at its time
whatever the replies do). wsis-reporting and wsis-notifications run and
follow voting the whole time.

Set-up as bench/bench_votes.py: the real wsis-bus and wsis-voting with a
manual clock in the last hour before the deadline, stand-ins for
wsis-submissions (the voters' stakeholder.registered) and wsis-nominations
(the ballot: 18 categories x 20 projects), served over events.since; then
wsis-reporting and wsis-notifications catch up with all of it. The votes
are sent by the C load generator (build/bench/wsis-loadgen --ramp, as a
gateway relaying the public site would), with retries as real clients do
them: a vote whose reply has not come within WSIS_RUSH_RETRY_MS is sent
again, the same request with the same id (the gateway's Idempotency-Key),
up to 3 times; and a fraction WSIS_RUSH_LOSE of first replies is taken as
lost on the way back (a voter's dropped connection), so those votes are
retried whatever the service's speed.

Printed for each 10-second window of the rush: the rate offered, the
votes acked, retried, the latency p50/p99/p99.9/max (from the due time of
the attempt answered), and the consumer lag: the time from a vote's ack to
its effect in reporting's count (and notifications' cursor). The lag is
sampled: every WSIS_RUSH_SAMPLE_MS a thread asks voting for its last seq
(every vote up to it has been acked by then) and reporting and
notifications how far they have applied voting's events; a sample's lag
is the time until the first answer at or past that seq (its resolution is
the sampling period).

At the end: the tally (vote.tally as staff) must equal the votes acked,
and reporting's count (report.summary) too, once it has caught up; the
bench exits non-zero when either differs, or a vote was refused or never
answered. No timing is asserted. The key figures go to the report
(bench/figures.py; bench/run.py rush prints the table).

Scale with environment variables: WSIS_RUSH_SECONDS (120), WSIS_RUSH_PEAK
(20000 votes/s at the end), WSIS_RUSH_YEAR (1300000 votes in the year,
those before the rush preloaded), WSIS_RUSH_VOTERS (350000),
WSIS_RUSH_RETRY_MS (1000), WSIS_RUSH_LOSE (0.001), WSIS_RUSH_WINDOW (10
s), WSIS_RUSH_SAMPLE_MS (10), WSIS_RUSH_DIR (keep the data there), and the
vote bench's WSIS_BENCH_CONNECTIONS (4).
"""
import bisect
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, HERE)
from wsis_harness import Client  # noqa: E402
from bench_votes import (CALL, CATEGORIES, LOADGEN, bench_cluster, close_all, loadgen, outcome,  # noqa: E402
                         start_voting)
from figures import measured, report  # noqa: E402

SECONDS = float(os.environ.get("WSIS_RUSH_SECONDS", 120))
PEAK = float(os.environ.get("WSIS_RUSH_PEAK", 20000))
YEAR = int(os.environ.get("WSIS_RUSH_YEAR", 1300000))
VOTERS = int(os.environ.get("WSIS_RUSH_VOTERS", 350000))
RETRY_MS = float(os.environ.get("WSIS_RUSH_RETRY_MS", 1000))
LOSE = float(os.environ.get("WSIS_RUSH_LOSE", 0.001))
WINDOW_S = float(os.environ.get("WSIS_RUSH_WINDOW", 10))
SAMPLE_S = float(os.environ.get("WSIS_RUSH_SAMPLE_MS", 10)) / 1000
# The rush's shape: (fraction of the duration, fraction of the peak rate),
# linear in between: slow at first, then faster and faster to the deadline.
SHAPE = [(0, 0.05), (0.5, 0.2), (0.83, 0.5), (1.0, 1.0)]
# Issue 13's targets: p99 at most 10 ms at 20,000 votes/s, a vote's
# effect in reporting's count under 100 ms after its ack (p99).
P99_TARGET_MS = 10
LAG_TARGET_MS = 100
CONSUMERS = ("reporting", "notifications")
# Every voter fills in one ballot of YEAR / VOTERS votes on average, cast
# in a row (the load generator's --per-voter): the year's votes come from
# exactly VOTERS voters, and the rush's from voters voting for the first time.
BALLOTS = ["--per-voter", repr(YEAR / VOTERS + 1e-9)]


def ramp():
    """The --ramp of the load generator, and the votes it offers."""
    points = [(round(SECONDS * at, 3), round(PEAK * rate)) for at, rate in SHAPE]
    votes = sum((points[k][1] + points[k + 1][1]) / 2 * (points[k + 1][0] - points[k][0])
                for k in range(len(points) - 1))
    return ",".join(f"{at:g}:{rate}" for at, rate in points), int(votes)


class Sampler:
    """A thread asking voting for its last seq and each consumer how far
    it has applied voting's events, every SAMPLE_S, with the time of each
    answer (time.monotonic, the load generator's CLOCK_MONOTONIC)."""

    def __init__(self, cluster):
        self.clients = {name: Client(cluster.endpoint(name)) for name in ("voting", *CONSUMERS)}
        self.voting = []                                  # (t, last_seq)
        self.applied = {name: [] for name in CONSUMERS}   # (t, applied seq)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            started = time.monotonic()
            seq = self.clients["voting"].call("sys.ping", timeout=30)["body"]["last_seq"]
            self.voting.append((time.monotonic(), seq))
            for name in CONSUMERS:
                stats = self.clients[name].call("sys.stats", timeout=30)["body"]
                self.applied[name].append((time.monotonic(), stats["sources"]["voting"]["last_seq"]))
            time.sleep(max(0.0, SAMPLE_S - (time.monotonic() - started)))

    def stop(self):
        self.running = False
        self.thread.join(timeout=60)
        for client in self.clients.values():
            client.close()

    def lags(self, name):
        """(t, lag in s) for each voting sample with a vote not seen in the
        sample before: the time until the consumer's first answer at or
        past it. Samples it never reached are left out (see caught_up)."""
        applied = self.applied[name]
        times = [t for t, _ in applied]
        lags = []
        seen = 0
        for t, seq in self.voting:
            if seq <= seen:
                continue
            seen = seq
            k = bisect.bisect_left(times, t)
            while k < len(applied) and applied[k][1] < seq:
                k += 1
            if k < len(applied):
                lags.append((t, applied[k][0] - t))
        return lags


def possessive(name):
    return name + ("'" if name.endswith("s") else "'s")


def quantile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else None


def ms(value):
    return "-" if value is None else f"{value * 1000:.0f}"


def applied_by(cluster, name):
    return cluster.call(name, "sys.stats", timeout=30)["body"]["sources"]


def wait_caught_up(cluster, what, voters_seq=None, timeout=1800):
    """Waits until both consumers have applied every event of the
    stand-ins and voting's last one; the seconds it took."""
    started = time.monotonic()
    target = cluster.call("voting", "sys.ping", timeout=30)["body"]["last_seq"]

    def done():
        for name in CONSUMERS:
            sources = applied_by(cluster, name)
            if (sources["voting"]["last_seq"] < target
                    or sources["submissions"]["last_seq"] < VOTERS
                    or sources["nominations"]["last_seq"] < 1):
                return False
        return True
    cluster.wait_until(done, timeout=timeout, what=what)
    return time.monotonic() - started


def main():
    return measured(measure, report_figures)


def report_figures(got):
    rush = got.get("rush")
    last = rush["windows"][-1] if rush and rush.get("windows") else None
    report("rush: votes acked in the rush", rush["acked"] if rush else None, "votes",
           note=f"{SECONDS:g} s up to {PEAK:,.0f}/s; {got['retried']:,} retried" if rush else None)
    report("rush: p99 over the rush", rush["p99_ms"] if rush else None, "ms", better="lower")
    report("rush: p99.9 over the rush", rush["p999_ms"] if rush else None, "ms", better="lower")
    report(f"rush: p99 in the last {WINDOW_S:g} s (up to {PEAK:,.0f}/s)",
           last["p99_ms"] if last else None, "ms", target=P99_TARGET_MS, better="lower")
    for name in CONSUMERS:
        lag = got.get(f"lag_{name}")
        report(f"rush: ack to {possessive(name)} count, p99 (sampled)", lag and lag["p99"] * 1000, "ms",
               target=LAG_TARGET_MS if name == "reporting" else None, better="lower")
    report("rush: consumers caught up after the last vote", got.get("settled_s"), "s", better="lower")


def measure(got):
    if not os.path.exists(LOADGEN):
        print(f"{LOADGEN} is missing: make build/bench/wsis-loadgen (make bench-rush builds it)")
        return 1
    shape, rush_votes = ramp()
    preload = max(0, YEAR - rush_votes)
    if not 1 <= YEAR / VOTERS <= len(CATEGORIES) or rush_votes > YEAR:
        print(f"{YEAR:,} votes of {VOTERS:,} voters in {len(CATEGORIES)} categories, {rush_votes:,} of "
              f"them in the rush: not a year (1 to {len(CATEGORIES)} votes a voter, the rush at most "
              f"the year)")
        return 1
    keep = os.environ.get("WSIS_RUSH_DIR")
    work = Path(keep or tempfile.mkdtemp(prefix="wsis-bench-rush-"))
    work.mkdir(parents=True, exist_ok=True)
    cluster = bench_cluster(work)
    sources, failures = [], []
    sampler = None
    try:
        print(f"rush: {VOTERS:,} voters; {preload:,} votes of the year before the last day, then "
              f"{rush_votes:,} in {SECONDS:g} s (rate {shape}); retry after {RETRY_MS:g} ms, "
              f"{LOSE:.2%} of first replies lost; reporting and notifications following; data in {work}",
              flush=True)
        seconds = start_voting(cluster, VOTERS, sources)
        cluster.start(*CONSUMERS, timeout=60)
        caught = wait_caught_up(cluster, "the consumers to apply the voters")
        print(f"  set-up: {VOTERS:,} stakeholder.registered applied by voting in {seconds:.1f} s, "
              f"by reporting and notifications {caught:.1f} s later", flush=True)

        if preload:
            started = time.monotonic()
            r = loadgen("wsis", cluster.endpoint("voting"), 0, preload, failures=failures,
                        what="the year before the rush", voters=VOTERS, extra=BALLOTS)
            caught = wait_caught_up(cluster, "the consumers to apply the year's votes")
            print(f"  the year before the last day: {r['acked']:,} votes acked in {r['elapsed_s']:.1f} s "
                  f"({r['acked_per_s']:,.0f}/s, closed loop), applied by both consumers "
                  f"{caught:.1f} s later ({time.monotonic() - started:.1f} s in all)", flush=True)
            got["preloaded"] = r["acked"]

        sampler = Sampler(cluster)
        extra = ["--ramp", shape, "--retry-ms", f"{RETRY_MS:g}", "--retries", "3",
                 "--lose", f"{LOSE:g}", "--window", f"{WINDOW_S:g}"]
        load = os.getloadavg()[0]
        rush = loadgen("wsis", cluster.endpoint("voting"), preload, rush_votes, failures=failures,
                       what="the rush", voters=VOTERS, extra=BALLOTS + extra, live=True)
        print(f"  load average (1 min) {load:.1f} before the rush, {os.getloadavg()[0]:.1f} at its end "
              f"(2 cores, shared with other sessions)", flush=True)
        got["rush"], got["retried"] = rush, rush["retried"]
        got["settled_s"] = wait_caught_up(cluster, "the consumers to apply the rush")
        time.sleep(SAMPLE_S * 3)
        sampler.stop()

        print_windows(rush, sampler, got)
        print(f"  the rush: {rush['acked']:,} of {rush['votes']:,} votes acked, {rush['errors']} errors, "
              f"{rush['unanswered']} unanswered; {rush['retried']:,} retried ({rush['lost']:,} after a "
              f"lost reply, {rush['resends']:,} resends, {rush['late']:,} replies after another "
              f"attempt's); p50 {rush['p50_ms']:.2f} ms, p99 {rush['p99_ms']:.2f} ms, "
              f"p99.9 {rush['p999_ms']:.2f} ms, max {rush['max_ms']:.2f} ms; what voters waited, "
              f"retries included: p99 {rush['felt_p99_ms']:.2f} ms, max {rush['felt_max_ms']:.0f} ms; "
              f"client CPU {rush['client_cpu_s']:.1f} s, send lag p99 {rush['send_lag_p99_ms']:.2f} ms",
              flush=True)
        for name in CONSUMERS:
            lag = got.get(f"lag_{name}")
            if lag:
                print(f"  ack to {possessive(name)} count (sampled every {SAMPLE_S * 1000:g} ms, "
                      f"{lag['samples']:,} samples): p50 {ms(lag['p50'])} ms, p99 {ms(lag['p99'])} ms, "
                      f"max {ms(lag['max'])} ms", flush=True)
        print(f"  both consumers had applied every vote {got['settled_s']:.2f} s after the last ack",
              flush=True)

        acked = got.get("preloaded", 0) + rush["acked"]
        tally = cluster.call("voting", "vote.tally", {"call": CALL}, role="staff", timeout=60)["body"]
        summary = cluster.call("reporting", "report.summary", {"call": CALL}, timeout=60)["body"]
        print(f"  tally: {tally['votes_cast']:,} votes of {tally['voters_cast']:,} voters; reporting "
              f"counts {summary['votes']:,}; acked {acked:,}", flush=True)
        if tally["votes_cast"] != acked:
            failures.append(f"the tally counts {tally['votes_cast']:,} votes, {acked:,} were acked")
        if summary["votes"] != acked:
            failures.append(f"reporting counts {summary['votes']:,} votes, {acked:,} were acked")
        for name in ("voting", *CONSUMERS):
            print(f"  {name} peak RSS {cluster.peak_rss_mb(name):.0f} MiB", flush=True)
    finally:
        if sampler and sampler.running:
            sampler.stop()
        close_all(cluster, sources, None if keep else work)
    return outcome(failures)


def print_windows(rush, sampler, got):
    """The table of windows; each consumer's lag over the rush into got."""
    start = rush["start_s"]
    lags = {name: sampler.lags(name) for name in CONSUMERS}
    for name in CONSUMERS:
        during = [lag for t, lag in lags[name] if t >= start]
        if during:
            got[f"lag_{name}"] = {"p50": statistics.median(during), "p99": quantile(during, 0.99),
                                  "max": max(during), "samples": len(during)}
    print("  | window (s) | offered/s | acked | retried | p50 ms | p99 ms | p99.9 ms | max ms | "
          "lag to reporting p50 / p99 / max ms | lag to notifications p99 ms |")
    print("  |---|---|---|---|---|---|---|---|---|---|")
    for w in rush["windows"]:
        begin, end = start + w["from_s"], start + w["from_s"] + w["seconds"]
        columns = []
        for name in CONSUMERS:
            values = [lag for t, lag in lags[name] if begin <= t < end]
            columns.append((statistics.median(values) if values else None, quantile(values, 0.99),
                            max(values) if values else None))
        (r50, r99, rmax), (_, n99, _) = columns
        print(f"  | {w['from_s']:.0f}-{w['from_s'] + w['seconds']:.0f} | {w['offered_per_s']:,.0f} | "
              f"{w['acked']:,} | {w['retried']:,} | {w['p50_ms']:.2f} | {w['p99_ms']:.2f} | "
              f"{w['p999_ms']:.2f} | {w['max_ms']:.2f} | {ms(r50)} / {ms(r99)} / {ms(rmax)} | "
              f"{ms(n99)} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
