"""wsis-submissions: WSIS Prizes projects and every rule of the contest."""
import pytest

from submissions_helpers import prize_body, subs, words  # noqa: F401 (fixture)


def test_a_project_is_received_and_published_whole(subs):
    stk = subs.register()
    subs.drain()
    body = prize_body(stk, sdgs=[9, 4, 17], category="C6")
    reply = subs.create(body)
    assert reply["ok"], reply
    submission_id = reply["body"]["submission_id"]
    assert reply["body"] == {"submission_id": submission_id, "status": "received"}
    (event,) = subs.drain()
    assert event["type"] == "submission.received"
    record = event["body"]
    expected = {k: v for k, v in body.items()}
    expected.update(submission_id=submission_id, kind="prize", status="received", sdgs=[4, 9, 17])
    for key, value in expected.items():
        assert record[key] == value, key
    assert record["created_at"] == record["updated_at"] == "2022-01-10T12:00:00Z"
    assert "image" not in record
    # The reply to get is the same record, and says where the project
    # stands in the contest (events do not: it changes after them).
    assert "contest_status" not in record
    assert subs.get(submission_id) == dict(record, contest_status="submitted")


def test_not_one_category(subs):
    stk = subs.register()
    for category in (["C1", "C2"], ["C1"], "C12", "c1", "C7", ""):
        subs.refuse(lambda: subs.create(prize_body(stk, category=category)), "validation", "category")


def test_one_project_per_entity_per_category(subs):
    stk = subs.register()
    subs.created(prize_body(stk, entity="Agence Numérique", category="C4"))
    before = subs.before()
    # Same entity, written differently, another project, same category.
    reply = subs.create(prize_body(stk, entity="  AGENCE   numerique ", category="C4"))
    subs.assert_refused(reply, "conflict", "category", before)
    assert "C4" in reply["error"]["message"]
    # Another category is fine.
    subs.created(prize_body(stk, entity="Agence Numérique", category="C5"))


def test_the_same_project_not_twice_by_entity_and_title(subs):
    stk = subs.register()
    subs.created(prize_body(stk, entity="Ministère de l'Économie", title="Digital   Skills for All",
                            category="C4"))
    before = subs.before()
    # Another category, title and entity differing in case, accents and spacing.
    reply = subs.create(prize_body(stk, entity="ministere de l economie", title="digital skills FOR all",
                                   category="C5"))
    subs.assert_refused(reply, "duplicate", "title", before)


def test_the_same_project_not_twice_by_short_description(subs):
    stk = subs.register()
    other = subs.register()
    text = words(170, "samedesc")
    subs.created(prize_body(stk, short_description=text))
    before = subs.before()
    # Another entity and title, the same short description give or take
    # case and spacing.
    reply = subs.create(prize_body(other, short_description="  " + text.upper().replace(" ", "\n  ")))
    subs.assert_refused(reply, "duplicate", "short_description", before)


def test_the_same_title_by_another_entity_is_another_project(subs):
    stk = subs.register()
    subs.created(prize_body(stk, title="Smart Villages"))
    subs.created(prize_body(stk, title="Smart Villages"))


@pytest.mark.parametrize("count, accepted", [(149, False), (150, True), (200, True), (201, False)])
def test_short_description_of_150_to_200_words(subs, count, accepted):
    stk = subs.register()
    body = prize_body(stk, short_description=words(count, f"len{count}"))
    if accepted:
        subs.created(body)
    else:
        before = subs.before()
        subs.assert_refused(subs.create(body), "validation", "short_description", before)


def test_title_of_at_most_200_characters(subs):
    stk = subs.register()
    subs.created(prize_body(stk, title="é" * 200))       # characters, not bytes
    before = subs.before()
    subs.assert_refused(subs.create(prize_body(stk, title="t" * 201)), "validation", "title", before)


@pytest.mark.parametrize("sdgs", [[], [0], [18], [3, 3], ["3"], "3", None])
def test_at_least_one_valid_sdg(subs, sdgs):
    subs.refuse_invalid(prize_body, "sdgs", sdgs)


@pytest.mark.parametrize("field", ["sdg_linkages", "impact", "partnerships", "challenges"])
@pytest.mark.parametrize("value", [None, "", "  \n ", 5])
def test_linkages_impact_partnerships_challenges_are_required(subs, field, value):
    subs.refuse_invalid(prize_body, field, value)


@pytest.mark.parametrize("language", ["fr", "EN", "english", "", None])
def test_english_only(subs, language):
    subs.refuse_invalid(prize_body, "language", language)


@pytest.mark.parametrize("language", ["fr", "English (United Kingdom) and French"])
def test_english_only_says_so_whatever_the_value(subs, language):
    error = subs.refuse_invalid(prize_body, "language", language)["error"]
    assert "English only" in error["message"], error


@pytest.mark.parametrize("field, value", [
    ("entity", ""), ("stakeholder_type", "ngo"), ("country", "ZZ"), ("region", "asia"),
    ("contact", "ana@example.org"), ("contact.name", ""), ("contact.email", "nope"),
    ("contact.gender", "woman"), ("contact.gender", None),
])
def test_other_fields(subs, field, value):
    subs.refuse_invalid(prize_body, field, value)


def test_the_first_bad_field_in_protocol_order_is_named(subs):
    stk = subs.register()
    before = subs.before()
    reply = subs.create(prize_body(stk, language="fr", title="", country="ZZ"))
    subs.assert_refused(reply, "validation", "country", before)


def test_the_submitter_must_be_a_registered_stakeholder(subs):
    subs.refuse(lambda: subs.create(prize_body("stk-999999"), role="operator"),
                "not_found", "stakeholder_id")
    for bad in ["999", "stk-0", "stk-01", "sub-1", "", 5]:
        subs.refuse(lambda: subs.create(prize_body(bad), role="operator"), "validation", "stakeholder_id")


def test_roles(subs):
    stk = subs.register()
    other = subs.register()
    # The public may register and read, not submit.
    for role in ("public", None, "staff", "expert", "service", "publisher"):
        subs.refuse(lambda: subs.create(prize_body(stk), role=role, actor=stk), "forbidden", None)
    # A stakeholder submits only for itself.
    subs.refuse(lambda: subs.create(prize_body(stk), role="stakeholder", actor=other),
                "forbidden", "stakeholder_id")
    # Gateway and operator act for anyone.
    subs.created(prize_body(stk), role="gateway", actor="portal")
    subs.created(prize_body(stk), role="operator", actor="ops")


def test_retry_with_the_same_id_creates_once(subs):
    stk = subs.register()
    subs.drain()
    body = prize_body(stk)
    first = subs.create(body, id="prize-retry-1")
    again = subs.create(body, id="prize-retry-1")
    assert first["ok"] and first == again
    events = subs.drain()
    assert [e["body"]["submission_id"] for e in events] == [first["body"]["submission_id"]]
