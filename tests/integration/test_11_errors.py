"""Error messages that say how to fix the input (issue 11), against the
real services: an undeclared body field is refused before the handler
runs, naming the field and the one meant; sys.ops lists what each service
offers; forbidden names the roles, unknown_op the operations; a value
outside a fixed list gets the list; finalize of a category without
nominees says so; a registered address tells the staff side who has it;
and wsisctl SERVICE --help prints the operations.
"""
import re
import subprocess

import pytest

from nominations_helpers import IN_REVIEW, IN_SELECTION, PRIZES, nom, project  # noqa: F401
from submissions_helpers import contact, prize_body, stakeholder_body
from wsis_harness import SANITIZER_MARKERS, SERVICES, WSISCTL

ROLES = ["public", "stakeholder", "staff", "expert", "operator", "gateway", "service", "publisher"]
CATEGORIES = "C1 C2 C3 C4 C5 C6 e-gov e-bus e-lea e-hea e-emp e-env e-agr e-sci C8 C9 C10 C11"


@pytest.fixture(scope="module")
def services(all_services):
    return all_services


def last_seq(cluster, name):
    return cluster.call(name, "sys.ping")["body"]["last_seq"]


def refused(cluster, name, op, body, code, field=None, role="operator", actor="tester"):
    """The reply's error, after checking its code and field and that the
    service published nothing."""
    before = last_seq(cluster, name)
    reply = cluster.call(name, op, body, role=role, actor=actor)
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == code, reply
    assert reply["error"].get("field") == field, reply
    assert last_seq(cluster, name) == before, f"a refused {op} published an event"
    return reply["error"]


def ops_of(cluster, name):
    reply = cluster.call(name, "sys.ops", {}, role="public", actor=None)
    assert reply["ok"] is True, reply
    return reply["body"]["ops"]


# ---------------------------------------------------------------- unknown fields

def test_a_misspelt_field_is_refused_with_the_one_meant(services):
    body = stakeholder_body()
    organization = body.pop("organization")
    error = refused(services, "submissions", "stakeholder.register", {**body, "organisation": organization},
                    "validation", "organisation", role="public", actor=None)
    assert error["message"] == ("'organisation' is not a field of stakeholder.register; "
                                "did you mean 'organization'?")
    # Nothing was stored: the same address registers now, once.
    reply = services.call("submissions", "stakeholder.register", body, role="public", actor=None)
    assert reply["ok"] is True, reply


def test_a_field_nothing_is_close_to_lists_the_fields(services):
    error = refused(services, "submissions", "stakeholder.register", {**stakeholder_body(), "shoe_size": 42},
                    "validation", "shoe_size", role="public", actor=None)
    assert "did you mean" not in error["message"]
    assert error["message"] == ("'shoe_size' is not a field of stakeholder.register; the fields of "
                                "stakeholder.register are name, email, type, country, region, gender, "
                                "organization")


@pytest.mark.parametrize("name, op, body, field, meant, role", [
    ("voting", "vote.cast", {"call": PRIZES, "voter_id": "stk-1", "categroy": "C1", "submission_id": "sub-1"},
     "categroy", "category", "gateway"),
    ("nominations", "review.decide", {"submission_id": "sub-1", "decision": "reject", "reasons": "late"},
     "reasons", "reason", "staff"),
    ("notifications", "notify.subscribe", {"Email": "a@example.org"}, "Email", "email", "public"),
    ("reporting", "report.gender", {"fromat": "csv"}, "fromat", "format", "public"),
    ("bus", "publish", {"topics": "forum.x", "body": {}, "origin": "t"}, "topics", "topic", "publisher"),
    ("nominations", "selection.score", {"call": PRIZES, "scores": {"result": 3}}, "scores.result",
     "scores.results", "expert"),
    ("submissions", "submission.create", {"call": PRIZES, "contact": {"emial": "a@example.org"}},
     "contact.emial", "contact.email", "operator"),
])
def test_misspelt_fields_on_every_service(services, name, op, body, field, meant, role):
    error = refused(services, name, op, body, "validation", field, role=role)
    assert error["message"] == f"'{field}' is not a field of {op}; did you mean '{meant}'?"


def test_fields_that_are_nowhere_close(services):
    error = refused(services, "reporting", "report.summary", {"call": PRIZES, "colour": "red"},
                    "validation", "colour", role="public")
    assert error["message"] == ("'colour' is not a field of report.summary; "
                                "the fields of report.summary are call")
    error = refused(services, "voting", "sys.ping", {"verbose": True}, "validation", "verbose")
    assert error["message"] == "'verbose' is not a field of sys.ping; sys.ping takes no fields"
    # In a list of maps: the item's path
    speakers = [{"name": "A", "gender": "female"}, {"name": "B", "gender": "male", "pronouns": "he"}]
    error = refused(services, "submissions", "submission.create",
                    {"call": "ocp-2022", "speakers": speakers}, "validation", "speakers.1.pronouns")
    assert "the fields of speakers.1 are name, gender, organization" in error["message"]


