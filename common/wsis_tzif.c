/*  wsis_tzif: a time zone read from its TZif file (RFC 8536).

    A TZif file is a header, a block of 32-bit data kept for old readers
    and, from version 2 on, a second header, the same data with 64-bit
    times, and a footer: a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3")
    giving the rule for instants after the last transition. We read the
    64-bit block when there is one (glibc does the same), resolve each
    transition to the offset it brings in, and parse the footer into a
    rule computed per year.

    Where RFC 8536 and glibc differ, glibc wins, since it is what every
    other program on the machine shows: before the first transition the
    offset is that of the first standard-time type (the RFC says type 0),
    and a footer rule's changes are computed for the UTC year of the
    instant.
*/
#include "wsis_tzif.h"
#include "wsis_alloc.h"
#include "wsis_civil.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECONDS_PER_DAY WSIS_CIVIL_SECONDS_PER_DAY
#define HEADER_SIZE     44
//  The largest zone of the database is some 4 kB in zic's "fat" form;
//  anything near this is not a zone file
#define FILE_SIZE_MAX   (1 << 20)
//  RFC 8536 section 3.2: offsets lie in -89999 .. 93599 seconds
#define OFFSET_MIN      (-89999)
#define OFFSET_MAX      93599

//  When a footer rule changes the clocks: a day of the year, then a time
//  of that day on the clocks in force before the change.
typedef struct {
    char form;                  //  'J' Jn (1-365, no 29 February),
                                //  'D' n (0-365), 'M' Mm.w.d
    int month, week, day;       //  day: of the week for M, of the year else
    int32_t time;               //  seconds after midnight, -167 h .. 167 h
} s_change_t;

typedef struct {
    int32_t std_offset;         //  seconds east of UTC
    int32_t dst_offset;
    bool has_dst;
    s_change_t start, end;      //  of daylight-saving time
} s_rule_t;

struct _wsis_tzif_t {
    size_t count;               //  transitions
    int64_t *transitions;       //  strictly ascending instants
    int32_t *offsets;           //  the offset each brings in
    int32_t initial_offset;     //  before the first transition
    bool has_rule;              //  false: the last offset holds for ever
    s_rule_t rule;
};


//  --------------------------------------------------------------------------
//  The footer: a POSIX TZ string, in the forms the tz database writes

//  A number of at most max, at least one digit.
static bool
s_rule_number (const char **cursor, int max, int *value)
{
    const char *c = *cursor;
    int result = 0;
    if (!isdigit ((unsigned char) *c))
        return false;
    while (isdigit ((unsigned char) *c)) {
        result = result * 10 + (*c++ - '0');
        if (result > max)
            return false;
    }
    *cursor = c;
    *value = result;
    return true;
}

//  [+-]hh[:mm[:ss]] as seconds, hours at most max_hours.
static bool
s_rule_hms (const char **cursor, int max_hours, int32_t *seconds)
{
    const char *c = *cursor;
    int sign = *c == '-'? -1: 1;
    if (*c == '-' || *c == '+')
        c++;
    int hours, minutes = 0, secs = 0;
    if (!s_rule_number (&c, max_hours, &hours))
        return false;
    if (*c == ':') {
        c++;
        if (!s_rule_number (&c, 59, &minutes))
            return false;
        if (*c == ':') {
            c++;
            if (!s_rule_number (&c, 59, &secs))
                return false;
        }
    }
    *seconds = sign * (hours * 3600 + minutes * 60 + secs);
    *cursor = c;
    return true;
}

//  A zone abbreviation: three or more letters, or <...> around three or
//  more letters, digits and signs ("<+0530>").
static bool
s_rule_name (const char **cursor)
{
    const char *c = *cursor;
    const char *start;
    if (*c == '<') {
        start = ++c;
        while (isalnum ((unsigned char) *c) || *c == '+' || *c == '-')
            c++;
        if (*c != '>' || c - start < 3)
            return false;
        *cursor = c + 1;
        return true;
    }
    start = c;
    while (isalpha ((unsigned char) *c))
        c++;
    if (c - start < 3)
        return false;
    *cursor = c;
    return true;
}

//  ",Mm.w.d[/time]", ",Jn[/time]" or ",n[/time]"; the time defaults to 02:00.
static bool
s_rule_change (const char **cursor, s_change_t *change)
{
    const char *c = *cursor;
    memset (change, 0, sizeof (*change));
    if (*c++ != ',')
        return false;
    if (*c == 'M') {
        c++;
        change->form = 'M';
        if (!s_rule_number (&c, 12, &change->month) || change->month < 1
        ||  *c++ != '.'
        ||  !s_rule_number (&c, 5, &change->week) || change->week < 1
        ||  *c++ != '.'
        ||  !s_rule_number (&c, 6, &change->day))
            return false;
    }
    else
    if (*c == 'J') {
        c++;
        change->form = 'J';
        if (!s_rule_number (&c, 365, &change->day) || change->day < 1)
            return false;
    }
    else {
        change->form = 'D';
        if (!s_rule_number (&c, 365, &change->day))
            return false;
    }
    change->time = 2 * 3600;
    if (*c == '/') {
        c++;
        //  RFC 8536 section 3.3.1 extends POSIX to -167 .. 167 hours
        if (!s_rule_hms (&c, 167, &change->time))
            return false;
    }
    *cursor = c;
    return true;
}

