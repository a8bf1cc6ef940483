"""Sign-in without passwords through wsis-gateway, against the real
services: a code by email (wsis-notifications' file channel, read as the
person would), a session for it, the gateway acting for that stakeholder
and nobody else, and every way it refuses: an unregistered address (the
same answer), a wrong code, five wrong codes, an expired code, a session
signed out or expired. Deadlines by the manual clock."""
import signal
import sqlite3

import pytest

from contest_helpers import ok, set_clock
from gateway_helpers import bearer, mailed_codes, request, start_ready
from notifications_helpers import outbox
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"           # the 2022 Prizes take submissions
SIXTEEN_MINUTES_LATER = "2022-01-10T12:16:00Z"
TOMORROW = "2022-01-11T12:01:00Z"


@pytest.fixture
def c(tmp_path):
    cluster = start_ready(Cluster(tmp_path), OPEN)
    yield cluster
    cluster.close()


def register(c, email):
    """A stakeholder registered through the API; returns its id once the
    gateway has learnt its address."""
    status, _, body = request(c, "POST", "/api/v1/submissions/stakeholder.register",
                              stakeholder_body(email=email))
    assert status == 200, body
    head = ok(c.call("submissions", "sys.ping"))["last_seq"]
    c.wait_until(lambda: ok(c.call("gateway", "sys.stats"))["sources"]["submissions"]["last_seq"] >= head,
                 what="the gateway to learn the address")
    return body["stakeholder_id"]


def ask_code(c, email):
    status, _, body = request(c, "POST", "/api/v1/auth/code", {"email": email})
    assert status == 202, body
    return body


def the_code(c, email, count=1):
    c.wait_until(lambda: len(mailed_codes(c, email)) >= count, what=f"code {count} for {email} in the outbox")
    return mailed_codes(c, email)[count - 1]


def sign_in(c, email, code):
    return request(c, "POST", "/api/v1/auth/session", {"email": email, "code": code})


def test_a_code_by_email_makes_a_session_that_acts_for_that_stakeholder_only(c):
    ada = register(c, "Ada@Example.org")
    bob = register(c, "bob@example.org")
    answer = ask_code(c, "ada@example.org")
    assert answer["minutes"] == 15
    code = the_code(c, "ada@example.org")
    status, _, session = sign_in(c, "ADA@example.org", code)
    assert status == 201, session
    assert session["stakeholder_id"] == ada and len(session["token"]) >= 43
    assert session["expires"] == "2022-01-11T00:00:00Z"
    token = session["token"]

    # As Ada: her own project is hers to submit
    status, _, body = request(c, "POST", "/api/v1/submissions/submission.create",
                              prize_body(ada), bearer(token))
    assert status == 200, body
    # Never for Bob, whatever the body says
    status, _, body = request(c, "POST", "/api/v1/submissions/submission.create",
                              prize_body(bob, category="e-gov"), bearer(token))
    assert status == 403 and body["error"]["code"] == "forbidden", body
    status, _, body = request(c, "POST", "/api/v1/voting/vote.cast",
                              {"call": "prizes-2022", "voter_id": bob, "category": "C1",
                               "submission_id": "sub-1"}, bearer(token))
    assert status == 403, body
    # Without the session the same request is the public's: forbidden too
    status, _, body = request(c, "POST", "/api/v1/submissions/submission.create", prize_body(ada))
    assert status == 403 and "you are public" in body["error"]["message"]

    # The code was spent
    status, _, body = sign_in(c, "ada@example.org", code)
    assert status == 401

    # Signed out, the token is dead
    status, _, body = request(c, "DELETE", "/api/v1/auth/session", headers=bearer(token))
    assert status == 200 and body == {"signed_out": True}
    status, _, body = request(c, "POST", "/api/v1/submissions/sys.ping", {}, bearer(token))
    assert status == 401 and "sign in again" in body["error"]["message"]
    assert request(c, "DELETE", "/api/v1/auth/session", headers=bearer(token))[0] == 401


def test_an_unregistered_address_gets_the_same_answer_and_no_mail(c):
    register(c, "known@example.org")
    known = ask_code(c, "known@example.org")
    unknown = ask_code(c, "nobody@example.org")
    assert known == unknown
    the_code(c, "known@example.org")
    assert mailed_codes(c, "nobody@example.org") == []
    status, _, body = sign_in(c, "nobody@example.org", "123456")
    assert status == 401 and body["error"]["field"] == "code"
    # Wrong tries lock an unregistered address's code as they lock a real
    # one (test_five_wrong_codes_lock_it): no answer tells them apart
    for _ in range(4):
        assert sign_in(c, "nobody@example.org", "123456")[0] == 401
    status, _, body = sign_in(c, "nobody@example.org", "123456")
    assert status == 429 and body["error"]["code"] == "rate_limited", body
    # Nor the work: each made and kept a code (its hash; one commit each)
    with sqlite3.connect(c.data_dir / "gateway.db") as db:
        kept = dict(db.execute("SELECT email, tries FROM sign_in_code").fetchall())
    assert kept["known@example.org"] == 0 and kept["nobody@example.org"] == 5
    # Not even staff can read a code
    key = next(k for k in outbox(c) if k.startswith("sign-in/known@example.org/"))
    reply = c.call("notifications", "notify.preview", {"key": key}, role="staff")
    assert not reply["ok"] and reply["error"]["code"] == "forbidden"
    # Nor ask notifications to mail one: only the gateway may
    reply = c.call("notifications", "notify.sign_in",
                   {"email": "known@example.org", "code": "123456", "minutes": 15}, role="public")
    assert reply["error"]["code"] == "forbidden"


