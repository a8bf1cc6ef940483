"""Shared by the test_10_submissions_* files: valid bodies of each kind,
a running bus + wsis-submissions, and the checks that a refused request
left nothing behind.

Every body is valid as built; a test breaks exactly one thing in it and
asserts the exact code and field of the refusal, then that nothing was
stored (events.since and submission.list unchanged) and nothing was
published (the next event seen on the bus is a marker sent afterwards).
"""
import itertools

import pytest

from wsis_harness import Cluster, next_event

# A moment when every submission call of the 2022 edition is open.
OPEN = "2022-01-10T12:00:00Z"
CALLS = ["prizes-2022", "stocktaking-2022", "photo-2022", "ocp-2022", "women-in-tech"]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

_serial = itertools.count(1)


def serial():
    return next(_serial)


def words(count, tag):
    """count distinct words, unique to tag."""
    return " ".join(f"{tag}w{i}" for i in range(count))


def stakeholder_body(**changes):
    n = serial()
    body = {"name": f"Stakeholder {n}", "email": f"person{n}@example.org", "type": "civil_society",
            "country": "KE", "region": "africa", "gender": "female", "organization": f"Org {n}"}
    body.update(changes)
    return body


def contact(n=0):
    return {"name": f"Contact {n}", "email": f"contact{n}@example.org", "gender": "female"}


def prize_body(stakeholder_id, **changes):
    n = serial()
    body = {
        "call": "prizes-2022", "stakeholder_id": stakeholder_id,
        "entity": f"Entity {n}", "stakeholder_type": "government", "country": "CH",
        "region": "europe", "category": "e-gov",
        "title": f"Project {n}", "short_description": words(160, f"p{n}"),
        "sdgs": [9, 4], "sdg_linkages": "Goal 4 and 9.", "impact": "Many people served.",
        "partnerships": "With the city.", "challenges": "Connectivity.", "language": "en",
        "contact": contact(n),
    }
    body.update(changes)
    return body


def stocktaking_body(stakeholder_id, **changes):
    n = serial()
    body = {
        "call": "stocktaking-2022", "stakeholder_id": stakeholder_id,
        "entity": f"Entity {n}", "stakeholder_type": "academia", "country": "BR",
        "region": "americas", "action_lines": ["C3", "C1"], "sdgs": [17, 4],
        "title": f"Entry {n}", "description": "A library network.", "status": "ongoing",
        "url": "https://example.org/entry", "contact": contact(n),
    }
    body.update(changes)
    return body


def photo_body(stakeholder_id, **changes):
    n = serial()
    body = {
        "call": "photo-2022", "stakeholder_id": stakeholder_id,
        "title": f"Photo {n}", "caption": "Girls coding in Odisha.", "country": "IN", "sdgs": [5],
        "photographer": {"name": f"Photographer {n}", "email": f"photo{n}@example.org", "gender": "male"},
        "image": JPEG,
    }
    body.update(changes)
    return body


def ocp_body(stakeholder_id, **changes):
    n = serial()
    body = {
        "call": "ocp-2022", "stakeholder_id": stakeholder_id, "request": "workshop",
        "title": f"Workshop {n}", "description": "Women in tech.",
        "organizer": {"name": f"Organizer {n}", "email": f"org{n}@example.org", "gender": "female"},
        "speakers": [{"name": "A", "gender": "female", "organization": "ITU"},
                     {"name": "B", "gender": "male"}],
        "action_lines": ["C4"], "sdgs": [5],
    }
    body.update(changes)
    return body


def repository_body(stakeholder_id, **changes):
    """A profile of the Repository of Women in Tech (call kind repository)."""
    n = serial()
    body = {
        "call": "women-in-tech", "stakeholder_id": stakeholder_id,
        "name": f"Woman {n}", "organization": f"Telco {n}", "sector": "telecommunications",
        "country": "GH", "region": "africa", "expertise": "Rural broadband networks and spectrum policy.",
        "links": [f"https://example.org/people/{n}", "http://example.org/talks"], "consent": True,
    }
    body.update(changes)
    return body


BODIES = {"prizes-2022": prize_body, "stocktaking-2022": stocktaking_body,
          "photo-2022": photo_body, "ocp-2022": ocp_body, "women-in-tech": repository_body}


def changed(body, field, value):
    """body with one field set to value, or left out when value is None:
    the one thing a test breaks. field is a path ("contact.email",
    "speakers.1.gender"; a number indexes a list)."""
    *outer, last = field.split(".")
    holder = body
    for key in outer:
        holder = holder[int(key) if isinstance(holder, list) else key]
    key = int(last) if isinstance(holder, list) else last
    if value is None:
        del holder[key]
    else:
        holder[key] = value
    return body


