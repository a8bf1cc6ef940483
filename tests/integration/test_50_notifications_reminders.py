"""wsis-notifications: staff reminded of every deadline of the calendar, by
the service clock, once (docs/protocol.md section 11).

The shipped calendar (the 2022 edition) and staff file: the WSIS Prizes
team follows prizes-2022, the secretariat every call; both get their mail
through the file channel, the development default, so a test reads each
message as a file. The manual clock starts at the epoch, so every moment
of 2022 is ahead of it when the service starts.
"""
import hashlib
import json
import shutil
import signal
from collections import Counter

from notifications_helpers import (PRIZES, PRIZES_STAFF, SECRETARIAT, body_text, by_key,
                                   outbox, pages, set_clock, wait_message, wait_settled)
from wsis_harness import ROOT

VOTING_7D = f"{PRIZES}/voting/reminder/7d"


def start(cluster):
    cluster.start("bus", "notifications")


def test_the_schedule_has_the_instants_of_the_calendar(cluster):
    start(cluster)
    items = by_key(pages(cluster, "notify.schedule", {"call": PRIZES}))
    expected = {
        # 23:00 Geneva on 21 January is 22:00Z (winter time): 1 hour before.
        f"{PRIZES}/submission/reminder/1h/staff/{PRIZES_STAFF}": "2022-01-21T21:00:00Z",
        f"{PRIZES}/submission/reminder/14d/staff/{PRIZES_STAFF}": "2022-01-07T22:00:00Z",
        # Calendar days in Geneva: 23:00 on 24 March, before summer time.
        f"{VOTING_7D}/staff/{PRIZES_STAFF}": "2022-03-24T22:00:00Z",
        f"{VOTING_7D}/staff/{SECRETARIAT}": "2022-03-24T22:00:00Z",
        # Elapsed time: an hour before 2022-03-31T21:00Z (summer time).
        f"{PRIZES}/voting/reminder/1h/staff/{PRIZES_STAFF}": "2022-03-31T20:00:00Z",
        f"{PRIZES}/voting/closed/staff/{PRIZES_STAFF}": "2022-03-31T21:00:00Z",
        f"{PRIZES}/voting/opened/staff/{PRIZES_STAFF}": "2022-02-28T23:00:00Z",
    }
    for key, due in expected.items():
        assert key in items, key
        assert items[key]["due"] == due, (key, items[key])
        assert items[key]["status"] == "scheduled"
    assert items[f"{VOTING_7D}/staff/{PRIZES_STAFF}"]["kind"] == "deadline_reminder"
    # Each instant also as the calendar writes it: Geneva's wall time
    assert items[f"{VOTING_7D}/staff/{PRIZES_STAFF}"]["due_local"] == "2022-03-24 23:00 Europe/Geneva"
    assert items[f"{PRIZES}/voting/closed/staff/{PRIZES_STAFF}"]["due_local"] \
        == "2022-03-31 23:00 Europe/Geneva"
    # In the order they fall due.
    dues = [item["due"] for item in pages(cluster, "notify.schedule", {"call": PRIZES})]
    assert dues == sorted(dues)
    # The OCP's meetings: a day and an hour before each starts.
    ocp = by_key(pages(cluster, "notify.schedule", {"call": "ocp-2022"}))
    meeting = {key: item["due"] for key, item in ocp.items() if "/meeting/" in key
               and key.endswith(SECRETARIAT)}
    assert "2021-12-07T12:50:00Z" in meeting.values()
    assert "2021-12-08T11:50:00Z" in meeting.values()
    # The Stocktaking call never closes: no reminder, no close.
    stocktaking = pages(cluster, "notify.schedule", {"call": "stocktaking-2022"})
    assert stocktaking and all("/opened/" in item["key"] for item in stocktaking)
    # A page at a time.
    first = cluster.call("notifications", "notify.schedule", {"call": PRIZES, "limit": 3},
                         role="staff")["body"]
    assert len(first["items"]) == 3 and first["next"] == first["items"][-1]["key"]


