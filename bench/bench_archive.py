#!/usr/bin/env python3
"""Outbox retention at a year's scale: build/bench/bench_archive (C, the
real wsis_outbox and wsis_archive in one process) fills an outbox with
2,000,000 vote.cast events over 61 days, moves what is older than 30 days
to the archive as wsis_retention does, and pages through every event with
events.since. Printed: the moving rate, archive bytes per event, the
database before and after, and pages served from the archive and from the
outbox. Scale with WSIS_BENCH_ARCHIVE_EVENTS (2000000). The key figures,
read from what it prints, go to the report at the end of `make bench`
(bench/figures.py).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from figures import report  # noqa: E402

# (figure, unit, better, what bench_archive.c prints: the first group is the value)
FIGURES = [
    ("archive: events moved to the archive", "events/s", "higher",
     r"archive: moved \d+ events in [\d.]+ s \(([\d.]+) events/s"),
    ("archive: bytes per archived event", "bytes", "lower", r"\(([\d.]+) bytes per event\)\n"),
    ("archive: events.since served from the archive", "events/s", "higher",
     r"events\.since pages of \d+: ([\d.]+) events/s from the archive"),
]


def main():
    events = os.environ.get("WSIS_BENCH_ARCHIVE_EVENTS", "2000000")
    done = subprocess.run([os.path.join(ROOT, "build", "bench", "bench_archive"), events],
                          stdout=subprocess.PIPE, text=True)
    sys.stdout.write(done.stdout)
    for name, unit, better, pattern in FIGURES:
        found = re.search(pattern, done.stdout)
        report(name, float(found.group(1)) if found else None, unit, better=better)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
