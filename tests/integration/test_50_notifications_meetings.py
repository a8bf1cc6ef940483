"""wsis-notifications: the OCP's meetings moved or put before others while a
reminder of theirs is owed (docs/protocol.md, implementation notes of
section 11): each meeting is reminded once, of its own time, and an
overdue reminder stays with its own meeting.

The shipped calendar, copied so a test may edit it, and staff file: the
secretariat follows every call and reads its mail in the file outbox.
"""
import sqlite3
from datetime import datetime

from notifications_helpers import (SECRETARIAT, body_text, by_key, outbox, pages, set_clock,
                                   wait_settled)
from test_50_notifications_reminders import (FIRST_REMINDERS, OCP, SECOND_MEETING,
                                             SECOND_REMINDERS, dues, meeting_reminders,
                                             own_calendar, reminder, send_each, start,
                                             step_through)

DAY, HOUR = SECOND_REMINDERS


def ms(instant):
    return int(datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp() * 1000)


def item(cluster, key):
    return by_key(pages(cluster, "notify.list", {"call": OCP}))[key]


def wait_unwritten(cluster, now, key):
    """The clock moved to now, when key comes due, with an outbox that
    cannot be written (a file where its folder was): key is ready, tried
    once, retried later; the outbox comes back at the next restart_on."""
    folder = cluster.data_dir / "outbox"
    folder.rename(cluster.data_dir / "outbox.kept")
    folder.write_text("not a folder")
    set_clock(cluster, now)
    cluster.wait_until(lambda: item(cluster, key)["attempts"] >= 1, what=f"{key} tried")
    assert item(cluster, key)["status"] == "ready"


def restart_on(cluster, calendar, old, new, now=None):
    """The service stopped, the calendar edited (and the service clock set to
    now, the time that passed while it was down), the outbox put back if
    wait_unwritten took it, the service started."""
    cluster.stop("notifications")
    kept = cluster.data_dir / "outbox.kept"
    if kept.exists():
        (cluster.data_dir / "outbox").unlink()
        kept.rename(cluster.data_dir / "outbox")
    text = calendar.read_text()
    assert text.count(old) == 1, old
    calendar.write_text(text.replace(old, new))
    if now:
        with sqlite3.connect(cluster.data_dir / "notifications.db") as db:
            db.execute("UPDATE manual_clock SET now = ? WHERE id = 1", (ms(now),))
    cluster.start("notifications")


def messages_of(cluster, phase):
    """The meeting reminders in the outbox for that phase: {key: body}."""
    return {key: body_text(message) for key, message in outbox(cluster).items()
            if key.startswith(f"{OCP}/{phase}/meeting/")}


