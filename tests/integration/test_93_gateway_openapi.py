"""The OpenAPI document wsis-gateway serves at /api/v1/openapi.json,
checked twice: as an OpenAPI 3 document (JSON::Validator's OpenAPIv3
schema, Debian's libjson-validator-perl), and against the real
responses: every path and method of the document is called, every
response's status is one the document lists for it (an undocumented one
fails), with a body, a success's or an error's, that matches its schema
(python3-jsonschema, openapi_helpers), and every body a route took
matches its request schema."""
import json
import subprocess

import pytest

from contest_helpers import IN_REVIEW, IN_VOTING, caught_up, ok, set_clock
from gateway_helpers import bearer, mailed_codes, request, sign_in, start_ready
from nominations_helpers import VOTING_CLOSE
from notifications_helpers import outbox
from openapi_helpers import check_request, check_response
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"

PERL_CHECK = r'''
use strict;
use JSON::Validator::Schema::OpenAPIv3;
use Mojo::File qw(path);
use Mojo::JSON qw(decode_json);
my $schema = JSON::Validator::Schema::OpenAPIv3->new(decode_json(path($ARGV[0])->slurp));
print "$_\n" for @{$schema->errors};
'''


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("openapi"), options={"gateway": {"max_body": 4096}}),
                          OPEN)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def document(c):
    status, headers, body = request(c, "GET", "/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return body


def test_it_is_a_valid_openapi_3_document(c, document, tmp_path):
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    result = subprocess.run(["perl", "-e", PERL_CHECK, str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", result.stdout
    assert document["openapi"].startswith("3.0")


def test_a_broken_document_is_caught(tmp_path):
    """The check above can fail: a response without a description is refused."""
    broken = {"openapi": "3.0.3", "info": {"title": "x", "version": "1"},
              "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = subprocess.run(["perl", "-e", PERL_CHECK, str(path)], capture_output=True, text=True,
                            timeout=120)
    assert "description" in result.stdout, result.stdout + result.stderr


def test_every_route_answers_as_documented(c, document):
    covered = set()

    def call(path, method, url, body=None, headers=None, raw_body=None):
        """One request, its answer checked against the document (and the
        body it took, when it took it, against the request's schema)."""
        status, answered, reply = request(c, method.upper(), url, body, headers, raw_body)
        covered.add(check_response(document, path, method, url, status, answered, reply))
        if 200 <= status < 300 and raw_body is None:
            check_request(document, path, method, url, body)
        return status, reply

    assert call("/healthz", "get", "/healthz")[0] == 200
    assert call("/readyz", "get", "/readyz")[0] == 200
    assert call("/api/v1/openapi.json", "get", "/api/v1/openapi.json")[0] == 200
    assert call("/api/v1/calls", "get", "/api/v1/calls")[0] == 200
    assert call("/api/v1/calls/{call}", "get", "/api/v1/calls/prizes-2022")[0] == 200
    assert call("/api/v1/calls/{call}", "get", "/api/v1/calls/prizes-1999")[0] == 404

    # The generic route, its errors
    op = "/api/v1/{service}/{op}"
    status, reply = call(op, "post", "/api/v1/submissions/stakeholder.register",
                         stakeholder_body(email="open@example.org"))
    assert status == 200
    ada = reply["stakeholder_id"]
    for url, body, expected in [
        ("/api/v1/submissions/stakeholder.register", {"name": "x"}, 422),
        ("/api/v1/submissions/stakeholder.list", {}, 403),
        ("/api/v1/submissions/no.such.op", {}, 404),
        ("/api/v1/submissions/stakeholder.register", stakeholder_body(email="open@example.org"), 409),
        ("/api/v1/reporting/report.summary", {"call": "prizes-2022"}, 200),
    ]:
        assert call(op, "post", url, body)[0] == expected, url
    assert call(op, "post", "/api/v1/voting/sys.ping", raw_body=b"[1]")[0] == 400
    assert call(op, "post", "/api/v1/voting/sys.ping", raw_body=json.dumps({"x": "y" * 5000}).encode())[0] == 413
    assert call(op, "post", "/api/v1/voting/sys.ping", {}, {"Authorization": "Bearer nope"})[0] == 401

    # Sign-in
    assert call("/api/v1/auth/code", "post", "/api/v1/auth/code", {"email": "open@example.org"})[0] == 202
    assert call("/api/v1/auth/code", "post", "/api/v1/auth/code", {"email": "no"})[0] == 422
    c.wait_until(lambda: mailed_codes(c, "open@example.org"), what="the code in the outbox")
    code = mailed_codes(c, "open@example.org")[0]
    session = "/api/v1/auth/session"
    wrong = "000000" if code != "000000" else "111111"
    assert call(session, "post", session, {"email": "open@example.org", "code": wrong})[0] == 401
    assert call(session, "post", session, {"email": "open@example.org", "code": "1"})[0] == 422
    status, reply = call(session, "post", session, {"email": "open@example.org", "code": code})
    assert status == 201 and reply["stakeholder_id"] == ada
    ada_session = bearer(reply["token"])
    assert call(op, "post", "/api/v1/voting/sys.ping", {}, ada_session)[0] == 200

    # Resource routes: registering, and Ada's own submissions
    status, reply = call("/api/v1/stakeholders", "post", "/api/v1/stakeholders",
                         stakeholder_body(email="bob@example.org"))
    assert status == 200
    bob = reply["stakeholder_id"]
    assert request(c, "GET", "/api/v1/stakeholders")[0] == 405
    subs = "/api/v1/submissions"
    assert call(subs, "post", subs, {k: v for k, v in prize_body(ada).items() if k != "stakeholder_id"})[0] == 401
    body = {k: v for k, v in prize_body(ada, category="C1").items() if k != "stakeholder_id"}
    status, reply = call(subs, "post", subs, body, ada_session)
    assert status == 200, reply
    project = reply["submission_id"]
    status, reply = call(subs, "post", subs, {**body, "title": "Another project", "short_description":
                                              prize_body(ada)["short_description"]}, ada_session)
    assert status == 409 and reply["error"]["code"] == "conflict", reply     # one per entity and category
    status, reply = call(subs, "post", subs, prize_body(bob, category="C2"), ada_session)
    assert status == 403, reply                 # never as another stakeholder
    status, reply = call(subs, "post", subs, {k: v for k, v in prize_body(ada, category="C3").items()
                                              if k != "stakeholder_id"}, ada_session)
    withdrawn = reply["submission_id"]
    one = "/api/v1/submissions/{submission_id}"
    assert call(one, "patch", f"/api/v1/submissions/{project}", {"title": "A better title"}, ada_session)[0] == 200
    assert call(one, "delete", f"/api/v1/submissions/{withdrawn}", None, ada_session)[0] == 200
    assert call(one, "delete", "/api/v1/submissions/sub-999999", None, ada_session)[0] == 404
    me = "/api/v1/stakeholders/me"
    status, reply = call(me, "get", me, None, ada_session)
    assert status == 200 and reply["stakeholder_id"] == ada, reply
    assert call(me, "get", me)[0] == 401
    status, reply = call(me, "get", f"{me}?stakeholder_id={bob}", None, ada_session)
    assert status == 403, reply                 # never another stakeholder's record
    status, reply = call(one, "get", f"/api/v1/submissions/{project}")
    assert status == 200 and reply["title"] == "A better title", reply
    assert call(one, "get", "/api/v1/submissions/sub-999999")[0] == 404
    listing = "/api/v1/calls/{call}/submissions"
    status, reply = call(listing, "get", "/api/v1/calls/prizes-2022/submissions?category=C1&limit=10")
    assert status == 200 and [item["submission_id"] for item in reply["items"]] == [project], reply
    assert call(listing, "get", "/api/v1/calls/prizes-2022/submissions?limit=501")[0] == 422

    # Reminders by mail: subscribe, confirm with the mailed token, unsubscribe
    subscriptions = "/api/v1/subscriptions"
    status, reply = call(subscriptions, "post", subscriptions, {"email": "reader@example.org", "calls": ["prizes-2022"]})
    assert status == 200, reply
    assert call(subscriptions, "post", subscriptions, {"email": "not an address"})[0] == 422
    key = c.wait_until(lambda: next((k for k in outbox(c) if k.startswith("subscribe/reader@example.org/")), None),
                       what="the confirmation mail")
    token = key.rsplit("/", 1)[1]
    confirm = "/api/v1/subscriptions/confirm"
    assert call(confirm, "post", confirm, {"token": token})[0] == 200
    assert call(confirm, "post", confirm, {"token": "0" * 32})[0] == 404
    unsubscribe = "/api/v1/subscriptions/unsubscribe"
    assert call(unsubscribe, "post", unsubscribe, {"token": token})[0] == 200
    assert call(unsubscribe, "post", unsubscribe, {"email": "reader@example.org"})[0] == 403   # staff only
    status, _ = call("/api/v1/nominations/hltf", "post", "/api/v1/nominations/hltf", {"call": "nowhere"})
    assert status == 422
    status, _ = call("/api/v1/nominations/trendsetters", "post", "/api/v1/nominations/trendsetters",
                     {"call": "nowhere"})
    assert status == 422
    person = {"name": "Nadia", "organization": "Qatar University", "email": "nadia@example.org", "gender": "female"}
    hltf = {"call": "hltf-2022", "stakeholder_type": "academia", "nominee": {**person, "title": "Professor"},
            "nominated_by": {"name": "Coordination Mechanism", "email": "mechanism@example.org"}}
    status, reply = call("/api/v1/nominations/hltf", "post", "/api/v1/nominations/hltf", hltf)
    assert status == 200 and reply["nomination_id"].startswith("hltf-"), reply
    status, reply = call("/api/v1/nominations/hltf", "post", "/api/v1/nominations/hltf", hltf)
    assert status == 409 and reply["error"]["code"] == "duplicate", reply
    trendsetter = {"call": "trendsetters-2021", "nominee": {**person, "country": "QA"}, "objectives": [1, 4],
                   "motivation": "She founded a network of women engineers."}
    status, reply = call("/api/v1/nominations/trendsetters", "post", "/api/v1/nominations/trendsetters", trendsetter)
    assert status == 200 and reply["nomination_id"].startswith("amb-"), reply

    # Signing out ends the session
    assert call(session, "delete", session, headers=ada_session)[0] == 200
    assert call(session, "delete", session, headers=ada_session)[0] == 401

    # The vote: Ada's two projects of C1 nominated, the voting phase, Bob votes over HTTP
    other = ok(c.call("submissions", "submission.create", prize_body(ada, category="C1"), role="gateway"))[
        "submission_id"]
    set_clock(c, IN_REVIEW)
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the project")
    for nominated in (project, other):
        ok(c.call("nominations", "review.decide", {"submission_id": nominated, "decision": "nominate"},
                  role="staff"))
    nominees = "/api/v1/calls/{call}/nominees"
    assert call(nominees, "get", "/api/v1/calls/prizes-2022/nominees")[0] == 403   # not published yet
    ok(c.call("nominations", "nominations.publish", {"call": "prizes-2022"}, role="staff"))
    status, reply = call(nominees, "get", "/api/v1/calls/prizes-2022/nominees")
    assert status == 200 and reply["categories"]["C1"] == [project, other], reply
    assert reply["titles"][project] == "A better title"
    set_clock(c, IN_VOTING)
    c.wait_until(lambda: caught_up(c, "voting", "nominations") and caught_up(c, "voting", "submissions"),
                 what="voting to learn the nominated project")
    bob_session = sign_in(c, "bob@example.org")
    votes = "/api/v1/calls/{call}/votes"
    ballot = {"category": "C1", "submission_id": project}
    assert call(votes, "post", "/api/v1/calls/prizes-2022/votes", ballot)[0] == 401
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes", ballot, bob_session)
    assert status == 200 and reply["duplicate"] is False, reply
    receipt = reply["receipt"]
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes", ballot, bob_session)
    assert status == 200 and reply == {"receipt": receipt, "duplicate": True}, reply
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes",
                         {"category": "C1", "submission_id": other}, bob_session)
    assert status == 409 and reply["error"]["code"] == "already_voted", reply
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes",
                         {"category": "C1", "submission_id": "sub-999999"}, bob_session)
    assert status == 422 and reply["error"]["field"] == "submission_id", reply
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes",
                         {**ballot, "voter_id": ada}, bob_session)
    assert status == 403                        # Bob cannot vote for Ada
    receipts = "/api/v1/receipts/{receipt}"
    status, reply = call(receipts, "get", f"/api/v1/receipts/{receipt}")
    assert status == 200 and reply["submission_id"] == project and reply["counted"] is True
    status, reply = call(receipts, "get", "/api/v1/receipts/" + "0" * 80)
    assert status == 404 and reply["error"]["code"] == "not_found", reply
    tally = "/api/v1/calls/{call}/tally"
    assert call(tally, "get", "/api/v1/calls/prizes-2022/tally")[0] == 403     # embargoed until the close

    # Reports, in every format
    assert call("/api/v1/calls/{call}/summary", "get", "/api/v1/calls/prizes-2022/summary")[0] == 200
    assert call("/api/v1/calls/{call}/results", "get", "/api/v1/calls/prizes-2022/results")[0] == 200
    matrix = "/api/v1/reports/sdg_matrix"
    status, svg = call(matrix, "get", "/api/v1/reports/sdg_matrix?format=svg")
    assert status == 200 and b"<svg" in svg
    status, answered, csv = request(c, "GET", "/api/v1/reports/sdg_matrix?call=prizes-2022&format=csv")
    assert status == 200 and answered["Content-Type"].startswith("text/csv") and csv.count(b"\n") >= 17
    assert call(matrix, "get", "/api/v1/reports/sdg_matrix")[0] == 200
    assert call("/api/v1/reports/gender", "get", "/api/v1/reports/gender?format=svg")[0] == 200
    status, html = call("/api/v1/reports/publication", "get", "/api/v1/reports/publication?call=prizes-2022&format=html")
    assert status == 200 and html.startswith(b"<!DOCTYPE html>"), html[:100]
    status, markdown = call("/api/v1/reports/publication", "get", "/api/v1/reports/publication?call=prizes-2022")
    assert status == 200 and b"# WSIS Stocktaking: Success Stories 2022" in markdown, markdown[:200]
    status, reply = call(matrix, "get", "/api/v1/reports/sdg_matrix?format=pdf")
    assert status == 422 and reply["error"]["field"] == "format"
    status, reply = call("/api/v1/reports/gender", "get", "/api/v1/reports/gender?call=prizes-2022")
    assert status == 200 and reply["call"] == "prizes-2022" and reply["groups"], reply
    assert call("/api/v1/women_in_tech", "get", "/api/v1/women_in_tech?limit=5")[0] == 200
    assert call("/api/v1/women_in_tech", "get", "/api/v1/women_in_tech?region=nowhere")[0] == 422

    # The close: the tally is public, and a vote is too late
    set_clock(c, VOTING_CLOSE)
    c.wait_until(lambda: request(c, "GET", "/api/v1/calls/prizes-2022/tally")[0] == 200,
                 what="the voting to close by the clock")
    status, reply = call(tally, "get", "/api/v1/calls/prizes-2022/tally")
    assert status == 200 and reply["closed"] is True, reply
    assert [(r["submission_id"], r["votes"]) for r in reply["categories"]["C1"]] == [(project, 1), (other, 0)]
    assert reply["votes"] == 1 and reply["voters"] == 1
    status, reply = call(tally, "get", "/api/v1/calls/prizes-2022/tally?category=C1")
    assert status == 200 and list(reply["categories"]) == ["C1"], reply
    bob_session = sign_in(c, "bob@example.org")     # the clock moved past the session's hours
    status, reply = call(votes, "post", "/api/v1/calls/prizes-2022/votes",
                         {"category": "C2", "submission_id": project}, bob_session)
    assert status == 410 and reply["error"]["code"] == "deadline_passed", reply
    status, reply = call("/api/v1/calls/{call}/results", "get", "/api/v1/calls/prizes-2022/results")
    assert status == 200 and reply["voting_closed"] is True
    assert reply["categories"]["C1"]["champions"][0]["submission_id"] == project, reply

    documented = {(path, method) for path, methods in document["paths"].items()
                  for method in methods if method != "parameters"}
    answered = {(path, method) for path, method, _ in covered}
    assert answered == documented, documented - answered