def test_a_reminder_is_sent_once_when_the_clock_passes_it(cluster):
    start(cluster)
    set_clock(cluster, "2022-03-24T22:00:30Z")
    key = f"{VOTING_7D}/staff/{PRIZES_STAFF}"
    message = wait_message(cluster, key)
    assert message["To"].addresses[0].addr_spec == PRIZES_STAFF
    assert "WSIS Prizes 2022" in message["Subject"] or "voting" in message["Subject"].lower()
    text = body_text(message)
    assert "7 days" in text and "2022-03-31 23:00" in text
    assert "late" not in text.lower()
    wait_settled(cluster)
    sent = by_key(pages(cluster, "notify.list", {"status": "sent", "call": PRIZES}))
    assert key in sent and not sent[key]["late"]

    # The event, once, published by the bus's source order.
    events = [e for e in cluster.events("notifications") if e["type"] == "deadline.reminder"
              and e["body"]["phase"] == "voting" and e["body"]["before"] == "7d"]
    assert len(events) == 1
    assert events[0]["body"] == {"call": PRIZES, "phase": "voting", "due": "2022-03-31T21:00:00Z",
                                 "before": "7d"}

    # kill -9 and a restart send nothing again: one file per sent mail.
    cluster.kill("notifications", signal.SIGKILL)
    cluster.start("notifications")
    set_clock(cluster, "2022-03-24T22:00:40Z")
    wait_settled(cluster)
    files = outbox(cluster)
    mails = [item for item in pages(cluster, "notify.list", {"status": "sent"})
             if item["channel"] == "file"]
    assert sorted(files) == sorted(item["key"] for item in mails)
    assert len([e for e in cluster.events("notifications") if e["type"] == "deadline.reminder"
                and e["body"]["phase"] == "voting" and e["body"]["before"] == "7d"]) == 1


def test_events_come_out_in_the_order_of_their_instants(cluster):
    start(cluster)
    # The calendar's own events up to June 2022, in the order they fall due.
    moments = [item for item in pages(cluster, "notify.list", {"limit": 1000})
               if item["channel"] == "event" and item["due"] <= "2022-06-10T00:00:00Z"]
    # The clock stepped to each instant, each handled before the next, so
    # that every reminder comes due before its deadline and is published.
    for due in sorted({item["due"] for item in moments}):
        set_clock(cluster, due)
        keys = [item["key"] for item in moments if item["due"] == due]

        def told():
            return all(cluster.call("notifications", "notify.preview", {"key": key},
                                    role="staff")["body"]["status"] != "scheduled"
                       for key in keys)
        cluster.wait_until(told, what=f"the events due at {due}")
    events = [e for e in cluster.events("notifications")
              if e["type"] in ("phase.opened", "phase.closed", "deadline.reminder")]

    # The instant each event was due at, from its notification.
    def text(body):
        return json.dumps(body, sort_keys=True)
    due_of = {}
    for item in moments:
        preview = cluster.call("notifications", "notify.preview", {"key": item["key"]},
                               role="staff")["body"]
        assert preview["status"] == "sent", preview
        due_of[(item["kind"], text(preview["body"]))] = item["due"]
    published = [(e["type"], text(e["body"])) for e in events]
    # Each exactly once, and none that the calendar did not have.
    assert Counter(published) == Counter(due_of.keys())
    # In the order of their instants, deadline reminders among them.
    instants = [due_of[event] for event in published]
    assert instants == sorted(instants)
    reminders = [e["body"]["before"] for e in events if e["type"] == "deadline.reminder"
                 and e["body"]["call"] == PRIZES and e["body"]["phase"] == "voting"]
    assert reminders == ["14d", "7d", "1d", "1h"]
    closed = [e["body"]["phase"] for e in events
              if e["type"] == "phase.closed" and e["body"]["call"] == PRIZES]
    assert closed == ["submission", "nomination", "voting", "selection", "announcement"]


