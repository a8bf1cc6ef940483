#!/usr/bin/python3
"""Writes seeds of tests/fuzz/corpus/ from real messages.

Runs the prize contest of the integration tests (run_contest: every service
real, tests/integration/contest_helpers.py) and the whole year of `make
demo` (scripts/demo.py, with its reports), records every request frame a
client sent, then reads every service's outbox with events.since, and
writes small files (each at most MAX bytes, libFuzzer's -max_len in the
Makefile):

  fuzz_request/request-<op>.mp          the first request of each operation
  fuzz_request/event-<type>.mp          the first envelope of each type
  <events target>/event-<type>.mp       the same envelopes, for each target
                                        that applies events (fuzz_*_events)
  <events target>/page-<n>.mp           arrays of envelopes, as an
                                        events.since page carries them, in
                                        the order they were produced, so
                                        the fuzzer starts from state that
                                        later events need
  fuzz_<service>_ops/request-<op>.mp    the first request of each operation
                                        that service was sent (fuzz_ops.h)
  fuzz_<service>_ops/session-<scenario>-<op>.mp
                                        arrays of what that service met, in
                                        the order it met it: the requests it
                                        was sent and the events of the
                                        sources it follows, merged by the
                                        manual clock (a request at the time
                                        its sys.clock.set gave, an event at
                                        its ts, after the requests of that
                                        instant): the first request of each
                                        operation after the events before it
                                        that name one of its values, and the
                                        last sys.clock.set before it;
                                        session-<scenario>-first:
                                        the first event of each type it
                                        follows, then the first request of
                                        each operation; session-<scenario>-
                                        deep: the first request of each
                                        operation in order, each after the
                                        sys.clock.set it came after, naming
                                        the ids an empty store makes first
  fuzz_<service>_ops/declared-<op>.mp   a request of every operation the
                                        service offers (sys.ops), whether the
                                        scenarios ask it or not: as its
                                        first role, every declared field set
                                        to the first value a recorded request
                                        gave a field of that name ("x" when
                                        none did)
  fuzz_bus_ops/publish-<n>.mp           publish requests written here (the
                                        scenarios publish nothing external)
  fuzz_gateway_events/people-<n>.mp     stakeholder.registered pages written
                                        here: an address again in another
                                        case for another stakeholder, fields
                                        missing, empty, of another type or
                                        one byte too long
  fuzz_wsisctl_json/body-<op>.json      the body of the first request of each
                                        operation as an operator types it
                                        (a bin as {"$base64": ...})
  fuzz_config/cluster.cfg               the configuration the harness wrote
  fuzz_calendar/call-<kind>.cfg         one call of each kind of
                                        configs/calendar.cfg, and
  fuzz_calendar/calendar-kinds.cfg      all of them in one calendar
  fuzz_notifications_render/body-<type>.mp  the body of the first event of
                                        each type (the values messages are
                                        made of), and vars.mp: every
                                        placeholder, some with line ends
  fuzz_config/wsis.cfg,                 the shipped files
  fuzz_notifications_staff/staff.cfg

Seeds already there are kept: the files this writes are named for what
they hold, and inputs that once found a bug are never overwritten.
Run from the top of the tree after `make`:  /usr/bin/python3 scripts/fuzz-seeds.py
"""
import base64
import datetime
import glob
import json
import os
import pathlib
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import wsis_harness  # noqa: E402
from wsis_harness import SERVICES, Cluster, envelope, pack, unpack  # noqa: E402
from contest_helpers import run_contest  # noqa: E402
import demo  # noqa: E402

MAX = 4096
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")


def write(target, name, frame, ext=".mp"):
    if len(frame) > MAX:
        return
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name.replace("/", "_") + ext)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(frame)


def record_requests():
    """Every frame a harness client sends, from now on, with the endpoint
    it went to; and the bodies of the replies, by the request's place in
    frames (what a service made: the id of a stakeholder it registered)."""
    frames, replies, waiting = [], {}, {}
    send_raw, recv_raw = wsis_harness.Client.send_raw, wsis_harness.Client.recv_raw

    def sending(self, frame):
        try:
            waiting[(id(self), unpack(frame).get("id"))] = len(frames)
        except Exception:
            pass
        frames.append((self.endpoint, frame))
        send_raw(self, frame)

    def receiving(self, timeout=5.0):
        frame = recv_raw(self, timeout)
        try:
            reply = unpack(frame)
            replies[waiting.pop((id(self), reply.get("id")))] = reply.get("body")
        except Exception:
            pass
        return frame
    wsis_harness.Client.send_raw = sending
    wsis_harness.Client.recv_raw = receiving
    return frames, replies


