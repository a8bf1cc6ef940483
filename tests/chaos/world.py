"""The world every chaos scenario starts from: every real service (the
tests' Cluster, tests/wsis_harness.py), a prize call set up through the
real producers once (voters registered with wsis-submissions, projects
submitted, nominated and published with wsis-nominations), the clock in
the voting phase; then the checks the scenarios end with (every consumer
has applied every event of every source it follows, once).

A world may also have projects of a second prize call, REVIEW_CALL,
still in its nomination phase while prizes-2022 votes: the shipped
calendar has no two prize calls whose review and voting overlap, so the
world's calendar is the shipped one with that call added (REVIEW_PHASES).
"""
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from load import Load  # noqa: E402
from wsis_harness import ROOT, SERVICES, Client, Cluster, pack  # noqa: E402
from submissions_helpers import prize_body, stakeholder_body  # noqa: E402
from voting_helpers import CATEGORIES  # noqa: E402

CALL = "prizes-2022"
OPEN = "2022-01-10T12:00:00Z"          # the submission phase
IN_REVIEW = "2022-02-10T10:00:00Z"     # the nomination phase
IN_VOTING = "2022-03-10T12:00:00Z"     # the voting phase
PROJECTS_PER_CATEGORY = 2
# A prize call submitted with prizes-2022 whose nomination phase (review.decide,
# nominations.publish) lasts through prizes-2022's voting phase.
REVIEW_CALL = "prizes-chaos"
REVIEW_PHASES = (("submission", "2021-09-01 00:00", "2022-01-21 23:00"),
                 ("nomination", "2022-02-01 00:00", "2022-04-30 23:00"),
                 ("voting", "2022-05-01 00:00", "2022-05-31 23:00"),
                 ("selection", "2022-06-01 00:00", "2022-06-15 23:00"),
                 ("announcement", "2022-06-20 00:00", "2022-06-25 23:00"))


def request(id, op, body, role, actor="web"):
    """A request map as a gateway sends it."""
    return {"v": 1, "id": id, "op": op, "actor": {"role": role, "id": actor}, "body": body}


def ok(reply):
    if not reply.get("ok"):
        raise AssertionError(f"refused: {reply}")
    return reply["body"]


