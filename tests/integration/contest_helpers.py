"""The WSIS Prizes contest end to end, every service real: the flow that
test_40_pipeline checks step by step, and that the reporting tests run to
have a whole year's results to report on.

Projects in all 18 categories are submitted (wsis-submissions), reviewed
and published (wsis-nominations, refused with limit_exceeded while one
category has 21), voted on (wsis-voting) and closed by the clock with the
champions expected, a tie at rank 5 included; experts score with a
conflict of interest refused; a tie for the winner is settled by staff;
winners.selected comes for all 18 categories. The projects differ in
stakeholder type, country, region and SDGs, and Stocktaking entries with
one to three Action Lines come alongside, so the reports have something
to tell apart (see project_fields and STOCKTAKING).
"""
from wsis_harness import SERVICES, next_event
from nominations_helpers import CATEGORIES, IN_SELECTION, VOTING_CLOSE
from submissions_helpers import prize_body, stakeholder_body, stocktaking_body

OPEN = "2022-01-10T12:00:00Z"
IN_REVIEW = "2022-01-25T10:00:00Z"
IN_VOTING = "2022-03-10T12:00:00Z"
# Votes of the seven projects of a category, in the order they are cast:
# p5's three votes come before p6's, so p5 reached its final count first
# and takes rank 5 of the tie.
VOTES = [7, 6, 5, 4, 3, 3, 1]
CRITERIA = ["results", "empowerment", "sdg_relevance", "replicability", "sustainability",
            "partnerships", "wsis_values"]
STAKEHOLDER_TYPES = ["government", "private_sector", "civil_society", "academia",
                     "international_organization"]
# Countries with their regions; none is an expert's (US, FR, JP), so only
# the one French project below meets a conflict of interest.
PLACES = [("CH", "europe"), ("KE", "africa"), ("BR", "americas"), ("IN", "asia_pacific"),
          ("EG", "arab_states"), ("KZ", "cis"), ("GH", "africa")]
# Stocktaking entries submitted with the projects.
STOCKTAKING = 25


def project_fields(n):
    """What differs between prize projects: the n-th project submitted
    (0-based, over every category) gets these stakeholder type, country,
    region and SDGs (one to three of them)."""
    country, region = PLACES[n % len(PLACES)]
    sdgs = sorted({1 + n % 17, 1 + (n * 5 + 3) % 17, 1 + (n * 11) % 17}) if n % 3 else [1 + n % 17]
    return {"stakeholder_type": STAKEHOLDER_TYPES[n % len(STAKEHOLDER_TYPES)], "country": country,
            "region": region, "sdgs": sdgs}


def stocktaking_fields(n):
    """The n-th Stocktaking entry: one to three Action Lines, two SDGs."""
    country, region = PLACES[(n + 3) % len(PLACES)]
    lines = [CATEGORIES[(n * 7 + k * 5) % len(CATEGORIES)] for k in range(1 + n % 3)]
    return {"action_lines": lines, "sdgs": sorted({1 + (n * 3) % 17, 1 + (n + 8) % 17}),
            "stakeholder_type": STAKEHOLDER_TYPES[(n + 2) % len(STAKEHOLDER_TYPES)],
            "country": country, "region": region}


def set_clock(cluster, now):
    """Every running service's clock (a test may have one stopped)."""
    for name in SERVICES:
        process = cluster.processes.get(name)
        if process and process.poll() is None:
            assert cluster.call(name, "sys.clock.set", {"now": now})["ok"]


def caught_up(cluster, consumer, source):
    """True once consumer has applied every event source committed."""
    head = cluster.call(source, "sys.ping")["body"]["last_seq"]
    return cluster.call(consumer, "sys.stats")["body"]["sources"][source]["last_seq"] == head


def ok(reply):
    assert reply["ok"], reply
    return reply["body"]


def scores(value):
    return {criterion: value for criterion in CRITERIA}


