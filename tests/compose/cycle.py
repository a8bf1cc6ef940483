"""A whole WSIS Prizes cycle through the compose stack, over CURVE.

scripts/check-compose.sh runs it from the host against the stack's
published ports (tests/compose/check.yaml) with the deployment's keys:
projects submitted, reviewed and published, votes cast by stakeholders and
through the gateway, voting closed by the clock, experts' scores, winners
selected; every request signed by the certificate of who makes it (the
operator, staff, the gateway, each stakeholder and expert with a
certificate of their own, added to the allow-list while the stack runs).
It is the contest of tests/integration/test_40_pipeline.py, the same code.

    python3 tests/compose/cycle.py KEYS_DIR run       the cycle; prints the winners
    python3 tests/compose/cycle.py KEYS_DIR winners   the winners the stack reports now

Exit 0 when every step answered as it should.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from wsis_harness import SERVICES, WSISCTL, Cluster, default_ports  # noqa: E402
from wsis_keys import Keys  # noqa: E402
from contest_helpers import run_contest  # noqa: E402


class Running:
    """A container's process as the harness sees one: running."""

    def poll(self):
        return None


class Stack(Cluster):
    """The compose stack as a harness Cluster: the same calls, certificates
    and subscriptions, to services it did not start."""

    def __init__(self, keys_dir):
        self.keys = Keys.existing(keys_dir, WSISCTL)
        self.ports = default_ports()
        self.processes = {name: Running() for name in SERVICES}
        self.clients = {}
        self.logs = {}

    def close(self):
        for client in self.clients.values():
            client.close()
        self.clients = {}


def winners(stack):
    """{category: winner's submission_id} as wsis-reporting tells it."""
    reply = stack.call("reporting", "report.results", {"call": "prizes-2022"})
    assert reply["ok"], reply
    return {category: (entry["winner"] or {}).get("submission_id")
            for category, entry in reply["body"]["categories"].items()}


def main():
    keys_dir, what = sys.argv[1], sys.argv[2]
    stack = Stack(keys_dir)
    try:
        if what == "run":
            events = stack.subscribe("")
            outcome = run_contest(stack, events)
            events.close(0)
            # Reporting learns the winners from nominations' events, a
            # moment after finalize has answered.
            stack.wait_until(lambda: winners(stack) == outcome["winners"], timeout=30,
                             what=f"reporting to report the winners {outcome['winners']}")
            print(f"cycle: {len(outcome['voters'])} voters, {len(outcome['winners'])} winners")
        print(json.dumps(winners(stack), sort_keys=True))
    finally:
        stack.close()


if __name__ == "__main__":
    main()
