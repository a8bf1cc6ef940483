/*  wsis_time: RFC 3339 instants and local wall times.

    UTC arithmetic is done here on days since the epoch (wsis_civil), so
    it needs no time zone and cannot be disturbed by TZ. Local times read
    the zone's TZif file into memory (wsis_tzif) for each call and work out
    offsets from it: the C library would need TZ set to the zone, and
    setenv in one thread while another (libcurl's resolver, SQLite's
    checkpoints, CZMQ's log lines) reads the environment or calls localtime
    is undefined. Reading and parsing the file takes 3-5 us a call, a third
    to a quarter of what setenv and tzset took (glibc read the file anew on
    each change of TZ), and sees a tzdata upgrade at once, so there is no
    cache, and no state shared between threads.
*/
#include "wsis_time.h"
#include "wsis_civil.h"
#include "wsis_tzif.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
s_civil_from_days (int64_t days, s_civil_t *civil)
{
    wsis_civil_date (days, &civil->year, &civil->month, &civil->day);
}

//  The wall time of seconds since the epoch read as UTC.
static void
s_civil_from_seconds (int64_t seconds, s_civil_t *civil)
{
    int64_t days = wsis_civil_day_of (seconds);
    int64_t of_day = seconds - days * SECONDS_PER_DAY;
    s_civil_from_days (days, civil);
    civil->hour = (int) (of_day / 3600);
    civil->minute = (int) (of_day / 60 % 60);
    civil->second = (int) (of_day % 60);
}

//  Seconds since the epoch of a wall time read as if it were UTC.
static int64_t
s_civil_seconds (const s_civil_t *civil)
{
    return wsis_civil_days (civil->year, civil->month, civil->day) * SECONDS_PER_DAY
         + civil->hour * 3600 + civil->minute * 60 + civil->second;
}

