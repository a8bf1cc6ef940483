/*  wsis_calendar: the calls of a WSIS Forum edition and their phases.

    Read from configs/calendar.cfg (ZPL). Every phase time there is local
    time in the call's zone; here they are UTC instants. A phase is open
    from its start (inclusive) to its end (exclusive); a phase without an
    end never closes (the Stocktaking call, the Trendsetters nominations,
    the Repository of Women in Tech).
*/
#ifndef WSIS_CALENDAR_H
#define WSIS_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define WSIS_PHASE_NO_END INT64_MAX

typedef enum {
    WSIS_PHASE_NOT_OPEN = 0,    //  before its start
    WSIS_PHASE_OPEN,            //  start <= now < end
    WSIS_PHASE_PASSED           //  now >= end
} wsis_phase_state_t;

typedef struct {
    const char *name;           //  "submission", "voting", "meeting", ...
    int64_t start;              //  UTC ms
    int64_t end;                //  UTC ms, or WSIS_PHASE_NO_END
} wsis_phase_t;

typedef struct {
    const char *id;             //  "prizes-2022"
    const char *kind;           //  prize | ocp | photo | hltf | stocktaking | ambassador
                                //  | repository
    const char *zone;           //  "Europe/Geneva"
    const char *title;          //  human title, may be ""
    int winners;                //  photo: how many winners (0 if not set)
    size_t phase_count;
    const wsis_phase_t *phases; //  in file order
} wsis_call_t;

typedef struct _wsis_calendar_t wsis_calendar_t;

//  Loads a calendar file, checked whole: every key and time, the phase
//  names, each kind's phases (a prize call has all five, an OCP call
//  submission and meetings, ...), and their order without overlap. On
//  failure returns NULL and sets *error to one line naming the file, the
//  call and the bad value or phase (caller frees *error).
wsis_calendar_t *wsis_calendar_load (const char *path, char **error);

//  The same from ZPL text in memory (tests).
wsis_calendar_t *wsis_calendar_parse (const char *text, char **error);

void wsis_calendar_destroy (wsis_calendar_t **self_p);

size_t wsis_calendar_size (wsis_calendar_t *self);

//  The call at index (file order), or NULL past the end. Owned by the calendar.
const wsis_call_t *wsis_calendar_at (wsis_calendar_t *self, size_t index);

//  The call with that id, or NULL. Owned by the calendar.
const wsis_call_t *wsis_calendar_call (wsis_calendar_t *self, const char *call_id);

//  The first phase of the call with that name, or NULL.
const wsis_phase_t *wsis_calendar_call_phase (const wsis_call_t *call, const char *phase);

//  The state of a phase at `now`. -1 if the call or the phase is unknown.
int wsis_calendar_phase_state (wsis_calendar_t *self, const char *call_id,
                               const char *phase, int64_t now, wsis_phase_state_t *state);

#endif
