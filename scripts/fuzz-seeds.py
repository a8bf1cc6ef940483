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
from wsis_harness import SERVICES, Cluster, pack, unpack  # noqa: E402
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
    """Every frame a harness client sends, from now on."""
    frames = []
    send_raw = wsis_harness.Client.send_raw

    def recording(self, frame):
        frames.append(frame)
        send_raw(self, frame)
    wsis_harness.Client.send_raw = recording
    return frames


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
    frames = record_requests()
    envelopes = []
    for scenario in (contest, year):
        with tempfile.TemporaryDirectory() as tmp:
            c = Cluster(pathlib.Path(tmp))
            try:
                # Paths of this machine out: the seed is about the syntax
                config = c.config.read_text().replace(ROOT, ".").replace(tmp, "var/cluster")
                write("fuzz_config", "cluster", config.encode(), ".cfg")
                c.start(*SERVICES)
                scenario(c)
                for name in SERVICES:
                    envelopes += c.events(name)
            finally:
                c.close()
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
