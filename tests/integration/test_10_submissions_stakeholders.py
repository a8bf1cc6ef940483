"""wsis-submissions: stakeholder.register (docs/protocol.md section 8)."""
import pytest

from wsis_harness import next_event
from submissions_helpers import stakeholder_body, subs  # noqa: F401 (fixture)


def test_register_publishes_the_stakeholder(subs):
    subs.drain()
    body = stakeholder_body(name="Ana Lima", email="Ana.Lima@Example.org", type="academia",
                            country="BR", region="americas", gender="female", organization="USP")
    reply = subs.call("stakeholder.register", body, role="public", actor=None)
    assert reply["ok"], reply
    stakeholder_id = reply["body"]["stakeholder_id"]
    assert reply["body"] == {"stakeholder_id": stakeholder_id}
    assert stakeholder_id.startswith("stk-") and int(stakeholder_id[4:]) >= 1
    events = subs.drain()
    assert [e["type"] for e in events] == ["stakeholder.registered"]
    assert events[0]["source"] == "submissions"
    assert events[0]["body"] == {"stakeholder_id": stakeholder_id, "name": "Ana Lima",
                                 "email": "Ana.Lima@Example.org", "type": "academia", "country": "BR",
                                 "region": "americas", "gender": "female", "organization": "USP"}


def test_optional_fields_are_left_out_when_absent(subs):
    subs.drain()
    body = stakeholder_body()
    del body["gender"], body["organization"]
    stakeholder_id = subs.ok("stakeholder.register", body, role="gateway")["stakeholder_id"]
    (event,) = subs.drain()
    assert event["body"] == {"stakeholder_id": stakeholder_id, "name": body["name"], "email": body["email"],
                             "type": body["type"], "country": body["country"], "region": body["region"]}


def test_ids_grow_by_one(subs):
    first = int(subs.register()[4:])
    assert int(subs.register()[4:]) == first + 1


def test_same_email_twice_is_duplicate_ignoring_case(subs):
    subs.register(email="Twice@Example.org")
    before = subs.before()
    reply = subs.call("stakeholder.register", stakeholder_body(email="twice@EXAMPLE.ORG"), role="public")
    subs.assert_refused(reply, "duplicate", "email", before)


@pytest.mark.parametrize("field, value", [
    ("name", None), ("name", ""), ("name", "   "), ("name", "x" * 201), ("name", 7),
    ("email", None), ("email", "not-an-address"), ("email", "a@b"), ("email", "Ana <ana@example.org>"),
    ("type", None), ("type", "company"),
    ("country", None), ("country", "ch"), ("country", "XX"), ("country", "CHE"),
    ("region", None), ("region", "Europe"), ("region", "oceania"),
    ("gender", "f"), ("gender", 1),
    ("organization", ""), ("organization", "o" * 301),
])
def test_each_bad_field_is_named(subs, field, value):
    body = stakeholder_body()
    if value is None:
        del body[field]
    else:
        body[field] = value
    before = subs.before()
    reply = subs.call("stakeholder.register", body, role="public")
    subs.assert_refused(reply, "validation", field, before)


def test_first_bad_field_is_named(subs):
    before = subs.before()
    reply = subs.call("stakeholder.register", stakeholder_body(email="bad", region="mars"), role="public")
    subs.assert_refused(reply, "validation", "email", before)


@pytest.mark.parametrize("role", ["public", "stakeholder", "gateway", "operator", "staff"])
def test_anyone_may_register(subs, role):
    assert subs.call("stakeholder.register", stakeholder_body(), role=role)["ok"]


def test_retry_with_the_same_id_registers_once(subs):
    subs.drain()
    body = stakeholder_body()
    first = subs.call("stakeholder.register", body, role="gateway", actor="portal", id="reg-retry-1")
    again = subs.call("stakeholder.register", body, role="gateway", actor="portal", id="reg-retry-1")
    assert first == again and first["ok"]
    events = subs.drain()
    assert [e["body"]["stakeholder_id"] for e in events] == [first["body"]["stakeholder_id"]]


def test_registered_event_is_seen_by_a_subscriber_of_its_topic(subs):
    sub = subs.cluster.subscribe("stakeholder.registered")
    try:
        stakeholder_id = subs.register()
        event = next_event(sub, lambda topic, e: topic == "stakeholder.registered")
        assert event["body"]["stakeholder_id"] == stakeholder_id
        assert event["id"] == f"submissions:{event['seq']}"
    finally:
        sub.close(0)
