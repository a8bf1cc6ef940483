/*  wsis_time: instants as text and local wall times.

    Times inside the system are int64 milliseconds since the Unix epoch, UTC.
    Local times ("2022-01-21 23:00" in Europe/Geneva) are converted with the
    system tz database, so daylight-saving changes come out right; the
    zone's file is read by wsis_tzif, never through TZ, so any thread may
    convert at any time. What time it is for a service is its clock's
    business (wsis_clock).
*/
#ifndef WSIS_TIME_H
#define WSIS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Parses an RFC 3339 / ISO 8601 instant: "2022-01-21T21:59:59Z", optional
//  fraction ".123", "Z" or an offset "+01:00". 0 on success, -1 if malformed
//  or out of range (years 1970-9999).
int wsis_time_parse (const char *text, int64_t *ms_out);

//  Writes "2022-01-21T21:59:59Z" (with ".mmm" only when ms % 1000 != 0)
//  into buf, which holds at least WSIS_TIME_BUFSIZE bytes.
#define WSIS_TIME_BUFSIZE 32
void wsis_time_format (int64_t ms, char *buf);

//  Converts a local wall time "YYYY-MM-DD HH:MM" (or "YYYY-MM-DDTHH:MM",
//  optional ":SS") in the IANA zone (e.g. "Europe/Geneva") to UTC ms.
//  A time in a spring-forward gap counts as the instant the clocks jump to;
//  a time that occurs twice in autumn is its first (summer time) occurrence.
//  -1 if malformed or the zone is unknown.
int wsis_time_local_to_utc (const char *zone, const char *local, int64_t *ms_out);

//  Moves an instant by a number of calendar days in the zone, keeping the
//  local wall-clock time: 7 days before 23:00 on 31 March in Geneva is
//  23:00 on 24 March though a daylight-saving change lies between.
int wsis_time_add_local_days (const char *zone, int64_t ms, int days, int64_t *ms_out);

//  Writes the local wall time "YYYY-MM-DD HH:MM" of an instant in a zone.
int wsis_time_format_local (const char *zone, int64_t ms, char *buf, size_t size);

//  The one form every reply and message gives a time in: the instant and
//  the wall time of the call's zone, "2022-01-21T22:00:00Z (2022-01-21
//  23:00 Europe/Geneva)", so nobody has to work out either from the other.
//  Without a zone (NULL or unknown), or when the wall time does not fit,
//  the instant alone. buf holds at least WSIS_TIME_ZONED_BUFSIZE bytes.
#define WSIS_TIME_ZONED_BUFSIZE 128
void wsis_time_format_zoned (const char *zone, int64_t ms, char *buf, size_t size);

//  What people type for a time: an RFC 3339 instant (wsis_time_parse), or
//  a wall time followed by its zone, "2027-03-31 22:00 Europe/Geneva"
//  (wsis_time_local_to_utc). 0 on success, -1 if it is neither.
int wsis_time_parse_zoned (const char *text, int64_t *ms_out);

//  True if the zone names a time zone of the tz database. "Europe/Geneva"
//  counts: the database files Switzerland under Europe/Zurich, and the
//  WSIS documents name Geneva, so the one is read as the other.
bool wsis_time_zone_known (const char *zone);

#endif