def test_a_reminder_after_its_deadline_is_skipped_and_a_late_one_says_so(cluster):
    start(cluster)
    # Past the 7-day reminder of the voting close by days, before the close.
    set_clock(cluster, "2022-03-30T00:00:00Z")
    key = f"{VOTING_7D}/staff/{PRIZES_STAFF}"
    message = wait_message(cluster, key)
    assert "late" in body_text(message).lower()
    wait_settled(cluster)
    items = by_key(pages(cluster, "notify.list", {"call": PRIZES}))
    assert items[key]["status"] == "sent" and items[key]["late"]
    # The reminders of the submission close (21 January) came due after it.
    skipped = items[f"{PRIZES}/submission/reminder/7d/staff/{PRIZES_STAFF}"]
    assert skipped["status"] == "skipped"
    assert skipped["key"] not in outbox(cluster)
    # Not even the event was published for a reminder that was skipped.
    reminders = [e["body"] for e in cluster.events("notifications")
                 if e["type"] == "deadline.reminder" and e["body"]["call"] == PRIZES]
    assert {"call": PRIZES, "phase": "submission", "due": "2022-01-21T22:00:00Z",
            "before": "7d"} not in reminders


def test_a_restart_with_the_same_files_changes_nothing_and_past_items_are_not_resent(cluster):
    start(cluster)
    set_clock(cluster, "2022-02-01T00:00:00Z")
    wait_settled(cluster)
    before = by_key(pages(cluster, "notify.list"))
    cluster.stop("notifications")
    cluster.start("notifications")
    set_clock(cluster, "2022-02-01T00:00:00Z")
    wait_settled(cluster)
    after = by_key(pages(cluster, "notify.list"))
    assert before.keys() == after.keys()
    assert {k: v["status"] for k, v in before.items()} == {k: v["status"] for k, v in after.items()}


def test_pending_is_what_is_owed_and_not_yet_delivered(cluster):
    start(cluster)
    set_clock(cluster, "2022-03-24T22:00:30Z")
    wait_settled(cluster)
    every = by_key(pages(cluster, "notify.list", {"call": PRIZES}))
    pending = by_key(pages(cluster, "notify.list", {"status": "pending", "call": PRIZES}))
    owed = {k for k, v in every.items() if v["status"] in ("scheduled", "ready")}
    assert pending and set(pending) == owed
    assert f"{PRIZES}/voting/reminder/1d/staff/{PRIZES_STAFF}" in pending
    assert every[f"{VOTING_7D}/staff/{PRIZES_STAFF}"]["status"] == "sent"
    assert f"{VOTING_7D}/staff/{PRIZES_STAFF}" not in pending
    assert {v["status"] for v in every.values()} - {"scheduled", "ready"} <= \
        {"sent", "skipped", "failed"}


def test_staff_and_operators_only(cluster):
    start(cluster)
    for op in ("notify.schedule", "notify.list"):
        reply = cluster.call("notifications", op, {}, role="stakeholder")
        assert not reply["ok"] and reply["error"]["code"] == "forbidden"
    reply = cluster.call("notifications", "notify.schedule", {"call": "prizes-1999"}, role="staff")
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "call"
    reply = cluster.call("notifications", "notify.list", {"status": "lost"}, role="staff")
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "status"
    reply = cluster.call("notifications", "notify.preview", {"key": "nothing/here"}, role="staff")
    assert reply["error"]["code"] == "not_found" and reply["error"]["field"] == "key"
    reply = cluster.call("notifications", "notify.retry", {"key": f"{VOTING_7D}/staff/{PRIZES_STAFF}"},
                         role="staff")
    assert reply["error"]["code"] == "conflict"


def test_preview_shows_the_message_as_it_would_be_sent(cluster):
    start(cluster)
    key = f"{VOTING_7D}/staff/{PRIZES_STAFF}"
    reply = cluster.call("notifications", "notify.preview", {"key": key}, role="staff")
    assert reply["ok"], reply
    preview = reply["body"]
    assert preview["to"] == PRIZES_STAFF and preview["status"] == "scheduled"
    assert "7 days" in preview["body"]
    assert f"X-WSIS-Key: {key}" in preview["message"]
    event = cluster.call("notifications", "notify.preview", {"key": VOTING_7D}, role="staff")["body"]
    assert event["channel"] == "event" and event["body"]["before"] == "7d"