@pytest.mark.parametrize("path, method, url, body, expected", [
    ("/api/v1/calls/{call}/votes", "post", "/api/v1/calls/prizes-2022/votes", {"category": "C1"}, 401),
    ("/api/v1/calls/{call}/tally", "get", "/api/v1/calls/nowhere/tally", None, 422),
    ("/api/v1/calls/{call}/nominees", "get", "/api/v1/calls/nowhere/nominees", None, 422),
    ("/api/v1/calls/{call}/summary", "get", "/api/v1/calls/nowhere/summary", None, 422),
    ("/api/v1/calls/{call}/results", "get", "/api/v1/calls/stocktaking-2022/results", None, 200),
    ("/api/v1/calls/{call}/submissions", "get", "/api/v1/calls/nowhere/submissions", None, 422),
    ("/api/v1/receipts/{receipt}", "get", "/api/v1/receipts/zz", None, 422),
    ("/api/v1/submissions/{submission_id}", "get", "/api/v1/submissions/zz", None, 422),
    ("/api/v1/submissions/{submission_id}", "patch", "/api/v1/submissions/sub-77", {"title": "x"}, 401),
    ("/api/v1/reports/publication", "get", "/api/v1/reports/publication", None, 422),
    ("/api/v1/reports/publication", "get", "/api/v1/reports/publication?call=stocktaking-2022", None, 422),
    ("/api/v1/reports/gender", "get", "/api/v1/reports/gender?format=pdf", None, 422),
    ("/api/v1/women_in_tech", "get", "/api/v1/women_in_tech?limit=0", None, 422),
    ("/api/v1/subscriptions/confirm", "post", "/api/v1/subscriptions/confirm", {}, 422),
    ("/api/v1/subscriptions/unsubscribe", "post", "/api/v1/subscriptions/unsubscribe", {}, 422),
    ("/api/v1/subscriptions", "post", "/api/v1/subscriptions", {"email": "a@example.org", "calls": ["nowhere"]}, 422),
    ("/api/v1/nominations/hltf", "post", "/api/v1/nominations/hltf", {"call": "prizes-2022"}, 422),
    ("/api/v1/stakeholders", "post", "/api/v1/stakeholders", {}, 422),
    ("/api/v1/auth/session", "delete", "/api/v1/auth/session", None, 401),
    ("/api/v1/auth/session", "post", "/api/v1/auth/session", [], 400),
    ("/api/v1/{service}/{op}", "post", "/api/v1/gateway/sys.ping", {}, 404),
    ("/api/v1/{service}/{op}", "post", "/api/v1/reporting/report.publication", {"call": "prizes-2022"}, 200),
    ("/api/v1/{service}/{op}", "post", "/api/v1/reporting/report.sdg_matrix", {"format": "csv"}, 200),
])
def test_refusals_and_other_answers_are_documented(c, document, path, method, url, body, expected):
    """A sample of what each kind of route refuses (and the generic
    route's reports as {content_type, data}), each checked against the
    document like the answers above."""
    status, headers, reply = request(c, method.upper(), url, body)
    assert status == expected, reply
    check_response(document, path, method, url, status, headers, reply)