def pages(envelopes):
    """Consecutive envelopes packed as arrays of at most MAX bytes."""
    page = []
    for envelope in envelopes:
        if len(pack(page + [envelope])) > MAX:
            if page:
                yield pack(page)
            page = []
            if len(pack([envelope])) > MAX:
                continue
        page.append(envelope)
    if page:
        yield pack(page)


def as_json(value):
    """A body as wsisctl takes it: bytes as {"$base64": ...}."""
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def file_seeds():
    """Each call of the shipped calendar alone (the first of each kind),
    and one of each kind together (the whole file is over MAX); the
    shipped configuration and staff files."""
    text = open(os.path.join(ROOT, "configs", "calendar.cfg")).read()
    sections = re.split(r"\n(?=\S)", "\n".join(line for line in text.split("\n")
                                                 if not line.startswith("#")).strip())
    kinds = {}
    for section in sections:
        kind = re.search(r"kind\s*=\s*\"?(\w+)", section)
        kinds.setdefault(kind.group(1) if kind else "other", section.rstrip() + "\n")
    whole = ""
    for kind, section in kinds.items():
        write("fuzz_calendar", f"call-{kind}", section.encode(), ".cfg")
        if len(whole) + len(section) < MAX:
            whole += section
    write("fuzz_calendar", "calendar-kinds", whole.encode(), ".cfg")
    for target, name in (("fuzz_config", "wsis"), ("fuzz_notifications_staff", "staff")):
        with open(os.path.join(ROOT, "configs", name + ".cfg"), "rb") as f:
            write(target, name, f.read(), ".cfg")


def sessions(requests, envelopes):
    """What one service met, in order: its requests [(frame, request)]
    and the envelopes of the sources it follows, merged by the manual
    clock. A request happens at the time the last sys.clock.set it was
    sent gave; an event at its ts, after the requests of its instant
    (they caused it)."""
    timeline = []
    now = 0
    for order, (frame, request) in enumerate(requests):
        if request.get("op") == "sys.clock.set":
            try:
                now = iso_ms(request["body"]["now"])
            except (KeyError, TypeError, ValueError):
                pass
        timeline.append(((now, 0, order), request))
    for order, envelope in enumerate(envelopes):
        timeline.append(((envelope["ts"], 1, order), envelope))
    return [item for _, item in sorted(timeline, key=lambda entry: entry[0])]


def iso_ms(text):
    """Milliseconds of an RFC 3339 instant ("2022-01-21T21:59:59Z")."""
    instant = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(instant.timestamp() * 1000)


