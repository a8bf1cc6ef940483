"""wsis-voting: vote.cast, vote.verify and the tally embargo (docs/protocol.md section 10).

Every refusal is checked with its exact code and field, and with proof that
nothing was stored (the staff tally) and nothing published (no vote.cast
event on the bus, none in the outbox).
"""
import pytest

from wsis_harness import next_event
from voting_helpers import (CALL, CLOSES, DURING, LAST_SECOND, OPENS, BEFORE_OPEN, RECEIPT,
                            VotingWorld, no_event, project, voter)


@pytest.fixture
def world(cluster):
    w = VotingWorld(cluster, voters=10, per_category=6)
    yield w
    w.close()


def assert_nothing_recorded(world, sub=None, votes=0):
    tally = world.tally()["body"]
    assert tally["votes_cast"] == votes
    assert len(world.events("vote.cast")) == votes
    if sub is not None:
        assert no_event(sub, "vote.cast")


def test_a_vote_gets_a_receipt_an_event_and_is_counted(world):
    sub = world.cluster.subscribe("vote.")
    reply = world.cast(1, "C1", project("C1", 2))
    assert reply["ok"], reply
    receipt = reply["body"]["receipt"]
    assert reply["body"] == {"receipt": receipt, "duplicate": False}
    assert RECEIPT.match(receipt)

    # The event carries the vote but not the voter: the ballot is secret.
    event = next_event(sub, lambda t, e: t == "vote.cast")
    assert event["source"] == "voting" and event["seq"] == 1
    assert event["body"] == {"call": CALL, "category": "C1", "submission_id": project("C1", 2),
                             "receipt": receipt, "new_voter": True}

    # The same voter in another category is no longer a new voter.
    second = world.cast(1, "e-gov", project("e-gov", 1))
    assert second["ok"] and second["body"]["receipt"] != receipt
    event = next_event(sub, lambda t, e: t == "vote.cast")
    assert event["body"]["new_voter"] is False and event["body"]["category"] == "e-gov"
    # A gateway relays the public web site's votes for any voter.
    third = world.cast(2, "e-gov", project("e-gov", 1), role="gateway")
    assert third["ok"], third
    assert next_event(sub, lambda t, e: t == "vote.cast")["body"]["new_voter"] is True

    verified = world.cluster.call("voting", "vote.verify", {"receipt": receipt}, role="public")
    assert verified["ok"], verified
    assert verified["body"] == {"call": CALL, "category": "C1", "submission_id": project("C1", 2),
                                "counted": True}
    # Upper-case hex is the same receipt.
    assert world.cluster.call("voting", "vote.verify", {"receipt": receipt.upper()})["body"] == verified["body"]

    tally = world.tally(category="e-gov")["body"]
    assert tally["categories"] == {"e-gov": [
        {"submission_id": project("e-gov", 1), "votes": 2, "votes_cast": 2, "votes_complete": 0, "rank": 1}] + [
        {"submission_id": project("e-gov", n), "votes": 0, "votes_cast": 0, "votes_complete": 0, "rank": n}
        for n in range(2, 7)]}
    assert (tally["votes"], tally["voters"], tally["votes_cast"], tally["voters_cast"]) == (3, 2, 3, 2)
    assert tally["closed"] is False and tally["complete_ballot_required"] is False


def test_the_same_vote_again_is_a_duplicate_and_another_project_already_voted(world):
    first = world.cast(3, "C5", project("C5", 1))
    assert first["ok"]
    sub = world.cluster.subscribe("vote.")
    again = world.cast(3, "C5", project("C5", 1))
    assert again["ok"], again
    assert again["body"] == {"receipt": first["body"]["receipt"], "duplicate": True}
    # Relayed by the gateway it is the same vote too.
    assert world.cast(3, "C5", project("C5", 1), role="gateway")["body"]["duplicate"] is True

    other = world.cast(3, "C5", project("C5", 2))
    assert other["ok"] is False
    assert other["error"]["code"] == "already_voted"
    assert other["error"]["field"] == "category"
    assert no_event(sub, "vote.cast")
    assert world.counts()[project("C5", 1)] == 1
    assert world.counts()[project("C5", 2)] == 0
    assert len(world.events("vote.cast")) == 1


