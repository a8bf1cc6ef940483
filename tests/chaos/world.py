"""The world every chaos scenario starts from: every real service (the
tests' Cluster, tests/wsis_harness.py), a prize call set up through the
real producers once (voters registered with wsis-submissions, projects
submitted, nominated and published with wsis-nominations), the clock in
the voting phase; then the checks the scenarios end with (every consumer
has applied every event of every source it follows, once).
"""
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from wsis_harness import SERVICES, Cluster  # noqa: E402
from submissions_helpers import prize_body, stakeholder_body  # noqa: E402
from voting_helpers import CATEGORIES  # noqa: E402

CALL = "prizes-2022"
OPEN = "2022-01-10T12:00:00Z"          # the submission phase
IN_REVIEW = "2022-02-10T10:00:00Z"     # the nomination phase
IN_VOTING = "2022-03-10T12:00:00Z"     # the voting phase
PROJECTS_PER_CATEGORY = 2

# Who follows whom (docs/protocol.md, "Events"): consumer -> sources.
FOLLOWS = {
    "submissions": ["nominations", "voting"],
    "nominations": ["submissions", "voting"],
    "voting": ["submissions", "nominations"],
    "notifications": ["bus", "submissions", "nominations", "voting"],
    "reporting": ["bus", "submissions", "nominations", "voting", "notifications"],
}


def ok(reply):
    if not reply.get("ok"):
        raise AssertionError(f"refused: {reply}")
    return reply["body"]


