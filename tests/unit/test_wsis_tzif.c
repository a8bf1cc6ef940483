/*  test_wsis_tzif: zone offsets from TZif files, held to glibc.

    The oracle is the C library itself, single-threaded here: for every
    zone file of the system's tz database and instants from 1970 to 2100
    (every 25 hours or so, and to the second around each change of offset
    glibc shows), then a year at a time far past the last transition, our
    offset must be localtime_r's tm_gmtoff with TZ set to the same file.
    The footer rule forms the database writes, and some it could, are
    checked the same way against glibc reading the rule from TZ directly.
    Then what must be refused: files cut short or inconsistent, leap
    seconds, footers of forms no tz database writes.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wsis_civil.h"
#include "wsis_tzif.h"
#include "test_support.h"

#define ZONEINFO        "/usr/share/zoneinfo"
#define DAY             INT64_C (86400)
//  Not a whole number of days or hours, so samples walk through every
//  time of day; short enough that no two changes of offset that undo
//  each other fall between two samples (the closest in the database
//  are weeks apart)
#define STEP            (3 * DAY + 3671)
#define YEAR_SECONDS(y) (wsis_civil_days ((y), 1, 1) * DAY)

//  What the checks found: counts, and the first mismatches to show.
typedef struct {
    const char *name;           //  zone or rule being checked
    const wsis_tzif_t *tzif;
    long instants;
    long changes;               //  offset changes found and checked
    long mismatches;
    char first [512];
} s_check_t;

static long s_zones_checked;
static long s_instants_checked;
static long s_changes_checked;
static long s_mismatches;
static char s_first_mismatch [512];


//  --------------------------------------------------------------------------
//  The oracle: glibc with TZ set, in this one thread

static void
s_oracle_zone (const char *tz)
{
    setenv ("TZ", tz, 1);
    tzset ();
}

static long
s_oracle_offset (int64_t seconds)
{
    time_t instant = (time_t) seconds;
    struct tm local;
    assert_non_null (localtime_r (&instant, &local));
    return local.tm_gmtoff;
}

static void
s_check_instant (s_check_t *check, int64_t seconds)
{
    long expected = s_oracle_offset (seconds);
    int32_t actual = wsis_tzif_offset (check->tzif, seconds);
    check->instants++;
    if (actual != expected && check->mismatches++ == 0)
        snprintf (check->first, sizeof check->first,
                  "%s at %lld: offset %d, glibc says %ld",
                  check->name, (long long) seconds, actual, expected);
}

//  Samples every step seconds from from to to; where glibc's offset changes
//  between two samples, finds the second it changes at and checks the
//  seconds either side of it.
static void
s_check_span (s_check_t *check, int64_t from, int64_t to, int64_t step)
{
    int64_t previous = from;
    long previous_offset = s_oracle_offset (from);
    s_check_instant (check, from);
    for (int64_t at = from + step; at <= to; at += step) {
        long offset = s_oracle_offset (at);
        s_check_instant (check, at);
        if (offset != previous_offset) {
            int64_t low = previous, high = at;
            while (high - low > 1) {
                int64_t middle = low + (high - low) / 2;
                if (s_oracle_offset (middle) == previous_offset)
                    low = middle;
                else
                    high = middle;
            }
            s_check_instant (check, high - 1);
            s_check_instant (check, high);
            s_check_instant (check, high + 1);
            check->changes++;
        }
        previous = at;
        previous_offset = offset;
    }
}

//  from to 2100 closely, then one year in each of a few centuries far
//  past any zone's last transition.
static void
s_check_zone (s_check_t *check, int64_t from)
{
    s_check_span (check, from, YEAR_SECONDS (2100), STEP);
    const int64_t far [] = { 2137, 2400, 3000, 5555, 9998 };
    for (size_t i = 0; i < sizeof far / sizeof far [0]; i++)
        s_check_span (check, YEAR_SECONDS (far [i]), YEAR_SECONDS (far [i] + 1), STEP);
}

static void
s_tally (const s_check_t *check)
{
    s_instants_checked += check->instants;
    s_changes_checked += check->changes;
    if (check->mismatches && s_mismatches == 0)
        snprintf (s_first_mismatch, sizeof s_first_mismatch, "%s", check->first);
    s_mismatches += check->mismatches;
}

//  --------------------------------------------------------------------------
//  Every zone of the database

static bool
s_is_tzif (const char *path)
{
    char magic [4] = { 0 };
    FILE *file = fopen (path, "rb");
    if (!file)
        return false;
    size_t got = fread (magic, 1, sizeof magic, file);
    fclose (file);
    return got == sizeof magic && memcmp (magic, "TZif", 4) == 0;
}

static int
s_visit (const char *path, const struct stat *st, int kind, struct FTW *ftw)
{
    const char *name = path + strlen (ZONEINFO) + 1;
    //  posix/ repeats the zones; right/ counts leap seconds, which
    //  wsis refuses
    if (kind == FTW_D && (strcmp (name, "posix") == 0 || strcmp (name, "right") == 0))
        return FTW_SKIP_SUBTREE;
    //  Links name zones that are files elsewhere in the tree
    if (kind != FTW_F || !s_is_tzif (path))
        return FTW_CONTINUE;

    wsis_tzif_t *tzif = wsis_tzif_load (path);
    if (!tzif)
        fail_msg ("zone %s refused", name);
    char tz [PATH_MAX + 2];
    snprintf (tz, sizeof tz, ":%s", path);
    s_oracle_zone (tz);
    s_check_t check = { .name = name, .tzif = tzif };
    //  From the last days of 1969, which wsis_time looks at to place
    //  wall times of 1 January 1970
    s_check_zone (&check, -2 * DAY);
    s_tally (&check);
    wsis_tzif_destroy (&tzif);
    s_zones_checked++;
    return FTW_CONTINUE;
}

static void
test_every_zone_matches_glibc (void **state)
{
    char *saved = test_tz_save ();
    assert_int_equal (nftw (ZONEINFO, s_visit, 16, FTW_PHYS | FTW_ACTIONRETVAL), 0);
    test_tz_restore (&saved);
    print_message ("%ld zones, %ld instants, %ld offset changes checked\n",
                   s_zones_checked, s_instants_checked, s_changes_checked);
    //  The tzdata package has some 450 zone files; fewer means the tree
    //  was not walked, not that all is well
    assert_true (s_zones_checked > 300);
    assert_true (s_changes_checked > 10000);
    if (s_mismatches)
        fail_msg ("%ld mismatches, the first: %s", s_mismatches, s_first_mismatch);
}


//  --------------------------------------------------------------------------
//  Zones made here: a version 2 file with the 64-bit block only filled in

typedef struct {
    uint8_t bytes [1024];
    size_t size;
} s_file_t;

static void
s_put_u32 (s_file_t *file, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        file->bytes [file->size++] = (uint8_t) (value >> shift);
}

static void
s_put_header (s_file_t *file, char version, uint32_t timecnt, uint32_t typecnt,
              uint32_t charcnt, uint32_t leapcnt)
{
    memcpy (file->bytes + file->size, "TZif", 4);
    file->size += 4;
    file->bytes [file->size++] = (uint8_t) version;
    memset (file->bytes + file->size, 0, 15);
    file->size += 15;
    s_put_u32 (file, 0);        //  isutcnt
    s_put_u32 (file, 0);        //  isstdcnt
    s_put_u32 (file, leapcnt);
    s_put_u32 (file, timecnt);
    s_put_u32 (file, typecnt);
    s_put_u32 (file, charcnt);
}

//  A zone on offset_before until transition, then offset_after, then the
//  footer rule.
static void
s_make (s_file_t *file, int64_t transition, int32_t offset_before, int32_t offset_after,
        const char *footer)
{
    file->size = 0;
    //  An empty version 1 block: one type, one abbreviation character
    s_put_header (file, '2', 0, 1, 1, 0);
    s_put_u32 (file, 0);
    file->bytes [file->size++] = 0;
    file->bytes [file->size++] = 0;
    file->bytes [file->size++] = 0;
    s_put_header (file, '2', 1, 2, 4, 0);
    s_put_u32 (file, (uint32_t) ((uint64_t) transition >> 32));
    s_put_u32 (file, (uint32_t) transition);
    file->bytes [file->size++] = 1;
    s_put_u32 (file, (uint32_t) offset_before);
    file->bytes [file->size++] = 0;
    file->bytes [file->size++] = 0;
    s_put_u32 (file, (uint32_t) offset_after);
    file->bytes [file->size++] = 0;
    file->bytes [file->size++] = 0;
    memcpy (file->bytes + file->size, "XYZ", 4);
    file->size += 4;
    file->size += (size_t) snprintf ((char *) file->bytes + file->size,
                                     sizeof file->bytes - file->size, "\n%s\n", footer);
}

static void
test_rule_forms_match_glibc (void **state)
{
    //  What the database writes, and forms it could: Jn and n days, times
    //  past midnight or before it, seconds in offsets, summer time over
    //  the new year, negative summer time (Dublin), and all-year summer
    //  time written as a change at the very start and end of the year
    const char *rules [] = {
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "EST5EDT,M3.2.0,M11.1.0",
        "NZST-12NZDT,M9.5.0,M4.1.0/3",
        "ACST-9:30ACDT,M10.1.0,M4.1.0/3",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
        "EET-2EEST,M4.5.5/0,M10.5.4/24",
        "EET-2EEST,M3.4.4/50,M10.4.4/50",
        "IST-2IDT,M3.4.4/26,M10.5.0",
        "NST3:30NDT,M3.2.0,M11.1.0",
        "<+0630>-6:30",
        "<-03>3<-02>,J60/1,J300/25",
        "AAA4BBB,J1/0,J365/25",
        "AAA-4BBB,0/0,J365/25",
        "AAA3:15:30BBB2,59/3:15:30,365/-1",
        "AAA-5BBB-6:30:15,100/3:15:30,J200/167",
        "AAA10BBB9,M2.5.6/-167,M12.5.6/167",
        "<+14>-14<+13>,M5.1.0,M12.1.0",
        "UTC0",
    };
    char *saved = test_tz_save ();
    for (size_t i = 0; i < sizeof rules / sizeof rules [0]; i++) {
        //  One transition long before 1970, so the rule rules from there
        s_file_t file;
        s_make (&file, -INT64_C (10000000000), 0, 0, rules [i]);
        wsis_tzif_t *tzif = wsis_tzif_new (file.bytes, file.size);
        if (!tzif)
            fail_msg ("rule %s refused", rules [i]);
        s_oracle_zone (rules [i]);
        s_check_t check = { .name = rules [i], .tzif = tzif };
        //  From 1970: glibc computes the rule's changes of any earlier
        //  year as if it were 1970, which no zone's file asks of it
        s_check_zone (&check, 0);
        //  and every hour around each new year, where a rule's summer
        //  time may start or end, and its year is that of UTC
        for (int64_t year = 1971; year <= 2100; year++)
            s_check_span (&check, YEAR_SECONDS (year) - 2 * DAY,
                          YEAR_SECONDS (year) + 2 * DAY, 3600);
        wsis_tzif_destroy (&tzif);
        if (check.mismatches)
            fail_msg ("%ld mismatches, the first: %s", check.mismatches, check.first);
        if (strchr (rules [i], ',') && check.changes < 2 * 130)
            fail_msg ("rule %s: only %ld changes seen", rules [i], check.changes);
    }
    test_tz_restore (&saved);
}

static void
test_transitions_and_before (void **state)
{
    //  Before the first transition: the standard-time type; at it and
    //  after, the type it brings in; with no rule the last type for ever
    s_file_t file;
    s_make (&file, 1000000, 3600, -1800, "");
    wsis_tzif_t *tzif = wsis_tzif_new (file.bytes, file.size);
    assert_non_null (tzif);
    assert_int_equal (wsis_tzif_offset (tzif, -5000000000), 3600);
    assert_int_equal (wsis_tzif_offset (tzif, 999999), 3600);
    assert_int_equal (wsis_tzif_offset (tzif, 1000000), -1800);
    assert_int_equal (wsis_tzif_offset (tzif, INT64_C (300000000000)), -1800);
    wsis_tzif_destroy (&tzif);
    assert_null (tzif);
    wsis_tzif_destroy (&tzif);

    //  Past the last transition the rule decides, even against the type
    //  the transition brought in
    s_make (&file, 1000000, 0, 0, "AAA-4");
    tzif = wsis_tzif_new (file.bytes, file.size);
    assert_non_null (tzif);
    assert_int_equal (wsis_tzif_offset (tzif, 999999), 0);
    assert_int_equal (wsis_tzif_offset (tzif, 1000000), 4 * 3600);
    wsis_tzif_destroy (&tzif);
}


//  --------------------------------------------------------------------------
//  What is refused

static void
test_malformed_files (void **state)
{
    s_file_t good;
    s_make (&good, 1000000, 3600, 7200, "CET-1CEST,M3.5.0,M10.5.0/3");
    wsis_tzif_t *tzif = wsis_tzif_new (good.bytes, good.size);
    assert_non_null (tzif);
    wsis_tzif_destroy (&tzif);

    //  Cut short anywhere, or with a byte more
    for (size_t size = 0; size < good.size; size++)
        assert_null (wsis_tzif_new (good.bytes, size));
    s_file_t longer = good;
    longer.bytes [longer.size++] = 'x';
    assert_null (wsis_tzif_new (longer.bytes, longer.size));
    assert_null (wsis_tzif_new (NULL, 0));

    //  Offsets into the second header and its block (the first header
    //  and its one type take 44 + 6 + 1 bytes)
    const size_t second = 51;
    const size_t block = second + 44;
    struct {
        size_t at;
        uint8_t value;
        const char *why;
    } corrupt [] = {
        { 0, 'X', "magic" },
        { second + 1, 'X', "second magic" },
        { second + 31, 1, "leap seconds" },
        { second + 39, 0, "no types" },
        { second + 39, 3, "more types than the block holds" },
        { second + 43, 0, "no abbreviations" },
        { block + 8, 2, "a transition to type 2 of 2" },
        { block + 9, 0x80, "offset far out of range" },
        { block + 13, 2, "isdst neither 0 nor 1" },
        { block + 14, 4, "abbreviation index past the characters" },
        { block + 24, 'Z', "unterminated abbreviation" },
    };
    for (size_t i = 0; i < sizeof corrupt / sizeof corrupt [0]; i++) {
        s_file_t file = good;
        file.bytes [corrupt [i].at] = corrupt [i].value;
        if (wsis_tzif_new (file.bytes, file.size))
            fail_msg ("accepted a file with %s", corrupt [i].why);
    }

    //  Two transitions, not ascending
    s_file_t file;
    file.size = 0;
    s_put_header (&file, 0, 2, 1, 1, 0);
    s_put_u32 (&file, 100);
    s_put_u32 (&file, 100);
    file.bytes [file.size++] = 0;
    file.bytes [file.size++] = 0;
    s_put_u32 (&file, 0);
    file.bytes [file.size++] = 0;
    file.bytes [file.size++] = 0;
    file.bytes [file.size++] = 0;
    assert_null (wsis_tzif_new (file.bytes, file.size));
    file.bytes [44 + 7] = 101;
    tzif = wsis_tzif_new (file.bytes, file.size);
    assert_non_null (tzif);     //  version 1, no footer: the last type stays
    assert_int_equal (wsis_tzif_offset (tzif, INT64_C (5000000000)), 0);
    wsis_tzif_destroy (&tzif);
}

static void
test_malformed_footers (void **state)
{
    const char *bad [] = {
        "CET",                          //  no offset
        "CE-1",                         //  a name of two letters
        "<+1>-1",
        "<+01-1",
        "CET-25",                       //  offsets stop at 24 hours
        "CET-1 ",
        "CET-1CEST",                    //  summer time without a rule
        "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.5.0,",
        "CET-1CEST,M13.5.0,M10.5.0",
        "CET-1CEST,M0.5.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.0.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,M3.5,M10.5.0",
        "CET-1CEST,M3.5.0,M10.5.0/168",
        "CET-1CEST,M3.5.0,M10.5.0/3:60",
        "CET-1CEST,M3.5.0,M10.5.0/",
        "CET-1CEST,J0,J365",
        "CET-1CEST,J1,J366",
        "CET-1CEST,366,J1",
        "CET-1CEST,M3.5.0,M10.5.0,J1",
        "CET-1CEST,M3.5.0;M10.5.0",
        "CET-1\nCEST",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s_file_t file;
        s_make (&file, 0, 0, 0, bad [i]);
        wsis_tzif_t *tzif = wsis_tzif_new (file.bytes, file.size);
        if (tzif) {
            wsis_tzif_destroy (&tzif);
            fail_msg ("accepted footer \"%s\"", bad [i]);
        }
    }
}

static void
test_load (void **state)
{
    wsis_tzif_t *tzif = wsis_tzif_load (ZONEINFO "/Europe/Zurich");
    assert_non_null (tzif);
    //  23:00 CET on 21 January 2022 is 22:00 UTC
    assert_int_equal (wsis_tzif_offset (tzif, INT64_C (1642802400)), 3600);
    wsis_tzif_destroy (&tzif);

    assert_null (wsis_tzif_load (ZONEINFO "/No/Such_Zone"));
    assert_null (wsis_tzif_load (ZONEINFO "/Europe"));          //  a folder
    assert_null (wsis_tzif_load ("/dev/null"));                 //  not a regular file

    char folder [256];
    assert_int_equal (test_tempdir_make (folder, sizeof folder, "test_wsis_tzif"), 0);
    char path [PATH_MAX];
    snprintf (path, sizeof path, "%s/zone", folder);
    //  Empty, text, and too big to be a zone
    test_file_write (path, "", 0);
    assert_null (wsis_tzif_load (path));
    const char *text = "# tzdb timezone descriptions\n";
    test_file_write (path, text, strlen (text));
    assert_null (wsis_tzif_load (path));
    s_file_t zone;
    s_make (&zone, 0, 0, 0, "AAA-4");
    test_file_write (path, zone.bytes, zone.size);
    tzif = wsis_tzif_load (path);
    assert_non_null (tzif);
    assert_int_equal (wsis_tzif_offset (tzif, 1), 4 * 3600);
    wsis_tzif_destroy (&tzif);
    assert_int_equal (truncate (path, 2 << 20), 0);
    assert_null (wsis_tzif_load (path));
    assert_int_equal (test_tempdir_remove (folder), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_transitions_and_before),
        cmocka_unit_test (test_rule_forms_match_glibc),
        cmocka_unit_test (test_malformed_files),
        cmocka_unit_test (test_malformed_footers),
        cmocka_unit_test (test_load),
        cmocka_unit_test (test_every_zone_matches_glibc),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
