"""Shared set-up of the wsis-voting tests.

wsis-voting learns its voters from submissions (stakeholder.registered) and
its ballot from nominations (nominations.published). Here both producers
are FakeSources: their events are emitted before wsis-voting starts, so the
catch-up it runs at start applies every one of them (no race with the
SUB's subscription), and readiness is checked by asking sys.stats.
"""
import re

from wsis_harness import FakeSource, next_event

CALL = "prizes-2022"
CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]

# The voting phase of prizes-2022: 2022-03-01 00:00 (CET, UTC+1) to
# 2022-03-31 23:00 (CEST, UTC+2) in Geneva.
BEFORE_OPEN = "2022-02-28T22:59:59Z"
OPENS = "2022-02-28T23:00:00Z"
DURING = "2022-03-15T12:00:00Z"
LAST_SECOND = "2022-03-31T20:59:59Z"
CLOSES = "2022-03-31T21:00:00Z"

RECEIPT = re.compile(r"^[0-9a-f]{80}$")


def voter(n):
    return f"stk-{n}"


def project(category, n):
    return f"sub-{category}-{n}"


def ballot_lists(per_category):
    """nominations.published categories: every one of the 18 keys."""
    if isinstance(per_category, int):
        return {c: [project(c, i) for i in range(1, per_category + 1)] for c in CATEGORIES}
    return {c: list(per_category.get(c, [])) for c in CATEGORIES}


class VotingWorld:
    """bus + wsis-voting, with fake submissions and nominations."""

    def __init__(self, cluster, voters=10, per_category=6, publish=True, clock=DURING):
        self.cluster = cluster
        self.submissions = FakeSource(cluster, "submissions")
        self.nominations = FakeSource(cluster, "nominations")
        self.voters = voters
        for n in range(1, voters + 1):
            self.submissions.emit("stakeholder.registered", {
                "stakeholder_id": voter(n), "name": f"Voter {n}", "email": f"voter{n}@example.org",
                "type": "civil_society", "country": "CH", "region": "europe", "gender": "female"},
                publish=False)
        self.lists = ballot_lists(per_category)
        if publish:
            self.nominations.emit("nominations.published", {"call": CALL, "categories": self.lists},
                                  publish=False)
        cluster.start("bus", "voting")
        self.wait_applied()
        if clock:
            self.set_clock(clock)

    def wait_applied(self):
        want = {"submissions": len(self.submissions.events),
                "nominations": len(self.nominations.events)}

        def applied():
            sources = self.cluster.call("voting", "sys.stats")["body"]["sources"]
            return all(sources[s]["last_seq"] == n for s, n in want.items())
        self.cluster.wait_until(applied, what="voting to apply the voters and the ballot")

    def set_clock(self, now):
        reply = self.cluster.call("voting", "sys.clock.set", {"now": now})
        assert reply["ok"], reply

    def restart(self, clock=DURING, kill=False):
        """A manual clock starts at the epoch again: set it back."""
        if kill:
            import signal
            self.cluster.kill("voting", signal.SIGKILL)
        else:
            self.cluster.stop("voting")
        self.cluster.start("voting")
        self.wait_applied()
        if clock:
            self.set_clock(clock)

    def cast(self, n, category, submission, role="stakeholder", actor=None, id=None, call=CALL):
        body = {"call": call, "voter_id": voter(n) if isinstance(n, int) else n,
                "category": category, "submission_id": submission}
        if actor is None:
            actor = body["voter_id"] if role == "stakeholder" else "web-gateway"
        return self.cluster.call("voting", "vote.cast", body, role=role, actor=actor, id=id)

    def tally(self, role="staff", **body):
        body.setdefault("call", CALL)
        return self.cluster.call("voting", "vote.tally", body, role=role, actor="someone")

    def counts(self, key="votes_cast"):
        """{submission_id: count} from a staff tally."""
        reply = self.tally()
        assert reply["ok"], reply
        return {p["submission_id"]: p[key] for ps in reply["body"]["categories"].values() for p in ps}

    def events(self, type=None):
        """Every event in the voting outbox, via events.since."""
        events = self.cluster.events("voting", limit=10000)
        return [e for e in events if type is None or e["type"] == type]

    def close(self):
        self.submissions.close()
        self.nominations.close()


def no_event(sub, topic, timeout=0.5):
    """True when no event of that topic arrives within timeout."""
    return next_event(sub, lambda t, e: t == topic, timeout=timeout) is None
