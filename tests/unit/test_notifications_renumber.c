/*  test_notifications_renumber: the key of a calendar moment at its own
    instant, for a moment whose plain key was made for another
    (notifications_renumber.c): the instant goes after the moment, before
    the recipient; a key that is not the moment's, or that would not fit,
    is refused.
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

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_staff_and_event_keys),
        cmocka_unit_test (test_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