def test_a_bad_template_or_staff_file_stops_the_service_with_one_line(cluster, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(f"{ROOT}/configs/templates", templates)
    (templates / "champion.txt").write_text("Subject: {call_title}\n\nDear {nmae},\n")
    cluster.config.write_text(cluster.config.read_text()
                              + f"notifications\n    templates = {templates}\n")
    cluster.start("bus")
    cluster.start("notifications", wait=False)
    assert cluster.processes["notifications"].wait(timeout=15) == 1
    log = cluster.log("notifications")
    assert "champion.txt" in log and "nmae" in log

    staff = tmp_path / "staff.cfg"
    staff.write_text('staff\n    name = "Prizes"\n    email = p@example.org\n'
                     '    calls = "prizes-2023"\n    channel = file\n')
    (templates / "champion.txt").write_text("Subject: {call_title}\n\nDear {name},\n")
    text = cluster.config.read_text().replace("wsis\n", f"wsis\n    staff = {staff}\n", 1)
    cluster.config.write_text(text)
    cluster.start("notifications", wait=False)
    assert cluster.processes["notifications"].wait(timeout=15) == 1
    assert "prizes-2023" in cluster.log("notifications")


def test_a_reload_of_the_staff_file_changes_future_notifications_only(cluster, tmp_path):
    staff = tmp_path / "staff.cfg"
    shutil.copy(f"{ROOT}/configs/staff.cfg", staff)
    cluster.config.write_text(cluster.config.read_text().replace(
        "wsis\n", f"wsis\n    staff = {staff}\n", 1))
    start(cluster)
    set_clock(cluster, "2022-03-01T12:00:00Z")
    wait_settled(cluster)
    before = by_key(pages(cluster, "notify.list", {"call": PRIZES}))
    sent_to_the_team = {k for k, v in before.items() if v["status"] == "sent" and PRIZES_STAFF in k}
    assert sent_to_the_team

    # The Prizes team leaves; a newcomer follows the Prizes by kind.
    text = staff.read_text().replace(PRIZES_STAFF, "newcomer@example.org").replace(
        f'calls = "{PRIZES} photo-2022"', 'calls = "kind:prize kind:photo"')
    staff.write_text(text)
    cluster.stop("notifications")
    cluster.start("notifications")
    # The manual clock went on from where it was.
    assert cluster.call("notifications", "sys.ping")["body"]["now"] == "2022-03-01T12:00:00Z"
    wait_settled(cluster)
    after = by_key(pages(cluster, "notify.list", {"call": PRIZES}))
    # What the team was sent stays sent; what it would have got is gone.
    assert {k for k, v in after.items() if v["status"] == "sent" and PRIZES_STAFF in k} \
        == sent_to_the_team
    assert not [k for k, v in after.items() if PRIZES_STAFF in k and v["status"] == "scheduled"]
    # The newcomer gets the future, and nothing of the past, late.
    newcomer = {k: v for k, v in after.items() if "newcomer@example.org" in k}
    assert newcomer[f"{VOTING_7D}/staff/newcomer@example.org"]["status"] == "scheduled"
    past = newcomer[f"{PRIZES}/submission/closed/staff/newcomer@example.org"]
    assert past["status"] == "skipped" and past["error"] == "due before it was scheduled"
    assert not [k for k in outbox(cluster) if "newcomer" in k]


def own_calendar(cluster, tmp_path):
    """A copy of the shipped calendar that the test may edit."""
    calendar = tmp_path / "calendar.cfg"
    shutil.copy(f"{ROOT}/configs/calendar.cfg", calendar)
    cluster.config.write_text(cluster.config.read_text().replace(
        f"calendar = {ROOT}/configs/calendar.cfg", f"calendar = {calendar}"))
    return calendar


def test_a_reload_of_the_calendar_changes_future_reminders_only(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    set_clock(cluster, "2022-03-01T12:00:00Z")
    wait_settled(cluster)
    nomination_closed = f"{PRIZES}/nomination/closed/staff/{PRIZES_STAFF}"
    last_meeting = f"ocp-2022/meeting#3/meeting/1d/staff/{SECRETARIAT}"

    # The voting closes a week early; the nomination phase, long closed,
    # is said to have closed earlier; the OCP's last meeting is dropped.
    made = edit_and_restart(cluster, calendar, [
        ('end = "2022-03-31 23:00"', 'end = "2022-03-24 23:00"'),
        ('end = "2022-02-25 23:00"', 'end = "2022-02-20 23:00"'),
        ('    phase\n        name = meeting\n        start = "2022-05-02 14:00"\n'
         '        end = "2022-05-02 15:00"\n', '')])
    before = made[0]
    assert before[nomination_closed]["status"] == "sent"
    assert before[last_meeting]["status"] == "scheduled"
    after = by_key(pages(cluster, "notify.list"))

    # The past stays as it was: nothing resent, nothing told again.
    assert_nothing_made_again(cluster, made)
    # The future follows the new calendar: 23:00 Geneva on 24 March is 22:00Z.
    schedule = by_key(pages(cluster, "notify.schedule", {"call": PRIZES}))
    assert schedule[f"{VOTING_7D}/staff/{PRIZES_STAFF}"]["due"] == "2022-03-17T22:00:00Z"
    assert schedule[f"{PRIZES}/voting/reminder/1h/staff/{PRIZES_STAFF}"]["due"] \
        == "2022-03-24T21:00:00Z"
    assert schedule[f"{PRIZES}/voting/closed/staff/{PRIZES_STAFF}"]["due"] == "2022-03-24T22:00:00Z"
    assert not [key for key in after if key.startswith("ocp-2022/meeting#3/")]

    # And is what goes out: the moved reminder once, at its new instant.
    set_clock(cluster, "2022-03-17T22:00:30Z")
    message = wait_message(cluster, f"{VOTING_7D}/staff/{PRIZES_STAFF}")
    assert "2022-03-24 23:00" in body_text(message) and "late" not in body_text(message).lower()
    for now in ("2022-03-23T22:00:30Z", "2022-03-24T21:00:30Z", "2022-05-03T00:00:00Z"):
        set_clock(cluster, now)
        wait_settled(cluster)
    reminders = [e["body"] for e in cluster.events("notifications")
                 if e["type"] == "deadline.reminder" and e["body"]["call"] == PRIZES
                 and e["body"]["phase"] == "voting"]
    assert reminders == [
        {"call": PRIZES, "phase": "voting", "due": "2022-03-24T22:00:00Z", "before": before_}
        for before_ in ("14d", "7d", "1d", "1h")]
    assert not [key for key in outbox(cluster) if key.startswith("ocp-2022/meeting#3/")]
    # The nomination phase's close was told once, at its old instant.
    closed = [e["body"] for e in cluster.events("notifications") if e["type"] == "phase.closed"
              and e["body"]["call"] == PRIZES and e["body"]["phase"] == "nomination"]
    assert len(closed) == 1 and closed[0]["end"] == "2022-02-25T22:00:00Z"


OCP = "ocp-2022"
# The OCP's three meetings in the shipped calendar (Geneva time): on
# 8 December 2021 at 13:50 (12:50Z), 31 January 2022 at 14:00 (13:00Z) and
# 2 May 2022 at 14:00 (12:00Z, summer time); reminded 1 day and 1 hour
# before, to the secretariat.
FIRST_MEETING = ('    phase\n        name = meeting\n        start = "2021-12-08 13:50"\n'
                 '        end = "2021-12-08 14:50"\n')
SECOND_MEETING = ('    phase\n        name = meeting\n        start = "2022-01-31 14:00"\n'
                  '        end = "2022-01-31 15:00"\n')
FIRST_REMINDERS = {f"{OCP}/meeting/meeting/1d/staff/{SECRETARIAT}": "2021-12-07T12:50:00Z",
                   f"{OCP}/meeting/meeting/1h/staff/{SECRETARIAT}": "2021-12-08T11:50:00Z"}
SECOND_REMINDERS = {f"{OCP}/meeting#2/meeting/1d/staff/{SECRETARIAT}": "2022-01-30T13:00:00Z",
                    f"{OCP}/meeting#2/meeting/1h/staff/{SECRETARIAT}": "2022-01-31T12:00:00Z"}


def step_through(cluster, dues, until):
    """The clock moved just past each of those instants in turn, then to
    until, each time until every due message went out."""
    for now in sorted(dues) + [until]:
        set_clock(cluster, now.replace(":00Z", ":30Z") if now in dues else now)
        wait_settled(cluster)


def edit_and_restart(cluster, calendar, edits):
    """The calendar edited, the service restarted on it, its clock kept; what
    it had made and told before: (rows, events, outbox files)."""
    wait_settled(cluster)
    made = (by_key(pages(cluster, "notify.list")), cluster.events("notifications"),
            {key: message.as_bytes() for key, message in outbox(cluster).items()})
    now = cluster.call("notifications", "sys.ping")["body"]["now"]
    text = calendar.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    calendar.write_text(text)
    cluster.stop("notifications")
    cluster.start("notifications")
    assert cluster.call("notifications", "sys.ping")["body"]["now"] == now
    wait_settled(cluster)
    return made


def assert_nothing_made_again(cluster, made, new=()):
    """Whatever was made before the restart is as it was: nothing resent,
    nothing told again; the outbox has those new messages only."""
    rows, events, files = made
    after = by_key(pages(cluster, "notify.list"))
    for key, item in rows.items():
        if item["status"] != "scheduled":
            assert after[key] == item, key
    told = cluster.events("notifications")
    assert told[:len(events)] == events
    assert [(e["type"], e["body"]["ref"]) for e in told[len(events):]] \
        == [("notification.sent", hashlib.sha256(key.encode()).hexdigest()[:32]) for key in new]
    now = {key: message.as_bytes() for key, message in outbox(cluster).items()}
    assert set(now) == set(files) | set(new)
    assert {key: now[key] for key in files} == files


def meeting_reminders(cluster, status):
    items = pages(cluster, "notify.list", {"call": OCP, "kind": "meeting_reminder", "status": status})
    return {item["key"]: item["due"] for item in items}


def send_each(cluster, expected):
    """The clock moved just past each reminder in turn: each goes out then,
    on time, and says its meeting's start."""
    for key, (due, start_) in sorted(expected.items(), key=lambda pair: pair[1][0]):
        set_clock(cluster, due.replace(":00Z", ":30Z"))
        message = wait_message(cluster, key)
        assert start_ in body_text(message), key
        assert "late" not in body_text(message).lower(), key


def meeting_events(cluster, kind):
    return [e["body"]["start"] for e in cluster.events("notifications")
            if e["type"] == kind and e["body"]["call"] == OCP and e["body"]["phase"] == "meeting"]


def reminder(phase, offset, due, start_, renumbered=False):
    """A meeting reminder to the secretariat: its key (under the key of its
    instant when its plain key was made for another meeting) and (its due
    instant, its meeting's start as the message says it)."""
    instant = f"@{due}" if renumbered else ""
    return f"{OCP}/{phase}/meeting/{offset}{instant}/staff/{SECRETARIAT}", (due, start_)


def remove_the_first_meeting(cluster, calendar):
    assert_nothing_made_again(cluster, edit_and_restart(cluster, calendar, [(FIRST_MEETING, "")]))


def dues(expected):
    return {key: due for key, (due, _) in expected.items()}


def remind_the_rest(cluster, expected):
    """Each expected reminder goes out at its time, then the last meeting
    ends: each of the three meetings was told open and closed once."""
    send_each(cluster, expected)
    set_clock(cluster, "2022-05-03T00:00:00Z")
    wait_settled(cluster)
    starts = ["2021-12-08T12:50:00Z", "2022-01-31T13:00:00Z", "2022-05-02T12:00:00Z"]
    assert meeting_events(cluster, "phase.opened") == starts
    assert meeting_events(cluster, "phase.closed") == starts


def test_a_meeting_removed_before_others_leaves_each_reminded_once(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    step_through(cluster, FIRST_REMINDERS.values(), "2021-12-09T00:00:00Z")
    assert meeting_reminders(cluster, "sent") == FIRST_REMINDERS

    # The first meeting, reminded and held, is taken out of the calendar:
    # the second now holds its keys, the third the second's.
    remove_the_first_meeting(cluster, calendar)
    expected = dict([
        reminder("meeting", "1d", "2022-01-30T13:00:00Z", "2022-01-31 14:00", renumbered=True),
        reminder("meeting", "1h", "2022-01-31T12:00:00Z", "2022-01-31 14:00", renumbered=True),
        reminder("meeting#2", "1d", "2022-05-01T12:00:00Z", "2022-05-02 14:00"),
        reminder("meeting#2", "1h", "2022-05-02T11:00:00Z", "2022-05-02 14:00")])
    assert meeting_reminders(cluster, "scheduled") == dues(expected)
    assert not [key for key in by_key(pages(cluster, "notify.list"))
                if key.startswith(f"{OCP}/meeting#3/")]

    remind_the_rest(cluster, expected)
    sent = by_key(pages(cluster, "notify.list", {"call": OCP, "kind": "meeting_reminder"}))
    assert {key: item["due"] for key, item in sent.items()} == {**FIRST_REMINDERS, **dues(expected)}
    assert all(item["status"] == "sent" and not item["late"] for item in sent.values())
    assert len([key for key in outbox(cluster) if "/meeting/1" in key]) == 6


def test_a_meeting_removed_after_later_ones_were_reminded_sends_nothing_again(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    # Half an hour before the second meeting, reminded of it a day and an
    # hour ahead.
    step_through(cluster, [*FIRST_REMINDERS.values(), *SECOND_REMINDERS.values()],
                 "2022-01-31T12:30:00Z")
    assert meeting_reminders(cluster, "sent") == {**FIRST_REMINDERS, **SECOND_REMINDERS}

    # The second meeting takes the first one's keys, and was reminded under
    # its own: it is not reminded again, nor told again that it opened.
    remove_the_first_meeting(cluster, calendar)
    expected = dict([
        reminder("meeting#2", "1d", "2022-05-01T12:00:00Z", "2022-05-02 14:00", renumbered=True),
        reminder("meeting#2", "1h", "2022-05-02T11:00:00Z", "2022-05-02 14:00", renumbered=True)])
    assert meeting_reminders(cluster, "scheduled") == dues(expected)
    remind_the_rest(cluster, expected)
    assert meeting_reminders(cluster, "sent") \
        == {**FIRST_REMINDERS, **SECOND_REMINDERS, **dues(expected)}


def test_a_moved_meeting_is_reminded_at_its_new_time_once(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    # A day before the second meeting: reminded a day ahead, not yet an hour.
    day, hour = SECOND_REMINDERS
    step_through(cluster, [*FIRST_REMINDERS.values(), SECOND_REMINDERS[day]],
                 "2022-01-30T18:00:00Z")
    assert meeting_reminders(cluster, "sent") == {**FIRST_REMINDERS, day: SECOND_REMINDERS[day]}

    # It moves a week later: reminded again a day before its new start,
    # once; the hour's reminder, never sent, just moves.
    moved = SECOND_MEETING.replace("2022-01-31", "2022-02-07")
    made = edit_and_restart(cluster, calendar, [(SECOND_MEETING, moved)])
    assert_nothing_made_again(cluster, made)
    new_day = f"{OCP}/meeting#2/meeting/1d@2022-02-06T13:00:00Z/staff/{SECRETARIAT}"
    pending = meeting_reminders(cluster, "scheduled")
    assert {key: pending[key] for key in (new_day, hour)} \
        == {new_day: "2022-02-06T13:00:00Z", hour: "2022-02-07T12:00:00Z"}
    send_each(cluster, {new_day: ("2022-02-06T13:00:00Z", "2022-02-07 14:00")})

    # Reminded, it moves four hours earlier: its day's reminder, due
    # already, goes out at once, late, for the meeting still ahead.
    made = edit_and_restart(cluster, calendar, [(moved, moved.replace("14:00", "10:00")
                                                              .replace("15:00", "11:00"))])
    early_day = f"{OCP}/meeting#2/meeting/1d@2022-02-06T09:00:00Z/staff/{SECRETARIAT}"
    message = wait_message(cluster, early_day)
    assert_nothing_made_again(cluster, made, new=[early_day])
    assert "2022-02-07 10:00" in body_text(message)
    item = by_key(pages(cluster, "notify.list", {"call": OCP}))[early_day]
    assert item["status"] == "sent" and item["late"]
    step_through(cluster, ["2022-02-07T08:00:00Z"], "2022-02-08T00:00:00Z")
    sent = meeting_reminders(cluster, "sent")
    assert {key: due for key, due in sent.items() if "/meeting#2/" in key} == {
        day: "2022-01-30T13:00:00Z", new_day: "2022-02-06T13:00:00Z",
        early_day: "2022-02-06T09:00:00Z", hour: "2022-02-07T08:00:00Z"}
    assert meeting_events(cluster, "phase.opened")[:2] == ["2021-12-08T12:50:00Z",
                                                           "2022-02-07T09:00:00Z"]