def test_a_resent_request_gets_its_first_reply_even_after_the_deadline(world):
    first = world.cast(4, "C2", project("C2", 3), id="vote-4-C2")
    assert first["body"]["duplicate"] is False
    # A client whose reply was lost sends the same request again (same id).
    resent = world.cast(4, "C2", project("C2", 3), id="vote-4-C2")
    assert resent["body"] == first["body"]
    # A new request for the same vote says it is a duplicate.
    assert world.cast(4, "C2", project("C2", 3), id="vote-4-C2-bis")["body"]["duplicate"] is True
    world.set_clock(CLOSES)
    resent = world.cast(4, "C2", project("C2", 3), id="vote-4-C2")
    assert resent["ok"] and resent["body"] == first["body"]
    late = world.cast(4, "C2", project("C2", 3), id="vote-4-C2-late")
    assert late["error"]["code"] == "deadline_passed"
    assert world.counts()[project("C2", 3)] == 1


def test_deadline_instants_by_the_service_clock(world):
    # 2022-03-31 23:00 CEST is 21:00:00Z: the second before is accepted.
    world.set_clock(LAST_SECOND)
    assert world.cast(1, "C3", project("C3", 1))["ok"]
    world.set_clock(CLOSES)
    late = world.cast(2, "C3", project("C3", 1))
    assert late["ok"] is False and late["error"]["code"] == "deadline_passed"
    # The deadline as every service gives a time (the same form as
    # submissions'): the instant, then Geneva's wall time.
    assert late["error"]["message"] == ("voting of prizes-2022 closed at "
                                        "2022-03-31T21:00:00Z (2022-03-31 23:00 Europe/Geneva)")
    assert world.counts()[project("C3", 1)] == 1
    assert len(world.events("vote.cast")) == 1


def test_voting_opens_at_midnight_geneva_time(world):
    # 2022-03-01 00:00 CET is 2022-02-28T23:00:00Z.
    world.set_clock(BEFORE_OPEN)
    early = world.cast(1, "C4", project("C4", 1))
    assert early["ok"] is False and early["error"]["code"] == "phase_not_open"
    assert "2022-03-01 00:00" in early["error"]["message"]
    assert_nothing_recorded(world)
    world.set_clock(OPENS)
    assert world.cast(1, "C4", project("C4", 1))["ok"]


REFUSALS = [
    # (label, voter, category, submission, role, actor, code, field)
    ("unregistered voter", "stk-999", "C1", project("C1", 1), "gateway", None, "ineligible", "voter_id"),
    ("unregistered voter as itself", "stk-999", "C1", project("C1", 1), "stakeholder", None,
     "ineligible", "voter_id"),
    ("project nominated in another category", 1, "C1", project("C2", 1), "stakeholder", None,
     "validation", "submission_id"),
    ("project not nominated", 1, "C1", "sub-404", "stakeholder", None, "validation", "submission_id"),
    ("not a category", 1, "C7", project("C1", 1), "stakeholder", None, "validation", "category"),
    ("category in lower case", 1, "c1", project("C1", 1), "stakeholder", None, "validation", "category"),
    ("a stakeholder voting for another", 2, "C1", project("C1", 1), "stakeholder", voter(1),
     "forbidden", "voter_id"),
    ("staff may not vote", 1, "C1", project("C1", 1), "staff", "staff-1", "forbidden", None),
    ("public may not vote", 1, "C1", project("C1", 1), "public", "anyone", "forbidden", None),
    ("an expert may not vote", 1, "C1", project("C1", 1), "expert", voter(1), "forbidden", None),
]


