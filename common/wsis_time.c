/*  wsis_time: RFC 3339 instants and local wall times.

    UTC arithmetic is done here on days since the epoch (Howard Hinnant's
    civil-date algorithms), so it needs no time zone and cannot be disturbed
    by TZ. Local times go through the C library with TZ pointed at the zone's
    file for the length of one call and put back afterwards; services are
    single-threaded, so nothing else reads TZ meanwhile.
*/
#include "wsis_time.h"
#include "wsis_alloc.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MS_PER_SECOND   1000
#define SECONDS_PER_DAY 86400
#define YEAR_MIN        1970
#define YEAR_MAX        9999

//  A broken-down wall time, UTC or local depending on who holds it.
typedef struct {
    int64_t year;
    int month, day, hour, minute, second;
} s_civil_t;


//  --------------------------------------------------------------------------
//  Civil dates: days since 1970-01-01 in the proleptic Gregorian calendar

static int64_t
s_floor_div (int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && a < 0)
        q--;
    return q;
}

static int64_t
s_days_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month > 2? month - 3: month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil_from_days (int64_t days, s_civil_t *civil)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    civil->day = (int) (doy - (153 * mp + 2) / 5 + 1);
    civil->month = (int) (mp < 10? mp + 3: mp - 9);
    civil->year = yoe + era * 400 + (civil->month <= 2);
}

static int
s_days_in_month (int64_t year, int month)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap? 29: days [month - 1];
}

//  Seconds since the epoch of a wall time read as if it were UTC.
static int64_t
s_civil_seconds (const s_civil_t *civil)
{
    return s_days_from_civil (civil->year, civil->month, civil->day) * SECONDS_PER_DAY
         + civil->hour * 3600 + civil->minute * 60 + civil->second;
}

static bool
s_civil_valid (const s_civil_t *civil)
{
    return civil->year >= YEAR_MIN && civil->year <= YEAR_MAX
        && civil->month >= 1 && civil->month <= 12
        && civil->day >= 1 && civil->day <= s_days_in_month (civil->year, civil->month)
        && civil->hour <= 23 && civil->minute <= 59 && civil->second <= 59;
}


//  --------------------------------------------------------------------------
//  Strict scanning: exactly the characters asked for, nothing skipped

static bool
s_scan_digits (const char **cursor, int count, int *value)
{
    int result = 0;
    for (int i = 0; i < count; i++) {
        char c = (*cursor) [i];
        if (c < '0' || c > '9')
            return false;
        result = result * 10 + (c - '0');
    }
    *cursor += count;
    *value = result;
    return true;
}

static bool
s_scan_char (const char **cursor, char expected)
{
    if (**cursor != expected)
        return false;
    (*cursor)++;
    return true;
}

//  "YYYY-MM-DD" then the separator then "HH:MM"; the caller decides what
//  may follow.
static bool
s_scan_date_time (const char **cursor, char separator, s_civil_t *civil)
{
    int year;
    memset (civil, 0, sizeof (*civil));
    if (!s_scan_digits (cursor, 4, &year)
    ||  !s_scan_char (cursor, '-')
    ||  !s_scan_digits (cursor, 2, &civil->month)
    ||  !s_scan_char (cursor, '-')
    ||  !s_scan_digits (cursor, 2, &civil->day))
        return false;
    civil->year = year;
    if (separator == ' ') {
        //  Local times are written either way in configuration
        if (**cursor != ' ' && **cursor != 'T')
            return false;
        (*cursor)++;
    }
    else
    if (!s_scan_char (cursor, separator))
        return false;
    return s_scan_digits (cursor, 2, &civil->hour)
        && s_scan_char (cursor, ':')
        && s_scan_digits (cursor, 2, &civil->minute);
}


//  --------------------------------------------------------------------------
//  UTC instants

