"""wsis-submissions: strict deadlines by the service clock (docs/protocol.md section 7).

A phase is open from its start (inclusive) to its end (exclusive), in
Europe/Geneva local time: the WSIS Prizes 2022 close at 23:00 CET on
21 January 2022 (22:00 UTC), the OCP and the Photo Contest at 23:59 CET on
7 March 2022 (22:59 UTC); the submission phases open at 00:00 CEST
(22:00 UTC the day before).
"""
import pytest

from submissions_helpers import (BODIES, ocp_body, photo_body, prize_body, stocktaking_body,
                                 subs)  # noqa: F401 (fixture)

# The last second a call with a deadline is open, and the first it is closed.
PHASE_ENDS = [
    ("prizes-2022", "2022-01-21T21:59:59Z", "2022-01-21T22:00:00Z"),
    ("ocp-2022", "2022-03-07T22:58:59Z", "2022-03-07T22:59:00Z"),
    ("photo-2022", "2022-03-07T22:58:59Z", "2022-03-07T22:59:00Z"),
]


@pytest.fixture
def stk(subs):
    subs.set_clock("2022-01-10T12:00:00Z")
    return subs.register()


# The message gives the opening as every service gives a time: the
# instant, then the call's wall time with its zone.
@pytest.mark.parametrize("call, last_closed, first_open, local", [
    ("prizes-2022", "2021-08-31T21:59:59.999Z", "2021-08-31T22:00:00Z", "2021-09-01 00:00 Europe/Geneva"),
    ("photo-2022", "2021-08-31T21:59:59Z", "2021-08-31T22:00:00Z", "2021-09-01 00:00 Europe/Geneva"),
    ("stocktaking-2022", "2021-08-31T21:59:59Z", "2021-08-31T22:00:00Z", "2021-09-01 00:00 Europe/Geneva"),
    ("ocp-2022", "2021-08-18T21:59:59Z", "2021-08-18T22:00:00Z", "2021-08-19 00:00 Europe/Geneva"),
])
def test_submission_phase_opens_at_its_start(subs, stk, call, last_closed, first_open, local):
    make = BODIES[call]
    subs.set_clock(last_closed)
    reply = subs.refuse(lambda: subs.create(make(stk)), "phase_not_open", None)
    assert reply["error"]["message"] == f"submissions to {call} open at {first_open} ({local})"
    subs.set_clock(first_open)
    subs.created(make(stk))


@pytest.mark.parametrize("call, last_open, first_closed", [
    ("prizes-2022", "2022-01-21T21:59:59Z", "2022-01-21T22:00:00Z"),
    ("ocp-2022", "2022-03-07T22:58:59Z", "2022-03-07T22:59:00Z"),
    ("photo-2022", "2022-03-07T22:58:59.999Z", "2022-03-07T22:59:00Z"),
])
def test_submission_phase_closes_at_its_end(subs, stk, call, last_open, first_closed):
    make = BODIES[call]
    subs.set_clock(last_open)
    subs.created(make(stk))
    subs.set_clock(first_closed)
    reply = subs.refuse(lambda: subs.create(make(stk)), "deadline_passed", None)
    assert call in reply["error"]["message"]
    subs.set_clock("2023-06-01T00:00:00Z")
    subs.refuse(lambda: subs.create(make(stk)), "deadline_passed", None)


def test_prizes_deadline_is_23_00_geneva_winter_time(subs, stk):
    # 23:00 CET is 22:00 UTC: at 22:30 UTC (23:30 Geneva) it is closed,
    # though 22:30 would still be before 23:00 in UTC.
    subs.set_clock("2022-01-21T22:30:00+00:00")
    reply = subs.refuse(lambda: subs.create(prize_body(stk)), "deadline_passed", None)
    # The deadline as every service gives a time: the instant, then the
    # call's wall time with its zone (the same form as voting's).
    assert reply["error"]["message"] == ("submissions to prizes-2022 closed at "
                                         "2022-01-21T22:00:00Z (2022-01-21 23:00 Europe/Geneva)")
    subs.set_clock("2022-01-21T22:59:59+01:00")
    subs.created(prize_body(stk))


def test_stocktaking_never_closes(subs, stk):
    subs.set_clock("2031-12-31T23:59:59Z")
    submission_id = subs.created(stocktaking_body(stk))
    assert subs.ok("submission.update", {"submission_id": submission_id, "status": "completed"})
    assert subs.ok("submission.withdraw", {"submission_id": submission_id})["status"] == "withdrawn"


@pytest.mark.parametrize("call, last_open, first_closed", PHASE_ENDS)
def test_update_only_while_the_phase_is_open(subs, stk, call, last_open, first_closed):
    subs.set_clock(last_open)
    submission_id = subs.created(BODIES[call](stk))
    assert subs.ok("submission.update", {"submission_id": submission_id, "title": "Changed in time"},
                   role="stakeholder", actor=stk)
    subs.set_clock(first_closed)
    subs.refuse(lambda: subs.call("submission.update", {"submission_id": submission_id, "title": "Too late"},
                                  role="stakeholder", actor=stk), "deadline_passed", None)
    assert subs.get(submission_id)["title"] == "Changed in time"


@pytest.mark.parametrize("call, last_open, first_closed", PHASE_ENDS)
def test_withdraw_only_before_the_deadline(subs, stk, call, last_open, first_closed):
    # After the deadline a project is under review, then on published lists
    # and ballots: withdrawing it is the staff's call, not the submitter's.
    subs.set_clock(last_open)
    kept = subs.created(BODIES[call](stk))
    gone = subs.created(BODIES[call](stk))
    assert subs.ok("submission.withdraw", {"submission_id": gone}, role="stakeholder", actor=stk)
    subs.set_clock(first_closed)
    for role, actor in (("stakeholder", stk), ("operator", "ops")):
        subs.refuse(lambda: subs.call("submission.withdraw", {"submission_id": kept}, role=role, actor=actor),
                    "deadline_passed", None)
    assert subs.get(kept)["status"] == "received"
    assert subs.get(gone)["status"] == "withdrawn"


def test_registration_has_no_deadline(subs):
    subs.set_clock("2030-01-01T00:00:00Z")
    assert subs.register()
    subs.set_clock("1971-01-01T00:00:00Z")
    assert subs.register()


def test_deadline_is_checked_before_the_fields(subs, stk):
    # Staff would rather hear "closed" than be asked to fix a form they can
    # no longer submit.
    subs.set_clock("2022-01-22T00:00:00Z")
    subs.refuse(lambda: subs.create(prize_body(stk, language="fr", title="")), "deadline_passed", None)
    for make in (photo_body, ocp_body):
        subs.set_clock("2022-03-08T00:00:00Z")
        subs.refuse(lambda: subs.create(make(stk, title="")), "deadline_passed", None)
