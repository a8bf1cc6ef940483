"""Phase 2 of the WSIS Prizes: review.decide, nominations.publish, the lists."""
from nominations_helpers import (  # noqa: F401  (nom is a fixture)
    CATEGORIES, IN_REVIEW, NOMINATION_CLOSE, PHOTO, PRIZES, SUBMISSION_CLOSE, VOTING_CLOSE,
    Nominations, make_cluster, nom, photo, project, withdrawn)


def decide(nom, n, decision="nominate", reason=None, **kwargs):
    body = {"submission_id": f"sub-{n}", "decision": decision}
    if reason is not None:
        body["reason"] = reason
    return nom.ok("review.decide", body, **kwargs)


# ---------------------------------------------------------------- review.decide

def test_review_is_open_from_submission_close_to_nomination_close(nom):
    nom.submit(project(1))
    body = {"submission_id": "sub-1", "decision": "nominate"}
    nom.clock("2022-01-21T21:59:59Z")           # 22:59:59 CET: submissions still open
    error = nom.refused("review.decide", body, "phase_not_open")
    assert "submission" in error["message"]
    nom.clock(SUBMISSION_CLOSE)                 # 23:00 CET: review may start
    assert decide(nom, 1)["decision"] == "nominate"
    nom.clock("2022-02-25T21:59:59Z")           # the last second of the nomination phase
    assert decide(nom, 1, "reject", "not in scope")["decision"] == "reject"
    nom.clock(NOMINATION_CLOSE)                 # 23:00 CET: closed
    error = nom.refused("review.decide", body, "deadline_passed")
    assert "nomination" in error["message"] and "2022-02-25 23:00" in error["message"]


def test_review_decided_event_and_reply(nom):
    nom.submit(project(1, "e-gov"), project(2, "e-gov"))
    nom.clock(IN_REVIEW)
    reply = decide(nom, 1)
    assert reply == {"submission_id": "sub-1", "call": PRIZES, "category": "e-gov",
                     "decision": "nominate", "changed": True, "nominated": 1, "max_nominated": 20}
    reply = decide(nom, 2, "reject", "The project description does not show results.")
    assert reply["nominated"] == 1 and reply["reason"].startswith("The project")
    events = nom.events("review.decided")
    assert [e["body"] for e in events] == [
        {"call": PRIZES, "submission_id": "sub-1", "category": "e-gov", "decision": "nominate"},
        {"call": PRIZES, "submission_id": "sub-2", "category": "e-gov", "decision": "reject",
         "reason": "The project description does not show results."},
    ]
    assert events[0]["source"] == "nominations" and events[1]["seq"] == events[0]["seq"] + 1


def test_decisions_change_until_publication(nom):
    nom.submit(project(1, "C3"))
    nom.clock(IN_REVIEW)
    assert decide(nom, 1)["changed"] is True
    # The same decision again: ok, nothing new to tell anyone.
    before = nom.last_seq()
    assert decide(nom, 1)["changed"] is False
    assert nom.last_seq() == before
    assert decide(nom, 1, "reject", "duplicate of another entry")["changed"] is True
    assert decide(nom, 1, "reject", "duplicate of an earlier entry")["changed"] is True
    assert decide(nom, 1, "nominate")["changed"] is True
    assert [e["body"]["decision"] for e in nom.events("review.decided")] == [
        "nominate", "reject", "reject", "nominate"]
    nom.ok("nominations.publish", {"call": PRIZES})
    error = nom.refused("review.decide", {"submission_id": "sub-1", "decision": "reject",
                                          "reason": "late"}, "conflict", "submission_id")
    assert "published" in error["message"]