def test_a_field_of_another_kind_is_refused_by_the_kind(services):
    stk = services.call("submissions", "stakeholder.register", stakeholder_body(),
                        role="public", actor=None)["body"]["stakeholder_id"]
    services.call("submissions", "sys.clock.set", {"now": "2022-01-10T12:00:00Z"})
    body = {**prize_body(stk), "caption": "A photo caption"}
    error = refused(services, "submissions", "submission.create", body, "validation", "caption",
                    role="stakeholder", actor=stk)
    assert error["message"].startswith("'caption' is not a field of a prize submission; its fields are ")
    body = {**prize_body(stk), "sector": "software"}
    error = refused(services, "submissions", "submission.create", body, "validation", "sector",
                    role="stakeholder", actor=stk)
    assert error["message"].startswith("'sector' is not a field of a prize submission; ")
    body = prize_body(stk, call="women-in-tech")
    body["sectr"] = "software"
    error = refused(services, "submissions", "submission.create", body, "validation", "sectr",
                    role="stakeholder", actor=stk)
    assert error["message"] == "'sectr' is not a field of submission.create; did you mean 'sector'?"


# ---------------------------------------------------------------- sys.ops

def _field_names(fields):
    return [f["name"] for f in fields]


def test_sys_ops_on_every_service(services):
    for name in SERVICES:
        ops = ops_of(services, name)
        names = [op["op"] for op in ops]
        assert len(names) == len(set(names)), names
        for common in ("sys.ping", "sys.stats", "sys.clock.set", "sys.ops", "events.since"):
            assert common in names, (name, names)
        for op in ops:
            assert set(op) == {"op", "roles", "writes", "fields"}, op
            assert op["roles"] and all(role in ROLES for role in op["roles"]), op
            assert op["roles"] == sorted(op["roles"], key=ROLES.index)
            assert isinstance(op["writes"], bool)
            for field in op["fields"]:
                assert set(field) <= {"name", "required", "fields", "array"}, field
                assert isinstance(field["required"], bool)


def test_sys_ops_says_what_each_takes(services):
    ops = {op["op"]: op for op in ops_of(services, "submissions")}
    register = ops["stakeholder.register"]
    assert register["roles"] == ["public", "operator", "gateway"]
    assert register["writes"] is True
    assert register["fields"] == [
        {"name": n, "required": True} for n in ("name", "email", "type", "country", "region")] + [
        {"name": "gender", "required": False}, {"name": "organization", "required": False}]
    create = {f["name"]: f for f in ops["submission.create"]["fields"]}
    assert create["call"]["required"] and create["stakeholder_id"]["required"]
    assert create["contact"] == {"name": "contact", "required": False, "fields": [
        {"name": "name", "required": True}, {"name": "email", "required": True},
        {"name": "gender", "required": True}]}
    assert create["speakers"]["array"] is True
    assert _field_names(create["speakers"]["fields"]) == ["name", "gender", "organization"]
    assert ops["submission.get"]["writes"] is False
    voting = {op["op"]: op for op in ops_of(services, "voting")}
    assert voting["vote.cast"]["roles"] == ["stakeholder", "gateway"]
    assert _field_names(voting["vote.cast"]["fields"]) == ["call", "voter_id", "category", "submission_id"]
    assert voting["events.since"]["roles"] == ["operator", "gateway", "service"]
    assert voting["sys.ping"]["fields"] == []


def test_every_op_listed_answers_and_takes_its_fields(services):
    """Called by one of its roles, with each declared field (nil), every
    operation runs its handler: not unknown_op, not forbidden, and no
    declared field refused as unknown. Nil is absent to a handler, so
    nothing is written."""
    for name in SERVICES:
        for op in ops_of(services, name):
            role = op["roles"][0]
            body = {field["name"]: None for field in op["fields"]}
            before = last_seq(services, name)
            reply = services.call(name, op["op"], body, role=role, actor="stk-1")
            if not reply["ok"]:
                assert reply["error"]["code"] not in ("unknown_op", "bad_request"), (name, reply)
                # A handler may still refuse the caller (with keys, only an
                # operator's certificate sets a clock); the role list may not.
                assert "needs the role" not in reply["error"]["message"], (name, reply)
                assert "is not a field" not in reply["error"]["message"], (name, reply)
            assert last_seq(services, name) == before, (name, op["op"])


