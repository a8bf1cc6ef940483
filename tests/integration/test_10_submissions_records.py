"""wsis-submissions: submission.get, submission.list, submission.update and
submission.withdraw."""
import pytest

from submissions_helpers import (ocp_body, photo_body, prize_body, stocktaking_body,
                                 subs, words)  # noqa: F401 (fixture)


# ---------------------------------------------------------------- get

def test_get_unknown_or_malformed(subs):
    subs.refuse(lambda: subs.call("submission.get", {"submission_id": "sub-99999"}, role="public"),
                "not_found", "submission_id")
    for bad in ("99", "sub-", "sub-0", "sub-x", "stk-1", 4):
        subs.refuse(lambda: subs.call("submission.get", {"submission_id": bad}, role="public"),
                    "validation", "submission_id")
    subs.refuse(lambda: subs.call("submission.get", {}, role="public"), "validation", "submission_id")
    subs.refuse(lambda: subs.call("submission.get", {"submission_id": "sub-1", "include_image": "yes"}),
                "validation", "include_image")


def test_contact_emails_are_shown_to_the_owner_and_staff_not_the_public(subs):
    stk = subs.register()
    other = subs.register()
    prize = subs.created(prize_body(stk))
    photo = subs.created(photo_body(stk))
    ocp = subs.created(ocp_body(stk))
    for submission_id, person in ((prize, "contact"), (photo, "photographer"), (ocp, "organizer")):
        full = subs.get(submission_id, role="operator")
        assert "@" in full[person]["email"] and full["contact"]["email"] == full[person]["email"]
        for role, actor in (("stakeholder", stk), ("staff", "s1"), ("gateway", "portal"), ("service", "x")):
            assert subs.get(submission_id, role=role, actor=actor) == full
        for role, actor in (("public", None), (None, None), ("stakeholder", other), ("expert", "e1")):
            shown = subs.get(submission_id, role=role, actor=actor)
            assert "email" not in shown[person] and "email" not in shown["contact"]
            assert shown[person] == {k: v for k, v in full[person].items() if k != "email"}
            assert {k: v for k, v in shown.items() if k not in (person, "contact")} == \
                   {k: v for k, v in full.items() if k not in (person, "contact")}


# ---------------------------------------------------------------- list

def test_list_pages_with_after_and_next(subs):
    stk = subs.register()
    ids = [subs.created(ocp_body(stk)) for _ in range(7)]
    seen, after, pages = [], None, 0
    while True:
        body = {"call": "ocp-2022", "stakeholder_id": stk, "limit": 3}
        if after:
            body["after"] = after
        page = subs.ok("submission.list", body, role="public", actor=None)
        pages += 1
        seen += [item["submission_id"] for item in page["items"]]
        assert len(page["items"]) <= 3
        after = page["next"]
        if after is None:
            break
        assert after == page["items"][-1]["submission_id"]
    assert seen == ids and pages == 3
    # Exactly a full last page: next is nil, no empty page after it.
    page = subs.ok("submission.list", {"call": "ocp-2022", "stakeholder_id": stk, "after": ids[0], "limit": 6})
    assert [i["submission_id"] for i in page["items"]] == ids[1:] and page["next"] is None
    # Default page of 100 and the limit of 500.
    page = subs.ok("submission.list", {"call": "ocp-2022", "stakeholder_id": stk})
    assert len(page["items"]) == 7 and page["next"] is None
    assert subs.ok("submission.list", {"call": "ocp-2022", "limit": 500})


def test_list_filters(subs):
    a = subs.register()
    b = subs.register()
    p1 = subs.created(prize_body(a, category="C9"))
    p2 = subs.created(prize_body(b, category="C9"))
    p3 = subs.created(prize_body(a, category="C10"))
    s1 = subs.created(stocktaking_body(a, action_lines=["C9", "C2"]))
    s2 = subs.created(stocktaking_body(b, action_lines=["C2"]))
    subs.ok("submission.withdraw", {"submission_id": p2})

    def ids(**filters):
        return [i["submission_id"] for i in subs.list_all(**filters)]

    assert ids(call="prizes-2022", category="C9") == [p1, p2]
    assert ids(call="prizes-2022", category="C9", status="received") == [p1]
    assert ids(call="prizes-2022", category="C9", status="withdrawn") == [p2]
    assert ids(call="prizes-2022", stakeholder_id=a) == [p1, p3]
    assert ids(call="prizes-2022", stakeholder_id=a, category="C10") == [p3]
    assert ids(call="prizes-2022", stakeholder_id=b, status="received") == []
    assert p2 in ids(call="prizes-2022", status="withdrawn")
    assert p1 not in ids(call="prizes-2022", status="withdrawn")
    # Stocktaking entries are listed under each of their action lines.
    assert ids(call="stocktaking-2022", category="C9") == [s1]
    assert ids(call="stocktaking-2022", category="C2", stakeholder_id=b) == [s2]
    assert s1 in ids(call="stocktaking-2022", category="C2")
    # A call lists only its own.
    assert ids(call="photo-2022", stakeholder_id=a) == []
    assert ids(call="hltf-2022") == []


