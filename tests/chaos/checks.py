"""What the chaos scenarios check once the faults are over and every
consumer has applied every event: what the clients were told (the records
of clients.send_all: (request, attempts)) against what the producers, their
events and the consumers say. Each check appends what differs to
failures and returns its figures.
"""
from collections import Counter

from world import CALL, CATEGORIES, REVIEW_CALL, ok


def final_reply(request, attempts, failures):
    """The last reply to a request: its ok body, or None (a refusal or no
    reply at all, added to failures)."""
    final = next((a for a in reversed(attempts) if a is not None), None)
    if final is None:
        failures.append(f"{request['op']} {request['id']}: never answered")
        return None
    if not final["ok"]:
        failures.append(f"{request['op']} {request['id']}: refused {final['error']}")
        return None
    return final["body"]


def check_votes(world, records, failures):
    """Compares what the vote clients were told (records of
    clients.send_all) with what the system counts, once every consumer
    has applied every event: appends what differs to failures, returns the
    figures."""
    acked = {}              # receipt -> vote
    first_try_duplicates = 0
    committed_unanswered = 0
    timeouts = 0
    for request, attempts in records:
        request_id, body = request["id"], request["body"]
        vote = (body["voter_id"], body["category"], body["submission_id"])
        timeouts += attempts.count(None)
        if final_reply(request, attempts, failures) is None:
            continue
        replies = [a for a in attempts if a is not None]
        final = replies[-1]
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
    # A receipt starts with the vote's number in the log: one reused after
    # a kill would make an earlier receipt resolve to another vote.
    verified = world.verify(list(acked))
    wrong = [(receipt, acked[receipt], body) for receipt, body in verified.items()
             if body != {"call": CALL, "category": acked[receipt][1], "submission_id": acked[receipt][2],
                         "counted": True}]
    if wrong:
        failures.append(f"{len(wrong)} receipts do not verify to their vote, e.g. {wrong[:2]}")
    return {"votes": len(records), "acked": len(acked), "counted": counted, "events": len(events),
            "reported": reported, "timeouts": timeouts, "committed_unanswered": committed_unanswered,
            "lost": lost, "doubled": doubled}


def check_registrations(world, records, failures):
    """Every acked stakeholder.register has exactly one
    stakeholder.registered event, and wsis-voting learnt the stakeholder
    from it (a vote is not `ineligible`). Returns how many were acked."""
    acked = [body["stakeholder_id"] for body in (final_reply(r, a, failures) for r, a in records) if body]
    events = Counter(e["body"]["stakeholder_id"] for e in world.cluster.events("submissions", limit=10000)
                     if e["type"] == "stakeholder.registered")
    missing = [s for s in acked if events[s] != 1]
    if missing:
        failures.append(f"{len(missing)} acked registrations without exactly one event, e.g. {missing[:3]}")
    category = CATEGORIES[0]
    project = world.projects[category][0]
    for stakeholder in acked:
        reply = world.cluster.call("voting", "vote.cast", {"call": CALL, "voter_id": stakeholder,
                                                           "category": category, "submission_id": project},
                                   role="gateway", actor="web")
        if not reply["ok"]:
            failures.append(f"{stakeholder}, registered, cannot vote: {reply['error']}")
            break
    return len(acked)


def check_created(records, key, events, failures, what):
    """Every acked request that created a record (its reply's key) has
    exactly one event among events (the ids the events name), and every
    event one acked request. Returns how many were acked."""
    acked = Counter(body[key] for body in (final_reply(r, a, failures) for r, a in records) if body)
    seen = Counter(events)
    if acked != seen:
        failures.append(f"{what}: acked and evented differ, e.g. "
                        f"{list(((acked - seen) + (seen - acked)).items())[:3]}")
    return sum(acked.values())


