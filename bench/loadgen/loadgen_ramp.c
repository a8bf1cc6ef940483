/*  loadgen_ramp: an offered rate that changes during the run, as votes
    come faster and faster toward a deadline (bench/rush.py).

    The rate is given at a few moments and is linear in between, so the
    votes offered by time t, N(t), are a quadratic in each segment; vote i
    is due when N(t) reaches i, which is the root of that quadratic. Every
    due time is exact, whatever the run: no vote drifts because the ones
    before it were late (an open loop, no coordinated omission). */
#include "loadgen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
loadgen_ramp_parse (loadgen_ramp_t *self, const char *text, char *error, size_t size)
{
    memset (self, 0, sizeof *self);
    const char *at = text;
    while (*at) {
        if (self->count == LOADGEN_RAMP_MAX) {
            snprintf (error, size, "--ramp: at most %d points", LOADGEN_RAMP_MAX);
            return -1;
        }
        char *end;
        loadgen_ramp_point_t *point = &self->points [self->count];
        point->at = strtod (at, &end);
        if (end == at || *end != ':') {
            snprintf (error, size, "--ramp: each point is seconds:rate, at \"%s\"", at);
            return -1;
        }
        at = end + 1;
        point->rate = strtod (at, &end);
        if (end == at || (*end && *end != ',')) {
            snprintf (error, size, "--ramp: each point is seconds:rate, at \"%s\"", at);
            return -1;
        }
        if (!isfinite (point->at) || !isfinite (point->rate) || point->rate < 0
        ||  (self->count == 0 && point->at != 0)
        ||  (self->count > 0 && point->at <= self->points [self->count - 1].at)) {
            snprintf (error, size, "--ramp: the times start at 0 and rise, the rates are at least 0");
            return -1;
        }
        self->count++;
        at = *end? end + 1: end;
    }
    if (self->count < 2 || loadgen_ramp_votes (self) < 1) {
        snprintf (error, size, "--ramp: at least two points, offering at least one vote");
        return -1;
    }
    return 0;
}

//  The votes offered during segment k (from point k to point k + 1).
static double
s_segment_votes (const loadgen_ramp_t *self, int k)
{
    const loadgen_ramp_point_t *a = &self->points [k], *b = &self->points [k + 1];
    return (a->rate + b->rate) / 2 * (b->at - a->at);
}

uint64_t
loadgen_ramp_votes (const loadgen_ramp_t *self)
{
    double votes = 0;
    for (int k = 0; k + 1 < self->count; k++)
        votes += s_segment_votes (self, k);
    return (uint64_t) votes;
}

int64_t
loadgen_ramp_due (const loadgen_ramp_t *self, uint64_t i)
{
    double before = 0;          //  votes offered before segment k
    int k = 0;
    for (; k + 2 < self->count; k++) {
        double votes = s_segment_votes (self, k);
        if ((double) i < before + votes)
            break;
        before += votes;
    }
    const loadgen_ramp_point_t *a = &self->points [k], *b = &self->points [k + 1];
    double slope = (b->rate - a->rate) / (b->at - a->at);
    double x = (double) i - before;
    //  x = rate dt + slope dt^2 / 2, solved in the form that stays exact
    //  when the slope is 0 or tiny.
    double root = a->rate * a->rate + 2 * slope * x;
    double divisor = a->rate + sqrt (root > 0? root: 0);
    double dt = divisor > 0? 2 * x / divisor: 0;
    return (int64_t) ((a->at + dt) * 1e9);
}