//  "std offset [dst [offset] ,start,end]". POSIX offsets count west of
//  UTC; ours count east. A daylight name without a rule is refused: glibc
//  would take the rules of its posixrules file, which the tz database
//  never asks for.
static bool
s_rule_parse (const char *text, s_rule_t *rule)
{
    const char *c = text;
    int32_t west;
    memset (rule, 0, sizeof (*rule));
    if (!s_rule_name (&c) || !s_rule_hms (&c, 24, &west))
        return false;
    rule->std_offset = rule->dst_offset = -west;
    if (*c == 0)
        return true;
    if (!s_rule_name (&c))
        return false;
    rule->has_dst = true;
    rule->dst_offset = rule->std_offset + 3600;
    if (*c != ',') {
        if (!s_rule_hms (&c, 24, &west))
            return false;
        rule->dst_offset = -west;
    }
    return s_rule_change (&c, &rule->start)
        && s_rule_change (&c, &rule->end)
        && *c == 0;
}

//  The instant of a change in a year, the wall clocks showing offset
//  before it.
static int64_t
s_change_instant (const s_change_t *change, int64_t year, int32_t offset)
{
    int64_t january_1 = wsis_civil_days (year, 1, 1);
    int64_t day;
    if (change->form == 'J') {
        //  29 February is never counted: J60 is 1 March in every year
        bool leap = wsis_civil_days_in_month (year, 2) == 29;
        day = january_1 + change->day - 1 + (leap && change->day >= 60);
    }
    else
    if (change->form == 'D')
        day = january_1 + change->day;
    else {
        int64_t first = wsis_civil_days (year, change->month, 1);
        int64_t length = wsis_civil_days_in_month (year, change->month);
        //  1 January 1970 was a Thursday (4)
        int weekday = (int) (((first + 4) % 7 + 7) % 7);
        int64_t of_month = (change->day - weekday + 7) % 7;
        //  Week 5 is the last such day, whether the month has 4 or 5
        for (int week = 1; week < change->week && of_month + 7 < length; week++)
            of_month += 7;
        day = first + of_month;
    }
    return day * SECONDS_PER_DAY + change->time - offset;
}

static int32_t
s_rule_offset (const s_rule_t *rule, int64_t seconds)
{
    if (!rule->has_dst)
        return rule->std_offset;
    int64_t year;
    int month, day;
    wsis_civil_date (wsis_civil_day_of (seconds), &year, &month, &day);
    int64_t start = s_change_instant (&rule->start, year, rule->std_offset);
    int64_t end = s_change_instant (&rule->end, year, rule->dst_offset);
    //  In the southern hemisphere summer time spans the new year
    bool dst = start > end
             ? seconds < end || seconds >= start
             : seconds >= start && seconds < end;
    return dst? rule->dst_offset: rule->std_offset;
}


//  --------------------------------------------------------------------------
//  The file

typedef struct {
    char version;               //  0, '2', '3', '4'
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} s_header_t;

static uint32_t
s_u32 (const uint8_t *bytes)
{
    return (uint32_t) bytes [0] << 24 | (uint32_t) bytes [1] << 16
         | (uint32_t) bytes [2] << 8 | bytes [3];
}

static int64_t
s_i64 (const uint8_t *bytes)
{
    uint64_t value = (uint64_t) s_u32 (bytes) << 32 | s_u32 (bytes + 4);
    return (int64_t) value;
}

static bool
s_header (const uint8_t *data, size_t size, s_header_t *header)
{
    if (size < HEADER_SIZE || memcmp (data, "TZif", 4) != 0)
        return false;
    header->version = (char) data [4];
    header->isutcnt = s_u32 (data + 20);
    header->isstdcnt = s_u32 (data + 24);
    header->leapcnt = s_u32 (data + 28);
    header->timecnt = s_u32 (data + 32);
    header->typecnt = s_u32 (data + 36);
    header->charcnt = s_u32 (data + 40);
    //  RFC 8536 section 3.1; leap seconds would make local time not
    //  POSIX time, which is what every instant in wsis is
    return header->typecnt >= 1 && header->typecnt <= 256 && header->charcnt >= 1
        && (header->isutcnt == 0 || header->isutcnt == header->typecnt)
        && (header->isstdcnt == 0 || header->isstdcnt == header->typecnt)
        && header->leapcnt == 0;
}

//  Bytes of the data block after a header, with times of time_size bytes.
static uint64_t
s_block_size (const s_header_t *header, size_t time_size)
{
    return (uint64_t) header->timecnt * (time_size + 1)
         + (uint64_t) header->typecnt * 6 + header->charcnt
         + (uint64_t) header->leapcnt * (time_size + 4)
         + header->isstdcnt + header->isutcnt;
}

