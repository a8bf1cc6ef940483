/*  test_wsis_time: RFC 3339 instants, and Geneva wall time across
    the daylight-saving changes that fall inside the 2022 calls; and
    conversions in several threads at once beside one that reads the
    environment and the C library's local time, which they must leave
    alone.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsis_time.h"
#include "test_support.h"

#define GENEVA "Europe/Geneva"

static void
s_assert_local (const char *zone, const char *local, const char *expected_utc)
{
    int64_t ms = -1;
    char buf [WSIS_TIME_BUFSIZE];
    assert_int_equal (wsis_time_local_to_utc (zone, local, &ms), 0);
    wsis_time_format (ms, buf);
    assert_string_equal (buf, expected_utc);
}

//  text parses to exactly the instant expected
static void
s_assert_parse (const char *text, int64_t expected)
{
    int64_t ms = -1;
    assert_int_equal (wsis_time_parse (text, &ms), 0);
    assert_int_equal (ms, expected);
}

//  Adding days of wall-clock time in zone to from gives expected_utc;
//  returns that instant
static int64_t
s_assert_add_days (const char *zone, int64_t from, int days, const char *expected_utc)
{
    int64_t ms = -1;
    char buf [WSIS_TIME_BUFSIZE];
    assert_int_equal (wsis_time_add_local_days (zone, from, days, &ms), 0);
    wsis_time_format (ms, buf);
    assert_string_equal (buf, expected_utc);
    return ms;
}

//  The instant utc shows as expected_local on the wall clocks of zone
static void
s_assert_format_local (const char *zone, const char *utc, const char *expected_local)
{
    char buf [32];
    assert_int_equal (wsis_time_format_local (zone, test_utc (utc), buf, sizeof (buf)), 0);
    assert_string_equal (buf, expected_local);
}


//  --------------------------------------------------------------------------
//  UTC instants

static void
test_parse_valid (void **state)
{
    s_assert_parse ("1970-01-01T00:00:00Z", 0);
    s_assert_parse ("2022-01-21T21:59:59Z", INT64_C (1642802399000));
    s_assert_parse ("2022-01-21T21:59:59.999Z", INT64_C (1642802399999));
    //  Fractions shorter or longer than milliseconds
    s_assert_parse ("2022-01-21T21:59:59.5Z", INT64_C (1642802399500));
    s_assert_parse ("2022-01-21T21:59:59.123456789Z", INT64_C (1642802399123));
    //  Offsets name the same instant
    s_assert_parse ("2022-01-21T22:59:59+01:00", INT64_C (1642802399000));
    s_assert_parse ("2022-01-21T16:29:59-05:30", INT64_C (1642802399000));
    s_assert_parse ("2022-01-21T21:59:59-00:00", INT64_C (1642802399000));
    //  Leap days
    int64_t ms;
    assert_int_equal (wsis_time_parse ("2024-02-29T00:00:00Z", &ms), 0);
    assert_int_equal (wsis_time_parse ("2000-02-29T00:00:00Z", &ms), 0);
    assert_int_equal (wsis_time_parse ("9999-12-31T23:59:59.999Z", &ms), 0);
}

static void
test_parse_malformed (void **state)
{
    const char *bad [] = {
        "",
        "garbage",
        "2022-13-01T00:00:00Z",         //  month 13
        "2022-00-10T00:00:00Z",
        "2022-02-30T00:00:00Z",         //  no 30 February
        "2022-02-29T00:00:00Z",         //  2022 is no leap year
        "1900-02-29T00:00:00Z",         //  nor is 1900
        "2022-04-31T00:00:00Z",
        "2022-01-00T00:00:00Z",
        "2022-01-21T24:00:00Z",
        "2022-01-21T23:60:00Z",
        "2022-01-21T23:59:60Z",         //  no leap seconds in POSIX time
        "2022-01-21T21:59:59",          //  no zone: which instant?
        "2022-01-21T21:59:59Zx",        //  trailing characters
        "2022-01-21T21:59:59Z ",
        " 2022-01-21T21:59:59Z",
        "2022-01-21 21:59:59Z",         //  a space is for local times only
        "2022-1-21T21:59:59Z",
        "2022-01-21T21:59Z",
        "2022-01-21T21:59:59.Z",        //  a dot without digits
        "2022-01-21T21:59:59.1234567890Z",
        "2022-01-21T21:59:59+0100",
        "2022-01-21T21:59:59+01",
        "2022-01-21T21:59:59+24:00",
        "2022-01-21T21:59:59+01:60",
        "2022-01-21T21:59:59z",
        "1969-12-31T23:59:59Z",         //  before the epoch
        "1970-01-01T00:30:00+01:00",    //  written in 1970, but before it
        "10000-01-01T00:00:00Z",
        "+2022-01-21T21:59:59Z",
    };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad [0]); i++) {
        int64_t ms = 42;
        if (wsis_time_parse (bad [i], &ms) != -1)
            fail_msg ("accepted \"%s\"", bad [i]);
        assert_int_equal (ms, 42);      //  untouched on failure
    }
    int64_t ms;
    assert_int_equal (wsis_time_parse (NULL, &ms), -1);
}

static void
test_format_round_trip (void **state)
{
    const char *instants [] = {
        "1970-01-01T00:00:00Z",
        "2022-01-21T22:00:00Z",
        "2022-01-21T21:59:59.999Z",
        "2022-03-31T21:00:00.001Z",
        "2024-02-29T12:34:56.780Z",
        "9999-12-31T23:59:59.999Z",
    };
    for (size_t i = 0; i < sizeof (instants) / sizeof (instants [0]); i++) {
        char buf [WSIS_TIME_BUFSIZE];
        wsis_time_format (test_utc (instants [i]), buf);
        assert_string_equal (buf, instants [i]);
    }
    //  Milliseconds appear only when there are some
    char buf [WSIS_TIME_BUFSIZE];
    wsis_time_format (INT64_C (1642802399000), buf);
    assert_string_equal (buf, "2022-01-21T21:59:59Z");
    wsis_time_format (INT64_C (1642802399500), buf);
    assert_string_equal (buf, "2022-01-21T21:59:59.500Z");
    //  An offset comes back as Z
    wsis_time_format (test_utc ("2022-01-21T23:00:00+01:00"), buf);
    assert_string_equal (buf, "2022-01-21T22:00:00Z");
    //  Extremes (WSIS_PHASE_NO_END is INT64_MAX) fit the buffer
    wsis_time_format (INT64_MAX, buf);
    assert_true (strlen (buf) < WSIS_TIME_BUFSIZE);
    wsis_time_format (INT64_MIN, buf);
    assert_true (strlen (buf) < WSIS_TIME_BUFSIZE);
    wsis_time_format (-1, buf);
    assert_string_equal (buf, "1969-12-31T23:59:59.999Z");
}


//  --------------------------------------------------------------------------
//  Local times

static void
test_local_to_utc (void **state)
{
    //  The WSIS Prizes submission close: CET, UTC+1
    s_assert_local (GENEVA, "2022-01-21 23:00", "2022-01-21T22:00:00Z");
    //  The voting close: CEST, UTC+2
    s_assert_local (GENEVA, "2022-03-31 23:00", "2022-03-31T21:00:00Z");
    //  OCP submissions close at 23:59 CET
    s_assert_local (GENEVA, "2022-03-07 23:59", "2022-03-07T22:59:00Z");
    //  "T" instead of the space, and seconds
    s_assert_local (GENEVA, "2022-03-07T23:59", "2022-03-07T22:59:00Z");
    s_assert_local (GENEVA, "2022-03-07 23:59:30", "2022-03-07T22:59:30Z");
    //  Geneva is read as Zurich: the same answer either way
    s_assert_local ("Europe/Zurich", "2022-01-21 23:00", "2022-01-21T22:00:00Z");
    s_assert_local ("UTC", "2022-01-21 23:00", "2022-01-21T23:00:00Z");
    s_assert_local ("Asia/Kolkata", "2022-01-21 23:00", "2022-01-21T17:30:00Z");
}

static void
test_local_spring_forward (void **state)
{
    //  27 March 2022: at 02:00 CET Geneva's clocks jump to 03:00 CEST.
    s_assert_local (GENEVA, "2022-03-27 01:59", "2022-03-27T00:59:00Z");
    //  02:00-02:59 never happen: they count as the instant of the jump
    s_assert_local (GENEVA, "2022-03-27 02:00", "2022-03-27T01:00:00Z");
    s_assert_local (GENEVA, "2022-03-27 02:30", "2022-03-27T01:00:00Z");
    s_assert_local (GENEVA, "2022-03-27 02:59:59", "2022-03-27T01:00:00Z");
    s_assert_local (GENEVA, "2022-03-27 03:00", "2022-03-27T01:00:00Z");
    s_assert_local (GENEVA, "2022-03-27 03:01", "2022-03-27T01:01:00Z");
    //  The same rule in another zone: New York jumps 02:00 EST -> 03:00 EDT
    s_assert_local ("America/New_York", "2022-03-13 02:30", "2022-03-13T07:00:00Z");
}

static void
test_local_fall_back (void **state)
{
    //  30 October 2022: at 03:00 CEST clocks go back to 02:00 CET, so
    //  02:00-02:59 happen twice; the first (summer time) counts.
    s_assert_local (GENEVA, "2022-10-30 01:59", "2022-10-29T23:59:00Z");
    s_assert_local (GENEVA, "2022-10-30 02:00", "2022-10-30T00:00:00Z");
    s_assert_local (GENEVA, "2022-10-30 02:30", "2022-10-30T00:30:00Z");
    s_assert_local (GENEVA, "2022-10-30 02:59", "2022-10-30T00:59:00Z");
    s_assert_local (GENEVA, "2022-10-30 03:00", "2022-10-30T02:00:00Z");
    s_assert_local ("America/New_York", "2022-11-06 01:30", "2022-11-06T05:30:00Z");
}

static void
test_local_malformed (void **state)
{
    const char *bad [] = {
        "",
        "2022-01-21",
        "2022-01-21 23",
        "2022-01-21 25:00",
        "2022-01-21 23:60",
        "2022-02-30 10:00",
        "2022-13-01 10:00",
        "2022-01-21 23:00x",
        "2022-01-21 23:00:",
        "2022-01-21 23:00:5",
        "2022-01-21T23:00Z",            //  an instant, not a wall time
        "2022-01-21T23:00:00+01:00",
        "2022-01-21  23:00",
        "22-01-21 23:00",
        "1969-12-31 23:00",
        "1970-01-01 00:30",             //  UTC 1969 in Geneva
    };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad [0]); i++) {
        int64_t ms = 42;
        if (wsis_time_local_to_utc (GENEVA, bad [i], &ms) != -1)
            fail_msg ("accepted \"%s\"", bad [i]);
        assert_int_equal (ms, 42);
    }
    int64_t ms;
    assert_int_equal (wsis_time_local_to_utc (GENEVA, NULL, &ms), -1);
}

static void
test_unknown_zones (void **state)
{
    //  glibc would quietly run these on UTC; we refuse them
    const char *bad [] = {
        "Mars/Olympus_Mons",
        "Europe/Genf",
        "",
        "Europe",                       //  a folder
        "zone.tab",                     //  a file, but no zone
        "../../../etc/passwd",
        "Europe/../Europe/Zurich",
        "/usr/share/zoneinfo/Europe/Zurich",
        "right/Europe/Zurich",          //  counts leap seconds
        "Europe/Zurich ",
        "CET;rm",
    };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad [0]); i++) {
        int64_t ms = 42;
        char buf [64];
        if (wsis_time_local_to_utc (bad [i], "2022-01-21 23:00", &ms) != -1)
            fail_msg ("accepted zone \"%s\"", bad [i]);
        assert_int_equal (ms, 42);
        assert_false (wsis_time_zone_known (bad [i]));
        assert_int_equal (wsis_time_add_local_days (bad [i], 0, 1, &ms), -1);
        assert_int_equal (wsis_time_format_local (bad [i], 0, buf, sizeof (buf)), -1);
    }
    assert_false (wsis_time_zone_known (NULL));
    assert_true (wsis_time_zone_known (GENEVA));
    assert_true (wsis_time_zone_known ("Europe/Zurich"));
    assert_true (wsis_time_zone_known ("UTC"));
}

static void
test_tz_restored (void **state)
{
    //  A conversion never touches TZ, set or unset
    char *saved = test_tz_save ();
    int64_t ms;

    setenv ("TZ", "UTC", 1);
    tzset ();
    assert_int_equal (wsis_time_local_to_utc (GENEVA, "2022-01-21 23:00", &ms), 0);
    assert_string_equal (getenv ("TZ"), "UTC");
    time_t epoch = 0;
    struct tm local;
    localtime_r (&epoch, &local);
    assert_int_equal (local.tm_hour, 0);        //  still UTC, not Geneva

    unsetenv ("TZ");
    assert_int_equal (wsis_time_add_local_days (GENEVA, ms, 1, &ms), 0);
    assert_null (getenv ("TZ"));
    char buf [32];
    assert_int_equal (wsis_time_format_local (GENEVA, ms, buf, sizeof (buf)), 0);
    assert_null (getenv ("TZ"));
    //  Failing on an unknown zone leaves TZ alone too
    setenv ("TZ", "Asia/Tokyo", 1);
    assert_int_equal (wsis_time_local_to_utc ("Nowhere/Land", "2022-01-21 23:00", &ms), -1);
    assert_string_equal (getenv ("TZ"), "Asia/Tokyo");

    test_tz_restore (&saved);
}

static void
test_add_local_days (void **state)
{
    //  A week before the voting close (23:00 CEST) is 23:00 CET: 7 days
    //  less one hour, because 27 March lies between
    int64_t ms = s_assert_add_days (GENEVA, test_utc ("2022-03-31T21:00:00Z"), -7,
                                    "2022-03-24T22:00:00Z");
    //  and back again
    s_assert_add_days (GENEVA, ms, 7, "2022-03-31T21:00:00Z");
    //  Autumn: one day after 12:00 CEST on 29 October is 12:00 CET, 25 h on
    s_assert_add_days (GENEVA, test_utc ("2022-10-29T10:00:00Z"), 1, "2022-10-30T11:00:00Z");
    //  Zero days, milliseconds kept, across a year end
    s_assert_add_days (GENEVA, test_utc ("2022-01-21T21:59:59.999Z"), 0, "2022-01-21T21:59:59.999Z");
    s_assert_add_days (GENEVA, test_utc ("2021-12-31T22:59:00.250Z"), 1, "2022-01-01T22:59:00.250Z");
    //  Landing in the spring gap gives the instant of the jump
    s_assert_add_days (GENEVA, test_utc ("2022-03-26T01:30:00Z"), 1, "2022-03-27T01:00:00Z");

    //  Out of range, before or after, is refused
    ms = 42;
    assert_int_equal (wsis_time_add_local_days (GENEVA, test_utc ("1970-01-01T12:00:00Z"), -1, &ms), -1);
    assert_int_equal (wsis_time_add_local_days (GENEVA, 0, 10000 * 366, &ms), -1);
    assert_int_equal (wsis_time_add_local_days (GENEVA, -1, 1, &ms), -1);
    assert_int_equal (wsis_time_add_local_days (GENEVA, INT64_MAX, -1, &ms), -1);
    assert_int_equal (ms, 42);
}

static void
test_format_local (void **state)
{
    s_assert_format_local (GENEVA, "2022-01-21T22:00:00Z", "2022-01-21 23:00");
    s_assert_format_local (GENEVA, "2022-03-31T21:00:00Z", "2022-03-31 23:00");
    //  Both 02:30s of 30 October show as 02:30
    s_assert_format_local (GENEVA, "2022-10-30T00:30:00Z", "2022-10-30 02:30");
    s_assert_format_local (GENEVA, "2022-10-30T01:30:00Z", "2022-10-30 02:30");
    //  Round trip through local time
    int64_t ms;
    assert_int_equal (wsis_time_local_to_utc (GENEVA, "2022-10-30 02:30", &ms), 0);
    assert_int_equal (ms, test_utc ("2022-10-30T00:30:00Z"));

    //  Too small a buffer is an error, not a cut string
    char buf [32];
    char small [16];
    assert_int_equal (wsis_time_format_local (GENEVA, 0, small, sizeof (small)), -1);
    assert_int_equal (wsis_time_format_local (GENEVA, -1, buf, sizeof (buf)), -1);
    assert_int_equal (wsis_time_format_local (GENEVA, INT64_MAX, buf, sizeof (buf)), -1);
}

static void
test_format_zoned (void **state)
{
    char buf [WSIS_TIME_ZONED_BUFSIZE];
    wsis_time_format_zoned (GENEVA, test_utc ("2022-01-21T22:00:00Z"), buf, sizeof buf);
    assert_string_equal (buf, "2022-01-21T22:00:00Z (2022-01-21 23:00 Europe/Geneva)");
    //  Summer time: the same wall time is an hour earlier in UTC
    wsis_time_format_zoned (GENEVA, test_utc ("2022-03-31T21:00:00Z"), buf, sizeof buf);
    assert_string_equal (buf, "2022-03-31T21:00:00Z (2022-03-31 23:00 Europe/Geneva)");
    //  No zone, an unknown one, a time no wall clock shows: the instant alone
    wsis_time_format_zoned (NULL, test_utc ("2022-01-21T22:00:00Z"), buf, sizeof buf);
    assert_string_equal (buf, "2022-01-21T22:00:00Z");
    wsis_time_format_zoned ("Mars/Olympus", test_utc ("2022-01-21T22:00:00Z"), buf, sizeof buf);
    assert_string_equal (buf, "2022-01-21T22:00:00Z");
    wsis_time_format_zoned (GENEVA, INT64_MAX, buf, sizeof buf);
    assert_int_equal (strchr (buf, '(') == NULL, 1);
    //  A buffer too small for the whole form gets the instant, never half
    //  a wall time
    char small [WSIS_TIME_BUFSIZE];
    wsis_time_format_zoned (GENEVA, test_utc ("2022-01-21T22:00:00Z"), small, sizeof small);
    assert_string_equal (small, "2022-01-21T22:00:00Z");
}

static void
test_parse_zoned (void **state)
{
    int64_t ms = -1;
    assert_int_equal (wsis_time_parse_zoned ("2027-03-31T20:00:00Z", &ms), 0);
    assert_int_equal (ms, test_utc ("2027-03-31T20:00:00Z"));
    assert_int_equal (wsis_time_parse_zoned ("2027-03-31T22:00:00+02:00", &ms), 0);
    assert_int_equal (ms, test_utc ("2027-03-31T20:00:00Z"));
    //  Geneva is on summer time (UTC+2) on 31 March 2027, on winter time
    //  (UTC+1) in January
    assert_int_equal (wsis_time_parse_zoned ("2027-03-31 22:00 Europe/Geneva", &ms), 0);
    assert_int_equal (ms, test_utc ("2027-03-31T20:00:00Z"));
    assert_int_equal (wsis_time_parse_zoned ("2027-01-22 23:00:30 Europe/Geneva", &ms), 0);
    assert_int_equal (ms, test_utc ("2027-01-22T22:00:30Z"));
    assert_int_equal (wsis_time_parse_zoned ("2027-01-22T23:00 Europe/Geneva", &ms), 0);
    assert_int_equal (ms, test_utc ("2027-01-22T22:00:00Z"));

    const char *bad [] = {
        "", " ", "2027-03-31 22:00", "2027-03-31T20:00:00", "2027-03-31 22:00 ",
        " Europe/Geneva", "2027-03-31 22:00 Mars/Olympus", "2027-02-30 22:00 Europe/Geneva",
        "yesterday Europe/Geneva", "2027-03-31 22:00 Europe/Geneva extra",
        "2027-03-31 22:00  Europe/Geneva", "2027-03-31 22:00:00:00:00:00:00:00:00 UTC"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        ms = 42;
        assert_int_equal (wsis_time_parse_zoned (bad [i], &ms), -1);
        assert_int_equal (ms, 42);
    }
    assert_int_equal (wsis_time_parse_zoned (NULL, &ms), -1);
}


//  --------------------------------------------------------------------------
//  Threads

#define CONVERTERS  4
#define ROUNDS      3000

//  One conversion, the instant it must give, and the wall time shown at
//  that instant (another one for a wall time in a spring gap).
static const struct {
    const char *zone;
    const char *local;
    const char *utc;
    const char *shown;
} s_conversions [] = {
    { GENEVA, "2022-01-21 23:00", "2022-01-21T22:00:00Z", "2022-01-21 23:00" },
    { GENEVA, "2022-03-31 23:00", "2022-03-31T21:00:00Z", "2022-03-31 23:00" },
    { GENEVA, "2022-03-27 02:30", "2022-03-27T01:00:00Z", "2022-03-27 03:00" },
    { GENEVA, "2022-10-30 02:30", "2022-10-30T00:30:00Z", "2022-10-30 02:30" },
    { "America/New_York", "2022-03-13 02:30", "2022-03-13T07:00:00Z", "2022-03-13 03:00" },
    { "Asia/Kolkata", "2022-01-21 23:00", "2022-01-21T17:30:00Z", "2022-01-21 23:00" },
    { "Australia/Sydney", "2027-01-22 09:00", "2027-01-21T22:00:00Z", "2027-01-22 09:00" },
    { "UTC", "2022-01-21 23:00", "2022-01-21T23:00:00Z", "2022-01-21 23:00" },
};
#define CONVERSIONS (sizeof s_conversions / sizeof s_conversions [0])

typedef struct {
    int64_t expected [CONVERSIONS];
    atomic_int converters_left;
    atomic_long wrong_conversions;
    atomic_long wrong_readings;
    atomic_long readings;
} s_race_t;

//  Every conversion, many times over: to UTC, back to the wall time, a
//  week on and back.
static void *
s_converter (void *argument)
{
    s_race_t *race = argument;
    for (int round = 0; round < ROUNDS; round++) {
        size_t i = (size_t) round % CONVERSIONS;
        int64_t ms = -1, moved = -1, back = -1;
        char local [32] = "";
        char zoned [WSIS_TIME_ZONED_BUFSIZE];
        if (wsis_time_local_to_utc (s_conversions [i].zone, s_conversions [i].local, &ms)
        ||  ms != race->expected [i]
        ||  wsis_time_format_local (s_conversions [i].zone, ms, local, sizeof local)
        ||  strcmp (local, s_conversions [i].shown) != 0
        ||  wsis_time_add_local_days (s_conversions [i].zone, ms, 7, &moved)
        ||  wsis_time_add_local_days (s_conversions [i].zone, moved, -7, &back)
        ||  back != ms
        ||  !wsis_time_zone_known (s_conversions [i].zone))
            atomic_fetch_add (&race->wrong_conversions, 1);
        wsis_time_format_zoned (s_conversions [i].zone, ms, zoned, sizeof zoned);
        if (!strstr (zoned, s_conversions [i].zone))
            atomic_fetch_add (&race->wrong_conversions, 1);
    }
    atomic_fetch_sub (&race->converters_left, 1);
    return NULL;
}

//  What another thread of a service does meanwhile: CZMQ's log lines
//  format the local time, libcurl's resolver reads the environment.
//  TZ is Asia/Tokyo for the whole test, so the epoch is 09:00 there.
static void *
s_reader (void *argument)
{
    s_race_t *race = argument;
    long readings = 0;
    //  Reads until the converters are done, and a good many times anyway
    while (atomic_load (&race->converters_left) > 0 || readings < 1000) {
        time_t epoch = 0;
        struct tm local;
        const char *tz = getenv ("TZ");
        if (!localtime_r (&epoch, &local) || local.tm_hour != 9
        ||  local.tm_gmtoff != 9 * 3600
        ||  !tz || strcmp (tz, "Asia/Tokyo") != 0 || !getenv ("PATH"))
            atomic_fetch_add (&race->wrong_readings, 1);
        readings++;
    }
    atomic_store (&race->readings, readings);
    return NULL;
}

static void
test_threads (void **state)
{
    char *saved = test_tz_save ();
    //  Set while this is the only thread
    setenv ("TZ", "Asia/Tokyo", 1);
    tzset ();
    if (!getenv ("PATH"))
        setenv ("PATH", "/usr/bin:/bin", 1);

    s_race_t race;
    memset (&race, 0, sizeof race);
    for (size_t i = 0; i < CONVERSIONS; i++)
        race.expected [i] = test_utc (s_conversions [i].utc);
    atomic_store (&race.converters_left, CONVERTERS);

    pthread_t reader, converters [CONVERTERS];
    assert_int_equal (pthread_create (&reader, NULL, s_reader, &race), 0);
    for (int i = 0; i < CONVERTERS; i++)
        assert_int_equal (pthread_create (&converters [i], NULL, s_converter, &race), 0);
    for (int i = 0; i < CONVERTERS; i++)
        assert_int_equal (pthread_join (converters [i], NULL), 0);
    assert_int_equal (pthread_join (reader, NULL), 0);

    assert_int_equal (atomic_load (&race.wrong_conversions), 0);
    assert_int_equal (atomic_load (&race.wrong_readings), 0);
    assert_true (atomic_load (&race.readings) >= 1000);
    //  and TZ is as the test set it
    assert_string_equal (getenv ("TZ"), "Asia/Tokyo");

    test_tz_restore (&saved);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_parse_valid),
        cmocka_unit_test (test_parse_malformed),
        cmocka_unit_test (test_format_round_trip),
        cmocka_unit_test (test_local_to_utc),
        cmocka_unit_test (test_local_spring_forward),
        cmocka_unit_test (test_local_fall_back),
        cmocka_unit_test (test_local_malformed),
        cmocka_unit_test (test_unknown_zones),
        cmocka_unit_test (test_tz_restored),
        cmocka_unit_test (test_add_local_days),
        cmocka_unit_test (test_format_local),
        cmocka_unit_test (test_format_zoned),
        cmocka_unit_test (test_parse_zoned),
        cmocka_unit_test (test_threads),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
