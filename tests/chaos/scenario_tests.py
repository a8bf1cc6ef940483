"""The faults whose checks live in the integration tests, as scenarios of
the chaos suite: a real full disk, damaged and truncated files, hostile
clients, slow and dead subscribers, kills while old events move to the
archive. `make chaos` runs their test files, in their long versions
(WSIS_CHAOS_LONG=1: a subscriber stalled for a minute of journalling,
not 200,000 events), and prints one line each like any scenario; `make
test` runs the same files with the rest of the integration tests, so the
short version of the suite leaves them out.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FILES = {
    "disk_full": "tests/integration/test_09_disk_full.py",
    "disk_corrupt": "tests/integration/test_09_disk_corrupt.py",
    "hostile_clients": "tests/integration/test_09_hostile_clients.py",
    "slow_consumers": "tests/integration/test_09_slow_consumers.py",
    "retention": "tests/integration/test_09_retention.py",
}


def run(name):
    """Runs the test file of scenario name: (passed, figures, failures)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-o", "faulthandler_timeout=300", "-rs", FILES[name]],
                            cwd=ROOT, capture_output=True, text=True, timeout=1800,
                            env=dict(os.environ, WSIS_CHAOS_LONG="1"))
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    figures = {word: int(count) for count, word in re.findall(r"(\d+) (passed|failed|skipped|error)", summary)}
    failures = [line for line in result.stdout.splitlines()
                if line.startswith(("FAILED", "ERROR", "SKIPPED"))]
    passed = result.returncode == 0 and figures.get("passed", 0) > 0
    if not passed and not failures:
        failures = (result.stdout + result.stderr).strip().splitlines()[-10:]
    return passed, figures, failures