@pytest.mark.parametrize("body, field", [
    ({}, "call"), ({"call": "prizes-2099"}, "call"), ({"call": 7}, "call"),
    ({"call": "prizes-2022", "category": "C7"}, "category"),
    ({"call": "prizes-2022", "status": "nominated"}, "status"),
    ({"call": "prizes-2022", "stakeholder_id": "7"}, "stakeholder_id"),
    ({"call": "prizes-2022", "after": "7"}, "after"),
    ({"call": "prizes-2022", "limit": 501}, "limit"),
    ({"call": "prizes-2022", "limit": 0}, "limit"),
    ({"call": "prizes-2022", "limit": -1}, "limit"),
])
def test_list_validation(subs, body, field):
    subs.refuse(lambda: subs.call("submission.list", body, role="public"), "validation", field)


# ---------------------------------------------------------------- update

def test_owner_updates_and_the_whole_record_is_published(subs):
    stk = subs.register()
    submission_id = subs.created(prize_body(stk, category="C2"))
    subs.set_clock("2022-01-11T08:00:00Z")
    subs.drain()
    reply = subs.ok("submission.update", {"submission_id": submission_id, "title": "Renamed", "sdgs": [17, 1],
                                          "category": "C3", "call": "prizes-2022", "stakeholder_id": stk},
                    role="stakeholder", actor=stk)
    assert reply == {"submission_id": submission_id, "status": "received"}
    (event,) = subs.drain()
    assert event["type"] == "submission.updated"
    record = event["body"]
    assert record["title"] == "Renamed" and record["sdgs"] == [1, 17] and record["category"] == "C3"
    assert record["updated_at"] == "2022-01-11T08:00:00Z" and record["created_at"] == "2022-01-10T12:00:00Z"
    assert record["contact"]["email"]                 # what notifications needs
    assert subs.get(submission_id) == dict(record, contest_status="submitted")
    assert [i["submission_id"] for i in subs.list_all("prizes-2022", category="C3")] == [submission_id]
    assert submission_id not in [i["submission_id"] for i in subs.list_all("prizes-2022", category="C2")]
    subs.set_clock("2022-01-10T12:00:00Z")


def test_update_removes_an_optional_field_with_nil(subs):
    stk = subs.register()
    submission_id = subs.created(stocktaking_body(stk))
    subs.ok("submission.update", {"submission_id": submission_id, "url": None})
    assert "url" not in subs.get(submission_id)
    # A required one cannot be removed.
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, "title": None}),
                "validation", "title")


def test_update_rechecks_every_rule(subs):
    stk = subs.register()
    mine = subs.created(prize_body(stk, entity="Same Entity", category="C1", title="First"))
    other = subs.created(prize_body(stk, entity="Same Entity", category="C2", title="Second",
                                    short_description=words(155, "second")))
    third = subs.created(prize_body(subs.register(), title="Third"))
    third_description = subs.get(third)["short_description"]

    def update(**changes):
        return lambda: subs.call("submission.update", {"submission_id": other, **changes},
                                 role="stakeholder", actor=stk)
    subs.refuse(update(short_description=words(120, "short")), "validation", "short_description")
    subs.refuse(update(language="fr"), "validation", "language")
    subs.refuse(update(category=["C1", "C3"]), "validation", "category")
    subs.refuse(update(category="C1"), "conflict", "category")
    subs.refuse(update(title="FIRST"), "duplicate", "title")
    subs.refuse(update(short_description=third_description), "duplicate", "short_description")
    subs.refuse(update(contact={"name": "x", "email": "x@example.org"}), "validation", "contact.gender")
    # Keeping its own slot, title and description is no conflict with itself.
    assert subs.ok("submission.update", {"submission_id": mine, "title": "First", "category": "C1"},
                   role="stakeholder", actor=stk)


def test_update_cannot_move_a_submission(subs):
    stk = subs.register()
    submission_id = subs.created(prize_body(stk))
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, "call": "ocp-2022"}),
                "validation", "call")
    other = subs.register()
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id,
                                                        "stakeholder_id": other}),
                "validation", "stakeholder_id")