def test_five_wrong_codes_lock_it(c):
    register(c, "carol@example.org")
    ask_code(c, "carol@example.org")
    code = the_code(c, "carol@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        status, _, body = sign_in(c, "carol@example.org", wrong)
        assert status == 401, body
    status, _, body = sign_in(c, "carol@example.org", code)
    assert status == 429 and body["error"]["code"] == "rate_limited", body
    # One new code a minute at most: asking again at once sends nothing new
    ask_code(c, "carol@example.org")
    status, _, body = sign_in(c, "carol@example.org", code)
    assert status == 429


def test_a_code_expires_after_15_minutes_and_a_session_after_12_hours(c):
    register(c, "dan@example.org")
    ask_code(c, "dan@example.org")
    code = the_code(c, "dan@example.org")
    set_clock(c, SIXTEEN_MINUTES_LATER)
    status, _, body = sign_in(c, "dan@example.org", code)
    assert status == 401 and "expired" in body["error"]["message"]
    # A new code (more than a minute later) works
    ask_code(c, "dan@example.org")
    code = the_code(c, "dan@example.org", 2)
    status, _, session = sign_in(c, "dan@example.org", code)
    assert status == 201
    assert request(c, "POST", "/api/v1/submissions/sys.ping", {}, bearer(session["token"]))[0] == 200
    set_clock(c, TOMORROW)
    status, _, body = request(c, "POST", "/api/v1/submissions/sys.ping", {}, bearer(session["token"]))
    assert status == 401
    # Expired codes and sessions are deleted, not only refused
    c.stop("gateway")
    db = sqlite3.connect(f"file:{c.data_dir / 'gateway.db'}?mode=ro", uri=True)
    try:
        assert db.execute("SELECT count(*) FROM session").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM sign_in_code").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    finally:
        db.close()


@pytest.mark.parametrize("body, field", [
    ({}, "email"), ({"email": "not an address"}, "email"), ({"email": 7}, "email"),
])
def test_bad_sign_in_requests(c, body, field):
    status, _, reply = request(c, "POST", "/api/v1/auth/code", body)
    assert status == 422 and reply["error"]["field"] == field
    status, _, reply = request(c, "POST", "/api/v1/auth/session", {"email": "a@example.org", "code": "12"})
    assert status == 422 and reply["error"]["field"] == "code"
    status, _, reply = request(c, "GET", "/api/v1/auth/code")
    assert status == 405
    status, _, reply = request(c, "POST", "/api/v1/submissions/sys.ping", {},
                               {"Authorization": "Bearer not-a-session"})
    assert status == 401


def test_a_code_asked_while_notifications_is_down_arrives_once_it_is_back(c):
    register(c, "patient@example.org")
    c.stop("notifications")
    ask_code(c, "patient@example.org")          # the same answer: the code is kept
    c.start("notifications")
    set_clock(c, OPEN)
    code = the_code(c, "patient@example.org")
    assert sign_in(c, "patient@example.org", code)[0] == 201
    assert len(mailed_codes(c, "patient@example.org")) == 1


def test_a_code_whose_mail_was_not_answered_in_time_is_mailed_once(tmp_path):
    """wsis-notifications frozen (SIGSTOP) takes the request but answers
    nothing within gateway/upstream_timeout_ms: the gateway asks again with
    the same request id, and once it runs again the code is mailed once."""
    c = start_ready(Cluster(tmp_path, options={"gateway": {"upstream_timeout_ms": 300}}), OPEN)
    try:
        register(c, "frozen@example.org")
        c.processes["notifications"].send_signal(signal.SIGSTOP)
        try:
            ask_code(c, "frozen@example.org")
            # The tries wait in its socket meanwhile (one each 2 s after a timeout)
            c.wait_until(lambda: "did not answer; try 3 of" in c.log("gateway"), timeout=30,
                         what="the gateway to have asked twice")
        finally:
            c.processes["notifications"].send_signal(signal.SIGCONT)
        code = the_code(c, "frozen@example.org")
        assert sign_in(c, "frozen@example.org", code)[0] == 201
        # Every try was the same request: one message, however many tries,
        # and one notification in its store
        assert len(mailed_codes(c, "frozen@example.org")) == 1
        listed = ok(c.call("notifications", "notify.list", {"kind": "sign_in_code"}, role="staff"))["items"]
        assert [item["key"].split("/")[1] for item in listed] == ["frozen@example.org"], listed
    finally:
        c.close()
