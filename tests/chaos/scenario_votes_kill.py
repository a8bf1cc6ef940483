"""Votes under kill -9: 4 client processes cast votes, each retried with
the same request id when no reply comes, while wsis-voting is killed with
SIGKILL at random instants `kills` times (one kill in five while it is
still starting: opening its store, catching up) and started again.

At the end, once every consumer has applied every event (checks.check_votes):
- every vote that got an ok reply is counted exactly once: in vote.tally
  (per project), in the vote.cast events (events.since from 0, one per
  receipt), and by the consumers (reporting's summary; nominations' and
  reporting's applied == voting's last_seq);
- every vote counted got an ok reply to some attempt (its receipt);
- no receipt was given for two different votes, every ok reply to the
  attempts of one vote carries the same receipt, and vote.verify resolves
  each receipt to its vote (a vote number reused after a kill would not);
- a vote's first ok reply says duplicate: true only when an attempt before
  it went unanswered (the kill came after its commit, before its reply).
"""
import random
import time

import clients
from checks import check_votes
from world import run_scenario

CLIENTS = 4
PACE = 0.004          # seconds between a client's votes: a modest load on 2 cores


def run(kills, seed=12):
    """Returns (passed, figures, failures)."""
    rng = random.Random(seed)
    figures = {"kills": kills}

    def body(world, load, failures):
        c = world.cluster
        votes = world.vote_requests(rng)
        for i in range(CLIENTS):
            load.start(clients.send_all, c.endpoint("voting"), votes[i::CLIENTS], PACE, i)
        for k in range(kills):
            # Kill 5, 10, ... comes while voting is still starting (the
            # restart before it does not wait for sys.ping).
            time.sleep(rng.uniform(0.0, 0.15) if k % 5 == 4 else rng.uniform(0.05, 0.6))
            world.kill("voting", wait=k % 5 != 3)
        c.wait_ready("voting", timeout=30)
        time.sleep(0.3)
        results = load.stop()
        records = [r for worker in sorted(results) for r in results[worker]]
        settled = world.wait_settled(what="every consumer to apply every vote")
        figures.update(check_votes(world, records, failures), settled_s=f"{settled:.1f}")

    # A kill comes every 0.35 s on average, plus a restart: enough voters
    # that the clients do not run out of votes before the last kill.
    return run_scenario("votes", max(100, kills * 15), figures, body)
