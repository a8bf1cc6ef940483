"""Bus down: wsis-bus is killed (SIGKILL) and stays down for `seconds`
while votes and registrations go on; then it is started again.

The producers keep committing while it is down (their events wait in their
outboxes); once it is back, every consumer catches up by itself. Checked:
every vote and registration gets an ok reply all along; afterwards every
consumer's cursor of every source is at the source's head with applied ==
last_seq (world.wait_settled, whose time from the bus's return is the
figure catchup_s); every acked vote is counted once everywhere
(checks.check_votes); every stakeholder registered while the bus was down
has its one stakeholder.registered event, and wsis-voting learnt it: each
of them can vote.
"""
import random
import signal
import time

import clients
from checks import check_registrations, check_votes
from world import run_scenario

VOTERS = 150
PRODUCERS = ("submissions", "voting")   # the ones under load
PACE = 0.01           # seconds between one client's requests


def run(seconds, seed=13):
    """Returns (passed, figures, failures)."""
    rng = random.Random(seed)
    figures = {"down_s": seconds}

    def body(world, load, failures):
        c = world.cluster
        votes = world.vote_requests(rng)
        load.start(clients.send_all, c.endpoint("voting"), votes[0::2], PACE, 0)
        load.start(clients.send_all, c.endpoint("voting"), votes[1::2], PACE, 1)
        load.start(clients.send_all, c.endpoint("submissions"), world.registration_requests("bus", 5000), PACE, 2)
        time.sleep(1.0)
        heads_before = world.heads(PRODUCERS)
        c.kill("bus", signal.SIGKILL)
        time.sleep(seconds)
        heads_down = world.heads(PRODUCERS)
        c.start("bus", timeout=30)
        back = time.monotonic()
        results = load.stop()
        world.wait_settled(what="every consumer to catch up after the bus came back")
        figures["catchup_s"] = f"{time.monotonic() - back:.1f}"
        figures["committed_while_down"] = sum(heads_down[s] - heads_before[s] for s in PRODUCERS)
        if heads_down["voting"] == heads_before["voting"]:
            failures.append("no vote was committed while the bus was down")

        records = [r for worker in (0, 1) for r in results[worker]]
        figures.update(check_votes(world, records, failures))
        figures["registered"] = check_registrations(world, results[2], failures)

    return run_scenario("bus", VOTERS, figures, body)
