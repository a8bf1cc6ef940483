"""wsis-submissions: the Repository of Women in Tech (call kind
`repository`, the call `women-in-tech`).

A registered stakeholder submits the profile of a woman leader or
practitioner of the ICT industry; she is listed only with her consent, once
per stakeholder, and leaves the repository by withdrawing the profile.
"""
import pytest

from notifications_helpers import body_text, set_clock, wait_message
from submissions_helpers import (OPEN, changed, repository_body, stocktaking_body,
                                 subs)  # noqa: F401 (fixture)

CALL = "women-in-tech"
# docs/protocol.md, implementation notes of wsis-submissions.
SECTORS = ["telecommunications", "software", "hardware", "internet_services", "cybersecurity",
           "data_and_ai", "research", "education", "policy", "media", "finance", "health",
           "agriculture", "other"]
PROFILE = ("name", "organization", "sector", "country", "region", "expertise", "links", "consent")


def listed(subs, **filters):
    """The ids submission.list gives the public for the call."""
    page = subs.ok("submission.list", {"call": CALL, "limit": 500, **filters}, role="public", actor=None)
    assert page["next"] is None
    return [item["submission_id"] for item in page["items"]]


# ---------------------------------------------------------------- a profile

def test_a_profile_is_accepted_and_its_event_carries_it(subs):
    stk = subs.register(name="Accra Women in ICT", email="awict@example.org", type="civil_society",
                        gender="female")
    subs.drain()
    body = repository_body(stk, sector="data_and_ai", links=["https://example.org/ama"])
    submission_id = subs.created(body)
    (event,) = subs.drain()
    assert event["type"] == "submission.received"
    record = event["body"]
    assert record["submission_id"] == submission_id
    assert record["kind"] == "repository" and record["call"] == CALL
    assert record["stakeholder_id"] == stk and record["status"] == "received"
    for key in PROFILE:
        assert record[key] == body[key], key
    assert record["consent"] is True
    # What consumers read of every submission: the profile has no email, so
    # the contact is the registered stakeholder who submitted it.
    assert record["contact"] == {"name": "Accra Women in ICT", "email": "awict@example.org",
                                 "gender": "female"}
    assert record["title"] == body["name"] and record["entity"] == body["organization"]
    assert record["stakeholder_type"] == "civil_society"
    assert record["sdgs"] == []
    assert "category" not in record
    assert subs.get(submission_id) == record
    # The public sees the profile without the contact's email.
    public = subs.get(submission_id, role="public", actor=None)
    assert public["contact"] == {"name": "Accra Women in ICT", "gender": "female"}
    assert {k: v for k, v in public.items() if k != "contact"} == \
           {k: v for k, v in record.items() if k != "contact"}
    assert submission_id in listed(subs)


def test_a_stakeholder_without_gender_is_a_contact_without_gender(subs):
    stk = subs.register(name="No Gender", email="nog@example.org", gender=None)
    record = subs.get(subs.created(repository_body(stk)))
    assert record["contact"] == {"name": "No Gender", "email": "nog@example.org"}


def test_every_sector_of_the_list(subs):
    for sector in SECTORS:
        stk = subs.register()
        assert subs.get(subs.created(repository_body(stk, sector=sector)))["sector"] == sector


def test_links_are_optional_up_to_five(subs):
    stk = subs.register()
    body = repository_body(stk)
    del body["links"]
    assert "links" not in subs.get(subs.created(body))
    five = [f"https://example.org/{i}" for i in range(5)]
    assert subs.get(subs.created(repository_body(subs.register(), links=five)))["links"] == five
    assert subs.get(subs.created(repository_body(subs.register(), links=[])))["links"] == []


# ---------------------------------------------------------------- consent

@pytest.mark.parametrize("consent", [None, False, "yes", 1, "true"])
def test_without_consent_nobody_is_listed(subs, consent):
    # None: left out. Nothing is stored, nothing published (refuse checks).
    reply = subs.refuse_invalid(repository_body, "consent", consent)
    assert "agree to be listed" in reply["error"]["message"]


def test_consent_nil_is_refused(subs):
    body = repository_body(subs.register(), consent=None)     # msgpack nil, not left out
    reply = subs.refuse(lambda: subs.create(body), "validation", "consent")
    assert "agree to be listed" in reply["error"]["message"]


# ---------------------------------------------------------------- every other field

