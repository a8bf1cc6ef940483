"""Every service, mixed load: registrations, Stocktaking entries, Gender
Trendsetter nominations, votes, Forum speakers published through the bus
journal, reports, and the staff's review decisions on the projects of a
second prize call (world.REVIEW_CALL, in its nomination phase), whose
nominations are published half-way, go on while a random service
(the bus included) is killed with SIGKILL every 0.3-1.5 s and started
again, `kills` times (in rounds: each service once per round, in a random
order; every third time it is killed again while it is starting).

Afterwards, once every consumer has applied every event: every
consumer's applied == last_seq == the source's head for every source it
follows (world.wait_settled); every acked write has exactly one event, and
every vote, entry, nomination and speaker event had an ok reply
(checks.check_votes, check_registrations, check_created); the read models agree with the
producers: reporting's vote count with voting's tally, its count of the
call's Stocktaking entries, Trendsetter nominations and Forum speakers
with the acked ones; every report asked was answered; the decisions
survived the kills (checks.check_reviews: what nominations holds, its
events and the published lists are the acked decisions, and voting,
submissions, reporting and notifications agree).
"""
import random
import threading
import time

import clients
from checks import check_created, check_registrations, check_reviews, check_votes, final_reply
from submissions_helpers import stocktaking_body
from wsis_harness import SERVICES
from world import REVIEW_CALL, ok, request, run_scenario

PACE = 0.01           # seconds between one client's requests
STOCKTAKING = "stocktaking-2022"
TRENDSETTERS = "trendsetters-2021"
REVIEWED = 3          # projects per category of REVIEW_CALL the staff decide on


def trendsetter(n):
    return {"call": TRENDSETTERS,
            "nominee": {"name": f"Trendsetter {n}", "organization": "The Gender Security Project",
                        "country": "IN", "email": f"trend{n}@example.org", "gender": "female"},
            "objectives": [1, 4, 6], "motivation": "She founded a network of women engineers."}


def speaker(n):
    """A forum.speaker.registered event as the Forum's system publishes it."""
    return {"topic": "forum.speaker.registered", "origin": "forum",
            "body": {"session_id": f"s{n}", "session_title": f"Session {n}", "track": "hl",
                     "name": f"Speaker {n}", "gender": "female", "role": "speaker", "organization": "ITU"}}


def decision(rng, projects, n):
    """A review.decide body: a project of REVIEW_CALL nominated, or
    rejected with a reason of its own."""
    body = {"submission_id": rng.choice(projects), "decision": rng.choice(("nominate", "reject"))}
    if body["decision"] == "reject":
        body["reason"] = f"Decision {n}: the impact is not shown."
    return body