int
wsis_time_parse (const char *text, int64_t *ms_out)
{
    assert (ms_out);
    if (!text)
        return -1;
    const char *cursor = text;
    s_civil_t civil;
    if (!s_scan_date_time (&cursor, 'T', &civil)
    ||  !s_scan_char (&cursor, ':')
    ||  !s_scan_digits (&cursor, 2, &civil.second))
        return -1;

    //  RFC 3339 allows any number of fraction digits; we take up to nine
    //  (nanoseconds) and keep milliseconds
    int millis = 0;
    if (s_scan_char (&cursor, '.')) {
        int digits = 0;
        while (*cursor >= '0' && *cursor <= '9') {
            if (digits < 3)
                millis = millis * 10 + (*cursor - '0');
            digits++;
            cursor++;
        }
        if (digits == 0 || digits > 9)
            return -1;
        for (; digits < 3; digits++)
            millis *= 10;
    }
    int offset = 0;             //  seconds east of UTC
    if (!s_scan_char (&cursor, 'Z')) {
        int sign = *cursor == '+'? 1: *cursor == '-'? -1: 0;
        int hours, minutes;
        if (sign == 0)
            return -1;          //  no zone at all: the instant is unknown
        cursor++;
        if (!s_scan_digits (&cursor, 2, &hours)
        ||  !s_scan_char (&cursor, ':')
        ||  !s_scan_digits (&cursor, 2, &minutes)
        ||  hours > 23 || minutes > 59)
            return -1;
        offset = sign * (hours * 3600 + minutes * 60);
    }
    if (*cursor || !s_civil_valid (&civil))
        return -1;

    int64_t seconds = s_civil_seconds (&civil) - offset;
    if (seconds < 0)
        return -1;              //  before the epoch, though written in 1970
    *ms_out = seconds * MS_PER_SECOND + millis;
    return 0;
}

void
wsis_time_format (int64_t ms, char *buf)
{
    assert (buf);
    //  Split without forming ms - millis, which overflows at INT64_MIN
    int64_t seconds = ms / MS_PER_SECOND;
    int millis = (int) (ms % MS_PER_SECOND);
    if (millis < 0) {
        millis += MS_PER_SECOND;
        seconds--;
    }
    int64_t days = s_floor_div (seconds, SECONDS_PER_DAY);
    int64_t of_day = seconds - days * SECONDS_PER_DAY;
    s_civil_t civil;
    s_civil_from_days (days, &civil);

    int length = snprintf (buf, WSIS_TIME_BUFSIZE, "%04lld-%02d-%02dT%02d:%02d:%02d",
                           (long long) civil.year, civil.month, civil.day,
                           (int) (of_day / 3600), (int) (of_day / 60 % 60),
                           (int) (of_day % 60));
    //  Even INT64_MAX (year 292 million, WSIS_PHASE_NO_END) leaves room for
    //  ".mmmZ"; this only keeps the pointer arithmetic below safe regardless
    if (length < 0 || length >= WSIS_TIME_BUFSIZE - 6)
        length = WSIS_TIME_BUFSIZE - 6;
    if (millis)
        snprintf (buf + length, WSIS_TIME_BUFSIZE - length, ".%03dZ", millis);
    else
        snprintf (buf + length, WSIS_TIME_BUFSIZE - length, "Z");
}


//  --------------------------------------------------------------------------
//  Zones

//  The tz database has no Europe/Geneva: all of Switzerland keeps one time
//  and IANA files it under Zurich. The WSIS calls are published in Geneva
//  time, so the calendar names Geneva and we read it as Zurich.
static const struct {
    const char *name;
    const char *file;
} s_zone_aliases [] = {
    { "Europe/Geneva", "Europe/Zurich" },
};

//  True if tzdir/name is a TZif file; its path is left in path. zone.tab,
//  leapseconds and friends live in the same folder, so a regular file is
//  not enough.
static bool
s_tzif_file (const char *tzdir, const char *name, char *path, size_t size)
{
    int length = snprintf (path, size, "%s/%s", tzdir, name);
    if (length < 0 || (size_t) length >= size)
        return false;
    struct stat st;
    if (stat (path, &st) || !S_ISREG (st.st_mode))
        return false;
    char magic [4] = { 0 };
    FILE *file = fopen (path, "rb");
    if (!file)
        return false;
    size_t got = fread (magic, 1, sizeof (magic), file);
    fclose (file);
    return got == sizeof (magic) && memcmp (magic, "TZif", 4) == 0;
}

//  Writes the path of a zone's TZif file, or returns -1. glibc given an
//  unknown TZ silently runs on UTC, which would move every deadline by an
//  hour or two, so we look at the file ourselves first.
static int
s_zone_file (const char *zone, char *path, size_t size)
{
    if (!zone || !*zone || zone [0] == '/' || strstr (zone, "..")
    ||  strncmp (zone, "right/", 6) == 0)   //  counts leap seconds: not POSIX time
        return -1;
    for (const char *c = zone; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("/_+-", *c))
            return -1;
    const char *tzdir = getenv ("TZDIR");
    if (!tzdir || !*tzdir)
        tzdir = "/usr/share/zoneinfo";

    if (s_tzif_file (tzdir, zone, path, size))
        return 0;
    //  Only a name the database lacks falls back to its alias
    for (size_t i = 0; i < sizeof (s_zone_aliases) / sizeof (s_zone_aliases [0]); i++)
        if (strcmp (zone, s_zone_aliases [i].name) == 0
        &&  s_tzif_file (tzdir, s_zone_aliases [i].file, path, size))
            return 0;
    return -1;
}

