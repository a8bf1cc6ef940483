"""Bus down: wsis-bus is killed (SIGKILL) and stays down for `seconds`
while votes and registrations go on; then it is started again.

The producers keep committing while it is down (their events wait in their
outboxes); once it is back, every consumer catches up by itself. Checked:
every vote and registration gets an ok reply all along; afterwards every
consumer's cursor of every source is at the source's head with applied ==
last_seq (world.wait_settled, whose time from the bus's return is the
figure catchup_s); every acked vote is counted once everywhere
(world.check_votes); every stakeholder registered while the bus was down
has its one stakeholder.registered event, and wsis-voting learnt it: each
of them can vote.
"""
import random
import signal
import time
from collections import Counter

import clients
from load import Load
from world import CALL, CATEGORIES, World, check_votes

VOTERS = 150
PRODUCERS = ("submissions", "voting")   # the ones under load
PACE = 0.01           # seconds between one client's requests


def run(seconds, seed=13):
    """Returns (passed, figures, failures)."""
    rng = random.Random(seed)
    world = World("bus", voters=VOTERS)
    load = Load()
    failures, figures = [], {"down_s": seconds}
    try:
        c = world.cluster
        votes = [(v, category, rng.choice(world.projects[category]), CALL)
                 for v in world.voters for category in CATEGORIES]
        rng.shuffle(votes)
        load.start(clients.cast_votes, c.endpoint("voting"), votes[0::2], PACE, 0)
        load.start(clients.cast_votes, c.endpoint("voting"), votes[1::2], PACE, 1)
        load.start(clients.register_stakeholders, c.endpoint("submissions"), 100000, PACE, 2)
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
    except Exception as error:        # a scenario that breaks is a FAIL, with its reason
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        load.kill()
        world.close(keep=bool(failures))
    return not failures, figures, failures


def check_registrations(world, records, failures):
    """Every acked registration has exactly one stakeholder.registered
    event, and wsis-voting knows the stakeholder (a vote is not
    `ineligible`). Returns how many were acked."""
    acked = []
    for request_id, attempts in records:
        final = next((a for a in reversed(attempts) if a is not None), None)
        if final is None or not final["ok"]:
            failures.append(f"{request_id}: {final and final['error'] or 'never answered'}")
            continue
        acked.append(final["body"]["stakeholder_id"])
    events = Counter(e["body"]["stakeholder_id"] for e in world.cluster.events("submissions", limit=10000)
                     if e["type"] == "stakeholder.registered")
    missing = [s for s in acked if events[s] != 1]
    if missing:
        failures.append(f"{len(missing)} acked registrations without exactly one event, e.g. {missing[:3]}")
    category = CATEGORIES[0]
    project = world.projects[category][0]
    for stakeholder in acked:
        reply = world.cluster.call("voting", "vote.cast", {"call": CALL, "voter_id": stakeholder, "category": category,
                                                           "submission_id": project},
                                   role="gateway", actor="web")
        if not reply["ok"]:
            failures.append(f"{stakeholder} registered while the bus was down cannot vote: {reply['error']}")
            break
    return len(acked)