@pytest.mark.parametrize("label,n,category,submission,role,actor,code,field", REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_refusals_store_and_publish_nothing(world, label, n, category, submission, role, actor, code, field):
    sub = world.cluster.subscribe("vote.")
    reply = world.cast(n, category, submission, role=role, actor=actor)
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == code
    assert reply["error"].get("field") == field
    assert_nothing_recorded(world, sub)


@pytest.mark.parametrize("body,field", [
    ({"voter_id": "stk-1", "category": "C1", "submission_id": "sub-C1-1"}, "call"),
    ({"call": CALL, "category": "C1", "submission_id": "sub-C1-1"}, "voter_id"),
    ({"call": CALL, "voter_id": "stk-1", "submission_id": "sub-C1-1"}, "category"),
    ({"call": CALL, "voter_id": "stk-1", "category": "C1"}, "submission_id"),
    ({"call": CALL, "voter_id": 1, "category": "C1", "submission_id": "sub-C1-1"}, "voter_id"),
    ({"call": CALL, "voter_id": "stk-1", "category": "C1", "submission_id": ["sub-C1-1"]}, "submission_id"),
    ({"call": CALL, "voter_id": "stk-1", "category": "C1", "submission_id": "x" * 65}, "submission_id"),
    ({"call": "photo-2022", "voter_id": "stk-1", "category": "C1", "submission_id": "sub-C1-1"}, "call"),
    ({"call": "prizes-1999", "voter_id": "stk-1", "category": "C1", "submission_id": "sub-C1-1"}, "call"),
])
def test_malformed_votes_are_validation_errors(world, body, field):
    reply = world.cluster.call("voting", "vote.cast", body, role="gateway", actor="web")
    assert reply["ok"] is False
    assert reply["error"]["code"] == "validation"
    assert reply["error"]["field"] == field
    assert_nothing_recorded(world)


def test_before_the_nominations_are_published_no_project_is_a_candidate(cluster):
    world = VotingWorld(cluster, voters=3, publish=False)
    try:
        reply = world.cast(1, "C1", project("C1", 1))
        assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "submission_id"
        # The phase is checked first.
        world.set_clock(BEFORE_OPEN)
        assert world.cast(1, "C1", project("C1", 1))["error"]["code"] == "phase_not_open"
        assert_nothing_recorded(world)
    finally:
        world.close()


def test_verify_refuses_unknown_and_forged_receipts(world):
    receipt = world.cast(5, "C6", project("C6", 4))["body"]["receipt"]
    call = lambda r: world.cluster.call("voting", "vote.verify", {"receipt": r}, role="public")

    # Another vote number with the same HMAC, and the same number with a forged HMAC.
    forged_number = "%016x" % 2 + receipt[16:]
    forged_mac = receipt[:16] + ("0" if receipt[16] != "0" else "1") + receipt[17:]
    unknown = "%016x" % 999 + receipt[16:]
    for r in (forged_number, forged_mac, unknown):
        reply = call(r)
        assert reply["ok"] is False and reply["error"]["code"] == "not_found", r
        assert reply["error"]["field"] == "receipt"
    for r in ("", "xyz", receipt[:-1], receipt + "0", "g" * 80):
        reply = call(r)
        assert reply["ok"] is False and reply["error"]["code"] == "validation", r
        assert reply["error"]["field"] == "receipt"
    assert call(receipt)["ok"]


@pytest.mark.parametrize("role", ["public", "stakeholder", "gateway", "expert", "service"])
def test_the_tally_is_embargoed_until_voting_closes(world, role):
    assert world.cast(1, "C1", project("C1", 1))["ok"]
    before = world.tally(role=role)
    assert before["ok"] is False
    assert before["error"]["code"] == "forbidden"
    for staff in ("staff", "operator"):
        assert world.tally(role=staff)["body"]["votes_cast"] == 1
    world.set_clock(CLOSES)
    after = world.tally(role=role)
    assert after["ok"], after
    assert after["body"]["closed"] is True
    assert after["body"]["votes"] == 1


def test_tally_refuses_bad_arguments(world):
    for body, field in (({"call": "nope"}, "call"), ({}, "call"), ({"call": CALL, "category": "C12"}, "category")):
        reply = world.cluster.call("voting", "vote.tally", body, role="staff")
        assert reply["error"]["code"] == "validation" and reply["error"]["field"] == field


def test_votes_receipts_and_duplicates_survive_a_restart(world):
    first = world.cast(6, "C8", project("C8", 2))["body"]["receipt"]
    world.restart()
    assert world.cast(6, "C8", project("C8", 2))["body"] == {"receipt": first, "duplicate": True}
    assert world.cast(6, "C8", project("C8", 3))["error"]["code"] == "already_voted"
    assert world.cluster.call("voting", "vote.verify", {"receipt": first})["body"]["submission_id"] == project("C8", 2)
    # New votes go on after the log's last one.
    second = world.cast(6, "C9", project("C9", 2))["body"]["receipt"]
    assert int(second[:16], 16) == int(first[:16], 16) + 1
    assert world.counts() == {**{p: 0 for ps in world.lists.values() for p in ps},
                              project("C8", 2): 1, project("C9", 2): 1}