def run(kills, seed=14):
    """Returns (passed, figures, failures)."""
    rng = random.Random(seed)
    figures = {"kills": kills}

    def body(world, load, failures):
        c = world.cluster
        votes = world.vote_requests(rng)
        many = 100000
        load.start(clients.send_all, c.endpoint("voting"), votes[0::2], PACE, "votes-0")
        load.start(clients.send_all, c.endpoint("voting"), votes[1::2], PACE, "votes-1")
        load.start(clients.send_all, c.endpoint("submissions"), world.registration_requests("mixed", 5000),
                   PACE * 2, "registrations")
        load.start(clients.send_all, c.endpoint("submissions"),
                   [request(f"stocktaking-{i}", "submission.create", stocktaking_body(world.submitter), "gateway")
                    for i in range(5000)], PACE * 2, "stocktaking")
        load.start(clients.send_all, c.endpoint("nominations"),
                   [request(f"trendsetter-{i}", "ambassador.nominate", trendsetter(i), "public")
                    for i in range(5000)], PACE * 2, "trendsetters")
        load.start(clients.send_all, c.endpoint("bus"),
                   [request(f"speaker-{i}", "publish", speaker(i), "publisher", "forum") for i in range(5000)],
                   PACE * 2, "speakers")
        load.start(clients.send_all, c.endpoint("reporting"),
                   [request(f"report-{i}", "report.summary", {"call": "prizes-2022"}, "public")
                    for i in range(many)], PACE * 5, "reports")
        reviewed = [p for projects in world.reviewed.values() for p in projects]
        load.start(clients.send_all, c.endpoint("nominations"),
                   [request(f"review-{i}", "review.decide", decision(rng, reviewed, i), "staff", "reviewer")
                    for i in range(5000)], PACE * 2, "reviews")
        # The publication, from a thread of its own half-way through the kills.
        publish = request("publish", "nominations.publish", {"call": REVIEW_CALL}, "staff", "reviewer")
        published = []
        publisher = threading.Thread(target=lambda: published.append(clients.ask(c.endpoint("nominations"),
                                                                                  publish)))
        killed = {}
        # In rounds: each service once per round, in a random order.
        victims = [name for _ in range(0, kills, len(SERVICES)) for name in rng.sample(SERVICES, len(SERVICES))]
        for k, name in enumerate(victims[:kills]):
            if k == kills // 2:
                publisher.start()
            time.sleep(rng.uniform(0.3, 1.5))
            if k % 3 == 2:
                # Killed again while it is starting (opening its store,
                # catching up), before it answers sys.ping.
                world.kill(name, wait=False)
                time.sleep(rng.uniform(0.0, 0.15))
                figures["while_starting"] = figures.get("while_starting", 0) + 1
            world.kill(name)
            killed[name] = killed.get(name, 0) + 1
        figures["killed"] = ",".join(f"{name}:{n}" for name, n in sorted(killed.items()))
        publisher.join(timeout=clients.GIVE_UP + 30)
        time.sleep(0.3)
        results = load.stop()
        settled = world.wait_settled(what="every consumer to apply every event")
        figures["settled_s"] = f"{settled:.1f}"

        figures.update(check_votes(world, results["votes-0"] + results["votes-1"], failures))
        figures["registered"] = check_registrations(world, results["registrations"], failures)
        submissions_events = c.events("submissions", limit=10000)
        entries = [e["body"]["submission_id"] for e in submissions_events
                   if e["type"] == "submission.received" and e["body"]["call"] == STOCKTAKING]
        figures["entries"] = check_created(results["stocktaking"], "submission_id", entries, failures,
                                           "Stocktaking entries")
        nominated = [e["body"]["nomination_id"] for e in c.events("nominations", limit=10000)
                     if e["type"] == "ambassador.nominated"]
        figures["nominations"] = check_created(results["trendsetters"], "nomination_id", nominated, failures,
                                               "Trendsetter nominations")
        speakers = [e["seq"] for e in c.events("bus", limit=10000) if e["type"] == "forum.speaker.registered"]
        figures["speakers"] = check_created(results["speakers"], "seq", speakers, failures, "Forum speakers")
        figures["reports"] = sum(1 for r, a in results["reports"] if final_reply(r, a, failures) is not None)
        if not published:
            failures.append("nominations.publish was never answered")
        else:
            figures.update(check_reviews(world, results["reviews"], (publish, published[0]), failures))

        reported = ok(c.call("reporting", "report.summary", {"call": STOCKTAKING}, role="public"))
        if reported["by_status"]["received"] != figures["entries"]:
            failures.append(f"reporting counts {reported['by_status']['received']} Stocktaking entries, "
                            f"{figures['entries']} were acked")
        reported = ok(c.call("reporting", "report.summary", {"call": TRENDSETTERS}, role="public"))
        if reported["trendsetters"]["total"] != figures["nominations"]:
            failures.append(f"reporting counts {reported['trendsetters']['total']} Trendsetter nominations, "
                            f"{figures['nominations']} were acked")
        groups = ok(c.call("reporting", "report.gender", {}, role="public"))["groups"]
        forum = next(g for g in groups if g["group"] == "Forum speakers")
        if forum["female"] != figures["speakers"]:
            failures.append(f"reporting counts {forum['female']} Forum speakers, {figures['speakers']} were acked")

    return run_scenario("mixed", max(50, kills * 10), figures, body, reviewed=REVIEWED)
