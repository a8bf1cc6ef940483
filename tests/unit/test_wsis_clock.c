/*  test_wsis_clock: the manual clock moves only when set; the real one
    follows the system and refuses to be set.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "wsis_clock.h"
#include "test_support.h"

static void
test_manual_clock (void **state)
{
    wsis_clock_t *clock = wsis_clock_new (true);
    assert_non_null (clock);
    assert_true (wsis_clock_manual (clock));
    assert_int_equal (wsis_clock_now (clock), 0);

    int64_t closing = test_utc ("2022-01-21T22:00:00Z");
    assert_int_equal (wsis_clock_set (clock, closing), 0);
    assert_int_equal (wsis_clock_now (clock), closing);
    //  It stays where it was put: no time passes on its own
    assert_int_equal (wsis_clock_now (clock), closing);
    //  and may be moved back (a test rewinding to before a phase)
    assert_int_equal (wsis_clock_set (clock, 1000), 0);
    assert_int_equal (wsis_clock_now (clock), 1000);

    wsis_clock_destroy (&clock);
    assert_null (clock);
    wsis_clock_destroy (&clock);        //  NULL is fine
}

static void
test_real_clock (void **state)
{
    wsis_clock_t *clock = wsis_clock_new (false);
    assert_non_null (clock);
    assert_false (wsis_clock_manual (clock));

    int64_t system_ms = (int64_t) time (NULL) * 1000;
    int64_t now = wsis_clock_now (clock);
    assert_true (now > test_utc ("2020-01-01T00:00:00Z"));
    assert_true (now >= system_ms - 2000 && now <= system_ms + 2000);

    assert_int_equal (wsis_clock_set (clock, 0), -1);
    assert_true (wsis_clock_now (clock) >= now);
    wsis_clock_destroy (&clock);
    assert_null (clock);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_manual_clock),
        cmocka_unit_test (test_real_clock),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
