#!/usr/bin/env python3
"""make bench: runs every bench/bench_*.py in turn; each prints its figures
and reports its key ones through bench/figures.py. Ends with one table of
them all: each figure, its target, whether it is met, and its ratio to the
baseline measured in the same run.

    bench/run.py               every bench_*.py
    bench/run.py votes bus     bench_votes.py and bench_bus.py
    bench/run.py rush          bench/rush.py (make bench-rush; not in the default run)

The figures are collected in build/bench/figures.jsonl (one JSON object a
line, rewritten each run; WSIS_BENCH_FIGURES names another file).

Benchmarks measure; they never fail on a timing. A bench exits non-zero
only when the system under test misbehaves (a lost vote, an error reply);
then its figures are still printed, and those it did not report are
missing.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import figures  # noqa: E402

# Benches run only when named: too long for every `make bench`.
ON_REQUEST = {"rush": os.path.join(HERE, "rush.py")}


def benches(only):
    """(name, path) of the benches to run, in order."""
    found = {os.path.basename(path)[len("bench_"):-3]: path
             for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py")))}
    if not only:
        return list(found.items())
    chosen = []
    for name in only:
        path = found.get(name) or ON_REQUEST.get(name)
        if not path:
            raise SystemExit(f"no bench {name!r}: {', '.join(sorted({**found, **ON_REQUEST}))}")
        chosen.append((name, path))
    return chosen


def main():
    chosen = benches(sys.argv[1:])
    path = os.environ.get(figures.FILE_VARIABLE) or os.path.join(ROOT, "build", "bench", "figures.jsonl")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    open(path, "w").close()
    failed = []
    for name, script in chosen:
        print(f"== bench {name}", flush=True)
        env = dict(os.environ, **{figures.FILE_VARIABLE: os.path.abspath(path),
                                  figures.NAME_VARIABLE: name})
        if subprocess.call([sys.executable, script], env=env) != 0:
            failed.append(name)
    print(f"\n== report ({len(chosen)} bench{'es' if len(chosen) != 1 else ''}; figures in "
          f"{os.path.relpath(path, ROOT)}; targets are the issues' (13's, the mail rate 8's, the reports' 9's, HTTP 14's), on this project's 2-core machine; "
          f"none is asserted)")
    for line in figures.table(figures.read(path), failed):
        print(line)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
