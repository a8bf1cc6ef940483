#!/usr/bin/env python3
"""wsis-reporting over a year's worth of events: 13,000 Stocktaking
entries, 1,000 WSIS Prizes projects and 2,000,000 votes, then the vote's
close (voting.closed, 5 champions per category), the nominated lists
(nominations.published) and the 18 winners (winners.selected).

Stand-ins for wsis-submissions, wsis-nominations and wsis-voting serve the
events over events.since (built page by page on demand), and the real
wsis-reporting catches up with all of them from an empty store, as after
--rebuild. Printed: events applied per second while catching up (and the
time for the votes), then the latency (median of 5 and the worst) of every
report in every format: the summary, the results, the WSIS-SDG matrix
(JSON, CSV, SVG; all calls and Stocktaking only), the gender report (JSON,
CSV, SVG), the publication (Markdown, HTML), the Women in Tech listing
(empty here: no profiles), and each export (a 5,000-row page of the
Stocktaking submissions, its last page, a 1,000-project page of votes,
nominations, results, gender). There are no Forum speakers, OCP inputs,
photos or HLTF nominations in this year.

The baseline, in the same run: a raw `INSERT ... SELECT` replay of the same
votes in SQLite (Python's sqlite3, no service, no network, no decoding):
the vote events in a table as a producer's outbox holds them, applied to
the same read model as reporting's (project_votes and poll, one upsert of
each per event) a page of 10,000 per transaction (reporting's catch-up
page), WAL, synchronous=FULL, with a cursor row updated per page.

No timing is asserted; it exits non-zero only if a count is wrong. The key
figures go to the report at the end of `make bench` (bench/figures.py):
issue 13's target is 2,000,000 events caught up in under 40 s; issue 9's,
every report under 100 ms (the slowest report's worst time is the figure).

Scale with WSIS_BENCH_STOCKTAKING (13000), WSIS_BENCH_PRIZES (1000),
WSIS_BENCH_REPORT_VOTES (2000000).
"""
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsis_harness import Cluster, PagedSource  # noqa: E402
from figures import measured, report  # noqa: E402

STOCKTAKING = int(os.environ.get("WSIS_BENCH_STOCKTAKING", 13000))
PRIZES = int(os.environ.get("WSIS_BENCH_PRIZES", 1000))
VOTES = int(os.environ.get("WSIS_BENCH_REPORT_VOTES", 2000000))
CALL = "prizes-2022"
CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]
PAGE = 10000
# Issue 13: a consumer 2,000,000 events behind catches up in under 40 s.
CATCHUP_TARGET = 2000000 / 40
# Issue 9: every report under 100 ms.
REPORT_TARGET_MS = 100


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


def voted_project(seq):
    return 1 + (seq * 7919) % PRIZES


def vote(seq):
    if seq > VOTES:
        return "voting.closed", closed_body()
    project = voted_project(seq)
    return "vote.cast", {"call": CALL, "category": CATEGORIES[project % 18],
                         "submission_id": f"sub-{project}", "receipt": "r", "new_voter": seq % 18 == 1}


_closed = {}


def closed_body():
    """voting.closed after the VOTES votes: every project's count, ranked
    per category, and the first 5 of each the champions (computed once)."""
    if not _closed:
        counts = [0] * (PRIZES + 1)
        for seq in range(1, VOTES + 1):
            counts[voted_project(seq)] += 1
        results = {}
        for project in range(1, PRIZES + 1):
            results.setdefault(CATEGORIES[project % 18], []).append(project)
        for category, projects in results.items():
            projects.sort(key=lambda p: (-counts[p], p))
            results[category] = [{"submission_id": f"sub-{p}", "votes": counts[p], "rank": rank}
                                 for rank, p in enumerate(projects, start=1)]
        _closed.update(call=CALL, votes=VOTES, voters=sum(1 for seq in range(1, VOTES + 1) if seq % 18 == 1),
                       results=results,
                       champions={cat: [r["submission_id"] for r in ranked[:5]] for cat, ranked in results.items()})
    return _closed