# ---------------------------------------------------------------- forbidden, unknown_op

@pytest.mark.parametrize("name, op, role, needs", [
    ("nominations", "review.decide", "stakeholder", "the role staff"),
    ("voting", "voting.close", "public", "the role staff or operator"),
    ("submissions", "submission.create", "public", "the role stakeholder, operator or gateway"),
    ("reporting", "report.export", "expert", "the role staff or operator"),
    ("bus", "publish", "staff", "the role operator or publisher"),
])
def test_forbidden_names_the_roles(services, name, op, role, needs):
    error = refused(services, name, op, {}, "forbidden", None, role=role)
    assert error["message"] == f"{op} needs {needs}; you are {role}"


def test_unknown_op_lists_the_operations(services):
    for name in SERVICES:
        error = refused(services, name, "stakeholder.regster", {}, "unknown_op", "op")
        listed = error["message"].split("; this service offers ")
        assert listed[0] == "unknown operation 'stakeholder.regster'"
        assert listed[1].split() == [op["op"] for op in ops_of(services, name)]


# ---------------------------------------------------------------- fixed lists

@pytest.mark.parametrize("name, op, body, field, values, role", [
    ("submissions", "stakeholder.register", stakeholder_body(type="ngo"), "type",
     "government private_sector civil_society academia international_organization", "public"),
    # Longer than any region: the list, not a length rule
    ("submissions", "stakeholder.register", stakeholder_body(region="somewhere_between_europe_and_asia"),
     "region", "africa americas arab_states asia_pacific cis europe", "public"),
    ("submissions", "stakeholder.register", stakeholder_body(gender="f" * 40), "gender",
     "female male non_binary undisclosed", "public"),
    ("submissions", "submission.list", {"call": PRIZES, "category": "Action Line C1 (long)"}, "category",
     CATEGORIES, "public"),
    ("submissions", "submission.list", {"call": PRIZES, "status": "accepted"}, "status",
     "received withdrawn", "public"),
    ("voting", "vote.cast", {"call": PRIZES, "voter_id": "stk-1", "category": "C" * 30,
                             "submission_id": "sub-1"}, "category", CATEGORIES, "gateway"),
    ("voting", "vote.tally", {"call": PRIZES, "category": 7}, "category", CATEGORIES, "staff"),
    ("nominations", "review.decide", {"submission_id": "sub-1", "decision": "approve"}, "decision",
     "nominate reject", "staff"),
    ("nominations", "review.list", {"call": PRIZES, "decision": "undecided"}, "decision",
     "nominate reject pending", "staff"),
    ("nominations", "selection.finalize", {"call": PRIZES, "category": "C12"}, "category",
     CATEGORIES, "staff"),
    ("nominations", "hltf.list", {"call": "hltf-2022", "stakeholder_type": "business"}, "stakeholder_type",
     "government private_sector civil_society academia international_organization", "staff"),
    ("notifications", "notify.list", {"status": "delivered-yesterday"}, "status",
     "pending scheduled ready sent failed skipped", "staff"),
    ("reporting", "report.sdg_matrix", {"format": "markdown"}, "format", "json csv svg", "public"),
    ("reporting", "report.sdg_matrix", {"kind": "photograph"}, "kind", "prize stocktaking", "public"),
    ("reporting", "report.export", {"dataset": "everything", "call": PRIZES}, "dataset",
     "submissions votes nominations results gender", "staff"),
    ("reporting", "report.women_in_tech", {"region": "oceania"}, "region",
     "africa americas arab_states asia_pacific cis europe", "public"),
])
def test_a_value_outside_a_list_is_told_the_list(services, name, op, body, field, values, role):
    error = refused(services, name, op, body, "validation", field, role=role)
    assert error["message"] == f"'{field}' must be one of {values}"


def test_a_submission_field_outside_its_list(services):
    stk = services.call("submissions", "stakeholder.register", stakeholder_body(),
                        role="public", actor=None)["body"]["stakeholder_id"]
    services.call("submissions", "sys.clock.set", {"now": "2022-01-10T12:00:00Z"})
    for field, value, values in [
            ("category", "Action Line C7 e-government", CATEGORIES),
            ("stakeholder_type", "NGO", "government private_sector civil_society academia "
                                        "international_organization"),
            ("contact.gender", "x" * 70, "female male non_binary undisclosed")]:
        body = prize_body(stk)
        if field == "contact.gender":
            body["contact"] = {**contact(), "gender": value}
        else:
            body[field] = value
        error = refused(services, "submissions", "submission.create", body, "validation", field,
                        role="stakeholder", actor=stk)
        assert error["message"] == f"'{field}' must be one of {values}"