def check_reviews(world, records, publish, failures):
    """The staff's review.decide requests of REVIEW_CALL (records, in the
    order one client sent them) and its nominations.publish ((request,
    attempts), sent while they went on), against what wsis-nominations
    holds and what its consumers learnt. Every decision is answered ok
    until the publication and `conflict` after it; an acked decision's
    `changed` says whether it differed from the last acked one; the
    review.decided events are exactly the acked changes, in order, all
    before the one nominations.published; review.list shows each
    project's last acked decision; the published lists are the projects
    whose last acked decision is nominate, and voting (the ballot),
    submissions (contest_status), reporting (nominated per category) and
    notifications (each submitter told the result, and the reason of the
    last rejection) agree. Returns the figures."""
    c = world.cluster
    state = {}                          # submission_id -> (decision, reason) last acked
    changes = {}                        # submission_id -> [(decision, reason)] acked that changed it
    acked = refused = 0
    for request, attempts in records:
        final = next((a for a in reversed(attempts) if a is not None), None)
        body = request["body"]
        if final is not None and not final["ok"] and final["error"]["code"] == "conflict" \
                and "published" in final["error"]["message"]:
            refused += 1
            continue
        if refused:
            failures.append(f"{request['id']}: {final} after a decision was refused as published")
            continue
        if final_reply(request, attempts, failures) is None:
            continue
        acked += 1
        project, decided = body["submission_id"], (body["decision"], body.get("reason"))
        changed = state.get(project) != decided
        if final["body"]["changed"] != changed:
            failures.append(f"{request['id']} {project} {decided}: changed={final['body']['changed']}, "
                            f"the last acked decision was {state.get(project)}")
        if changed:
            state[project] = decided
            changes.setdefault(project, []).append(decided)
    if not refused:
        failures.append("no decision came after the publication")

    expected = {category: sorted(p for p in projects if state.get(p, ("pending",))[0] == "nominate")
                for category, projects in world.reviewed.items()}
    published = final_reply(*publish, failures)
    if published is not None and {k: sorted(v) for k, v in published["categories"].items()} != expected:
        failures.append(f"nominations.publish listed {published['categories']}, the acked decisions "
                        f"nominate {expected}")

    events = [e for e in c.events("nominations", limit=10000) if e["body"].get("call") == REVIEW_CALL]
    publications = [e for e in events if e["type"] == "nominations.published"]
    if len(publications) != 1:
        failures.append(f"{len(publications)} nominations.published events of {REVIEW_CALL}")
    elif {k: sorted(v) for k, v in publications[0]["body"]["categories"].items()} != expected:
        failures.append(f"nominations.published lists {publications[0]['body']['categories']}, "
                        f"the acked decisions nominate {expected}")
    evented = {}
    for e in events:
        if e["type"] == "review.decided":
            evented.setdefault(e["body"]["submission_id"], []).append((e["body"]["decision"],
                                                                       e["body"].get("reason")))
            if publications and e["seq"] > publications[0]["seq"]:
                failures.append(f"review.decided {e['id']} after the publication")
    wrong = {p: (evented.get(p), changes.get(p)) for p in set(evented) | set(changes)
             if evented.get(p) != changes.get(p)}
    if wrong:
        failures.append(f"{len(wrong)} projects' review.decided events differ from their acked changes, "
                        f"e.g. {list(wrong.items())[:2]}")

    items = ok(c.call("nominations", "review.list", {"call": REVIEW_CALL, "limit": 1000}, role="staff"))["items"]
    held = {i["submission_id"]: (i["decision"], i.get("reason")) for i in items if "decision" in i}
    if held != state:
        failures.append(f"review.list differs from the acked decisions: "
                        f"{[(p, held.get(p), state.get(p)) for p in set(held) | set(state) if held.get(p) != state.get(p)][:3]}")

    tally = ok(c.call("voting", "vote.tally", {"call": REVIEW_CALL}, role="staff"))["categories"]
    if {k: sorted(p["submission_id"] for p in v) for k, v in tally.items()} != expected:
        failures.append(f"voting's ballot of {REVIEW_CALL} differs from the published lists")
    counts = ok(c.call("reporting", "report.summary", {"call": REVIEW_CALL}, role="public"))["nominated"]
    if counts != {k: len(v) for k, v in expected.items() if v}:
        failures.append(f"reporting counts {counts} nominated, the published lists {expected}")
    told = {i["key"].rsplit("/", 1)[1]: i["key"] for i in
            ok(c.call("notifications", "notify.list", {"call": REVIEW_CALL, "kind": "nomination_result",
                                                       "limit": 1000}, role="staff"))["items"]}
    for category, projects in world.reviewed.items():
        for project in projects:
            listed = project in expected[category]
            status = ok(c.call("submissions", "submission.get", {"submission_id": project},
                               role="staff")).get("contest_status")
            if status != ("nominated" if listed else "not_nominated"):
                failures.append(f"submissions says {project} is {status}; listed: {listed}")
            if project not in told:
                failures.append(f"{project}'s submitter was not told the result")
                continue
            text = ok(c.call("notifications", "notify.preview", {"key": told[project]}, role="staff"))["body"]
            decision, reason = state.get(project, ("pending", None))
            result = "nominated" if listed else "not nominated"
            because = f"The reviewers gave this reason: {reason}\n" if decision == "reject" else None
            if f"Result:     {result}\n" not in text or (because and because not in text) \
                    or (not because and "The reviewers gave this reason" in text):
                failures.append(f"{project}'s submitter was told other than {result} ({decision}, {reason})")
    return {"decisions": len(records), "decided": acked, "changes": sum(len(v) for v in changes.values()),
            "refused_published": refused, "published": sum(len(v) for v in expected.values())}