def nomination(seq):
    """nominations.published (every prize project), then one
    winners.selected per category (its first champion)."""
    if seq == 1:
        listed = {}
        for project in range(1, PRIZES + 1):
            listed.setdefault(CATEGORIES[project % 18], []).append(f"sub-{project}")
        return "nominations.published", {"call": CALL, "categories": listed}
    category = CATEGORIES[seq - 2]
    champions = closed_body()["champions"][category]
    return "winners.selected", {"call": CALL, "category": category, "winner": champions[0],
                                "champions": champions, "scores": {champions[0]: 8.5}, "tie": False}


def raw_replay(work):
    """Votes/s of the raw INSERT ... SELECT replay of VOTES vote events
    (see the top of this file), and the counts it ends with."""
    db = sqlite3.connect(os.path.join(work, "raw.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, call TEXT NOT NULL, category TEXT NOT NULL,"
               " submission_id TEXT NOT NULL, new_voter INTEGER NOT NULL)")
    db.execute("CREATE TABLE project_votes (call TEXT NOT NULL, category TEXT NOT NULL,"
               " submission_id TEXT NOT NULL, votes INTEGER NOT NULL,"
               " PRIMARY KEY (call, submission_id)) WITHOUT ROWID")
    db.execute("CREATE TABLE poll (call TEXT PRIMARY KEY, votes INTEGER NOT NULL DEFAULT 0,"
               " voters INTEGER NOT NULL DEFAULT 0)")
    db.execute("CREATE TABLE cursor (source TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)")
    db.execute("INSERT INTO cursor VALUES ('voting', 0)")

    def rows():
        for seq in range(1, VOTES + 1):
            body = vote(seq)[1]
            yield seq, body["call"], body["category"], body["submission_id"], int(body["new_voter"])
    db.execute("BEGIN")
    db.executemany("INSERT INTO event VALUES (?, ?, ?, ?, ?)", rows())
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA synchronous = FULL")
    started = time.monotonic()
    for after in range(0, VOTES, PAGE):
        last = min(after + PAGE, VOTES)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO project_votes (call, category, submission_id, votes)"
                   " SELECT call, category, submission_id, 1 FROM event WHERE seq > ? AND seq <= ?"
                   " ON CONFLICT (call, submission_id) DO UPDATE SET votes = votes + 1", (after, last))
        db.execute("INSERT INTO poll (call, votes, voters)"
                   " SELECT call, 1, new_voter FROM event WHERE seq > ? AND seq <= ?"
                   " ON CONFLICT (call) DO UPDATE SET votes = votes + 1, voters = voters + excluded.voters",
                   (after, last))
        db.execute("UPDATE cursor SET last_seq = ? WHERE source = 'voting'", (last,))
        db.execute("COMMIT")
    seconds = time.monotonic() - started
    counted = db.execute("SELECT sum(votes) FROM poll").fetchone()[0]
    db.close()
    return VOTES / seconds, counted


def main():
    return measured(measure, report_figures)


def report_figures(got):
    report("reporting: catch-up from an empty store", got.get("rate"), "events/s",
           target=CATCHUP_TARGET, baseline=got.get("raw"), baseline_name="raw INSERT ... SELECT replay",
           note=f"{got['events']:,} events in {got['seconds']:.1f} s" if "rate" in got else None)
    report("reporting: slowest report (worst of 5)", got.get("slowest_ms"), "ms", better="lower",
           target=REPORT_TARGET_MS,
           note=f"of {got['reports']} reports and formats; slowest {got['slowest']}" if "slowest" in got else None)
    report("reporting: peak RSS", got.get("rss"), "MiB", better="lower")