bool
wsis_time_zone_known (const char *zone)
{
    char path [PATH_MAX];
    return s_zone_file (zone, path, sizeof (path)) == 0;
}

//  TZ as it was before we entered a zone, to be put back on leaving.
typedef struct {
    bool had_tz;
    char *previous;
} s_zone_scope_t;

static int
s_zone_enter (const char *zone, s_zone_scope_t *scope)
{
    char path [PATH_MAX];
    char value [PATH_MAX + 1];
    if (s_zone_file (zone, path, sizeof (path)))
        return -1;
    //  The leading colon makes glibc read the file, never parse the name
    //  as a POSIX rule ("EST5EDT" is both)
    snprintf (value, sizeof (value), ":%s", path);

    const char *previous = getenv ("TZ");
    scope->had_tz = previous != NULL;
    //  Copy now: setenv may free the string getenv returned
    scope->previous = wsis_strdup (previous);
    if (previous && !scope->previous)
        return -1;
    if (setenv ("TZ", value, 1)) {
        free (scope->previous);
        return -1;
    }
    tzset ();
    return 0;
}

static void
s_zone_leave (s_zone_scope_t *scope)
{
    if (scope->had_tz)
        setenv ("TZ", scope->previous, 1);
    else
        unsetenv ("TZ");
    tzset ();
    free (scope->previous);
    scope->previous = NULL;
}

//  Seconds east of UTC in the entered zone at an instant.
static int
s_offset_at (int64_t seconds, long *offset)
{
    time_t instant = (time_t) seconds;
    struct tm local;
    if (!localtime_r (&instant, &local))
        return -1;
    *offset = local.tm_gmtoff;
    return 0;
}

//  The UTC instant of a wall time in the entered zone. mktime with
//  tm_isdst = -1 leaves gaps and overlaps to the library, so we decide
//  them: try the offsets in force a day before and a day after (no zone
//  changes twice in two days); an offset is right if it is the one in
//  force at the instant it gives.
static int
s_local_seconds (const s_civil_t *local, int64_t *seconds_out)
{
    int64_t wall = s_civil_seconds (local);
    long before, after;
    if (s_offset_at (wall - SECONDS_PER_DAY, &before)
    ||  s_offset_at (wall + SECONDS_PER_DAY, &after))
        return -1;

    bool found = false;
    int64_t earliest = 0;
    long candidates [2] = { before, after };
    for (int i = 0; i < 2; i++) {
        int64_t instant = wall - candidates [i];
        long actual;
        if (s_offset_at (instant, &actual))
            return -1;
        //  In an autumn overlap both fit; the earlier is summer time
        if (actual == candidates [i] && (!found || instant < earliest)) {
            earliest = instant;
            found = true;
        }
    }
    if (found) {
        *seconds_out = earliest;
        return 0;
    }
    //  A spring-forward gap: the wall time never happens. It counts as the
    //  instant the clocks jump, which lies between the wall time read with
    //  the later offset and with the earlier one.
    int64_t low = wall - after;
    int64_t high = wall - before;
    long low_offset, high_offset;
    if (low >= high
    ||  s_offset_at (low, &low_offset)
    ||  s_offset_at (high, &high_offset)
    ||  low_offset == high_offset)
        return -1;
    while (high - low > 1) {
        int64_t middle = low + (high - low) / 2;
        long offset;
        if (s_offset_at (middle, &offset))
            return -1;
        if (offset == low_offset)
            low = middle;
        else
            high = middle;
    }
    *seconds_out = high;
    return 0;
}

