#!/usr/bin/env python3
"""wsis-reporting over a year's worth of events: 13,000 Stocktaking
entries, 1,000 WSIS Prizes projects and 2,000,000 votes.

Stand-ins for wsis-submissions and wsis-voting serve the events over
events.since (built page by page on demand), and the real wsis-reporting
catches up with all of them from an empty store, as after --rebuild.
Printed: events applied per second while catching up (and the time for
the votes), then each report's latency (median of 5 and the worst).
No timing is asserted; it exits non-zero only if a count is wrong.

Scale with WSIS_BENCH_STOCKTAKING (13000), WSIS_BENCH_PRIZES (1000),
WSIS_BENCH_REPORT_VOTES (2000000).
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from wsis_harness import Cluster, FakeSource, envelope  # noqa: E402

STOCKTAKING = int(os.environ.get("WSIS_BENCH_STOCKTAKING", 13000))
PRIZES = int(os.environ.get("WSIS_BENCH_PRIZES", 1000))
VOTES = int(os.environ.get("WSIS_BENCH_REPORT_VOTES", 2000000))
CALL = "prizes-2022"
CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]


class PagedSource(FakeSource):
    """A producer of count events made by event_of(seq) when asked."""

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


def submission(seq):
    if seq <= PRIZES:
        category = CATEGORIES[seq % 18]
        return "submission.received", {
            "submission_id": f"sub-{seq}", "call": CALL, "kind": "prize", "status": "received",
            "title": f"Project {seq}", "entity": f"Entity {seq}", "category": category,
            "stakeholder_type": "government", "country": "CH", "region": "europe",
            "sdgs": [1 + seq % 17, 1 + (seq * 7) % 17], "short_description": "words " * 160,
            "impact": "Impact.", "contact": {"name": "C", "email": "c@x.org", "gender": "female"}}
    return "submission.received", {
        "submission_id": f"sub-{seq}", "call": "stocktaking-2022", "kind": "stocktaking",
        "status": "received", "title": f"Entry {seq}", "entity": f"Org {seq % 997}",
        "stakeholder_type": "academia", "country": "KE", "region": "africa",
        "action_lines": [CATEGORIES[seq % 18], CATEGORIES[(seq + 5) % 18]],
        "sdgs": [1 + seq % 17], "description": "An ICT project. " * 10,
        "contact": {"name": "C", "email": "c@x.org", "gender": "male"}}


def vote(seq):
    project = 1 + (seq * 7919) % PRIZES
    return "vote.cast", {"call": CALL, "category": CATEGORIES[project % 18],
                         "submission_id": f"sub-{project}", "receipt": "r", "new_voter": seq % 18 == 1}


def main():
    reports = [("report.summary", {"call": CALL}), ("report.results", {"call": CALL}),
               ("report.sdg_matrix", {}), ("report.sdg_matrix", {"format": "svg"}),
               ("report.gender", {}), ("report.publication", {"call": CALL, "format": "html"}),
               ("report.women_in_tech", {})]
    with tempfile.TemporaryDirectory(prefix="bench_reporting_") as work:
        cluster = Cluster(Path(work), options={"wsis": {"catchup_page": 10000, "heartbeat_ms": None,
                                                        "catchup_timeout_ms": 30000}})
        sources = []
        try:
            cluster.start("bus")
            sources = [PagedSource(cluster, "submissions", PRIZES + STOCKTAKING, submission),
                       PagedSource(cluster, "voting", VOTES, vote)]
            started = time.monotonic()
            cluster.start("reporting")
            stats = {}

            def applied(source, count):
                stats.update(cluster.call("reporting", "sys.stats")["body"]["sources"])
                return stats[source]["last_seq"] >= count
            cluster.wait_until(lambda: applied("submissions", PRIZES + STOCKTAKING), timeout=600,
                               what="the submissions applied")
            submitted = time.monotonic()
            cluster.wait_until(lambda: applied("voting", VOTES), timeout=1800, what="the votes applied")
            done = time.monotonic()
            total = PRIZES + STOCKTAKING + VOTES
            print(f"catch-up from an empty store: {total:,} events in {done - started:.1f} s "
                  f"({total / (done - started):,.0f} events/s); {PRIZES + STOCKTAKING:,} submissions "
                  f"in {submitted - started:.1f} s; {VOTES:,} votes by {done - started:.1f} s; "
                  f"peak RSS {cluster.peak_rss_mb('reporting'):.0f} MiB")
            summary = cluster.call("reporting", "report.summary", {"call": CALL})["body"]
            ok = summary["votes"] == VOTES and summary["by_status"]["received"] == PRIZES
            for op, body in reports:
                times = []
                for _ in range(5):
                    t = time.monotonic()
                    reply = cluster.call("reporting", op, body, timeout=60)
                    times.append((time.monotonic() - t) * 1000)
                    ok = ok and reply["ok"]
                print(f"  {op} {body}: median {statistics.median(times):.1f} ms, "
                      f"worst {max(times):.1f} ms")
            return 0 if ok else 1
        finally:
            for source in sources:
                source.close()
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
