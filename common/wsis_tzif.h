/*  wsis_tzif: a time zone read from its TZif file (RFC 8536).

    The zone's transitions with the UTC offset each brings in, and the
    footer's POSIX TZ rule for instants past the last transition, held in
    memory, so the offset at an instant is worked out without the TZ
    variable, tzset or anything else another thread could be reading.
    The answers are glibc's localtime_r's: tests/unit/test_wsis_tzif.c
    holds every zone of the system's tz database to it.
*/
#ifndef WSIS_TZIF_H
#define WSIS_TZIF_H

#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_tzif_t wsis_tzif_t;

//  Parses the bytes of a TZif file. NULL if they are not one, are cut
//  short or inconsistent, count leap seconds (not POSIX time), or end in
//  a TZ rule of a form the tz database does not write. The caller owns
//  the zone.
wsis_tzif_t *wsis_tzif_new (const uint8_t *data, size_t size);

//  Reads and parses the TZif file at path; NULL as wsis_tzif_new, or if
//  it is not a regular file that can be read. The caller owns the zone.
wsis_tzif_t *wsis_tzif_load (const char *path);

void wsis_tzif_destroy (wsis_tzif_t **self_p);

//  Seconds east of UTC on the zone's wall clocks at an instant, in seconds
//  since the epoch. Instants past the last transition go by the footer's
//  rule for their UTC year, as glibc does; within +-10^12 s (some 30,000
//  years) no arithmetic overflows.
int32_t wsis_tzif_offset (const wsis_tzif_t *self, int64_t seconds);

#endif