def test_a_meeting_moved_while_its_reminder_waits_is_reminded_once_at_its_new_time(cluster,
                                                                                  tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    step_through(cluster, FIRST_REMINDERS.values(), "2022-01-29T00:00:00Z")

    # The outbox cannot be written when the day's reminder of the second
    # meeting comes due: it is ready, retried later, and reached nobody.
    wait_unwritten(cluster, "2022-01-30T13:00:30Z", DAY)

    # The meeting moves a week later meanwhile.
    moved = SECOND_MEETING.replace("2022-01-31", "2022-02-07")
    restart_on(cluster, calendar, SECOND_MEETING, moved)

    # The waiting reminder is remade for the new time, under its key;
    # nothing goes out now, nothing is added under another key.
    remade = item(cluster, DAY)
    assert (remade["status"], remade["due"], remade["attempts"], remade["late"]) \
        == ("scheduled", "2022-02-06T13:00:00Z", 0, False)
    assert not messages_of(cluster, "meeting#2")
    assert not [key for key in by_key(pages(cluster, "notify.list")) if "@2022-" in key]

    # It goes out once, on time, saying the new time only.
    send_each(cluster, {DAY: ("2022-02-06T13:00:00Z", "2022-02-07 14:00"),
                        HOUR: ("2022-02-07T12:00:00Z", "2022-02-07 14:00")})
    messages = messages_of(cluster, "meeting#2")
    assert set(messages) == {DAY, HOUR}
    assert not [key for key, text in messages.items() if "2022-01-31" in text]
    assert meeting_reminders(cluster, "sent") == {
        **FIRST_REMINDERS, DAY: "2022-02-06T13:00:00Z", HOUR: "2022-02-07T12:00:00Z"}


# A meeting put before the second one, on the morning of the same day
# (Geneva time; 09:00Z), and its reminders under the keys it takes.
INSERTED_MEETING = ('    phase\n        name = meeting\n        start = "2022-01-31 10:00"\n'
                    '        end = "2022-01-31 11:00"\n')
INSERTED = dict([reminder("meeting#2", "1d", "2022-01-30T09:00:00Z", "2022-01-31 10:00"),
                 reminder("meeting#2", "1h", "2022-01-31T08:00:00Z", "2022-01-31 10:00")])
# The second meeting's, under the keys it has after it.
SECOND = dict([reminder("meeting#3", "1d", "2022-01-30T13:00:00Z", "2022-01-31 14:00"),
               reminder("meeting#3", "1h", "2022-01-31T12:00:00Z", "2022-01-31 14:00")])

def test_a_meeting_put_before_others_while_down_leaves_each_overdue_reminder_its_own(cluster,
                                                                                  tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    step_through(cluster, FIRST_REMINDERS.values(), "2022-01-29T00:00:00Z")
    assert item(cluster, DAY)["status"] == "scheduled"

    # Down until after the day's reminders of both the new meeting and the
    # second one were due; the new meeting is put before the second.
    restart_on(cluster, calendar, SECOND_MEETING, INSERTED_MEETING + SECOND_MEETING,
               now="2022-01-30T18:00:00Z")
    day_inserted, hour_inserted = INSERTED
    day_second, hour_second = SECOND
    cluster.wait_until(lambda: item(cluster, day_second)["status"] == "sent",
                       what=f"{day_second} sent")
    wait_settled(cluster)

    # The second meeting's overdue reminder is still its own: sent late,
    # saying its time. The new meeting's, due before it was ever
    # scheduled, is skipped, as for any phase added in the past.
    late = item(cluster, day_second)
    assert (late["status"], late["due"], late["late"]) == ("sent", SECOND[day_second][0], True)
    skipped = item(cluster, day_inserted)
    assert (skipped["status"], skipped["due"], skipped["error"]) \
        == ("skipped", INSERTED[day_inserted][0], "due before it was scheduled")
    messages = messages_of(cluster, "meeting#3")
    assert set(messages) == {day_second}
    assert "2022-01-31 14:00" in messages[day_second] and "late" in messages[day_second].lower()
    assert not messages_of(cluster, "meeting#2")

    # The hours' reminders go out on time, each of its own meeting.
    send_each(cluster, {hour_inserted: INSERTED[hour_inserted], hour_second: SECOND[hour_second]})
    assert {key: due for key, due in meeting_reminders(cluster, "sent").items()
            if "/meeting#2/" in key or "/meeting#3/" in key} \
        == dues({hour_inserted: INSERTED[hour_inserted], **SECOND})


THIRD_MEETING = ('    phase\n        name = meeting\n        start = "2022-05-02 14:00"\n'
                 '        end = "2022-05-02 15:00"\n')


def test_a_meeting_removed_while_its_reminder_waits_is_not_reminded(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    set_clock(cluster, "2022-05-01T11:00:00Z")
    wait_settled(cluster)
    third_day, third_hour = (f"{OCP}/meeting#3/meeting/{offset}/staff/{SECRETARIAT}"
                             for offset in ("1d", "1h"))
    wait_unwritten(cluster, "2022-05-01T12:00:30Z", third_day)

    # The last meeting is taken out of the calendar: its waiting reminder,
    # which reached nobody, goes with it, as its future one does.
    restart_on(cluster, calendar, THIRD_MEETING, "")
    listed = by_key(pages(cluster, "notify.list", {"call": OCP}))
    assert third_day not in listed and third_hour not in listed
    set_clock(cluster, "2022-05-03T00:00:00Z")
    wait_settled(cluster)
    assert not messages_of(cluster, "meeting#3")


def test_a_reminder_that_may_have_reached_its_server_is_left_as_it_is(cluster, tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    step_through(cluster, FIRST_REMINDERS.values(), "2022-01-29T00:00:00Z")
    wait_unwritten(cluster, "2022-01-30T13:00:30Z", DAY)

    # The store as version 1 of the schema left it, which could not tell a
    # ready message never handed over: the migration takes it as handed.
    cluster.stop("notifications")
    with sqlite3.connect(cluster.data_dir / "notifications.db") as db:
        db.executescript("ALTER TABLE notification DROP COLUMN handed; PRAGMA user_version = 1;")

    # The meeting moves a week later: the waiting message is not rewritten
    # (its Message-ID may be in a mailbox already); the new time has its
    # own reminder, as for one sent.
    moved = SECOND_MEETING.replace("2022-01-31", "2022-02-07")
    restart_on(cluster, calendar, SECOND_MEETING, moved)
    with sqlite3.connect(f"file:{cluster.data_dir / 'notifications.db'}?mode=ro", uri=True) as db:
        assert db.execute("SELECT handed FROM notification WHERE key = ?", (DAY,)).fetchall() \
            == [(1,)]
    waiting = item(cluster, DAY)
    assert (waiting["status"], waiting["due"]) == ("ready", SECOND_REMINDERS[DAY])
    new_day = f"{OCP}/meeting#2/meeting/1d@2022-02-06T13:00:00Z/staff/{SECRETARIAT}"
    assert item(cluster, new_day)["status"] == "scheduled"
    send_each(cluster, {new_day: ("2022-02-06T13:00:00Z", "2022-02-07 14:00")})


THIRD_REMINDERS = dict([reminder("meeting#3", "1d", "2022-05-01T12:00:00Z", "2022-05-02 14:00"),
                        reminder("meeting#3", "1h", "2022-05-02T11:00:00Z", "2022-05-02 14:00")])


def test_a_meeting_removed_while_down_after_its_reminder_fell_due_is_not_reminded(cluster,
                                                                                 tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    set_clock(cluster, "2022-05-01T11:00:00Z")
    wait_settled(cluster)
    third_day, third_hour = THIRD_REMINDERS
    assert item(cluster, third_day)["status"] == "scheduled"

    # Down past the day's reminder of the last meeting, which is taken out
    # of the calendar meanwhile: the reminder fell due for a meeting that
    # is no more, and goes with it.
    restart_on(cluster, calendar, THIRD_MEETING, "", now="2022-05-01T13:00:00Z")
    listed = by_key(pages(cluster, "notify.list", {"call": OCP}))
    assert third_day not in listed and third_hour not in listed
    set_clock(cluster, "2022-05-03T00:00:00Z")
    wait_settled(cluster)
    assert not messages_of(cluster, "meeting#3")


def test_a_meeting_removed_while_down_leaves_the_next_ones_overdue_reminder_sent_once(cluster,
                                                                                    tmp_path):
    calendar = own_calendar(cluster, tmp_path)
    start(cluster)
    step_through(cluster, [*FIRST_REMINDERS.values(), *SECOND_REMINDERS.values()],
                 "2022-05-01T11:00:00Z")

    # Down past the day's reminder of the third meeting; the second, held
    # and reminded, is taken out meanwhile, so the third holds its keys.
    # The third's overdue reminder goes out once, late, saying its time,
    # under the key of its instants (the second's plain key was sent).
    restart_on(cluster, calendar, SECOND_MEETING, "", now="2022-05-01T13:00:00Z")
    third_day, third_hour = THIRD_REMINDERS
    late_day = f"{OCP}/meeting#2/meeting/1d@2022-05-01T12:00:00Z/staff/{SECRETARIAT}"
    cluster.wait_until(lambda: item(cluster, late_day)["status"] == "sent", what=f"{late_day} sent")
    set_clock(cluster, "2022-05-03T00:00:00Z")
    wait_settled(cluster)
    listed = by_key(pages(cluster, "notify.list", {"call": OCP}))
    assert third_day not in listed and third_hour not in listed
    days = [key for key, message in outbox(cluster).items()
            if "/meeting/1d" in key and "2022-05-02 14:00" in body_text(message)]
    assert days == [late_day]
    assert listed[late_day]["late"] is True
