#!/usr/bin/env python3
"""wsis-submissions under load: 1,000 WSIS Prizes projects and 10,000
Stocktaking entries through the command endpoint.

Starts the real bus and wsis-submissions with a temporary data dir and
config (the integration harness), pipelines submission.create from several
DEALER clients (each keeps a window of requests in flight, as a web portal
would), and prints submissions/s for each kind and the service's peak RSS
(VmHWM). It never asserts a timing; it exits non-zero only on an error
reply or a lost one. The key figures go to the report at the end of
`make bench` (bench/figures.py).
"""
import os
import sys
import tempfile
import time
import pathlib

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsis_harness import Client, Cluster, pack, unpack  # noqa: E402
from figures import measured, report  # noqa: E402

CLIENTS = 8
WINDOW = 64                     # requests in flight per client
STAKEHOLDERS = 200
PRIZES = 1000
STOCKTAKING = 10000

CATEGORIES = ["C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea", "e-emp",
              "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"]


def stakeholder(i):
    return {"name": f"Bench Stakeholder {i}", "email": f"bench{i}@example.org", "type": "civil_society",
            "country": "CH", "region": "europe", "gender": "female" if i % 2 else "male"}


def prize(i, stakeholder_id):
    return {"call": "prizes-2022", "stakeholder_id": stakeholder_id,
            "entity": f"Bench Entity {i}", "stakeholder_type": "government", "country": "CH",
            "region": "europe", "category": CATEGORIES[i % 18], "title": f"Bench Project {i}",
            "short_description": " ".join(f"p{i}w{k}" for k in range(170)),
            "sdgs": [1 + i % 17, 1 + (i + 5) % 17] if i % 17 != (i + 5) % 17 else [1],
            "sdg_linkages": "Linked to the SDGs.", "impact": "Measurable impact.",
            "partnerships": "Public-private.", "challenges": "Funding.", "language": "en",
            "contact": {"name": f"Contact {i}", "email": f"contact{i}@example.org", "gender": "female"}}


def stocktaking(i, stakeholder_id):
    return {"call": "stocktaking-2022", "stakeholder_id": stakeholder_id,
            "entity": f"Bench Org {i % 997}", "stakeholder_type": "academia", "country": "KE",
            "region": "africa", "action_lines": [CATEGORIES[i % 18], CATEGORIES[(i + 7) % 18]],
            "sdgs": [1 + i % 17], "title": f"Stocktaking entry {i}",
            "description": "An ICT project for sustainable development. " * 8,
            "status": ["planned", "ongoing", "completed"][i % 3], "url": f"https://example.org/{i}",
            "contact": {"name": f"Contact {i}", "email": f"st{i}@example.org", "gender": "male"}}


def pipeline(endpoint, op, bodies):
    """Sends every body from CLIENTS dealers, WINDOW in flight each.
    Returns (replies by index, seconds)."""
    clients = [Client(endpoint, unbounded=True) for _ in range(CLIENTS)]
    sockets = [c.socket for c in clients]
    poller = zmq.Poller()
    for s in sockets:
        poller.register(s, zmq.POLLIN)
    frames = [pack({"v": 1, "id": f"{op}-{i}", "op": op, "body": body,
                    "actor": {"role": "gateway", "id": "bench-portal"}}) for i, body in enumerate(bodies)]
    replies = [None] * len(frames)
    next_index = 0
    in_flight = {s: 0 for s in sockets}
    started = time.monotonic()

    def fill(s):
        nonlocal next_index
        while in_flight[s] < WINDOW and next_index < len(frames):
            s.send_multipart([b"", frames[next_index]])
            next_index += 1
            in_flight[s] += 1

    for s in sockets:
        fill(s)
    done = 0
    while done < len(frames):
        ready = dict(poller.poll(30000))
        if not ready:
            raise SystemExit(f"{op}: no reply for 30 s ({done} of {len(frames)} answered)")
        for s in ready:
            while True:
                try:
                    parts = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                reply = unpack(parts[-1])
                index = int(reply["id"].rsplit("-", 1)[1])
                replies[index] = reply
                in_flight[s] -= 1
                done += 1
            fill(s)
    seconds = time.monotonic() - started
    for c in clients:
        c.close()
    return replies, seconds


def check(name, replies):
    errors = [r for r in replies if not r or not r.get("ok")]
    if errors:
        print(f"{name}: {len(errors)} error replies, first: {errors[0]}")
        return False
    return True


def main():
    return measured(measure, report_figures)


def report_figures(got):
    report("submissions: prize projects created", got.get("prize"), "submissions/s")
    report("submissions: stocktaking entries created", got.get("stocktaking"), "submissions/s")
    report("submissions: peak RSS", got.get("rss"), "MiB", better="lower")


def measure(got):
    """Every phase; what it measured into got. The exit status."""
    with tempfile.TemporaryDirectory(prefix="bench-submissions-") as directory:
        cluster = Cluster(pathlib.Path(directory))
        try:
            cluster.start("bus", "submissions")
            cluster.call("submissions", "sys.clock.set", {"now": "2022-01-10T12:00:00Z"})
            endpoint = cluster.endpoint("submissions")

            replies, seconds = pipeline(endpoint, "stakeholder.register",
                                        [stakeholder(i) for i in range(STAKEHOLDERS)])
            if not check("stakeholder.register", replies):
                return 1
            ids = [r["body"]["stakeholder_id"] for r in replies]
            print(f"stakeholder.register   {STAKEHOLDERS:6d} in {seconds:6.2f} s  "
                  f"{STAKEHOLDERS / seconds:8.0f} /s")

            ok = True
            for name, count, make in (("prize", PRIZES, prize), ("stocktaking", STOCKTAKING, stocktaking)):
                bodies = [make(i, ids[i % STAKEHOLDERS]) for i in range(count)]
                replies, seconds = pipeline(endpoint, "submission.create", bodies)
                ok = check(name, replies) and ok
                got[name] = count / seconds
                print(f"submission.create {name:11s} {count:6d} in {seconds:6.2f} s  "
                      f"{count / seconds:8.0f} submissions/s")

            # A full page of the largest call, as a portal lists it.
            started = time.monotonic()
            page = cluster.call("submissions", "submission.list", {"call": "stocktaking-2022", "limit": 500},
                                role="public", actor=None)
            print(f"submission.list        500 of {STOCKTAKING} in {(time.monotonic() - started) * 1000:.1f} ms")
            ok = ok and page["ok"] and len(page["body"]["items"]) == 500
            last_seq = cluster.call("submissions", "sys.ping")["body"]["last_seq"]
            expected = STAKEHOLDERS + PRIZES + STOCKTAKING
            if last_seq != expected:
                print(f"events: {last_seq} in the outbox, expected {expected}")
                ok = False
            print(f"events in the outbox   {last_seq}")
            got["rss"] = cluster.peak_rss_mb('submissions')
            print(f"wsis-submissions peak RSS (VmHWM) {got['rss']:.1f} MiB")
            return 0 if ok else 1
        finally:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
