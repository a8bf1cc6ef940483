#!/usr/bin/env python3
"""make bench: runs every bench/bench_*.py in turn; each prints its figures.

Benchmarks measure; they never fail on a timing. A bench exits non-zero
only when the system under test misbehaves (a lost vote, an error reply).
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    only = sys.argv[1:]
    benches = sorted(glob.glob(os.path.join(HERE, "bench_*.py")))
    failed = []
    for path in benches:
        name = os.path.basename(path)[len("bench_"):-3]
        if only and name not in only:
            continue
        print(f"== bench {name}", flush=True)
        if subprocess.call([sys.executable, path]) != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