def measure(got):
    """Reporting's catch-up and reports, then the raw replay; what they
    measured into got. The exit status."""
    reports = [("report.summary", {"call": CALL}), ("report.summary", {"call": "stocktaking-2022"}),
               ("report.results", {"call": CALL})]
    reports += [("report.sdg_matrix", {"format": fmt}) for fmt in ("json", "csv", "svg")]
    reports += [("report.sdg_matrix", {"kind": "stocktaking"})]
    reports += [("report.gender", {"format": fmt}) for fmt in ("json", "csv", "svg")]
    reports += [("report.publication", {"call": CALL, "format": fmt}) for fmt in ("md", "html")]
    reports += [("report.women_in_tech", {})]
    reports += [("report.export", {"dataset": "submissions", "call": "stocktaking-2022", "limit": 5000}),
                ("report.export", {"dataset": "submissions", "call": "stocktaking-2022",
                                   "after": STOCKTAKING // 5000 * 5000, "limit": 5000}),
                ("report.export", {"dataset": "votes", "call": CALL}),
                ("report.export", {"dataset": "nominations", "call": CALL}),
                ("report.export", {"dataset": "results", "call": CALL}),
                ("report.export", {"dataset": "gender", "call": CALL})]
    with tempfile.TemporaryDirectory(prefix="bench_reporting_") as work:
        cluster = Cluster(Path(work), options={"wsis": {"catchup_page": 10000, "heartbeat_ms": None,
                                                        "catchup_timeout_ms": 30000}})
        sources = []
        try:
            cluster.start("bus")
            closed_body()       # computed before the clock starts
            sources = [PagedSource(cluster, "submissions", PRIZES + STOCKTAKING, submission),
                       PagedSource(cluster, "voting", VOTES + 1, vote),
                       PagedSource(cluster, "nominations", 1 + len(CATEGORIES), nomination)]
            started = time.monotonic()
            cluster.start("reporting")
            stats = {}

            def applied(source, count):
                stats.update(cluster.call("reporting", "sys.stats")["body"]["sources"])
                return stats[source]["last_seq"] >= count
            cluster.wait_until(lambda: applied("submissions", PRIZES + STOCKTAKING), timeout=600,
                               what="the submissions applied")
            submitted = time.monotonic()
            cluster.wait_until(lambda: applied("voting", VOTES + 1), timeout=1800, what="the votes applied")
            done = time.monotonic()
            cluster.wait_until(lambda: applied("nominations", 1 + len(CATEGORIES)), timeout=60,
                               what="the nominations applied")
            total = PRIZES + STOCKTAKING + VOTES + 1
            got.update(rate=total / (done - started), events=total, seconds=done - started,
                       rss=cluster.peak_rss_mb('reporting'))
            print(f"catch-up from an empty store: {total:,} events in {done - started:.1f} s "
                  f"({total / (done - started):,.0f} events/s); {PRIZES + STOCKTAKING:,} submissions "
                  f"in {submitted - started:.1f} s; {VOTES:,} votes by {done - started:.1f} s; "
                  f"peak RSS {got['rss']:.0f} MiB", flush=True)
            summary = cluster.call("reporting", "report.summary", {"call": CALL})["body"]
            ok = summary["votes"] == VOTES and summary["by_status"]["received"] == PRIZES
            ok = ok and summary["champions"] == 5 * len(CATEGORIES) and summary["winners"] == len(CATEGORIES)
            got["slowest_ms"] = 0.0
            for op, body in reports:
                times = []
                for _ in range(5):
                    t = time.monotonic()
                    reply = cluster.call("reporting", op, body, timeout=60)
                    times.append((time.monotonic() - t) * 1000)
                    ok = ok and reply["ok"]
                if max(times) >= got["slowest_ms"]:
                    got.update(slowest_ms=max(times), slowest=f"{op} {body}")
                got["reports"] = got.get("reports", 0) + 1
                print(f"  {op} {body}: median {statistics.median(times):.1f} ms, "
                      f"worst {max(times):.1f} ms", flush=True)
        finally:
            for source in sources:
                source.close()
            cluster.close()
        got["raw"], counted = raw_replay(work)
        print(f"raw INSERT ... SELECT replay of the {VOTES:,} votes (SQLite, pages of {PAGE:,}, one "
              f"transaction each, synchronous=FULL): {got['raw']:,.0f} events/s", flush=True)
        ok = ok and counted == VOTES
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
