"""wsis-notifications: staff reminded of every deadline of the calendar, by
the service clock, once (docs/protocol.md section 11).

The shipped calendar (the 2022 edition) and staff file: the WSIS Prizes
team follows prizes-2022, the secretariat every call; both get their mail
through the file channel, the development default, so a test reads each
message as a file. The manual clock starts at the epoch, so every moment
of 2022 is ahead of it when the service starts.
"""
import shutil
import signal

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
    set_clock(cluster, "2022-06-10T00:00:00Z")
    wait_settled(cluster)
    events = [e for e in cluster.events("notifications")
              if e["type"] in ("phase.opened", "phase.closed", "deadline.reminder")]
    instants = [e["body"].get("due") if e["type"] == "deadline.reminder"
                else e["body"]["end"] if e["type"] == "phase.closed" else e["body"]["start"]
                for e in events]
    # A reminder's instant is its deadline, not when it was due: compare the
    # opened/closed ones, which are told when they happen.
    facts = [i for e, i in zip(events, instants) if e["type"] != "deadline.reminder"]
    assert facts == sorted(facts)
    closed = [e["body"]["phase"] for e in events
              if e["type"] == "phase.closed" and e["body"]["call"] == PRIZES]
    assert closed == ["submission", "nomination", "voting", "selection", "announcement"]
    # Each once.
    assert len({e["id"] for e in events}) == len(events)
    assert len({(e["type"], e["body"]["call"], e["body"]["phase"], e["body"].get("before"))
                for e in events if e["body"]["phase"] != "meeting"}) == \
        len([e for e in events if e["body"]["phase"] != "meeting"])


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