int
wsis_time_local_to_utc (const char *zone, const char *local, int64_t *ms_out)
{
    assert (ms_out);
    if (!local)
        return -1;
    const char *cursor = local;
    s_civil_t civil;
    if (!s_scan_date_time (&cursor, ' ', &civil))
        return -1;
    if (s_scan_char (&cursor, ':') && !s_scan_digits (&cursor, 2, &civil.second))
        return -1;
    if (*cursor || !s_civil_valid (&civil))
        return -1;

    s_zone_scope_t scope;
    if (s_zone_enter (zone, &scope))
        return -1;
    int64_t seconds;
    int rc = s_local_seconds (&civil, &seconds);
    s_zone_leave (&scope);
    if (rc || seconds < 0)
        return -1;
    *ms_out = seconds * MS_PER_SECOND;
    return 0;
}

//  The local wall time of an instant in the entered zone.
static int
s_local_civil (int64_t seconds, s_civil_t *civil)
{
    time_t instant = (time_t) seconds;
    struct tm local;
    if (!localtime_r (&instant, &local))
        return -1;
    civil->year = (int64_t) local.tm_year + 1900;
    civil->month = local.tm_mon + 1;
    civil->day = local.tm_mday;
    civil->hour = local.tm_hour;
    civil->minute = local.tm_min;
    civil->second = local.tm_sec;
    return 0;
}

//  Instants outside the years we accept are refused before they reach
//  time_t, so no arithmetic below can overflow.
static bool
s_ms_in_range (int64_t ms)
{
    return ms >= 0 && ms < s_days_from_civil (YEAR_MAX + 1, 1, 1) * SECONDS_PER_DAY * MS_PER_SECOND;
}

int
wsis_time_add_local_days (const char *zone, int64_t ms, int days, int64_t *ms_out)
{
    assert (ms_out);
    if (!s_ms_in_range (ms))
        return -1;
    int64_t seconds = ms / MS_PER_SECOND;
    int64_t millis = ms % MS_PER_SECOND;

    s_zone_scope_t scope;
    if (s_zone_enter (zone, &scope))
        return -1;
    //  Move the date, keep the wall-clock time, then find that wall time's
    //  instant again: across a DST change the distance is 23 or 25 hours
    s_civil_t civil;
    int rc = s_local_civil (seconds, &civil);
    if (rc == 0) {
        int hour = civil.hour, minute = civil.minute, second = civil.second;
        s_civil_from_days (s_days_from_civil (civil.year, civil.month, civil.day) + days,
                           &civil);
        civil.hour = hour;
        civil.minute = minute;
        civil.second = second;
        rc = s_civil_valid (&civil)? s_local_seconds (&civil, &seconds): -1;
    }
    s_zone_leave (&scope);
    if (rc || seconds < 0)
        return -1;
    *ms_out = seconds * MS_PER_SECOND + millis;
    return 0;
}

int
wsis_time_format_local (const char *zone, int64_t ms, char *buf, size_t size)
{
    assert (buf);
    if (!s_ms_in_range (ms))
        return -1;
    s_zone_scope_t scope;
    if (s_zone_enter (zone, &scope))
        return -1;
    s_civil_t civil;
    int rc = s_local_civil (ms / MS_PER_SECOND, &civil);
    s_zone_leave (&scope);
    if (rc)
        return -1;
    int length = snprintf (buf, size, "%04lld-%02d-%02d %02d:%02d",
                           (long long) civil.year, civil.month, civil.day,
                           civil.hour, civil.minute);
    return length < 0 || (size_t) length >= size? -1: 0;
}

void
wsis_time_format_zoned (const char *zone, int64_t ms, char *buf, size_t size)
{
    assert (buf);
    assert (size >= WSIS_TIME_BUFSIZE);
    char instant [WSIS_TIME_BUFSIZE];
    char local [32];
    wsis_time_format (ms, instant);
    if (zone && wsis_time_format_local (zone, ms, local, sizeof local) == 0) {
        int length = snprintf (buf, size, "%s (%s %s)", instant, local, zone);
        if (length >= 0 && (size_t) length < size)
            return;
    }
    //  A wall time cut short would be a wrong time: the instant alone
    snprintf (buf, size, "%s", instant);
}

int
wsis_time_parse_zoned (const char *text, int64_t *ms_out)
{
    assert (ms_out);
    if (!text)
        return -1;
    if (wsis_time_parse (text, ms_out) == 0)
        return 0;
    //  The zone is the last word: zone names have no spaces, wall times do
    const char *space = strrchr (text, ' ');
    if (!space || space == text)
        return -1;
    char local [32];
    size_t length = (size_t) (space - text);
    if (length >= sizeof local)
        return -1;
    memcpy (local, text, length);
    local [length] = 0;
    return wsis_time_local_to_utc (space + 1, local, ms_out);
}
