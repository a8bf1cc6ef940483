"""Shared by the test_30_nominations_* scenarios.

wsis-nominations runs for real with the bus; wsis-submissions and
wsis-voting are stood in for by FakeSource, which publishes their events
and answers events.since exactly as the real producers do.
"""
import pytest

from wsis_harness import Cluster, FakeSource

PRIZES = "prizes-2022"
PHOTO = "photo-2022"
HLTF = "hltf-2022"
TRENDSETTERS = "trendsetters-2021"

CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
              "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]

# configs/calendar.cfg in UTC (Geneva is UTC+1 in winter, UTC+2 from 27 March 2022).
SUBMISSION_CLOSE = "2022-01-21T22:00:00Z"   # 23:00 CET
NOMINATION_OPEN = "2022-01-31T23:00:00Z"
NOMINATION_CLOSE = "2022-02-25T22:00:00Z"   # 23:00 CET
VOTING_OPEN = "2022-02-28T23:00:00Z"
VOTING_CLOSE = "2022-03-31T21:00:00Z"       # 23:00 CEST
SELECTION_OPEN = "2022-03-31T22:00:00Z"     # 00:00 CEST on 1 April
SELECTION_CLOSE = "2022-04-15T21:00:00Z"    # 23:00 CEST
PHOTO_CLOSE = "2022-03-07T22:59:00Z"        # 23:59 CET
HLTF_OPEN = "2021-08-18T22:00:00Z"          # 00:00 CEST on 19 August
HLTF_CLOSE = "2022-03-07T22:59:00Z"
TRENDSETTERS_OPEN = "2021-11-25T23:00:00Z"  # 00:00 CET on 26 November

# A moment inside each phase.
IN_REVIEW = "2022-02-10T10:00:00Z"
IN_SELECTION = "2022-04-05T10:00:00Z"


def project(n, category="C1", call=PRIZES, country="CH", entity=None, title=None, status="received"):
    """The public record of a prize project as submission.received carries it."""
    return {
        "submission_id": f"sub-{n}", "call": call, "kind": "prize", "stakeholder_id": f"stk-{n}",
        "status": status, "title": title or f"Project {n}", "sdgs": [4, 9],
        "entity": entity or f"Entity {n}", "stakeholder_type": "civil_society",
        "country": country, "region": "europe", "category": category,
        "contact": {"name": f"Contact {n}", "email": f"contact{n}@example.org", "gender": "female"},
    }


def photo(n, call=PHOTO, country="GH"):
    photographer = {"name": f"Photographer {n}", "email": f"photo{n}@example.org", "gender": "male"}
    return {"submission_id": f"sub-{n}", "call": call, "kind": "photo", "stakeholder_id": f"stk-{n}",
            "status": "received", "title": f"Photo {n}", "sdgs": [5], "country": country,
            "photographer": photographer, "contact": photographer}


def withdrawn(n, kind="prize", call=PRIZES, category="C1"):
    body = {"submission_id": f"sub-{n}", "call": call, "kind": kind, "stakeholder_id": f"stk-{n}"}
    if kind == "prize":
        body["category"] = category
    return body


class Nominations:
    """wsis-nominations, the bus, and fake submissions and voting sources."""

    def __init__(self, cluster):
        self.cluster = cluster
        cluster.start("bus", "nominations")
        self.submissions = FakeSource(cluster, "submissions")
        self.voting = FakeSource(cluster, "voting")

    def close(self):
        self.submissions.close()
        self.voting.close()

    # ------------------------------------------------------------ requests
    def call(self, op, body=None, role="staff", actor="staff-1", **kwargs):
        return self.cluster.call("nominations", op, body or {}, role=role, actor=actor, **kwargs)

    def ok(self, op, body=None, **kwargs):
        reply = self.call(op, body, **kwargs)
        assert reply["ok"] is True, reply
        return reply["body"]

    def refused(self, op, body, code, field=None, **kwargs):
        """Asserts the exact code (and field) and that nothing was emitted."""
        before = self.last_seq()
        reply = self.call(op, body, **kwargs)
        assert reply["ok"] is False, reply
        assert reply["error"]["code"] == code, reply
        if field is not None:
            assert reply["error"].get("field") == field, reply
        assert self.last_seq() == before, "a refused request emitted an event"
        return reply["error"]

    def clock(self, now):
        assert self.cluster.call("nominations", "sys.clock.set", {"now": now})["ok"]

    # ------------------------------------------------------------ events
    def last_seq(self):
        return self.cluster.call("nominations", "sys.ping")["body"]["last_seq"]

    def events(self, type=None):
        """Every event nominations emitted (its outbox), optionally of one type."""
        return [e for e in self.cluster.events("nominations") if type is None or e["type"] == type]

    def applied(self, source):
        return self.cluster.call("nominations", "sys.stats")["body"]["sources"][source]

    def wait_applied(self, source, seq):
        """Waits for nominations to reach seq of source. The fake source
        heartbeats meanwhile, as a real producer does every second: events
        published before the subscription reached the bus are dropped by
        PUB/SUB, and the heartbeat is how the consumer learns to catch up."""
        fake = self.submissions if source == "submissions" else self.voting

        def reached():
            fake.heartbeat()
            return self.applied(source)["last_seq"] >= seq
        self.cluster.wait_until(reached, what=f"nominations to apply {source} up to {seq}")

    def submit(self, *records):
        """submission.received for each record; returns once all are applied."""
        seq = 0
        for record in records:
            seq = self.submissions.emit("submission.received", record)
        self.wait_applied("submissions", seq)

    def withdraw(self, body):
        self.wait_applied("submissions", self.submissions.emit("submission.withdrawn", body))

    def close_voting(self, champions, call=PRIZES, votes=None):
        """voting.closed with champions {cat: [ids]} (every category present)."""
        full = {c: list(champions.get(c, [])) for c in CATEGORIES}
        results = {c: [{"submission_id": s, "votes": (votes or {}).get(s, 100 - i), "rank": i + 1}
                       for i, s in enumerate(ids)] for c, ids in full.items()}
        seq = self.voting.emit("voting.closed", {
            "call": call, "results": results, "champions": full,
            "votes": 1000, "voters": 100, "complete_ballot_required": False})
        self.wait_applied("voting", seq)


@pytest.fixture
def nom(cluster):
    env = Nominations(cluster)
    yield env
    env.close()


def make_cluster(tmp_path, **options):
    """A cluster with options for the nominations section."""
    return Cluster(tmp_path, options={"nominations": options})