def test_review_refusals(nom):
    nom.submit(project(1), photo(2), project(3))
    nom.withdraw(withdrawn(3))
    nom.clock(IN_REVIEW)
    good = {"submission_id": "sub-1", "decision": "nominate"}
    for role in ("operator", "public", "stakeholder", "expert", "gateway"):
        nom.refused("review.decide", good, "forbidden", role=role)
    nom.refused("review.decide", {"decision": "nominate"}, "validation", "submission_id")
    nom.refused("review.decide", {"submission_id": "sub-1"}, "validation", "decision")
    nom.refused("review.decide", {"submission_id": "sub-1", "decision": "maybe"},
                "validation", "decision")
    nom.refused("review.decide", {"submission_id": 1, "decision": "nominate"},
                "validation", "submission_id")
    nom.refused("review.decide", {"submission_id": "sub-1", "decision": "nominate", "reason": ""},
                "validation", "reason")
    nom.refused("review.decide", {"submission_id": "sub-1", "decision": "nominate",
                                  "reason": "x" * 1001}, "validation", "reason")
    # Staff tell a rejected submitter why.
    nom.refused("review.decide", {"submission_id": "sub-1", "decision": "reject"},
                "validation", "reason")
    nom.refused("review.decide", {"submission_id": "sub-99", "decision": "nominate"},
                "not_found", "submission_id")
    # A photo entry is not a prize project.
    nom.refused("review.decide", {"submission_id": "sub-2", "decision": "nominate"},
                "not_found", "submission_id")
    error = nom.refused("review.decide", {"submission_id": "sub-3", "decision": "nominate"},
                        "conflict", "submission_id")
    assert "withdrawn" in error["message"]
    assert nom.events() == []
    assert nom.ok("review.list", {"call": PRIZES, "decision": "pending"})["items"][0]["submission_id"] == "sub-1"


def test_review_list_pages_and_filters(nom):
    nom.submit(*[project(n, "C5" if n % 2 else "C6") for n in range(1, 8)])
    nom.clock(IN_REVIEW)
    decide(nom, 1)
    decide(nom, 2, "reject", "off topic")
    page = nom.ok("review.list", {"call": PRIZES, "limit": 3})
    assert [i["submission_id"] for i in page["items"]] == ["sub-1", "sub-2", "sub-3"]
    assert page["items"][0] == {"submission_id": "sub-1", "category": "C5", "title": "Project 1",
                                "status": "received", "decision": "nominate"}
    assert page["items"][1]["reason"] == "off topic"
    assert "decision" not in page["items"][2]
    page2 = nom.ok("review.list", {"call": PRIZES, "limit": 3, "after": page["next"]})
    assert [i["submission_id"] for i in page2["items"]] == ["sub-4", "sub-5", "sub-6"]
    page3 = nom.ok("review.list", {"call": PRIZES, "limit": 3, "after": page2["next"]})
    assert [i["submission_id"] for i in page3["items"]] == ["sub-7"] and page3["next"] is None
    c6 = nom.ok("review.list", {"call": PRIZES, "category": "C6", "decision": "pending"})
    assert [i["submission_id"] for i in c6["items"]] == ["sub-4", "sub-6"]
    nom.refused("review.list", {"call": PRIZES, "category": "C12"}, "validation", "category")
    nom.refused("review.list", {"call": PRIZES, "decision": "maybe"}, "validation", "decision")
    nom.refused("review.list", {"call": PHOTO}, "validation", "call")
    nom.refused("review.list", {"call": PRIZES}, "forbidden", role="public")


# ---------------------------------------------------------------- nominations.publish / list

def test_publish_sends_every_category_and_opens_the_list(nom):
    records = [project(n, CATEGORIES[n % 18]) for n in range(1, 41)]
    nom.submit(*records)
    nom.clock(IN_REVIEW)
    for n in range(1, 41):
        if n % 3 == 0:
            decide(nom, n, "reject", "no measurable impact")
        else:
            decide(nom, n)
    # Withdrawn after it was nominated: out of the contest.
    nom.withdraw(withdrawn(2, category=CATEGORIES[2]))

    # Before publication: public gets forbidden, staff see the draft.
    nom.refused("nominations.list", {"call": PRIZES}, "forbidden", role="public", actor=None)
    nom.refused("nominations.list", {"call": PRIZES}, "forbidden", role="stakeholder")
    draft = nom.ok("nominations.list", {"call": PRIZES})
    assert draft["published"] is False

    expected = {c: [] for c in CATEGORIES}
    for n in range(1, 41):
        if n % 3 != 0 and n != 2:
            expected[CATEGORIES[n % 18]].append(f"sub-{n}")
    assert draft["categories"] == expected

    reply = nom.ok("nominations.publish", {"call": PRIZES})
    assert reply["call"] == PRIZES and reply["categories"] == expected
    assert reply["nominated"] == sum(len(v) for v in expected.values())
    assert reply["published_at"] == IN_REVIEW
    [event] = nom.events("nominations.published")
    assert event["body"] == {"call": PRIZES, "categories": expected}
    assert set(event["body"]["categories"]) == set(CATEGORIES)     # all 18, empty ones too

    listed = nom.ok("nominations.list", {"call": PRIZES}, role="public", actor=None)
    assert listed["published"] is True and listed["categories"] == expected
    assert listed["published_at"] == IN_REVIEW
    assert listed["titles"]["sub-1"] == "Project 1"
    assert len(listed["titles"]) == reply["nominated"]

    error = nom.refused("nominations.publish", {"call": PRIZES}, "conflict", "call")
    assert "already published" in error["message"]


