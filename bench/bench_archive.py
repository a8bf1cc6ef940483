#!/usr/bin/env python3
"""Outbox retention at a year's scale: build/bench/bench_archive (C, the
real wsis_outbox and wsis_archive in one process) fills an outbox with
2,000,000 vote.cast events over 61 days, moves what is older than 30 days
to the archive as wsis_retention does, and pages through every event with
events.since. Printed: the moving rate, archive bytes per event, the
database before and after, and pages served from the archive and from the
outbox. Scale with WSIS_BENCH_ARCHIVE_EVENTS (2000000).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    events = os.environ.get("WSIS_BENCH_ARCHIVE_EVENTS", "2000000")
    return subprocess.call([os.path.join(ROOT, "build", "bench", "bench_archive"), events])


if __name__ == "__main__":
    sys.exit(main())