def test_update_owner_only(subs):
    stk = subs.register()
    other = subs.register()
    submission_id = subs.created(stocktaking_body(stk))
    change = {"submission_id": submission_id, "title": "Hijacked"}
    subs.refuse(lambda: subs.call("submission.update", change, role="stakeholder", actor=other),
                "forbidden", "submission_id")
    for role in ("public", "staff", "expert"):
        subs.refuse(lambda: subs.call("submission.update", change, role=role, actor=stk), "forbidden", None)
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": "sub-999999", "title": "x"}),
                "not_found", "submission_id")
    assert subs.ok("submission.update", change, role="gateway", actor="portal")


def test_photo_update_keeps_or_replaces_the_image(subs):
    from submissions_helpers import JPEG, PNG
    stk = subs.register()
    submission_id = subs.created(photo_body(stk, image=JPEG))
    subs.ok("submission.update", {"submission_id": submission_id, "caption": "New caption"})
    got = subs.ok("submission.get", {"submission_id": submission_id, "include_image": True})
    assert got["caption"] == "New caption" and got["image"] == JPEG and got["image_type"] == "image/jpeg"
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, "image": b"BM.."}),
                "validation", "image")
    subs.drain()
    subs.ok("submission.update", {"submission_id": submission_id, "image": PNG})
    (event,) = subs.drain()
    assert "image" not in event["body"] and event["body"]["image_type"] == "image/png"
    got = subs.ok("submission.get", {"submission_id": submission_id, "include_image": True})
    assert got["image"] == PNG and got["image_size"] == len(PNG)


# ---------------------------------------------------------------- withdraw

def test_withdraw_publishes_and_frees_the_slot(subs):
    stk = subs.register()
    body = prize_body(stk, entity="Slot Entity", category="C5")
    submission_id = subs.created(body)
    subs.refuse(lambda: subs.create(prize_body(stk, entity="Slot Entity", category="C5")), "conflict", "category")
    subs.drain()
    reply = subs.ok("submission.withdraw", {"submission_id": submission_id}, role="stakeholder", actor=stk)
    assert reply == {"submission_id": submission_id, "status": "withdrawn"}
    (event,) = subs.drain()
    assert event["type"] == "submission.withdrawn"
    assert event["body"] == {"submission_id": submission_id, "call": "prizes-2022", "kind": "prize",
                             "stakeholder_id": stk, "status": "withdrawn", "category": "C5"}
    # Still readable, as withdrawn.
    assert subs.get(submission_id)["status"] == "withdrawn"
    # The entity's C5 slot is free again, and so is the project itself
    # (same entity, title and short description).
    subs.created(body)
    subs.refuse(lambda: subs.create(prize_body(stk, entity="Slot Entity", category="C5")), "conflict", "category")


def test_withdrawn_event_of_other_kinds_has_no_category(subs):
    stk = subs.register()
    submission_id = subs.created(stocktaking_body(stk))
    subs.drain()
    subs.ok("submission.withdraw", {"submission_id": submission_id})
    (event,) = subs.drain()
    assert event["body"] == {"submission_id": submission_id, "call": "stocktaking-2022", "kind": "stocktaking",
                             "stakeholder_id": stk, "status": "withdrawn"}


def test_withdraw_refusals(subs):
    stk = subs.register()
    other = subs.register()
    submission_id = subs.created(ocp_body(stk))
    subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": submission_id},
                                  role="stakeholder", actor=other), "forbidden", "submission_id")
    subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": submission_id}, role="public"),
                "forbidden", None)
    subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": "sub-999999"}),
                "not_found", "submission_id")
    subs.refuse(lambda: subs.call("submission.withdraw", {}), "validation", "submission_id")
    subs.ok("submission.withdraw", {"submission_id": submission_id}, role="stakeholder", actor=stk)
    # Once withdrawn it can neither be withdrawn again nor changed.
    subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": submission_id}),
                "conflict", "submission_id")
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, "title": "Back"}),
                "conflict", "submission_id")


def test_withdraw_retry_with_the_same_id_answers_the_same(subs):
    stk = subs.register()
    submission_id = subs.created(stocktaking_body(stk))
    subs.drain()
    first = subs.call("submission.withdraw", {"submission_id": submission_id}, id="withdraw-retry")
    again = subs.call("submission.withdraw", {"submission_id": submission_id}, id="withdraw-retry")
    assert first == again and first["ok"]
    assert [e["type"] for e in subs.drain()] == ["submission.withdrawn"]