class World:
    """A cluster of every service in a temporary folder of its own, kept
    when a scenario fails (its logs say what the services did)."""

    def __init__(self, name, voters):
        self.dir = Path(tempfile.mkdtemp(prefix=f"wsis-chaos-{name}-"))
        self.cluster = Cluster(self.dir)
        self.voters = []
        self.projects = {}
        try:
            self.cluster.start_all()
            self._set_up(voters)
        except BaseException:
            self.close(keep=True)
            raise

    def set_clock(self, now):
        for name in SERVICES:
            process = self.cluster.processes.get(name)
            if process and process.poll() is None:
                ok(self.cluster.call(name, "sys.clock.set", {"now": now}))

    def register(self):
        body = stakeholder_body()
        return ok(self.cluster.call("submissions", "stakeholder.register", body, role="public"))["stakeholder_id"]

    def _set_up(self, voters):
        c = self.cluster
        self.set_clock(OPEN)
        submitter = self.register()
        self.voters = [self.register() for _ in range(voters)]
        for category in CATEGORIES:
            self.projects[category] = [
                ok(c.call("submissions", "submission.create", prize_body(submitter, category=category),
                          role="gateway"))["submission_id"]
                for _ in range(PROJECTS_PER_CATEGORY)]
        self.set_clock(IN_REVIEW)
        self.wait_settled(what="nominations to learn the projects")
        for projects in self.projects.values():
            for submission_id in projects:
                ok(c.call("nominations", "review.decide", {"submission_id": submission_id, "decision": "nominate"},
                          role="staff"))
        ok(c.call("nominations", "nominations.publish", {"call": CALL}, role="staff"))
        self.set_clock(IN_VOTING)
        self.wait_settled(what="voting to learn the voters and the ballot")

    # ------------------------------------------------------------ checks
    def heads(self, names=SERVICES):
        """{service: last_seq} of the producers named, from sys.ping."""
        return {name: self.cluster.call(name, "sys.ping", timeout=10)["body"]["last_seq"] for name in names}

    def sources(self):
        """{consumer: {source: {last_seq, applied}}} from sys.stats."""
        return {name: self.cluster.call(name, "sys.stats", timeout=10)["body"]["sources"] for name in FOLLOWS}

    def behind(self):
        """What is not applied yet, or applied a wrong number of times:
        [(consumer, source, last_seq, applied, head)]; empty when settled."""
        heads, sources = self.heads(), self.sources()
        return [(consumer, source, sources[consumer][source]["last_seq"], sources[consumer][source]["applied"],
                 heads[source])
                for consumer, followed in FOLLOWS.items() for source in followed
                if not (sources[consumer][source]["last_seq"] == sources[consumer][source]["applied"] == heads[source])]

    def wait_settled(self, timeout=60.0, what="every consumer to apply every event"):
        """Waits until every consumer's cursor of every source it follows
        is at that source's head with applied == last_seq; returns the
        seconds it took. A consumer that applied an event twice never
        settles (applied > last_seq), and the error says which."""
        start = time.monotonic()
        deadline = start + timeout
        behind = None
        while time.monotonic() < deadline:
            behind = self.behind()
            if not behind:
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: (consumer, source, last_seq, applied, head) {behind}")

    def vote_events(self):
        return [e for e in self.cluster.events("voting", limit=10000) if e["type"] == "vote.cast"]

    def tally(self):
        return ok(self.cluster.call("voting", "vote.tally", {"call": CALL}, role="staff", timeout=10))

    def reported_votes(self):
        """The votes reporting counted from the vote.cast events it applied."""
        return ok(self.cluster.call("reporting", "report.summary", {"call": CALL}, role="public",
                                    timeout=10))["votes"]

    def close(self, keep=False):
        self.cluster.close()
        if keep:
            print(f"    (data and logs kept in {self.dir})", flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def check_votes(world, records, failures):
    """Compares what the vote clients were told (records of
    clients.cast_votes) with what the system counts, once every consumer
    has applied every event: appends what differs to failures, returns the
    figures."""
    acked = {}              # receipt -> vote
    never_answered = []     # votes whose every attempt timed out
    first_try_duplicates = 0
    committed_unanswered = 0
    timeouts = 0
    for request_id, vote, attempts in records:
        timeouts += attempts.count(None)
        replies = [a for a in attempts if a is not None]
        if not replies:
            never_answered.append(vote)
            continue
        final = replies[-1]
        if not final["ok"]:
            failures.append(f"{request_id} {vote}: refused {final['error']}")
            continue
        receipts = {r["body"]["receipt"] for r in replies if r["ok"]}
        if len(receipts) != 1:
            failures.append(f"{request_id} {vote}: several receipts {receipts}")
        receipt = final["body"]["receipt"]
        first_ok = next(i for i, a in enumerate(attempts) if a is not None and a["ok"])
        if attempts[first_ok]["body"]["duplicate"]:
            if None in attempts[:first_ok]:
                committed_unanswered += 1
            else:
                first_try_duplicates += 1
        if receipt in acked and acked[receipt] != vote:
            failures.append(f"receipt {receipt} given for {acked[receipt]} and {vote}")
        acked[receipt] = vote
    if first_try_duplicates:
        failures.append(f"{first_try_duplicates} votes were duplicates at their first answered attempt")
    if never_answered:
        failures.append(f"{len(never_answered)} votes never answered")

    events = world.vote_events()
    event_receipts = Counter(e["body"]["receipt"] for e in events)
    tally = world.tally()
    counted = tally["votes_cast"]
    lost = sum(1 for receipt in acked if receipt not in event_receipts)
    doubled = sum(n - 1 for n in event_receipts.values()) + sum(1 for r in event_receipts if r not in acked)
    if lost:
        failures.append(f"{lost} acked votes have no vote.cast event")
    if doubled:
        failures.append(f"{doubled} vote.cast events are a second copy or were never acked")
    if counted != len(acked):
        failures.append(f"vote.tally counts {counted} votes, {len(acked)} were acked")
    per_project = {p["submission_id"]: p["votes_cast"] for ps in tally["categories"].values() for p in ps}
    expected = Counter(vote[2] for vote in acked.values())
    wrong = {p: (per_project.get(p, 0), n) for p, n in expected.items() if per_project.get(p, 0) != n}
    if wrong or sum(per_project.values()) != len(acked):
        failures.append(f"vote.tally per project (counted, acked) differs: {wrong}")
    for e in events:
        vote = acked.get(e["body"]["receipt"])
        if vote and (e["body"]["category"], e["body"]["submission_id"]) != vote[1:]:
            failures.append(f"event {e['id']} says {e['body']['category']}/{e['body']['submission_id']} "
                            f"for the receipt of {vote}")
    reported = world.reported_votes()
    if reported != len(acked):
        failures.append(f"reporting counts {reported} votes, {len(acked)} were acked")
    return {"votes": len(records), "acked": len(acked), "counted": counted, "events": len(events),
            "reported": reported, "timeouts": timeouts, "committed_unanswered": committed_unanswered,
            "lost": lost, "doubled": doubled}
