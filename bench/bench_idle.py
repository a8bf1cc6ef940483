#!/usr/bin/env python3
"""Idle memory of every service (issue 13: under 20 MiB each).

Starts every service of the system in one cluster on an empty data dir,
waits until each answers sys.ping, then reads its resident set (VmRSS) and
peak (VmHWM) from /proc, and the shared part of it (RssFile + RssShmem:
the libraries' pages, shared with every other process that maps them).
Prints the figures beside the target; never asserts them. Each service's
VmRSS goes to the report at the end of `make bench` (bench/figures.py).
"""
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsis_harness import SERVICES, Cluster  # noqa: E402
from figures import measured, report  # noqa: E402

TARGET_MIB = 20


def proc_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile, RssShmem of a process, in MiB."""
    figures = {}
    with open(f"/proc/{pid}/status") as lines:
        for line in lines:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                figures[key] = int(value.split()[0]) / 1024
    return figures


def main():
    return measured(measure, report_figures)


def report_figures(rss):
    for name in SERVICES:
        report(f"idle: wsis-{name} VmRSS", rss.get(name), "MiB", target=TARGET_MIB, better="lower")


def measure(rss):
    """Every service's idle VmRSS into rss; the exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp))
        try:
            cluster.start(*SERVICES)
            # Ready once more: every service has answered, none is still
            # starting while another is read.
            for name in SERVICES:
                cluster.wait_ready(name)
            print(f"idle memory of each service, empty data dir, after sys.ping "
                  f"(target: VmRSS under {TARGET_MIB} MiB)")
            print(f"{'service':<14}{'VmRSS':>9}{'anon':>9}{'file':>9}{'VmHWM':>9}  target")
            over = []
            for name in SERVICES:
                figures = proc_status(cluster.processes[name].pid)
                rss[name] = figures["VmRSS"]
                if rss[name] >= TARGET_MIB:
                    over.append(name)
                print(f"{name:<14}{rss[name]:>8.1f}M{figures['RssAnon']:>8.1f}M"
                      f"{figures['RssFile'] + figures.get('RssShmem', 0):>8.1f}M"
                      f"{figures['VmHWM']:>8.1f}M  {'ok' if rss[name] < TARGET_MIB else 'OVER'} "
                      f"(<{TARGET_MIB} MiB)")
            print(f"over the target: {', '.join(over) if over else 'none'}")
            return 0
        finally:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