@pytest.mark.parametrize("field, value", [
    ("name", None), ("name", ""), ("name", "x" * 201),
    ("organization", None), ("organization", " "),
    ("sector", None), ("sector", "government"),          # a stakeholder type, not a sector
    ("sector", "Telecommunications"), ("sector", "ict"), ("sector", ["software"]),
    ("country", None), ("country", "UK"), ("country", "gh"), ("country", "GHA"),
    ("region", None), ("region", "west_africa"),
    ("expertise", None), ("expertise", ""), ("expertise", "x" * 2001),
    ("links", "https://example.org"),                      # one address, not a list
    ("links", [f"https://example.org/{i}" for i in range(6)]),
    ("links.0", "ftp://example.org/me"), ("links.1", "example.org"), ("links.1", "https://"),
    ("links.0", "https://exa mple.org"), ("links.1", 42), ("links.0", ""),
    ("links.1", "https://example.org/" + "x" * 2000),
])
def test_repository_rules(subs, field, value):
    subs.refuse_invalid(repository_body, field, value)


def test_a_wrong_sector_is_told_the_list(subs):
    reply = subs.refuse_invalid(repository_body, "sector", "government")
    assert reply["error"]["message"] == "'sector' must be one of " + " ".join(SECTORS)


def test_the_same_link_twice(subs):
    body = repository_body(subs.register(), links=["https://example.org/a", "https://example.org/b",
                                                   "https://example.org/a"])
    subs.refuse(lambda: subs.create(body), "validation", "links.2")


def test_the_first_bad_field_in_the_order_of_the_form(subs):
    body = changed(repository_body(subs.register(), sector="none", consent=False), "country", "XX")
    subs.refuse(lambda: subs.create(body), "validation", "sector")


# ---------------------------------------------------------------- one per stakeholder

def test_one_profile_per_stakeholder(subs):
    stk = subs.register()
    first = subs.created(repository_body(stk))
    reply = subs.refuse(lambda: subs.create(repository_body(stk, name="Someone Else")),
                        "duplicate", "stakeholder_id")
    assert first in reply["error"]["message"]
    # Through a gateway or an operator too: the rule is the stakeholder's.
    subs.refuse(lambda: subs.create(repository_body(stk), role="gateway", actor="portal"),
                "duplicate", "stakeholder_id")
    # Another stakeholder may list the same person: the rule is per submitter.
    assert subs.created(repository_body(subs.register(), name="Woman 1"))
    # Once withdrawn, the stakeholder may submit a profile anew.
    assert subs.ok("submission.withdraw", {"submission_id": first}, role="stakeholder", actor=stk)
    second = subs.created(repository_body(stk))
    assert second != first
    subs.refuse(lambda: subs.create(repository_body(stk)), "duplicate", "stakeholder_id")


def test_profiles_in_other_calls_do_not_count(subs):
    stk = subs.register()
    subs.created(stocktaking_body(stk))
    subs.created(repository_body(stk))


def test_a_stakeholder_submits_only_for_itself_and_must_be_registered(subs):
    stk = subs.register()
    other = subs.register()
    subs.refuse(lambda: subs.create(repository_body("stk-987654"), role="operator"),
                "not_found", "stakeholder_id")
    subs.refuse(lambda: subs.create(repository_body(stk), role="stakeholder", actor=other),
                "forbidden", "stakeholder_id")
    subs.refuse(lambda: subs.create(repository_body(stk), role="public", actor=stk), "forbidden", None)


# ---------------------------------------------------------------- update

def test_update(subs):
    stk = subs.register()
    body = repository_body(stk)
    submission_id = subs.created(body)
    subs.drain()
    changes = {"submission_id": submission_id, "sector": "research", "expertise": "Quantum networks.",
               "links": None}
    reply = subs.ok("submission.update", changes, role="stakeholder", actor=stk)
    assert reply == {"submission_id": submission_id, "status": "received"}
    (event,) = subs.drain()
    assert event["type"] == "submission.updated"
    record = event["body"]
    assert record["sector"] == "research" and record["expertise"] == "Quantum networks."
    assert "links" not in record                           # nil removes an optional field
    assert record["name"] == body["name"] and record["consent"] is True
    assert record["title"] == body["name"] and record["contact"]["email"]
    assert subs.get(submission_id) == record
    # A new name is the new title.
    subs.ok("submission.update", {"submission_id": submission_id, "name": "Dr Woman"})
    assert subs.get(submission_id)["title"] == "Dr Woman"