//  The transitions and types of one data block into self.
static bool
s_block_read (wsis_tzif_t *self, const s_header_t *header, const uint8_t *block,
              size_t time_size)
{
    const uint8_t *indexes = block + (size_t) header->timecnt * time_size;
    const uint8_t *types = indexes + header->timecnt;
    const uint8_t *names = types + (size_t) header->typecnt * 6;
    int32_t type_offsets [256];
    bool type_dst [256];
    for (uint32_t i = 0; i < header->typecnt; i++) {
        const uint8_t *type = types + (size_t) i * 6;
        type_offsets [i] = (int32_t) s_u32 (type);
        type_dst [i] = type [4];
        if (type_offsets [i] < OFFSET_MIN || type_offsets [i] > OFFSET_MAX
        ||  type [4] > 1 || type [5] >= header->charcnt)
            return false;
    }
    if (names [header->charcnt - 1] != 0)
        return false;           //  the last abbreviation is unterminated

    self->count = header->timecnt;
    self->transitions = wsis_calloc (self->count + 1, sizeof (int64_t));
    self->offsets = wsis_calloc (self->count + 1, sizeof (int32_t));
    for (size_t i = 0; i < self->count; i++) {
        const uint8_t *time = block + i * time_size;
        self->transitions [i] = time_size == 8? s_i64 (time): (int32_t) s_u32 (time);
        if (indexes [i] >= header->typecnt
        ||  (i > 0 && self->transitions [i] <= self->transitions [i - 1]))
            return false;
        self->offsets [i] = type_offsets [indexes [i]];
    }
    //  The first standard-time type, or type 0 if all are summer time
    uint32_t initial = 0;
    while (initial < header->typecnt && type_dst [initial])
        initial++;
    self->initial_offset = type_offsets [initial < header->typecnt? initial: 0];
    return true;
}

wsis_tzif_t *
wsis_tzif_new (const uint8_t *data, size_t size)
{
    assert (data || size == 0);
    s_header_t header;
    if (!data || !s_header (data, size, &header))
        return NULL;
    uint64_t first_size = s_block_size (&header, 4);
    if (first_size > size - HEADER_SIZE)
        return NULL;
    wsis_tzif_t *self = wsis_calloc (1, sizeof (wsis_tzif_t));
    if (header.version == 0) {
        //  Version 1: 32-bit times and no footer
        if (!s_block_read (self, &header, data + HEADER_SIZE, 4))
            goto failed;
        return self;
    }
    const uint8_t *second = data + HEADER_SIZE + first_size;
    size_t left = size - HEADER_SIZE - (size_t) first_size;
    s_header_t header64;
    if (!s_header (second, left, &header64)
    ||  s_block_size (&header64, 8) > left - HEADER_SIZE)
        goto failed;
    const uint8_t *block = second + HEADER_SIZE;
    const char *footer = (const char *) block + s_block_size (&header64, 8);
    const char *end = (const char *) data + size;
    if (!s_block_read (self, &header64, block, 8))
        goto failed;

    //  "\n" rule "\n" and nothing after; an empty rule means none
    if (end - footer < 2 || footer [0] != '\n' || end [-1] != '\n')
        goto failed;
    size_t length = (size_t) (end - footer) - 2;
    char rule [128];
    if (length >= sizeof (rule) || memchr (footer + 1, '\n', length)
    ||  memchr (footer + 1, 0, length))
        goto failed;
    memcpy (rule, footer + 1, length);
    rule [length] = 0;
    if (length > 0) {
        if (!s_rule_parse (rule, &self->rule))
            goto failed;
        self->has_rule = true;
    }
    return self;

failed:
    wsis_tzif_destroy (&self);
    return NULL;
}

wsis_tzif_t *
wsis_tzif_load (const char *path)
{
    assert (path);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    wsis_tzif_t *self = NULL;
    uint8_t *data = NULL;
    struct stat st;
    if (fstat (fd, &st) || !S_ISREG (st.st_mode)
    ||  st.st_size < HEADER_SIZE || st.st_size > FILE_SIZE_MAX)
        goto cleanup;
    size_t size = (size_t) st.st_size;
    data = malloc (size);
    if (!data)
        goto cleanup;
    size_t got = 0;
    while (got < size) {
        ssize_t count = read (fd, data + got, size - got);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            goto cleanup;       //  an error, or the file shrank under us
        got += (size_t) count;
    }
    self = wsis_tzif_new (data, size);
cleanup:
    free (data);
    close (fd);
    return self;
}

void
wsis_tzif_destroy (wsis_tzif_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        wsis_tzif_t *self = *self_p;
        free (self->transitions);
        free (self->offsets);
        free (self);
        *self_p = NULL;
    }
}

int32_t
wsis_tzif_offset (const wsis_tzif_t *self, int64_t seconds)
{
    assert (self);
    if (self->count == 0 || seconds < self->transitions [0])
        return self->initial_offset;
    if (seconds >= self->transitions [self->count - 1])
        return self->has_rule
             ? s_rule_offset (&self->rule, seconds)
             : self->offsets [self->count - 1];
    //  The last transition at or before the instant
    size_t low = 0, high = self->count - 1;
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (seconds < self->transitions [middle])
            high = middle;
        else
            low = middle;
    }
    return self->offsets [low];
}
