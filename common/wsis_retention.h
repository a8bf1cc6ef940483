/*  wsis_retention: when a producer's events leave its outbox for its
    archive (docs/design.md, "Outbox retention").

    An event moves once it is older than wsis/archive_after_days by the
    service clock and every consumer has applied it. The consumers are
    found by asking: every wsis/archive_check_s seconds each other service
    of wsis_config_services is asked sys.stats, and one whose `sources`
    lists this producer is a consumer at the `last_seq` it gives there.
    A service that has not answered by the next round holds that round
    back: nothing moves on a guess. Systems outside wsis that read
    events.since are not known here; the archive goes on serving them.

    Events move a chunk at a time, one chunk per turn of the loop, so
    requests are answered between chunks.

        wsis_retention_t *retention = wsis_retention_new (outbox, config, clock, curve, "voting");
        wsis_retention_attach (retention, loop);
        ...
        wsis_retention_pack_stats (retention, archive, pk);     //  sys.stats
        wsis_retention_destroy (&retention);
*/
#ifndef WSIS_RETENTION_H
#define WSIS_RETENTION_H

#include "wsis_archive.h"
#include "wsis_clock.h"
#include "wsis_config.h"
#include "wsis_curve.h"
#include "wsis_outbox.h"

#include <czmq.h>
#include <msgpack.h>

typedef struct _wsis_retention_t wsis_retention_t;

//  None of the arguments is owned; all must outlive the result. source
//  is this producer's name. Caller owns the result.
wsis_retention_t *wsis_retention_new (wsis_outbox_t *outbox, wsis_config_t *config,
                                      wsis_clock_t *clock, wsis_curve_t *curve,
                                      const char *source);
void wsis_retention_destroy (wsis_retention_t **self_p);

//  Starts the rounds on loop (nothing when wsis/archive_after_days is 0).
void wsis_retention_attach (wsis_retention_t *self, zloop_t *loop);

//  Packs the key "archive" and its map: after_days, events, through (the
//  last seq archived), files, bytes, consumers {service: last_seq} and
//  silent [service] of the last round, checked (when the last round
//  that every service answered ended, or nil).
void wsis_retention_pack_stats (wsis_retention_t *self, wsis_archive_t *archive,
                                msgpack_packer *pk);

#endif