@pytest.mark.parametrize("field, value, named", [
    ("consent", False, "consent"), ("consent", None, "consent"),     # she cannot stay listed without it
    ("sector", "government", "sector"), ("links", ["mailto:me@example.org"], "links.0"),
    ("country", "EU", "country"), ("name", "", "name"),
])
def test_an_update_follows_the_rules_of_a_profile(subs, field, value, named):
    stk = subs.register()
    submission_id = subs.created(repository_body(stk))
    before = subs.get(submission_id)
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, field: value},
                                  role="stakeholder", actor=stk), "validation", named)
    assert subs.get(submission_id) == before


# ---------------------------------------------------------------- withdraw

def test_withdrawing_removes_the_profile_from_the_listing(subs):
    stk = subs.register()
    kept = subs.created(repository_body(subs.register()))
    gone = subs.created(repository_body(stk))
    assert {kept, gone} <= set(listed(subs))
    subs.drain()
    reply = subs.ok("submission.withdraw", {"submission_id": gone}, role="stakeholder", actor=stk)
    assert reply == {"submission_id": gone, "status": "withdrawn"}
    (event,) = subs.drain()
    assert event["type"] == "submission.withdrawn"
    assert event["body"] == {"submission_id": gone, "call": CALL, "kind": "repository",
                             "stakeholder_id": stk, "status": "withdrawn"}
    # In no listing, whoever asks and whatever the status filter.
    assert kept in listed(subs) and gone not in listed(subs)
    assert listed(subs, status="withdrawn") == []
    assert gone not in listed(subs, stakeholder_id=stk)
    assert gone not in [i["submission_id"] for i in subs.list_all(CALL)]     # operator
    # Its owner and the staff side still read it; the public no longer does.
    assert subs.get(gone, role="stakeholder", actor=stk)["status"] == "withdrawn"
    assert subs.get(gone, role="staff", actor="s1")["status"] == "withdrawn"
    subs.refuse(lambda: subs.call("submission.get", {"submission_id": gone}, role="public"),
                "not_found", "submission_id")
    other = subs.register()
    subs.refuse(lambda: subs.call("submission.get", {"submission_id": gone}, role="stakeholder",
                                  actor=other), "not_found", "submission_id")
    # Withdrawn is final: no update, no second withdrawal.
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": gone, "sector": "media"},
                                  role="stakeholder", actor=stk), "conflict", "submission_id")
    subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": gone},
                                  role="stakeholder", actor=stk), "conflict", "submission_id")


# ---------------------------------------------------------------- the call

def test_the_call_opens_on_26_november_2021_and_never_closes(subs):
    stk = subs.register()
    try:
        # 00:00 in Geneva (CET) is 23:00 UTC the day before.
        subs.set_clock("2021-11-25T22:59:59Z")
        reply = subs.refuse(lambda: subs.create(repository_body(stk)), "phase_not_open", None)
        assert CALL in reply["error"]["message"]
        subs.set_clock("2021-11-25T23:00:00Z")
        submission_id = subs.created(repository_body(stk))
        subs.set_clock("2031-12-31T23:59:59Z")
        assert subs.ok("submission.update", {"submission_id": submission_id, "sector": "policy"})
        assert subs.ok("submission.withdraw", {"submission_id": submission_id})["status"] == "withdrawn"
        assert subs.created(repository_body(stk))
    finally:
        subs.set_clock(OPEN)


# ---------------------------------------------------------------- who is told

def test_the_submitter_is_told_by_wsis_notifications(cluster):
    # The real services: the record's contact (the registered stakeholder)
    # and title (her name) are what a confirmation needs.
    cluster.start("bus", "submissions", "notifications")
    set_clock(cluster, OPEN, "submissions", "notifications")
    reply = cluster.call("submissions", "stakeholder.register",
                         {"name": "Nairobi Women in Tech", "email": "nwit@example.org",
                          "type": "civil_society", "country": "KE", "region": "africa"}, role="public")
    stk = reply["body"]["stakeholder_id"]
    body = repository_body(stk, name="Dr Wanjiru Kamau")
    reply = cluster.call("submissions", "submission.create", body, role="stakeholder", actor=stk)
    assert reply["ok"], reply
    submission_id = reply["body"]["submission_id"]
    message = wait_message(cluster, f"submission.received/{submission_id}")
    assert message["To"].addresses[0].addr_spec == "nwit@example.org"
    text = body_text(message)
    assert "Dr Wanjiru Kamau" in text and "Repository of Women in Tech" in text
    reply = cluster.call("submissions", "submission.withdraw", {"submission_id": submission_id},
                         role="stakeholder", actor=stk)
    assert reply["ok"], reply
    wait_message(cluster, f"submission.withdrawn/{submission_id}")