def test_publish_limit_names_the_category(nom):
    nom.submit(*[project(n, "e-hea") for n in range(1, 22)], project(30, "C8"))
    nom.clock(IN_REVIEW)
    for n in range(1, 22):
        decide(nom, n)
    decide(nom, 30)
    error = nom.refused("nominations.publish", {"call": PRIZES}, "limit_exceeded", "e-hea")
    assert "e-hea has 21 nominated projects" in error["message"] and "20" in error["message"]
    assert nom.events("nominations.published") == []
    nom.refused("nominations.list", {"call": PRIZES}, "forbidden", role="public")
    # Reject one and the same list goes out with 20.
    decide(nom, 21, "reject", "the weakest of the category")
    reply = nom.ok("nominations.publish", {"call": PRIZES})
    assert reply["categories"]["e-hea"] == [f"sub-{n}" for n in range(1, 21)]
    assert reply["categories"]["C8"] == ["sub-30"]


def test_publish_limit_comes_from_the_config(tmp_path):
    cluster = make_cluster(tmp_path, max_nominated=2)
    env = Nominations(cluster)
    try:
        env.submit(*[project(n, "C2") for n in range(1, 4)], *[project(n, "C9") for n in range(4, 8)])
        env.clock(IN_REVIEW)
        for n in range(1, 8):
            decide(env, n)
        error = env.refused("nominations.publish", {"call": PRIZES}, "limit_exceeded", "C2")
        assert "C2 (3)" in error["message"] and "C9 (4)" in error["message"]
        decide(env, 3, "reject", "x")
        env.refused("nominations.publish", {"call": PRIZES}, "limit_exceeded", "C9")
    finally:
        env.close()
        cluster.close()


def test_publish_phase_call_and_role(nom):
    nom.submit(project(1))
    nom.clock("2022-01-21T21:59:59Z")
    nom.refused("nominations.publish", {"call": PRIZES}, "phase_not_open")
    nom.clock(VOTING_CLOSE)
    nom.refused("nominations.publish", {"call": PRIZES}, "deadline_passed")
    nom.clock(IN_REVIEW)
    nom.refused("nominations.publish", {}, "validation", "call")
    nom.refused("nominations.publish", {"call": "prizes-1999"}, "validation", "call")
    nom.refused("nominations.publish", {"call": PHOTO}, "validation", "call")
    for role in ("operator", "public", "expert", "stakeholder"):
        nom.refused("nominations.publish", {"call": PRIZES}, "forbidden", role=role)
    nom.refused("nominations.list", {"call": "nope"}, "validation", "call")
    # An empty call still publishes its 18 (empty) lists.
    reply = nom.ok("nominations.publish", {"call": PRIZES})
    assert reply["categories"] == {c: [] for c in CATEGORIES} and reply["nominated"] == 0


def test_publish_retry_with_same_id_is_answered_once(nom):
    nom.submit(project(1))
    nom.clock(IN_REVIEW)
    decide(nom, 1)
    first = nom.call("nominations.publish", {"call": PRIZES}, id="publish-1")
    again = nom.call("nominations.publish", {"call": PRIZES}, id="publish-1")
    assert first["ok"] and again == first
    assert len(nom.events("nominations.published")) == 1


def test_updated_projects_follow_their_record(nom):
    nom.submit(project(1, "C1", title="Old title"))
    nom.wait_applied("submissions", nom.submissions.emit(
        "submission.updated", project(1, "C4", title="New title")))
    nom.clock(IN_REVIEW)
    assert decide(nom, 1)["category"] == "C4"
    draft = nom.ok("nominations.list", {"call": PRIZES})
    assert draft["categories"]["C4"] == ["sub-1"] and draft["titles"] == {"sub-1": "New title"}
