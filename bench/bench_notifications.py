#!/usr/bin/env python3
"""wsis-notifications under load: confirmations through a real SMTP
server, and the reminder schedule of a large edition.

1. Confirmations: a stand-in wsis-submissions publishes N
   submission.received events (WSIS_BENCH_MAILS, 10,000); the real
   wsis-notifications turns each into a confirmation and delivers it over
   SMTP to a local sink (aiosmtpd, tests/wsis_mail.py). Printed: events
   applied/s, and delivered messages/s from the first event to the last
   message accepted by the server.
2. Schedule: a calendar of WSIS_BENCH_CALLS (50) prize calls and a staff
   file of WSIS_BENCH_STAFF (500) members who follow every call; the time
   wsis-notifications takes at start to compute the schedule and write
   every notification of it (one transaction), and how many rows that is.

No timing is asserted; it exits non-zero only when a message is lost or
sent twice. The key figures go to the report at the end of `make bench`
(bench/figures.py).
"""
import os
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsis_harness import Cluster, FakeSource, free_ports  # noqa: E402
from wsis_mail import SmtpSink  # noqa: E402
from figures import report  # noqa: E402

MAILS = int(os.environ.get("WSIS_BENCH_MAILS", 10000))
CALLS = int(os.environ.get("WSIS_BENCH_CALLS", 50))
STAFF = int(os.environ.get("WSIS_BENCH_STAFF", 500))
# Issue 8's target: at least this many messages delivered a second.
MAILS_TARGET = 1000


def record(i):
    return {"submission_id": f"sub-{i}", "call": "stocktaking-2022", "kind": "stocktaking",
            "stakeholder_id": f"stk-{i}", "status": "received", "title": f"Entry {i}",
            "sdgs": [4], "action_lines": ["C1"],
            "contact": {"name": f"Contact {i}", "email": f"contact{i}@example.org", "gender": "female"}}


def confirmations(work, got):
    smtp_port, = free_ports(1)
    options = {"notifications": {"smtp_url": f"smtp://127.0.0.1:{smtp_port}",
                                 "smtp_starttls": "false", "in_flight": 64}}
    cluster = Cluster(work, options=options)
    sink = SmtpSink(smtp_port, parse=False).start()
    source = None
    try:
        cluster.start("bus")
        source = FakeSource(cluster, "submissions")
        cluster.start("notifications")
        started = time.monotonic()
        for i in range(1, MAILS + 1):
            source.emit("submission.received", record(i))

        def applied():
            stats = cluster.call("notifications", "sys.stats")["body"]
            return stats["sources"]["submissions"]["last_seq"] >= MAILS
        cluster.wait_until(applied, timeout=600, what="every event applied")
        applied_at = time.monotonic()
        cluster.wait_until(lambda: len(sink.messages) >= MAILS, timeout=1200,
                           what="every confirmation delivered")
        delivered_at = time.monotonic()
        keys = [re.search(rb"^X-WSIS-Key: (.*?)\r$", m.data, re.M).group(1) for m in sink.messages]
        lost = MAILS - len(set(keys))
        got["mails"] = MAILS / (delivered_at - started)
        doubled = len(keys) - len(set(keys))
        print(f"confirmations: {MAILS} events applied in {applied_at - started:.2f} s "
              f"({MAILS / (applied_at - started):,.0f}/s); delivered over SMTP in "
              f"{delivered_at - started:.2f} s ({MAILS / (delivered_at - started):,.0f} messages/s); "
              f"lost {lost}, sent twice {doubled}; peak RSS {cluster.peak_rss_mb('notifications'):.0f} MiB")
        return lost == 0 and doubled == 0
    finally:
        if source:
            source.close()
        cluster.close()
        sink.stop()


def big_edition(work):
    """A calendar of CALLS prize calls a week apart, and STAFF members."""
    calendar = []
    for c in range(CALLS):
        calendar += [f"call\n    id = prizes-{3000 + c}\n    kind = prize\n    zone = Europe/Geneva"]
        for p, name in enumerate(["submission", "nomination", "voting", "selection", "announcement"]):
            month = 1 + p * 2
            calendar += [f"    phase\n        name = {name}\n"
                         f"        start = \"{3000 + c}-{month:02d}-01 00:00\"\n"
                         f"        end = \"{3000 + c}-{month:02d}-28 23:00\""]
    staff = [f"staff\n    name = \"Staff {s}\"\n    email = staff{s}@example.org\n"
             f"    calls = \"*\"\n    channel = file" for s in range(STAFF)]
    (work / "calendar.cfg").write_text("\n".join(calendar) + "\n")
    (work / "staff.cfg").write_text("\n".join(staff) + "\n")


def schedule(work, got):
    big_edition(work)
    options = {"wsis": {"calendar": work / "calendar.cfg", "staff": work / "staff.cfg"}}
    cluster = Cluster(work, options=options)
    try:
        started = time.monotonic()
        cluster.start("notifications", timeout=600)
        ready = time.monotonic()
        rows = cluster.call("notifications", "notify.schedule", {"limit": 1}, role="staff")
        assert rows["ok"], rows
        peak = cluster.peak_rss_mb("notifications")
        # The store is the service's alone while it runs (exclusive lock).
        cluster.stop("notifications")
        count = sqlite3.connect(cluster.data_dir / "notifications.db").execute(
            "SELECT count(*) FROM notification").fetchone()[0]
        got["schedule_ms"] = (ready - started) * 1000
        print(f"schedule: {CALLS} calls x {STAFF} staff: {count:,} notifications computed and "
              f"written at start in {(ready - started) * 1000:,.0f} ms (process start included); "
              f"peak RSS {peak:.0f} MiB")
        return True
    finally:
        cluster.close()


def main():
    ok = True
    got = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_notifications_") as work:
            ok = confirmations(Path(work), got) and ok
        with tempfile.TemporaryDirectory(prefix="bench_notifications_") as work:
            ok = schedule(Path(work), got) and ok
    finally:
        report("notifications: confirmations delivered over SMTP", got.get("mails"), "messages/s",
               target=MAILS_TARGET)
        report(f"notifications: schedule of {CALLS} calls x {STAFF} staff at start",
               got.get("schedule_ms"), "ms", better="lower")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