# ---------------------------------------------------------------- duplicate email

def test_a_registered_email_tells_the_staff_side_who_has_it(services):
    body = stakeholder_body()
    stk = services.call("submissions", "stakeholder.register", body, role="public",
                        actor=None)["body"]["stakeholder_id"]
    again = {**body, "email": body["email"].upper()}
    for role in ("staff", "operator", "gateway"):
        error = refused(services, "submissions", "stakeholder.register", again, "duplicate", "email",
                        role=role)
        assert error["message"] == f"this email is already registered as stakeholder {stk}"
    for role in ("public", "stakeholder"):
        error = refused(services, "submissions", "stakeholder.register", again, "duplicate", "email",
                        role=role)
        assert error["message"] == "a stakeholder with this email is already registered"
        assert "stk-" not in error["message"]


# ---------------------------------------------------------------- finalize without nominees

def test_finalize_says_why_a_category_has_no_champion(nom):  # noqa: F811
    finalize = {"call": PRIZES, "category": "C2"}
    nom.clock(IN_SELECTION)
    error = nom.refused("selection.finalize", finalize, "conflict", "category")
    assert error["message"] == ("C2 has no champions in prizes-2022: its nominations were never "
                                "published, so it has no nominees")
    nom.submit(project(1, "C1"))
    nom.clock(IN_REVIEW)
    nom.ok("review.decide", {"submission_id": "sub-1", "decision": "nominate"})
    nom.ok("nominations.publish", {"call": PRIZES})
    nom.clock(IN_SELECTION)
    error = nom.refused("selection.finalize", finalize, "conflict", "category")
    assert error["message"] == ("C2 has no champions in prizes-2022: it had no nominees, so there is "
                                "no winner to select")
    # C1 had a nominee: it waits for the vote
    error = nom.refused("selection.finalize", {**finalize, "category": "C1"}, "conflict", "category")
    assert error["message"] == "C1 has no champions in prizes-2022: voting has not closed"
    nom.close_voting({"C1": ["sub-1"]})
    error = nom.refused("selection.finalize", finalize, "conflict", "category")
    assert "it had no nominees" in error["message"]


# ---------------------------------------------------------------- wsisctl

def wsisctl(cluster, *args):
    result = subprocess.run([WSISCTL, *args], env=cluster.env(), cwd=cluster.dir,
                            capture_output=True, text=True, timeout=30)
    for marker in SANITIZER_MARKERS:
        assert marker not in result.stderr, result.stderr
    return result


def _render(fields):
    out = []
    for field in fields:
        text = field["name"] + ("" if field["required"] else "?")
        if "fields" in field:
            inner = _render(field["fields"])
            text += f"[{inner}]" if field.get("array") else f"{{{inner}}}"
        out.append(text)
    return " ".join(out)


def test_wsisctl_service_help_prints_the_operations(services):
    for name in SERVICES:
        result = wsisctl(services, name, "--help")
        assert result.returncode == 0, result.stderr
        assert wsisctl(services, name, "help").stdout == result.stdout
        printed = result.stdout.splitlines()
        header, lines = printed[0], printed[2:]
        ops = ops_of(services, name)
        assert header.startswith(f"{name}: {len(ops)} operations")
        assert len(lines) == len(ops)
        for line, op in zip(lines, ops):
            columns = re.split(r"\s{2,}", line.strip())
            assert columns == [op["op"], ", ".join(op["roles"]), "{" + _render(op["fields"]) + "}"], line
    result = wsisctl(services, "submissions", "--help")
    assert ("stakeholder.register  public, operator, gateway" in result.stdout
            and "{name email type country region gender? organization?}" in result.stdout)
    assert "contact?{name email gender}" in result.stdout
    assert "speakers?[name gender organization?]" in result.stdout


def test_wsisctl_help_says_which_role_each_step_needs(services):
    result = wsisctl(services, "--help")
    assert result.returncode == 0
    steps = result.stdout.split("wsisctl SERVICE --help lists every operation of a service:\n")[1]
    lines = [line for line in steps.splitlines() if line.startswith("  ")]
    assert len(lines) >= 10
    tables = {name: {op["op"]: op["roles"] for op in ops_of(services, name)} for name in SERVICES}
    for line in lines:
        # "  review a project   nominations review.decide   staff"
        match = re.match(r"  (.+?)\s{2,}(\w+) (\S+)\s+(.+)$", line)
        assert match, line
        service, op, roles = match.group(2), match.group(3), match.group(4)
        assert roles.split(", ") == tables[service][op], line
