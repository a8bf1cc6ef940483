/*  test_notifications_schedule: the moments of the shipped 2022 calendar
    with the shipped staff file (the deadlines of the WSIS Prizes, the OCP
    meetings, Stocktaking that never closes), then calendars of our own for
    a short phase, reminders per kind, an autumn daylight-saving change and
    the order of moments that fall on one instant.

    Run from tests/unit, so the shipped files are ../../configs/.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notifications.h"
#include "test_support.h"

#define CALENDAR_FILE "../../configs/calendar.cfg"
#define STAFF_FILE "../../configs/staff.cfg"
#define MOMENTS_MAX 256

//  Every moment delivered, in delivery order
typedef struct {
    notify_moment_t moments [MOMENTS_MAX];
    size_t size;
    size_t stop_after;          //  fn returns -1 at this one (1-based); 0 never
} s_seen_t;

static int
s_collect (const notify_moment_t *moment, void *arg)
{
    s_seen_t *seen = (s_seen_t *) arg;
    assert_true (seen->size < MOMENTS_MAX);
    seen->moments [seen->size++] = *moment;
    return seen->stop_after && seen->size == seen->stop_after? -1: 0;
}

static void s_assert_each (s_seen_t *seen);

//  Every schedule made in these tests is checked as a whole
static s_seen_t *
s_schedule (wsis_calendar_t *calendar, notify_staff_t *staff)
{
    s_seen_t *seen = (s_seen_t *) calloc (1, sizeof (s_seen_t));
    assert_non_null (seen);
    assert_int_equal (notify_schedule_each (calendar, staff, s_collect, seen), 0);
    s_assert_each (seen);
    return seen;
}

static const notify_moment_t *
s_find (s_seen_t *seen, const char *key)
{
    for (size_t i = 0; i < seen->size; i++)
        if (streq (seen->moments [i].key, key))
            return &seen->moments [i];
    return NULL;
}

//  What a test expects of one moment: its kind and when it is due
typedef struct {
    const char *key;
    notify_moment_kind_t kind;
    const char *due;            //  UTC
} s_expected_t;

#define S_COUNT(array) (sizeof (array) / sizeof ((array) [0]))

//  Each expected moment is there, of its kind, due then
static void
s_assert_moments (s_seen_t *seen, const s_expected_t *expected, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const notify_moment_t *moment = s_find (seen, expected [i].key);
        if (!moment)
            fail_msg ("no moment %s", expected [i].key);
        assert_int_equal (moment->kind, expected [i].kind);
        if (moment->due != test_utc (expected [i].due)) {
            char text [WSIS_TIME_BUFSIZE];
            wsis_time_format (moment->due, text);
            fail_msg ("%s is due at %s, not %s", expected [i].key, text, expected [i].due);
        }
    }
}

//  None of keys is there (a NULL-terminated list)
static void
s_assert_absent (s_seen_t *seen, const char *const *keys)
{
    for (size_t i = 0; keys [i]; i++)
        if (s_find (seen, keys [i]))
            fail_msg ("moment %s is made", keys [i]);
}

//  The key ends in /<what>, with /<offset> after it for a reminder
static void
s_assert_key_ends (const notify_moment_t *moment, const char *what)
{
    char tail [64];
    char offset [16];
    notify_offset_format (&moment->before, offset, sizeof (offset));
    if (moment->before.amount)
        snprintf (tail, sizeof (tail), "/%s/%s", what, offset);
    else
        snprintf (tail, sizeof (tail), "/%s", what);
    size_t length = strlen (moment->key), tail_length = strlen (tail);
    if (length < tail_length || !streq (moment->key + length - tail_length, tail))
        fail_msg ("key %s does not end in %s", moment->key, tail);
}

//  What holds for every moment of every schedule: its key under its call
//  and named after its kind and offset; opened and closed at the phase's
//  own instants and never expiring; a reminder inside its phase and
//  expiring at its end; a meeting reminder expiring at the meeting's
//  start
static void
s_assert_moment_shape (const notify_moment_t *moment)
{
    const wsis_phase_t *phase = moment->phase;
    size_t id_length = strlen (moment->call->id);
    assert_memory_equal (moment->key, moment->call->id, id_length);
    assert_int_equal (moment->key [id_length], '/');
    assert_ptr_equal (phase, &moment->call->phases [moment->phase_index]);
    bool offset = moment->kind == NOTIFY_MOMENT_REMINDER || moment->kind == NOTIFY_MOMENT_MEETING;
    assert_int_equal (moment->before.amount > 0, offset);
    assert_int_equal (moment->before.unit == 'd' || moment->before.unit == 'h', offset);
    switch (moment->kind) {
        case NOTIFY_MOMENT_OPENED:
            s_assert_key_ends (moment, "opened");
            assert_int_equal (moment->due, phase->start);
            assert_true (moment->expires == INT64_MAX);
            break;
        case NOTIFY_MOMENT_CLOSED:
            s_assert_key_ends (moment, "closed");
            assert_true (phase->end != WSIS_PHASE_NO_END);
            assert_int_equal (moment->due, phase->end);
            assert_true (moment->expires == INT64_MAX);
            break;
        case NOTIFY_MOMENT_REMINDER:
            s_assert_key_ends (moment, "reminder");
            assert_string_not_equal (phase->name, "meeting");
            assert_int_equal (moment->expires, phase->end);
            assert_true (moment->due >= phase->start && moment->due < phase->end);
            break;
        case NOTIFY_MOMENT_MEETING:
            s_assert_key_ends (moment, "meeting");
            assert_string_equal (phase->name, "meeting");
            assert_int_equal (moment->expires, phase->start);
            assert_true (moment->due < phase->start);
            break;
        default:
            fail_msg ("%s: kind %d", moment->key, (int) moment->kind);
    }
}

//  Each moment well formed, each key once, in (due, rank, key) order
static void
s_assert_each (s_seen_t *seen)
{
    for (size_t i = 0; i < seen->size; i++) {
        const notify_moment_t *moment = &seen->moments [i];
        s_assert_moment_shape (moment);
        for (size_t j = 0; j < i; j++)
            if (streq (seen->moments [j].key, moment->key))
                fail_msg ("key %s twice", moment->key);
        if (i == 0)
            continue;
        const notify_moment_t *previous = &seen->moments [i - 1];
        assert_true (previous->due <= moment->due);
        if (previous->due == moment->due) {
            assert_true (previous->rank <= moment->rank);
            if (previous->rank == moment->rank)
                assert_true (strcmp (previous->key, moment->key) < 0);
        }
    }
}

static size_t
s_count_of_call (s_seen_t *seen, const char *call_id)
{
    size_t count = 0;
    for (size_t i = 0; i < seen->size; i++)
        count += streq (seen->moments [i].call->id, call_id);
    return count;
}

//  What notify_schedule_each was given, and what it delivered
typedef struct {
    wsis_calendar_t *calendar;
    notify_staff_t *staff;
    s_seen_t *seen;
} s_schedule_t;

//  A calendar and a staff file, from text or with from_files from the
//  files; NULL with the error printed. Asserts nothing, so it can serve
//  as a group setup.
static s_schedule_t *
s_schedule_open (const char *calendar_source, const char *staff_source, bool from_files)
{
    s_schedule_t *self = (s_schedule_t *) calloc (1, sizeof (s_schedule_t));
    char *error = NULL;
    self->calendar = from_files? wsis_calendar_load (calendar_source, &error)
                               : wsis_calendar_parse (calendar_source, &error);
    if (self->calendar)
        self->staff = from_files? notify_staff_load (staff_source, self->calendar, true, &error)
                                : notify_staff_parse (staff_source, self->calendar, true, &error);
    if (!self->staff) {
        print_error ("%s\n", error);
        free (error);
        wsis_calendar_destroy (&self->calendar);
        free (self);
        return NULL;
    }
    return self;
}

//  Their schedule, made on first use, in a test
static s_seen_t *
s_seen (s_schedule_t *self)
{
    if (!self->seen)
        self->seen = s_schedule (self->calendar, self->staff);
    return self->seen;
}

static void
s_schedule_close (s_schedule_t **self_p)
{
    s_schedule_t *self = *self_p;
    if (!self)
        return;
    free (self->seen);
    notify_staff_destroy (&self->staff);
    wsis_calendar_destroy (&self->calendar);
    free (self);
    *self_p = NULL;
}


//  --------------------------------------------------------------------------
//  The shipped calendar and staff

static int
s_setup (void **state)
{
    *state = s_schedule_open (CALENDAR_FILE, STAFF_FILE, true);
    return *state? 0: -1;
}

static int
s_teardown (void **state)
{
    s_schedule_close ((s_schedule_t **) state);
    return 0;
}

static void
test_shipped_prizes (void **state)
{
    s_seen_t *seen = s_seen ((s_schedule_t *) *state);
    const s_expected_t expected [] = {
        //  The submission deadline, 23:00 on 21 January in Geneva (CET)
        { "prizes-2022/submission/opened", NOTIFY_MOMENT_OPENED, "2021-08-31T22:00:00Z" },
        { "prizes-2022/submission/reminder/14d", NOTIFY_MOMENT_REMINDER, "2022-01-07T22:00:00Z" },
        { "prizes-2022/submission/reminder/7d", NOTIFY_MOMENT_REMINDER, "2022-01-14T22:00:00Z" },
        { "prizes-2022/submission/reminder/1d", NOTIFY_MOMENT_REMINDER, "2022-01-20T22:00:00Z" },
        { "prizes-2022/submission/reminder/1h", NOTIFY_MOMENT_REMINDER, "2022-01-21T21:00:00Z" },
        { "prizes-2022/submission/closed", NOTIFY_MOMENT_CLOSED, "2022-01-21T22:00:00Z" },
        //  The voting close, 23:00 on 31 March: summer time began on the
        //  27th, so 7 days before is 23:00 CET, an hour further from UTC
        { "prizes-2022/voting/reminder/7d", NOTIFY_MOMENT_REMINDER, "2022-03-24T22:00:00Z" },
        { "prizes-2022/voting/reminder/1d", NOTIFY_MOMENT_REMINDER, "2022-03-30T21:00:00Z" },
        { "prizes-2022/voting/reminder/1h", NOTIFY_MOMENT_REMINDER, "2022-03-31T20:00:00Z" },
        { "prizes-2022/voting/closed", NOTIFY_MOMENT_CLOSED, "2022-03-31T21:00:00Z" },
        //  The selection lasts 14 days and 23 hours: 14 days before fits
        { "prizes-2022/selection/reminder/14d", NOTIFY_MOMENT_REMINDER, "2022-04-01T21:00:00Z" },
        { "prizes-2022/announcement/reminder/1d", NOTIFY_MOMENT_REMINDER, "2022-06-02T21:00:00Z" },
    };
    s_assert_moments (seen, expected, S_COUNT (expected));
    //  The announcement lasts five days: no 14 or 7 days before its end
    const char *absent [] = { "prizes-2022/announcement/reminder/14d",
                              "prizes-2022/announcement/reminder/7d", NULL };
    s_assert_absent (seen, absent);
    //  Five phases: opened, closed and four reminders each, but two
    assert_int_equal (s_count_of_call (seen, "prizes-2022"), 28);

    const notify_moment_t *reminder = s_find (seen, "prizes-2022/voting/reminder/7d");
    assert_int_equal (reminder->before.amount, 7);
    assert_int_equal (reminder->before.unit, 'd');
    assert_int_equal (reminder->expires, test_utc ("2022-03-31T21:00:00Z"));
    assert_string_equal (reminder->call->id, "prizes-2022");
    assert_string_equal (reminder->phase->name, "voting");
    assert_int_equal (reminder->phase_index, 2);
    //  At one instant: a close, then reminders, then an opening
    const notify_moment_t *closed = s_find (seen, "prizes-2022/voting/closed");
    const notify_moment_t *opened = s_find (seen, "prizes-2022/voting/opened");
    assert_true (closed->rank < reminder->rank);
    assert_true (reminder->rank < opened->rank);
}

static void
test_shipped_ocp (void **state)
{
    s_seen_t *seen = s_seen ((s_schedule_t *) *state);
    const s_expected_t expected [] = {
        //  The meeting of 8 December 2021 at 13:50 in Geneva
        { "ocp-2022/meeting/meeting/1d", NOTIFY_MOMENT_MEETING, "2021-12-07T12:50:00Z" },
        { "ocp-2022/meeting/meeting/1h", NOTIFY_MOMENT_MEETING, "2021-12-08T11:50:00Z" },
        { "ocp-2022/meeting/opened", NOTIFY_MOMENT_OPENED, "2021-12-08T12:50:00Z" },
        { "ocp-2022/meeting/closed", NOTIFY_MOMENT_CLOSED, "2021-12-08T13:50:00Z" },
        //  The next meetings share the name: numbered from the second
        { "ocp-2022/meeting#2/opened", NOTIFY_MOMENT_OPENED, "2022-01-31T13:00:00Z" },
        { "ocp-2022/meeting#3/meeting/1h", NOTIFY_MOMENT_MEETING, "2022-05-02T11:00:00Z" },
        { "ocp-2022/submission/reminder/1h", NOTIFY_MOMENT_REMINDER, "2022-03-07T21:59:00Z" },
    };
    s_assert_moments (seen, expected, S_COUNT (expected));
    //  A meeting is reminded before it starts, never before it ends
    const char *absent [] = { "ocp-2022/meeting#1/opened", "ocp-2022/meeting/reminder/1h",
                              "ocp-2022/meeting/reminder/1d", NULL };
    s_assert_absent (seen, absent);
    assert_int_equal (s_find (seen, "ocp-2022/meeting/meeting/1h")->phase_index, 1);
    assert_int_equal (s_find (seen, "ocp-2022/meeting#2/opened")->phase_index, 2);
    assert_int_equal (s_find (seen, "ocp-2022/meeting#3/meeting/1h")->phase_index, 3);
    //  The submission: 6; three meetings: 4 each
    assert_int_equal (s_count_of_call (seen, "ocp-2022"), 18);
}

static void
test_shipped_no_end (void **state)
{
    s_seen_t *seen = s_seen ((s_schedule_t *) *state);
    //  Stocktaking, Trendsetters and the Repository of Women in Tech open
    //  and stay open: no close, so no reminder either
    const s_expected_t expected [] = {
        { "stocktaking-2022/submission/opened", NOTIFY_MOMENT_OPENED, "2021-08-31T22:00:00Z" },
        { "trendsetters-2021/nomination/opened", NOTIFY_MOMENT_OPENED, "2021-11-25T23:00:00Z" },
        { "women-in-tech/submission/opened", NOTIFY_MOMENT_OPENED, "2021-11-25T23:00:00Z" },
    };
    s_assert_moments (seen, expected, S_COUNT (expected));
    const char *absent [] = { "women-in-tech/submission/closed",
                              "women-in-tech/submission/reminder/1d", NULL };
    s_assert_absent (seen, absent);
    assert_int_equal (s_count_of_call (seen, "stocktaking-2022"), 1);
    assert_int_equal (s_count_of_call (seen, "trendsetters-2021"), 1);
    assert_int_equal (s_count_of_call (seen, "women-in-tech"), 1);
    assert_int_equal (s_count_of_call (seen, "photo-2022"), 12);
    assert_int_equal (s_count_of_call (seen, "hltf-2022"), 6);
    //  The 2027 edition: the same phases, so the same moments, call by call
    const char *editions [] [6] = {
        { "prizes-2022", "ocp-2022", "photo-2022", "hltf-2022", "stocktaking-2022",
          "trendsetters-2021" },
        { "prizes-2027", "ocp-2027", "photo-2027", "hltf-2027", "stocktaking-2027",
          "trendsetters-2026" },
    };
    for (size_t i = 0; i < 6; i++)
        assert_int_equal (s_count_of_call (seen, editions [1] [i]),
                          s_count_of_call (seen, editions [0] [i]));
    assert_int_equal (s_count_of_call (seen, "prizes-2027"), 28);
    //  Two editions of 28 + 18 + 12 + 6 + 1 + 1, and the Repository
    assert_int_equal (seen->size, 2 * (28 + 18 + 12 + 6 + 1 + 1) + 1);
}

static void
test_shipped_order (void **state)
{
    s_schedule_t *shipped = (s_schedule_t *) *state;
    //  s_schedule checked the order; every run makes the same moments in the same order
    s_seen_t *again = s_schedule (shipped->calendar, shipped->staff);
    assert_int_equal (again->size, s_seen (shipped)->size);
    for (size_t i = 0; i < again->size; i++) {
        assert_string_equal (again->moments [i].key, s_seen (shipped)->moments [i].key);
        assert_int_equal (again->moments [i].due, s_seen (shipped)->moments [i].due);
    }
    free (again);
}

static void
test_stop (void **state)
{
    s_schedule_t *shipped = (s_schedule_t *) *state;
    s_seen_t *seen = (s_seen_t *) calloc (1, sizeof (s_seen_t));
    seen->stop_after = 3;
    assert_int_equal (notify_schedule_each (shipped->calendar, shipped->staff,
                                            s_collect, seen), -1);
    assert_int_equal (seen->size, 3);
    //  The first three of the whole schedule, no more
    for (size_t i = 0; i < 3; i++)
        assert_string_equal (seen->moments [i].key, s_seen (shipped)->moments [i].key);
    free (seen);
}

static void
test_names (void **state)
{
    assert_string_equal (notify_moment_event (NOTIFY_MOMENT_OPENED), "phase.opened");
    assert_string_equal (notify_moment_event (NOTIFY_MOMENT_REMINDER), "deadline.reminder");
    assert_string_equal (notify_moment_event (NOTIFY_MOMENT_CLOSED), "phase.closed");
    assert_string_equal (notify_moment_event (NOTIFY_MOMENT_MEETING), "meeting.reminder");
    assert_string_equal (notify_moment_template (NOTIFY_MOMENT_OPENED), "phase_opened");
    assert_string_equal (notify_moment_template (NOTIFY_MOMENT_REMINDER), "deadline_reminder");
    assert_string_equal (notify_moment_template (NOTIFY_MOMENT_CLOSED), "phase_closed");
    assert_string_equal (notify_moment_template (NOTIFY_MOMENT_MEETING), "meeting_reminder");
    assert_null (notify_moment_event ((notify_moment_kind_t) 4));
    assert_null (notify_moment_template ((notify_moment_kind_t) -1));
}


//  --------------------------------------------------------------------------
//  Calendars of our own

//  A three-and-a-half-day voting, then a seven-day selection opening at
//  the instant voting closes; an OCP meeting; a photo call; an HLTF call
//  whose deadline comes after summer time ends (30 October 2022). Every
//  call has the phases of its kind; those the tests do not look at never
//  close (no reminders) or lie far from the ones they do.
static const char *s_own_calendar =
    "call\n"
    "    id = edge-2022\n"
    "    kind = prize\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2021-12-01 00:00\"\n"
    "        end = \"2022-01-21 23:00\"\n"
    "    phase\n"
    "        name = nomination\n"
    "        start = \"2022-02-01 00:00\"\n"
    "        end = \"2022-02-25 23:00\"\n"
    "    phase\n"
    "        name = voting\n"
    "        start = \"2022-03-01 00:00\"\n"
    "        end = \"2022-03-04 12:00\"\n"
    "    phase\n"
    "        name = selection\n"
    "        start = \"2022-03-04 12:00\"\n"
    "        end = \"2022-03-11 12:00\"\n"
    "    phase\n"
    "        name = announcement\n"
    "        start = \"2022-05-30 00:00\"\n"
    "call\n"
    "    id = talks-2022\n"
    "    kind = ocp\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2021-08-19 00:00\"\n"
    "    phase\n"
    "        name = meeting\n"
    "        start = \"2022-02-15 10:00\"\n"
    "        end = \"2022-02-15 11:00\"\n"
    "call\n"
    "    id = pictures-2022\n"
    "    kind = photo\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2022-01-01 00:00\"\n"
    "        end = \"2022-02-01 12:00\"\n"
    "    phase\n"
    "        name = selection\n"
    "        start = \"2022-02-01 12:00\"\n"
    "call\n"
    "    id = autumn-2022\n"
    "    kind = hltf\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = nomination\n"
    "        start = \"2022-10-01 00:00\"\n"
    "        end = \"2022-11-01 23:00\"\n";

#define EVERYONE \
    "staff\n    name = All\n    email = all@example.org\n    calls = \"*\"\n"

static void
test_short_phase (void **state)
{
    s_schedule_t *own = s_schedule_open (s_own_calendar, EVERYONE, false);
    assert_non_null (own);
    s_seen_t *seen = s_seen (own);
    const s_expected_t expected [] = {
        //  Voting lasts three and a half days: only 1d and 1h before its end
        { "edge-2022/voting/reminder/1d", NOTIFY_MOMENT_REMINDER, "2022-03-03T11:00:00Z" },
        { "edge-2022/voting/reminder/1h", NOTIFY_MOMENT_REMINDER, "2022-03-04T10:00:00Z" },
        //  Selection lasts exactly 7 days: that reminder falls on
        //  its opening, not before it, so it is made
        { "edge-2022/selection/reminder/7d", NOTIFY_MOMENT_REMINDER, "2022-03-04T11:00:00Z" },
    };
    s_assert_moments (seen, expected, S_COUNT (expected));
    const char *absent [] = { "edge-2022/voting/reminder/14d", "edge-2022/voting/reminder/7d",
                              "edge-2022/selection/reminder/14d", NULL };
    s_assert_absent (seen, absent);

    //  At 12:00 on 4 March: voting closes, the reminder, then the
    //  announcement opens, though the keys sort the other way
    size_t at = 0;
    while (at < seen->size && !streq (seen->moments [at].key, "edge-2022/voting/closed"))
        at++;
    assert_true (at + 2 < seen->size);
    assert_string_equal (seen->moments [at + 1].key, "edge-2022/selection/reminder/7d");
    assert_string_equal (seen->moments [at + 2].key, "edge-2022/selection/opened");
    assert_int_equal (seen->moments [at].due, seen->moments [at + 2].due);
    s_schedule_close (&own);
}

static void
test_reminders_per_kind (void **state)
{
    s_schedule_t *own = s_schedule_open (
        s_own_calendar, EVERYONE
        "reminders\n    kind = photo\n    before = \"2d 3h\"\n"
        "reminders\n    kind = \"*\"\n    before = \"5d\"\n    meetings = \"2h 30h\"\n",
        false);
    assert_non_null (own);
    const s_expected_t expected [] = {
        //  Photo: its own section
        { "pictures-2022/submission/reminder/2d", NOTIFY_MOMENT_REMINDER, "2022-01-30T11:00:00Z" },
        { "pictures-2022/submission/reminder/3h", NOTIFY_MOMENT_REMINDER, "2022-02-01T08:00:00Z" },
        //  Prize and HLTF: the "*" section
        { "autumn-2022/nomination/reminder/5d", NOTIFY_MOMENT_REMINDER, "2022-10-27T21:00:00Z" },
        { "edge-2022/selection/reminder/5d", NOTIFY_MOMENT_REMINDER, "2022-03-06T11:00:00Z" },
        //  Meetings: the "*" section's meeting offsets, in hours
        { "talks-2022/meeting/meeting/2h", NOTIFY_MOMENT_MEETING, "2022-02-15T07:00:00Z" },
        { "talks-2022/meeting/meeting/30h", NOTIFY_MOMENT_MEETING, "2022-02-14T03:00:00Z" },
    };
    s_assert_moments (s_seen (own), expected, S_COUNT (expected));
    const char *absent [] = { "edge-2022/selection/reminder/7d",
                              "talks-2022/meeting/meeting/1h", NULL };
    s_assert_absent (s_seen (own), absent);
    assert_int_equal (s_count_of_call (s_seen (own), "pictures-2022"), 5);
    assert_int_equal (s_count_of_call (s_seen (own), "autumn-2022"), 3);
    assert_int_equal (s_count_of_call (s_seen (own), "talks-2022"), 5);
    s_schedule_close (&own);

    //  No reminders at all for a kind: only the opening and the close
    own = s_schedule_open (s_own_calendar,
                           EVERYONE "reminders\n    kind = photo\n    before = \"\"\n", false);
    assert_non_null (own);
    assert_int_equal (s_count_of_call (s_seen (own), "pictures-2022"), 3);
    assert_int_equal (s_count_of_call (s_seen (own), "autumn-2022"), 6);
    s_schedule_close (&own);
}

static void
test_autumn_change (void **state)
{
    s_schedule_t *own = s_schedule_open (s_own_calendar, EVERYONE, false);
    assert_non_null (own);
    const s_expected_t expected [] = {
        //  23:00 on 1 November is CET (22:00Z); 23:00 a week earlier was
        //  still summer time (21:00Z): the days are 7, the hours 169
        { "autumn-2022/nomination/closed", NOTIFY_MOMENT_CLOSED, "2022-11-01T22:00:00Z" },
        { "autumn-2022/nomination/reminder/7d", NOTIFY_MOMENT_REMINDER, "2022-10-25T21:00:00Z" },
        { "autumn-2022/nomination/reminder/14d", NOTIFY_MOMENT_REMINDER, "2022-10-18T21:00:00Z" },
        { "autumn-2022/nomination/reminder/1d", NOTIFY_MOMENT_REMINDER, "2022-10-31T22:00:00Z" },
        //  An hour is an hour, whatever the clocks do
        { "autumn-2022/nomination/reminder/1h", NOTIFY_MOMENT_REMINDER, "2022-11-01T21:00:00Z" },
    };
    s_assert_moments (s_seen (own), expected, S_COUNT (expected));
    s_schedule_close (&own);
}

int
main (void)
{
    const struct CMUnitTest shipped [] = {
        cmocka_unit_test (test_shipped_prizes),
        cmocka_unit_test (test_shipped_ocp),
        cmocka_unit_test (test_shipped_no_end),
        cmocka_unit_test (test_shipped_order),
        cmocka_unit_test (test_stop),
    };
    const struct CMUnitTest own [] = {
        cmocka_unit_test (test_names),
        cmocka_unit_test (test_short_phase),
        cmocka_unit_test (test_reminders_per_kind),
        cmocka_unit_test (test_autumn_change),
    };
    int failed = cmocka_run_group_tests_name ("shipped", shipped, s_setup, s_teardown);
    return failed + cmocka_run_group_tests_name ("own", own, NULL, NULL);
}