def ops_seeds(target, scenario, requests, followed):
    """The seeds of fuzz_<service>_ops (see the top) from one scenario:
    the requests the service was sent, the events it follows."""
    first_op = {}
    for frame, request in requests:
        if request.get("op") not in first_op:
            first_op[request.get("op")] = request
            write(target, f"request-{request.get('op')}", frame)
    first_type = {}
    for envelope in followed:
        first_type.setdefault(envelope["type"], envelope)
    for page in pages(list(first_type.values()) + [wire(r) for r in first_op.values()]):
        write(target, f"session-{scenario}-first", page)
        break
    # The first request of each operation in the order first asked, the
    # ids the service made (a reply's stakeholder_id, submission_id) as
    # an empty store makes them first: a stakeholder registered, then its
    # submission, then that withdrawn
    made, produced = {}, set()
    for _, request in requests:
        if isinstance(request.get("reply"), dict):
            for key, value in request["reply"].items():
                if isinstance(value, str):
                    made.setdefault(key, value)
                    produced.add(value)

    def first_ids(fields):
        return {k: made[k] if k in made and v in produced else v for k, v in fields.items()}
    deep, clock, clock_sent = [], None, None
    for _, request in requests:
        if request.get("op") == "sys.clock.set":
            clock = request
        if first_op.get(request.get("op")) is not request or request.get("op") == "sys.clock.set":
            continue
        # At the time it was asked
        if clock is not clock_sent:
            deep.append(wire(clock))
            clock_sent = clock
        renumbered = dict(wire(request), body=first_ids(request.get("body") or {}))
        actor = request.get("actor")
        if isinstance(actor, dict) and actor.get("id") in produced:
            renumbered["actor"] = dict(actor, id=made.get("stakeholder_id", actor["id"]))
        deep.append(renumbered)
    for page in pages(deep):
        write(target, f"session-{scenario}-deep", page)
        break
    # The first request of each operation after what it needs: the last
    # sys.clock.set before it, and what came before it that holds one of
    # its values exactly (the voter's registration, the list a project is
    # on, the request whose reply made the stakeholder it names), the
    # latest first, as many as fit. Values that much of the timeline holds
    # (a call id) say nothing.
    timeline = sessions(requests, followed)
    held = [set(strings(item)) for item in timeline]
    counts = {}
    for values in held:
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    asked = set()
    for index, item in enumerate(timeline):
        op = item.get("op")
        if not op or op.startswith("sys.") or op in asked:
            continue
        asked.add(op)
        names = {v for v in held[index] if v != op and counts[v] <= max(20, len(timeline) // 50)}
        clock = [e for e in timeline[:index] if e.get("op") == "sys.clock.set"][-1:]
        window, size = [], len(pack(clock + [wire(item)]))
        for earlier in range(index - 1, -1, -1):
            if timeline[earlier].get("op", "").startswith("sys.") or not names & held[earlier]:
                continue
            more = len(pack(wire(timeline[earlier])))
            if size + more <= MAX - 16:
                size += more
                window.insert(0, wire(timeline[earlier]))
        write(target, f"session-{scenario}-{op}", pack(window + [wire(c) for c in clock] + [wire(item)]))


def wire(item):
    """A request as it was sent (without the reply noted beside it), or
    an envelope."""
    return {k: v for k, v in item.items() if k != "reply"}


def strings(value):
    """Every str in the body of a request or event, its actor's, and the
    request's reply."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        top = "v" in value
        for key, inner in value.items():
            if not top or key in ("body", "actor", "reply"):
                yield from strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner)


def field_values(requests):
    """The first value a recorded body gave each field name, at any depth."""
    values = {}

    def walk(body):
        if isinstance(body, dict):
            for key, value in body.items():
                values.setdefault(key, value)
                walk(value)
        elif isinstance(body, list):
            for value in body:
                walk(value)
    for request in requests:
        walk(request.get("body"))
    return values


def declared_body(fields, values):
    """A body with every field of a sys.ops declaration."""
    body = {}
    for field in fields:
        if "fields" in field:
            nested = declared_body(field["fields"], values)
            body[field["name"]] = [nested] if field.get("array") else nested
        else:
            body[field["name"]] = values.get(field["name"], "x")
    return body


def declared_seeds(target, offered, values):
    """declared-<op>.mp for every operation of a sys.ops reply."""
    for op in offered:
        roles = [r for r in op["roles"] if r != "public"] or ["public"]
        request = {"v": 1, "id": f"d-{op['op']}", "op": op["op"],
                   "actor": {"role": roles[0], "id": "fuzz-actor"},
                   "body": declared_body(op["fields"], values)}
        write(target, f"declared-{op['op']}", pack(request))


def bus_seeds():
    """publish as an outside system sends it, and what the journal refuses."""
    def publish(id, body, role="publisher"):
        return {"v": 1, "id": id, "op": "publish", "actor": {"role": role, "id": "forum-site"},
                "body": body}
    ok = publish("p1", {"topic": "forum.speaker.registered", "origin": "forum-site",
                        "body": {"name": "Ann", "session": 12, "tags": ["a", "b"]}})
    write("fuzz_bus_ops", "publish-0", pack(ok))
    write("fuzz_bus_ops", "publish-1", pack([
        ok, ok,
        publish("p2", {"topic": "vote.cast", "origin": "x", "body": {}}),
        publish("p3", {"topic": "sys.heartbeat", "origin": "x", "body": {"origin": "y"}}, "operator"),
        publish("p4", {"topic": "forum.x", "origin": "x", "body": []}, "stakeholder"),
        {"v": 1, "id": "e1", "op": "events.since", "actor": {"role": "operator"},
         "body": {"after": 0, "limit": 10}}]))


def gateway_seeds():
    """What the gateway's one event type meets (gateway_people_apply)."""
    def registered(seq, body):
        return envelope("submissions", seq, "stakeholder.registered", body, ts=1643000000000 + seq)
    ann = {"stakeholder_id": "stk-1", "name": "Ann", "email": "Ann.Lee@Example.org", "type": "civil_society",
           "country": "CH", "region": "europe"}
    write("fuzz_gateway_events", "people-0", pack([
        registered(1, ann),
        registered(2, dict(ann, stakeholder_id="stk-2", email="ann.lee@EXAMPLE.ORG")),
        registered(3, dict(ann, stakeholder_id="stk-3", email="b@" + "x" * 252)),
        registered(4, dict(ann, stakeholder_id="stk-4", email="c@" + "x" * 253)),
        envelope("voting", 1, "vote.cast", {"call": "prizes-2022", "receipt": "00"}),
        envelope("submissions", 0, "sys.heartbeat", {"last_seq": 4})]))
    write("fuzz_gateway_events", "people-1", pack([
        registered(1, {k: v for k, v in ann.items() if k != "email"}),
        registered(2, dict(ann, stakeholder_id="")),
        registered(3, dict(ann, email=b"ann@example.org")),
        registered(4, dict(ann, stakeholder_id="s" * 65)),
        registered(5, dict(ann, email=["ann@example.org"])),
        envelope("submissions", 6, "submission.received", dict(ann, submission_id="sub-1"))]))


def contest(c):
    events = c.subscribe("")
    run_contest(c, events)
    events.close()


def year(c):
    demo.run_year(c, 0)
    for op, body in (("report.sdg_matrix", {"format": "svg"}), ("report.gender", {"format": "svg"}),
                     ("report.publication", {"call": demo.PRIZES, "format": "md"})):
        demo.report(c, op, body)
    demo.print_summary(c)


def main():
    frames, replies = record_requests()
    envelopes = []
    # Per scenario and service: the requests it was sent [(frame,
    # request)], the envelopes of the sources it follows
    served = []
    offered = {}
    for scenario in (contest, year):
        recorded = len(frames)
        with tempfile.TemporaryDirectory() as tmp:
            c = Cluster(pathlib.Path(tmp))
            try:
                # Paths of this machine out: the seed is about the syntax
                config = c.config.read_text().replace(ROOT, ".").replace(tmp, "var/cluster")
                write("fuzz_config", "cluster", config.encode(), ".cfg")
                c.start(*SERVICES)
                scenario(c)
                produced = []
                for name in SERVICES:
                    produced += c.events(name)
                envelopes += produced
                for name in SERVICES:
                    requests = [(frame, dict(unpack(frame), reply=replies.get(recorded + n)))
                                for n, (endpoint, frame) in enumerate(frames[recorded:])
                                if endpoint == c.endpoint(name)]
                    follows = set(c.call(name, "sys.stats")["body"].get("sources", {}))
                    offered[name] = c.call(name, "sys.ops")["body"]["ops"]
                    served.append((scenario.__name__, name, requests,
                                   [e for e in produced if e["source"] in follows]))
            finally:
                c.close()
    # For the services that have a target (the gateway's requests are HTTP)
    ops_targets = {name for name in SERVICES
                   if os.path.exists(os.path.join(ROOT, "tests", "fuzz", f"fuzz_{name}_ops.c"))}
    for scenario, name, requests, followed in served:
        if name in ops_targets:
            ops_seeds(f"fuzz_{name}_ops", scenario, requests, followed)
    values = field_values(request for _, _, requests, _ in served for _, request in requests)
    for name, ops in offered.items():
        if name in ops_targets:
            declared_seeds(f"fuzz_{name}_ops", ops, values)
    bus_seeds()
    gateway_seeds()
    frames = [frame for _, frame in frames]
    seen = set()
    for frame in frames:
        op = unpack(frame).get("op", "none")
        if op not in seen:
            seen.add(op)
            write("fuzz_request", f"request-{op}", frame)
            body = json.dumps(as_json(unpack(frame).get("body", {})), ensure_ascii=False)
            write("fuzz_wsisctl_json", f"body-{op}", body.encode(), ".json")
    event_targets = ["fuzz_request"] + [os.path.basename(p)[:-2] for p in
                                        glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*_events.c"))]
    first = {}
    for envelope in envelopes:
        first.setdefault(envelope["type"], envelope)
    # The first of each type, in the order produced by time, then by source
    ordered = sorted(envelopes, key=lambda e: (e["ts"], e["source"], e["seq"]))
    for type, envelope in first.items():
        write("fuzz_notifications_render", f"body-{type}", pack(envelope["body"]))
    placeholders = ("attempts before call call_title calls category channel contact_email contact_name "
                    "deadline end error key kind late_note name next_steps nomination_id nominee_name "
                    "phase rank reason recipient result start submission_id title token "
                    "unsubscribe_url votes").split()
    tricky = {"name": "Ann\r\nBcc: all@example.org", "email": "ann@example.org\r\nX-Evil: 1",
              "title": "Sant\u00e9 num\u00e9rique " + "x" * 80, "late_note": "", "votes": 12, "rank": -1}
    write("fuzz_notifications_render", "vars",
          pack({p: tricky.get(p, f"{{{p}}} value") for p in placeholders}))
    for target in event_targets:
        for type, envelope in first.items():
            write(target, f"event-{type}", pack(envelope))
        if target != "fuzz_request":
            # A page of each type's first event, and pages of the real order
            for n, page in enumerate(pages([e for e in ordered if first[e["type"]] is e])):
                write(target, f"page-first-{n}", page)
            for n, page in enumerate(pages(ordered)):
                if n >= 20:
                    break
                write(target, f"page-{n}", page)
    file_seeds()
    print(f"{len(frames)} requests ({len(seen)} operations), {len(envelopes)} events "
          f"({len(first)} types) -> {CORPUS}")


if __name__ == "__main__":
    main()
