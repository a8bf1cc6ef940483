/*  wsis_civil: dates of the proleptic Gregorian calendar as days since
    1970-01-01, and back.

    The arithmetic under wsis_time's instants and wsis_tzif's daylight-
    saving rules, with no time zone and no C library in it, so nothing
    another thread does can change an answer.
*/
#ifndef WSIS_CIVIL_H
#define WSIS_CIVIL_H

#include <stdint.h>

#define WSIS_CIVIL_SECONDS_PER_DAY 86400

//  Days since 1970-01-01 of a date (negative before it). month 1-12,
//  day 1-31; a day past the month's end runs into the next.
int64_t wsis_civil_days (int64_t year, int month, int day);

//  The days of a month (1-12) of a year: 28-31.
int wsis_civil_days_in_month (int64_t year, int month);

//  The date of a day since 1970-01-01.
void wsis_civil_date (int64_t days, int64_t *year, int *month, int *day);

//  The day since 1970-01-01 an instant (seconds since the epoch) falls
//  on, rounding down before the epoch too.
int64_t wsis_civil_day_of (int64_t seconds);

#endif