class Submissions:
    """A client of one running wsis-submissions (with its bus)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.sub = None

    def call(self, op, body=None, role="operator", actor="tester", **kwargs):
        return self.cluster.call("submissions", op, body, role=role, actor=actor, **kwargs)

    def ok(self, op, body=None, **kwargs):
        reply = self.call(op, body, **kwargs)
        assert reply["ok"], reply
        return reply["body"]

    def set_clock(self, now):
        assert self.ok("sys.clock.set", {"now": now})["now"]

    def register(self, **changes):
        return self.ok("stakeholder.register", stakeholder_body(**changes), role="public", actor=None)[
            "stakeholder_id"]

    def create(self, body, as_owner=True, **kwargs):
        """Creates as the stakeholder itself unless told otherwise."""
        if as_owner and "role" not in kwargs:
            kwargs.update(role="stakeholder", actor=body.get("stakeholder_id"))
        return self.call("submission.create", body, **kwargs)

    def created(self, body, **kwargs):
        reply = self.create(body, **kwargs)
        assert reply["ok"], reply
        assert reply["body"]["status"] == "received"
        return reply["body"]["submission_id"]

    def get(self, submission_id, **kwargs):
        return self.ok("submission.get", {"submission_id": submission_id}, **kwargs)

    def list_all(self, call, **filters):
        items, after = [], None
        while True:
            body = {"call": call, "limit": 500, **filters}
            if after:
                body["after"] = after
            page = self.ok("submission.list", body)
            items += page["items"]
            after = page["next"]
            if after is None:
                return items

    def last_seq(self):
        return self.ok("sys.ping")["last_seq"]

    def events(self, after=0):
        return self.cluster.events("submissions", after)

    def before(self):
        """Call before a request that must be refused: reads the bus up to
        now, and returns what the refusal must leave unchanged."""
        self.drain()
        return self.snapshot()

    def snapshot(self):
        """The outbox position and every submission of every call."""
        return (self.last_seq(), {call: [(i["submission_id"], i["status"], i["updated_at"])
                                         for i in self.list_all(call)] for call in CALLS})

    def subscribe(self):
        if self.sub is None:
            self.sub = self.cluster.subscribe("s")
        return self.sub

    def assert_refused(self, reply, code, field, before):
        """The exact error, then nothing stored and nothing published."""
        assert reply["ok"] is False, reply
        assert reply["error"]["code"] == code, reply
        assert reply["error"].get("field") == field, reply
        assert reply["error"]["message"]
        assert self.snapshot() == before
        self.assert_quiet()

    def refuse(self, request, code, field):
        """request() must be refused with code and field, leaving nothing
        behind; returns the reply."""
        before = self.before()
        reply = request()
        self.assert_refused(reply, code, field, before)
        return reply

    def refuse_invalid(self, make, field, value):
        """A body of make (prize_body, ...) for a new stakeholder, with field
        changed to value (None: left out), must be refused as a validation
        error naming that field, leaving nothing behind."""
        body = changed(make(self.register()), field, value)
        return self.refuse(lambda: self.create(body), "validation", field)

    def assert_quiet(self):
        """Nothing was published since the last check: the next event on
        the bus is a marker registered now (one publisher, events in seq
        order), so no wait on a timer is needed."""
        sub = self.subscribe()
        marker = self.register()
        event = next_event(sub, lambda topic, e: topic != "sys.heartbeat", timeout=10)
        assert event is not None, "the marker event never came"
        assert event["type"] == "stakeholder.registered", event
        assert event["body"]["stakeholder_id"] == marker, event

    def drain(self):
        """Reads up to the current head of the subscription (a marker)."""
        sub = self.subscribe()
        marker = self.register()
        seen = []
        while True:
            event = next_event(sub, lambda topic, e: topic != "sys.heartbeat", timeout=10)
            assert event is not None
            if event["type"] == "stakeholder.registered" and event["body"]["stakeholder_id"] == marker:
                return seen
            seen.append(event)

    def close(self):
        if self.sub is not None:
            self.sub.close(0)
            self.sub = None


def start_submissions(directory, now=OPEN, **options):
    cluster = Cluster(directory, options={"submissions": options} if options else None)
    try:
        cluster.start("bus", "submissions")
        subs = Submissions(cluster)
        if now:
            subs.set_clock(now)
        subs.subscribe()
        subs.drain()
    except BaseException:
        cluster.close()
        raise
    return subs


@pytest.fixture(scope="module")
def subs(request, tmp_path_factory):
    """One bus + wsis-submissions for a whole test module, clock at OPEN,
    its data in a directory named after the module. Tests make their own
    stakeholders and projects, so they do not meet."""
    s = start_submissions(tmp_path_factory.mktemp(request.module.__name__))
    yield s
    s.close()
    s.cluster.close()
