/*  test_notifications_renumber: the key of a calendar moment at its own
    instant, for a moment whose plain key was made for another
    (notifications_renumber.c): the instant goes after the moment, before
    the recipient; a key that is not the moment's, or that would not fit,
    is refused. And what identifies a moment whatever its number: a row
    made for a meeting that the calendar still has, under another number,
    is told apart from one whose meeting moved.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "notifications.h"

//  2022-01-30T13:00:00Z
#define DUE ((int64_t) 1643547600000)

static void
test_staff_and_event_keys (void **state)
{
    char key [NOTIFY_KEY_MAX];
    notify_new_t mail = {
        .key = "ocp-2022/meeting/meeting/1d/staff/wsis-secretariat@example.org",
        .moment = "ocp-2022/meeting/meeting/1d", .due = DUE,
    };
    assert_int_equal (notify_renumber_key (&mail, key), 0);
    assert_string_equal (key, "ocp-2022/meeting/meeting/1d@2022-01-30T13:00:00Z"
                              "/staff/wsis-secretariat@example.org");
    notify_new_t event = {
        .key = "ocp-2022/meeting#2/opened", .moment = "ocp-2022/meeting#2/opened", .due = DUE,
    };
    assert_int_equal (notify_renumber_key (&event, key), 0);
    assert_string_equal (key, "ocp-2022/meeting#2/opened@2022-01-30T13:00:00Z");
}

static void
test_refused (void **state)
{
    char key [NOTIFY_KEY_MAX];
    notify_new_t other = {
        .key = "ocp-2022/meeting#2/opened", .moment = "ocp-2022/meeting/opened", .due = DUE,
    };
    assert_int_equal (notify_renumber_key (&other, key), -1);
    //  A key that fits only just, with no room for the instant
    static char moment [NOTIFY_KEY_MAX];
    memset (moment, 'a', NOTIFY_KEY_MAX - 10);
    moment [NOTIFY_KEY_MAX - 10] = '\0';
    notify_new_t full = { .key = moment, .moment = moment, .due = DUE };
    assert_int_equal (notify_renumber_key (&full, key), -1);
}

//  2022-01-31T13:00:00Z, and a meeting put four hours before it
#define SECOND_START ((int64_t) 1643634000000)
#define INSERTED_START (SECOND_START - 4 * 3600 * (int64_t) 1000)
#define DAY_MS (24 * 3600 * (int64_t) 1000)

static void
test_a_row_of_a_meeting_that_is_still_there_is_known_elsewhere (void **state)
{
    //  The calendar now: the inserted meeting is meeting#2, the second #3
    wsis_phase_t phases [] = {
        { "meeting", INSERTED_START, INSERTED_START + 3600000 },
        { "meeting", SECOND_START, SECOND_START + 3600000 },
    };
    wsis_call_t call = { .id = "ocp-2022", .phases = phases, .phase_count = 2 };
    notify_moment_t moments [] = {
        { .key = "ocp-2022/meeting#2/meeting/1d", .call = &call, .phase = &phases [0],
          .due = INSERTED_START - DAY_MS, .expires = INSERTED_START },
        { .key = "ocp-2022/meeting#3/meeting/1d", .call = &call, .phase = &phases [1],
          .due = SECOND_START - DAY_MS, .expires = SECOND_START },
    };
    zhashx_t *present = zhashx_new ();
    for (size_t i = 0; i < 2; i++)
        notify_renumber_present (present, &moments [i]);
    notify_new_t inserted = {
        .key = "ocp-2022/meeting#2/meeting/1d/staff/s@example.org",
        .moment = "ocp-2022/meeting#2/meeting/1d", .call = "ocp-2022", .phase = "meeting",
        .due = INSERTED_START - DAY_MS, .expires = INSERTED_START,
    };
    //  The row under its key was made for the second meeting: still there
    assert_true (notify_renumber_elsewhere (present, &inserted, SECOND_START - DAY_MS,
                                            SECOND_START));
    //  Made for instants no meeting has now: the meeting moved
    assert_false (notify_renumber_elsewhere (present, &inserted, SECOND_START,
                                             SECOND_START + DAY_MS));
    //  Another offset of the same meeting is another moment
    assert_false (notify_renumber_elsewhere (present, &inserted, SECOND_START - 3600000,
                                             SECOND_START));
    //  Nothing was owed without a store to say so
    assert_false (notify_renumber_was_owed (NULL, &inserted));
    zhashx_destroy (&present);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_staff_and_event_keys),
        cmocka_unit_test (test_refused),
        cmocka_unit_test (test_a_row_of_a_meeting_that_is_still_there_is_known_elsewhere),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
