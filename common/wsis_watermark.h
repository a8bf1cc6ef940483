/*  wsis_watermark: the last committed seq of a service's outbox, kept
    outside its database, so a store that lost committed writes is noticed
    at start instead of served.

    Every write a service acknowledges commits at least one event with it
    (a vote its vote.cast), and seqs grow by one without gaps, so the
    outbox's last seq counts what was acknowledged. The file
    "<name>.committed" in the data folder (mode 0600) holds that number as
    one line of text; it is rewritten in place after every commit that
    added events (one pwrite, no fsync: a process crash cannot lose it, the
    kernel holds it), and synced when the service stops. It is only ever
    written after the database's own synced COMMIT, so it is never ahead
    of what the database made durable; after a power cut it may be behind
    (the check is then weaker, never wrong).

    At start: a database whose outbox ends below the watermark lost
    committed writes (a truncated WAL, a database file replaced or
    missing): the service refuses to start with one line naming both
    files and both numbers. Removing the file accepts the database as it
    is (an operator's decision after a restore from a backup).
*/
#ifndef WSIS_WATERMARK_H
#define WSIS_WATERMARK_H

#include <stdint.h>

typedef struct _wsis_watermark_t wsis_watermark_t;

//  Opens (or makes, empty) the file at path and reads what it claims. NULL
//  with *error one line naming it (caller frees) when it cannot be
//  opened, read or parsed.
wsis_watermark_t *wsis_watermark_open (const char *path, char **error);

//  Syncs and closes.
void wsis_watermark_destroy (wsis_watermark_t **self_p);

//  The last committed seq the file claims (0 for a new or empty file).
uint64_t wsis_watermark_claimed (wsis_watermark_t *self);

//  Checks the claim against committed, the outbox's last seq in database
//  (named in the error), and brings the file up to it. 0, or -1 with
//  *error one line (caller frees) when the file says more was committed,
//  or cannot be written.
int wsis_watermark_check (wsis_watermark_t *self, const char *database, uint64_t committed,
                          char **error);

//  After a commit: the outbox's last committed seq now. Writes only when
//  it moved; a failed write is logged once and retried at the next.
void wsis_watermark_note (wsis_watermark_t *self, uint64_t committed);

#endif
