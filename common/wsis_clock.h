/*  wsis_clock: the service clock.

    A service asks its clock, never the system, whether a phase is open, so
    tests can run deadlines with a manual clock (WSIS_CLOCK=manual): it
    starts at the Unix epoch and moves only when sys.clock.set says so.
    Times are int64 milliseconds since the Unix epoch, UTC; wsis_time turns
    them into text and local wall times.
*/
#ifndef WSIS_CLOCK_H
#define WSIS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct _wsis_clock_t wsis_clock_t;

//  A real clock (wall time) or a manual one starting at 0. Caller owns it.
wsis_clock_t *wsis_clock_new (bool manual);
void wsis_clock_destroy (wsis_clock_t **self_p);

bool wsis_clock_manual (wsis_clock_t *self);

//  Milliseconds since the Unix epoch, UTC.
int64_t wsis_clock_now (wsis_clock_t *self);

//  Sets a manual clock; -1 (and nothing changes) for a real one.
int wsis_clock_set (wsis_clock_t *self, int64_t now_ms);

#endif