static bool
s_civil_valid (const s_civil_t *civil)
{
    return civil->year >= YEAR_MIN && civil->year <= YEAR_MAX
        && civil->month >= 1 && civil->month <= 12
        && civil->day >= 1 && civil->day <= wsis_civil_days_in_month (civil->year, civil->month)
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
    s_civil_t civil;
    s_civil_from_seconds (seconds, &civil);

    int length = snprintf (buf, WSIS_TIME_BUFSIZE, "%04lld-%02d-%02dT%02d:%02d:%02d",
                           (long long) civil.year, civil.month, civil.day,
                           civil.hour, civil.minute, civil.second);
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

//  The zone read from tzdir/name, or NULL if that is no TZif file we can
//  use: zone.tab, leapseconds and friends live in the same folder.
static wsis_tzif_t *
s_zone_read (const char *tzdir, const char *name)
{
    char path [PATH_MAX];
    int length = snprintf (path, sizeof (path), "%s/%s", tzdir, name);
    if (length < 0 || (size_t) length >= sizeof (path))
        return NULL;
    return wsis_tzif_load (path);
}

//  The zone of that name, read from its TZif file, or NULL. glibc given
//  an unknown TZ silently runs on UTC, which would move every deadline by
//  an hour or two; we refuse it. The caller destroys the zone.
static wsis_tzif_t *
s_zone_load (const char *zone)
{
    if (!zone || !*zone || zone [0] == '/' || strstr (zone, "..")
    ||  strncmp (zone, "right/", 6) == 0)   //  counts leap seconds: not POSIX time
        return NULL;
    for (const char *c = zone; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("/_+-", *c))
            return NULL;
    //  getenv is safe while nobody calls setenv, and nothing in wsis does
    const char *tzdir = getenv ("TZDIR");
    if (!tzdir || !*tzdir)
        tzdir = "/usr/share/zoneinfo";

    wsis_tzif_t *tzif = s_zone_read (tzdir, zone);
    //  Only a name the database lacks falls back to its alias
    for (size_t i = 0; !tzif && i < sizeof (s_zone_aliases) / sizeof (s_zone_aliases [0]); i++)
        if (strcmp (zone, s_zone_aliases [i].name) == 0)
            tzif = s_zone_read (tzdir, s_zone_aliases [i].file);
    return tzif;
}

bool
wsis_time_zone_known (const char *zone)
{
    wsis_tzif_t *tzif = s_zone_load (zone);
    bool known = tzif != NULL;
    wsis_tzif_destroy (&tzif);
    return known;
}

//  The UTC instant of a wall time in a zone. We decide gaps and overlaps
//  ourselves: try the offsets in force a day before and a day after (no
//  zone changes twice in two days); an offset is right if it is the one
//  in force at the instant it gives.
static int
s_local_seconds (const wsis_tzif_t *tzif, const s_civil_t *local, int64_t *seconds_out)
{
    int64_t wall = s_civil_seconds (local);
    int32_t before = wsis_tzif_offset (tzif, wall - SECONDS_PER_DAY);
    int32_t after = wsis_tzif_offset (tzif, wall + SECONDS_PER_DAY);

    bool found = false;
    int64_t earliest = 0;
    int32_t candidates [2] = { before, after };
    for (int i = 0; i < 2; i++) {
        int64_t instant = wall - candidates [i];
        //  In an autumn overlap both fit; the earlier is summer time
        if (wsis_tzif_offset (tzif, instant) == candidates [i]
        &&  (!found || instant < earliest)) {
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
    if (low >= high)
        return -1;
    int32_t low_offset = wsis_tzif_offset (tzif, low);
    if (low_offset == wsis_tzif_offset (tzif, high))
        return -1;
    while (high - low > 1) {
        int64_t middle = low + (high - low) / 2;
        if (wsis_tzif_offset (tzif, middle) == low_offset)
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

    wsis_tzif_t *tzif = s_zone_load (zone);
    if (!tzif)
        return -1;
    int64_t seconds;
    int rc = s_local_seconds (tzif, &civil, &seconds);
    wsis_tzif_destroy (&tzif);
    if (rc || seconds < 0)
        return -1;
    *ms_out = seconds * MS_PER_SECOND;
    return 0;
}

//  The local wall time of an instant in a zone.
static void
s_local_civil (const wsis_tzif_t *tzif, int64_t seconds, s_civil_t *civil)
{
    s_civil_from_seconds (seconds + wsis_tzif_offset (tzif, seconds), civil);
}

//  Instants outside the years we accept are refused before they reach
//  the zone, so no arithmetic below can overflow.
static bool
s_ms_in_range (int64_t ms)
{
    return ms >= 0 && ms < wsis_civil_days (YEAR_MAX + 1, 1, 1) * SECONDS_PER_DAY * MS_PER_SECOND;
}

int
wsis_time_add_local_days (const char *zone, int64_t ms, int days, int64_t *ms_out)
{
    assert (ms_out);
    if (!s_ms_in_range (ms))
        return -1;
    int64_t seconds = ms / MS_PER_SECOND;
    int64_t millis = ms % MS_PER_SECOND;

    wsis_tzif_t *tzif = s_zone_load (zone);
    if (!tzif)
        return -1;
    //  Move the date, keep the wall-clock time, then find that wall time's
    //  instant again: across a DST change the distance is 23 or 25 hours
    s_civil_t civil;
    s_local_civil (tzif, seconds, &civil);
    int hour = civil.hour, minute = civil.minute, second = civil.second;
    s_civil_from_days (wsis_civil_days (civil.year, civil.month, civil.day) + days,
                       &civil);
    civil.hour = hour;
    civil.minute = minute;
    civil.second = second;
    int rc = s_civil_valid (&civil)? s_local_seconds (tzif, &civil, &seconds): -1;
    wsis_tzif_destroy (&tzif);
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
    wsis_tzif_t *tzif = s_zone_load (zone);
    if (!tzif)
        return -1;
    s_civil_t civil;
    s_local_civil (tzif, ms / MS_PER_SECOND, &civil);
    wsis_tzif_destroy (&tzif);
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