def run_contest(c, events, between=lambda phase: None):
    """Runs the whole contest on cluster c (every service started), with
    events a SUB on every topic; between(phase) is called after each phase
    ("submitted", "published", "voted", "closed", "selected"). Returns
    what an outside client knows: {projects: {category: [ids]}, voters,
    winners: {category: id}, ballots, bodies: {id: the body submitted},
    stocktaking: [ids of the Stocktaking entries], selected: {category:
    winners.selected body}}."""
    set_clock(c, OPEN)

    # Phase 1: stakeholders register, projects are submitted. Category C1
    # gets 21 projects, every other category 7; project 0 of C2 is from
    # France, where one expert comes from. Stocktaking entries come too.
    submitter = ok(c.call("submissions", "stakeholder.register", stakeholder_body(), role="public"))["stakeholder_id"]
    voters = [ok(c.call("submissions", "stakeholder.register", stakeholder_body(), role="public"))["stakeholder_id"]
              for _ in range(30)]
    projects, bodies = {}, {}
    for category in CATEGORIES:
        count = 21 if category == "C1" else 7
        projects[category] = []
        for i in range(count):
            fields = project_fields(len(bodies))
            if category == "C2" and i == 0:
                fields.update(country="FR", region="europe")
            body = prize_body(submitter, category=category, **fields)
            reply = ok(c.call("submissions", "submission.create", body, role="gateway"))
            projects[category].append(reply["submission_id"])
            bodies[reply["submission_id"]] = body
    stocktaking = []
    for n in range(STOCKTAKING):
        body = stocktaking_body(submitter, **stocktaking_fields(n))
        stocktaking.append(ok(c.call("submissions", "submission.create", body, role="gateway"))["submission_id"])
        bodies[stocktaking[-1]] = body

    between("submitted")

    # Phase 2: staff nominate every project once the submission phase closed.
    set_clock(c, IN_REVIEW)
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the projects")
    for category in CATEGORIES:
        for submission_id in projects[category]:
            ok(c.call("nominations", "review.decide", {"submission_id": submission_id, "decision": "nominate"},
                      role="staff"))
    refused = c.call("nominations", "nominations.publish", {"call": "prizes-2022"}, role="staff")
    assert refused["error"]["code"] == "limit_exceeded" and refused["error"]["field"] == "C1"
    # Staff reject the last of C1: 20 nominated is the limit, not over it.
    ok(c.call("nominations", "review.decide", {"submission_id": projects["C1"][20], "decision": "reject",
                                                "reason": "Outside the category's scope."}, role="staff"))
    published = ok(c.call("nominations", "nominations.publish", {"call": "prizes-2022"}, role="staff"))
    assert len(published["categories"]["C1"]) == 20
    assert all(len(published["categories"][cat]) == 7 for cat in CATEGORIES if cat != "C1")

    between("published")

    # Phase 3: the public vote. Voter v votes in every category, for the
    # project whose turn it is in the VOTES order.
    set_clock(c, IN_VOTING)
    c.wait_until(lambda: caught_up(c, "voting", "nominations") and caught_up(c, "voting", "submissions"),
                 what="voting to learn voters and nominated projects")
    ballots = []
    for category in CATEGORIES:
        order = [p for p, n in zip(projects[category][:7], VOTES) for _ in range(n)]
        ballots += [(voters[v], category, project) for v, project in enumerate(order)]
    for voter, category, project in ballots:
        body = ok(c.call("voting", "vote.cast", {"call": "prizes-2022", "voter_id": voter, "category": category,
                                                  "submission_id": project}, role="stakeholder", actor=voter))
        assert body["duplicate"] is False and body["receipt"]
    voter, category, project = ballots[0]
    again = ok(c.call("voting", "vote.cast", {"call": "prizes-2022", "voter_id": voter, "category": category,
                                               "submission_id": project}, role="stakeholder", actor=voter))
    assert again["duplicate"] is True
    other = c.call("voting", "vote.cast", {"call": "prizes-2022", "voter_id": voter, "category": category,
                                            "submission_id": projects[category][1]}, role="stakeholder", actor=voter)
    assert other["error"]["code"] == "already_voted"
    stranger = c.call("voting", "vote.cast", {"call": "prizes-2022", "voter_id": "stk-999999", "category": "C1",
                                               "submission_id": projects["C1"][0]}, role="gateway")
    assert stranger["error"]["code"] == "ineligible"
    assert c.call("voting", "vote.tally", {"call": "prizes-2022"}, role="public")["error"]["code"] == "forbidden"

    between("voted")

    # The clock passes the voting end: voting closes itself.
    set_clock(c, VOTING_CLOSE)
    closed = next_event(events, lambda t, e: t == "voting.closed" and e["body"]["call"] == "prizes-2022",
                        timeout=20)
    assert closed is not None, "voting did not close by itself at the phase end"
    for category in CATEGORIES:
        assert closed["body"]["champions"][category] == projects[category][:5], category
        ranked = closed["body"]["results"][category]
        assert [r["votes"] for r in ranked[:7]] == VOTES
        assert ranked[4]["submission_id"] == projects[category][4] and ranked[4]["rank"] == 5
    tally = ok(c.call("voting", "vote.tally", {"call": "prizes-2022", "category": "C3"}, role="public"))
    assert tally is not None

    between("closed")

    # Phase 4: expert selection. The French expert may not score the
    # French champion of C2.
    set_clock(c, IN_SELECTION)
    c.wait_until(lambda: caught_up(c, "nominations", "voting"), what="nominations to learn the champions")
    experts = [("exp-us", "US", "Expert Org US"), ("exp-fr", "FR", "Expert Org FR"), ("exp-jp", "JP", "Expert Org JP")]
    for expert_id, country, entity in experts:
        ok(c.call("nominations", "expert.register", {"call": "prizes-2022", "expert_id": expert_id,
                                                      "name": expert_id, "country": country, "entity": entity},
                  role="staff"))
    conflict = c.call("nominations", "selection.score", {
        "call": "prizes-2022", "submission_id": projects["C2"][0], "expert_id": "exp-fr", "scores": scores(9)},
        role="expert", actor="exp-fr")
    assert conflict["error"]["code"] == "conflict"
    for category in CATEGORIES:
        for rank, submission_id in enumerate(projects[category][:5]):
            # The best-voted project scores highest, except in C3 where the
            # first two tie.
            value = 10 - rank if not (category == "C3" and rank == 1) else 10
            for expert_id, _, _ in experts:
                if category == "C2" and rank == 0 and expert_id == "exp-fr":
                    continue
                ok(c.call("nominations", "selection.score", {
                    "call": "prizes-2022", "submission_id": submission_id, "expert_id": expert_id,
                    "scores": scores(value)}, role="expert", actor=expert_id))

    winners = {}
    for category in CATEGORIES:
        reply = c.call("nominations", "selection.finalize", {"call": "prizes-2022", "category": category},
                       role="staff")
        if category == "C3":
            assert reply["error"]["code"] == "conflict"
            assert projects["C3"][0] in reply["error"]["message"] and projects["C3"][1] in reply["error"]["message"]
            reply = c.call("nominations", "selection.finalize",
                           {"call": "prizes-2022", "category": "C3", "winner": projects["C3"][1]}, role="staff")
        winners[category] = ok(reply)["winner"]
    assert winners["C3"] == projects["C3"][1]
    assert all(winners[cat] == projects[cat][0] for cat in CATEGORIES if cat != "C3")

    selected = {}
    while len(selected) < len(CATEGORIES):
        event = next_event(events, lambda t, e: t == "winners.selected", timeout=10)
        assert event is not None, f"winners.selected seen for {sorted(selected)} only"
        selected[event["body"]["category"]] = event["body"]
    for category in CATEGORIES:
        assert selected[category]["winner"] == winners[category]
        assert selected[category]["champions"] == projects[category][:5]
    between("selected")
    return {"projects": projects, "voters": voters, "winners": winners, "ballots": ballots,
            "bodies": bodies, "stocktaking": stocktaking, "selected": selected}
