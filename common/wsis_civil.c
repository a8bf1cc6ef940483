/*  wsis_civil: days since the epoch and dates (Howard Hinnant's civil-date
    algorithms, http://howardhinnant.github.io/date_algorithms.html): a
    400-year era has a fixed number of days, and counting years from
    1 March puts the leap day last.
*/
#include "wsis_civil.h"

int64_t
wsis_civil_days (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month > 2? month - 3: month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int
wsis_civil_days_in_month (int64_t year, int month)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap? 29: days [month - 1];
}

void
wsis_civil_date (int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int) (doy - (153 * mp + 2) / 5 + 1);
    *month = (int) (mp < 10? mp + 3: mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

int64_t
wsis_civil_day_of (int64_t seconds)
{
    int64_t days = seconds / WSIS_CIVIL_SECONDS_PER_DAY;
    if (seconds % WSIS_CIVIL_SECONDS_PER_DAY < 0)
        days--;
    return days;
}
