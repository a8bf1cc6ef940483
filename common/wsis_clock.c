/*  wsis_clock: the service clock, real or manual.

    The conversions between instants, text and local wall times are in
    wsis_time; this module only says what time it is for the service.
*/
#include "wsis_clock.h"
#include "wsis_alloc.h"

#include <czmq.h>

#include <assert.h>
#include <stdlib.h>
#include <time.h>

#define MS_PER_SECOND   1000

struct _wsis_clock_t {
    bool manual;
    int64_t now;                //  manual clocks only
};


//  --------------------------------------------------------------------------
//  Clock

wsis_clock_t *
wsis_clock_new (bool manual)
{
    wsis_clock_t *self = (wsis_clock_t *) zmalloc (sizeof (wsis_clock_t));
    self->manual = manual;
    self->now = 0;              //  the epoch: tests move it with sys.clock.set
    return self;
}

void
wsis_clock_destroy (wsis_clock_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

bool
wsis_clock_manual (wsis_clock_t *self)
{
    assert (self);
    return self->manual;
}

int64_t
wsis_clock_now (wsis_clock_t *self)
{
    assert (self);
    if (self->manual)
        return self->now;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * MS_PER_SECOND + ts.tv_nsec / 1000000;
}

int
wsis_clock_set (wsis_clock_t *self, int64_t now_ms)
{
    assert (self);
    //  A real clock follows the system; letting a request move it would
    //  let anyone reopen a closed phase in production.
    if (!self->manual)
        return -1;
    self->now = now_ms;
    return 0;
}
