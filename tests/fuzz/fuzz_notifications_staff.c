/*  fuzz_notifications_staff: the staff file of wsis-notifications (ZPL
    through zconfig_str_load, then who follows which calls by id, kind and
    edition, channels, webhook urls, reminder offsets), read from memory
    against the shipped calendar; whatever loads is scheduled
    (notify_schedule_each), as the service does at start.
*/
#include "fuzz_text.h"
#include "notifications.h"

static wsis_calendar_t *s_calendar;

static int
s_moment (const notify_moment_t *moment, void *arg)
{
    (*(size_t *) arg)++;
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *error = NULL;
    if (!s_calendar)
        s_calendar = fuzz_text_needs (wsis_calendar_load ("configs/calendar.cfg", &error),
                                      "configs/calendar.cfg", error);
    char *text = fuzz_text (data, size);
    for (int require_all = 0; require_all < 2; require_all++) {
        notify_staff_t *staff = notify_staff_parse (text, s_calendar, require_all, &error);
        if (staff) {
            size_t moments = 0;
            notify_schedule_each (s_calendar, staff, s_moment, &moments);
            for (size_t i = 0; i < notify_staff_size (staff); i++)
                if (!notify_staff_find (staff, notify_staff_at (staff, i)->email))
                    abort ();
        }
        fuzz_text_answered (staff, error);
        error = NULL;
        notify_staff_destroy (&staff);
    }
    free (text);
    return 0;
}
