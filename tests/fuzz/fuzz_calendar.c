/*  fuzz_calendar: the calendar file (ZPL through zconfig_str_load, then
    wsis_calendar's whole check: calls, kinds, phases, times and zones),
    read from memory. Whatever loads is looked up as a service would.
*/
#include "fuzz_text.h"
#include "wsis_calendar.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_text (data, size);
    char *error = NULL;
    wsis_calendar_t *calendar = wsis_calendar_parse (text, &error);
    if (calendar) {
        //  Every call by index and by id, every phase of it by name
        for (size_t i = 0; i < wsis_calendar_size (calendar); i++) {
            const wsis_call_t *call = wsis_calendar_at (calendar, i);
            if (!wsis_calendar_call (calendar, call->id))
                abort ();
            for (size_t j = 0; j < call->phase_count; j++) {
                wsis_phase_state_t state;
                if (!wsis_calendar_call_phase (call, call->phases [j].name)
                ||  wsis_calendar_phase_state (calendar, call->id, call->phases [j].name,
                                               call->phases [j].start, &state))
                    abort ();
            }
        }
    }
    fuzz_text_answered (calendar, error);
    wsis_calendar_destroy (&calendar);
    free (text);
    return 0;
}
