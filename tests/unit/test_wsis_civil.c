/*  test_wsis_civil: days since the epoch and dates, both ways, against
    dates known by heart and against each other over 80,000 years.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wsis_civil.h"

static void
s_assert_date (int64_t days, int64_t year, int month, int day)
{
    int64_t got_year;
    int got_month, got_day;
    assert_int_equal (wsis_civil_days (year, month, day), days);
    wsis_civil_date (days, &got_year, &got_month, &got_day);
    assert_int_equal (got_year, year);
    assert_int_equal (got_month, month);
    assert_int_equal (got_day, day);
}

static void
test_known_dates (void **state)
{
    s_assert_date (0, 1970, 1, 1);
    s_assert_date (-1, 1969, 12, 31);
    s_assert_date (59, 1970, 3, 1);
    s_assert_date (10957, 2000, 1, 1);
    s_assert_date (11016, 2000, 2, 29);         //  2000 is a leap year
    s_assert_date (19013, 2022, 1, 21);         //  the 2022 Prizes close
    s_assert_date (47541, 2100, 3, 1);          //  2100 is not: 28 Feb, then 1 Mar
    s_assert_date (47540, 2100, 2, 28);
    s_assert_date (2932896, 9999, 12, 31);
    s_assert_date (-719468, 0, 3, 1);
    //  A day past the month's end runs on
    assert_int_equal (wsis_civil_days (2022, 2, 29), wsis_civil_days (2022, 3, 1));
}

static void
test_round_trip (void **state)
{
    //  Every day of 80,000 years around the epoch goes there and back,
    //  one after the other
    const int64_t from = -146097 * 100, to = 146097 * 100;
    int64_t previous_year;
    int previous_month, previous_day;
    wsis_civil_date (from, &previous_year, &previous_month, &previous_day);
    for (int64_t days = from; days <= to; days++) {
        int64_t year;
        int month, day;
        wsis_civil_date (days, &year, &month, &day);
        if (wsis_civil_days (year, month, day) != days)
            fail_msg ("day %lld comes back as %lld", (long long) days,
                      (long long) wsis_civil_days (year, month, day));
        if (month == 1 && day == 1 && days > from) {
            assert_int_equal (year, previous_year + 1);
            previous_year = year;
        }
    }
}

static void
test_day_of (void **state)
{
    assert_int_equal (wsis_civil_day_of (0), 0);
    assert_int_equal (wsis_civil_day_of (86399), 0);
    assert_int_equal (wsis_civil_day_of (86400), 1);
    //  Before the epoch it rounds down, not toward zero
    assert_int_equal (wsis_civil_day_of (-1), -1);
    assert_int_equal (wsis_civil_day_of (-86400), -1);
    assert_int_equal (wsis_civil_day_of (-86401), -2);
}

//  Each month's length is the days from its first to the next month's
static void
test_days_in_month (void **state)
{
    assert_int_equal (wsis_civil_days_in_month (2024, 2), 29);
    assert_int_equal (wsis_civil_days_in_month (1900, 2), 28);
    assert_int_equal (wsis_civil_days_in_month (2000, 2), 29);
    assert_int_equal (wsis_civil_days_in_month (2026, 11), 30);
    for (int64_t year = -800; year <= 2800; year++)
        for (int month = 1; month <= 12; month++) {
            int64_t next = month == 12? wsis_civil_days (year + 1, 1, 1)
                                      : wsis_civil_days (year, month + 1, 1);
            assert_int_equal (wsis_civil_days_in_month (year, month),
                              next - wsis_civil_days (year, month, 1));
        }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_known_dates),
        cmocka_unit_test (test_round_trip),
        cmocka_unit_test (test_day_of),
        cmocka_unit_test (test_days_in_month),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