class World:
    """A cluster of every service in a temporary folder of its own, kept
    when a scenario fails (its logs say what the services did)."""

    def __init__(self, name, voters, reviewed=0):
        """reviewed: projects per category of REVIEW_CALL, submitted and
        left pending (self.reviewed {category: [submission_id]})."""
        self.dir = Path(tempfile.mkdtemp(prefix=f"wsis-chaos-{name}-"))
        self.cluster = Cluster(self.dir)
        self._add_review_call()
        self.submitter = None
        self.voters = []
        self.projects = {}
        self.reviewed = {}
        try:
            self.cluster.start_all()
            self._set_up(voters, reviewed)
        except BaseException:
            self.close(["set-up failed"])
            raise

    def set_clock(self, now):
        for name in SERVICES:
            process = self.cluster.processes.get(name)
            if process and process.poll() is None:
                ok(self.cluster.call(name, "sys.clock.set", {"now": now}))

    def register(self):
        body = stakeholder_body()
        return ok(self.cluster.call("submissions", "stakeholder.register", body, role="public"))["stakeholder_id"]

    def _add_review_call(self):
        """The cluster's calendar: the shipped one and REVIEW_CALL."""
        shipped = f"{ROOT}/configs/calendar.cfg"
        calendar = self.dir / "calendar.cfg"
        phases = "".join(f"    phase\n        name = {name}\n        start = \"{start}\"\n"
                         f"        end = \"{end}\"\n" for name, start, end in REVIEW_PHASES)
        calendar.write_text(Path(shipped).read_text() + f"\ncall\n    id = {REVIEW_CALL}\n    kind = prize\n"
                            f"    zone = Europe/Geneva\n    title = \"WSIS Prizes (chaos review)\"\n{phases}")
        config = self.cluster.config.read_text()
        assert f"calendar = {shipped}\n" in config
        self.cluster.config.write_text(config.replace(f"calendar = {shipped}\n", f"calendar = {calendar}\n"))

    def _submit(self, call, count):
        """count prize projects per category in call: {category: [submission_id]}."""
        return {category: [ok(self.cluster.call("submissions", "submission.create",
                                                prize_body(self.submitter, call=call, category=category),
                                                role="gateway"))["submission_id"]
                           for _ in range(count)]
                for category in CATEGORIES}

    def _set_up(self, voters, reviewed):
        c = self.cluster
        self.set_clock(OPEN)
        self.submitter = self.register()
        self.voters = [self.register() for _ in range(voters)]
        self.projects = self._submit(CALL, PROJECTS_PER_CATEGORY)
        if reviewed:
            self.reviewed = self._submit(REVIEW_CALL, reviewed)
        self.set_clock(IN_REVIEW)
        self.wait_settled(what="nominations to learn the projects")
        for projects in self.projects.values():
            for submission_id in projects:
                ok(c.call("nominations", "review.decide", {"submission_id": submission_id, "decision": "nominate"},
                          role="staff"))
        ok(c.call("nominations", "nominations.publish", {"call": CALL}, role="staff"))
        self.set_clock(IN_VOTING)
        self.wait_settled(what="voting to learn the voters and the ballot")

    def kill(self, name, wait=True):
        """SIGKILLs a service and starts it again (wait: until it answers
        sys.ping); one that had exited by itself is a failure."""
        process = self.cluster.processes[name]
        if process.poll() is not None:
            raise AssertionError(f"wsis-{name} exited by itself ({process.returncode}): {self.cluster.log(name)}")
        self.cluster.kill(name, signal.SIGKILL)
        self.cluster.start(name, wait=wait, timeout=30)

    # ------------------------------------------------------------ load
    def vote_requests(self, rng):
        """A vote.cast request for every voter in every category (a
        project drawn by rng), shuffled; ids vote-0, vote-1, ..."""
        votes = [(v, category, rng.choice(self.projects[category]))
                 for v in self.voters for category in CATEGORIES]
        rng.shuffle(votes)
        return [request(f"vote-{i}", "vote.cast", {"call": CALL, "voter_id": v, "category": category,
                                                   "submission_id": project}, role="gateway")
                for i, (v, category, project) in enumerate(votes)]

    @staticmethod
    def registration_requests(tag, count):
        """stakeholder.register requests, from the public, each a new stakeholder."""
        return [request(f"register-{tag}-{i}", "stakeholder.register", stakeholder_body(), role="public")
                for i in range(count)]

    # ------------------------------------------------------------ checks
    def heads(self, names=SERVICES):
        """{service: last_seq} of the producers named, from sys.ping."""
        return {name: self.cluster.call(name, "sys.ping", timeout=10)["body"]["last_seq"] for name in names}

    def sources(self):
        """{consumer: {source: {last_seq, applied}}} from sys.stats: who
        follows whom as the services themselves say (their
        wsis_service_def_t's follows), the bus and its journal included."""
        return {name: self.cluster.call(name, "sys.stats", timeout=10)["body"]["sources"] for name in SERVICES}

    def behind(self):
        """What is not applied yet, or applied a wrong number of times:
        [(consumer, source, last_seq, applied, head)]; empty when settled."""
        heads, sources = self.heads(), self.sources()
        return [(consumer, source, sources[consumer][source]["last_seq"], sources[consumer][source]["applied"],
                 heads[source])
                for consumer, followed in sources.items() for source in followed
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

    def verify(self, receipts, window=500):
        """{receipt: vote.verify reply body, or its error}, asked
        window at a time on one DEALER."""
        client = Client(self.cluster.endpoint("voting"), curve=self.cluster.curve("voting", "public"))
        answers = {}
        try:
            for first in range(0, len(receipts), window):
                batch = receipts[first:first + window]
                for i, receipt in enumerate(batch):
                    client.send_raw(pack(request(str(first + i), "vote.verify", {"receipt": receipt}, "public")))
                for _ in batch:
                    reply = client.recv(timeout=10)
                    assert reply is not None, "no reply to vote.verify within 10 s"
                    answers[receipts[int(reply["id"])]] = reply["body"] if reply["ok"] else reply["error"]
        finally:
            client.close()
        return answers

    def reported_votes(self):
        """The votes reporting counted from the vote.cast events it applied."""
        return ok(self.cluster.call("reporting", "report.summary", {"call": CALL}, role="public",
                                    timeout=10))["votes"]

    def close(self, failures):
        """Stops every service; a sanitizer report in a log (the ASan
        build) is added to failures. The folder is kept when anything
        failed."""
        try:
            self.cluster.close()
        except AssertionError as error:
            failures.append(f"{error}"[:2000])
        if failures:
            print(f"    (data and logs kept in {self.dir})", flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_scenario(name, voters, figures, body, reviewed=0):
    """Runs body(world, load, failures) in a World of its own with voters
    registered (and reviewed projects per category of REVIEW_CALL) and a
    Load of client processes; what it raises is a failure too. Returns
    (passed, figures, failures) for run.py."""
    world = World(name, voters=voters, reviewed=reviewed)
    load = Load()
    failures = []
    try:
        body(world, load, failures)
    except Exception as error:        # a scenario that breaks is a FAIL, with its reason
        failures.append(f"{type(error).__name__}: {error}"[:2000])
    finally:
        load.kill()
        world.close(failures)
    return not failures, figures, failures
