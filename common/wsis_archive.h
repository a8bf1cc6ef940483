/*  wsis_archive: the cold half of an outbox (docs/design.md, "Outbox
    retention").

    Events older than the configured age that every consumer has applied
    leave the outbox for a file per month in the service's archive
    folder, <dir>/<YYYY-MM>.events.gz. A file is a run of gzip members,
    one per chunk of consecutive events, so `zcat` of a file gives the
    events' envelopes one msgpack value after another, exactly as
    events.since serves them. Files are only ever appended to.

    Which chunk holds which events, and where, is a table of the store
    (outbox_archive), written in the same transaction that takes the
    events out of the outbox, and only after the chunk is on disk. A crash
    in between leaves bytes past the file's last indexed chunk while the
    events are still in the outbox; the next append to that file cuts it
    back first. So every event is in exactly one of the two places.

        wsis_archive_t *archive = wsis_archive_new (store, "var/voting-archive");
        wsis_store_begin (store);
        wsis_archive_append (archive, "2027-03", 1, 1024, envelopes, size);
        ...delete seq 1..1024 from the outbox...
        wsis_store_commit (store);
        wsis_archive_read (archive, 0, 1000, s_serve, &page);
*/
#ifndef WSIS_ARCHIVE_H
#define WSIS_ARCHIVE_H

#include "wsis_store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_archive_t wsis_archive_t;

//  Creates the index table if needed. dir is made at the first append
//  (0700, like the data folder). NULL when the table cannot be made.
wsis_archive_t *wsis_archive_new (wsis_store_t *store, const char *dir);
void wsis_archive_destroy (wsis_archive_t **self_p);

//  The last seq archived, 0 when none.
uint64_t wsis_archive_last_seq (wsis_archive_t *self);

//  Appends one chunk: the envelopes of seq first..last, packed one after
//  another (size bytes), to the file of month ("2027-03"), then syncs it,
//  then records the chunk in the caller's open transaction. 0, or -1
//  (logged) when the file could not be written: nothing is recorded.
int wsis_archive_append (wsis_archive_t *self, const char *month,
                         uint64_t first, uint64_t last, const void *data, size_t size);

//  After the caller's transaction was rolled back: forgets what appends
//  made in it counted (the bytes they wrote are cut by the next append).
void wsis_archive_reload (wsis_archive_t *self);

//  Called with each envelope read; non-zero stops the reading after this
//  one (an events.since page that holds its bytes).
typedef int (wsis_archive_fn) (void *arg, const void *envelope, size_t size);

//  Calls fn with the archived envelopes after seq `after`, oldest first,
//  at most limit of them, fewer when fn stops. The count given (the one
//  fn stopped at included), or -1 (logged, naming the file) when a chunk
//  is missing or damaged.
int wsis_archive_read (wsis_archive_t *self, uint64_t after, size_t limit,
                       wsis_archive_fn *fn, void *arg);

//  For sys.stats: events archived, files, and their bytes on disk.
uint64_t wsis_archive_events (wsis_archive_t *self);
uint64_t wsis_archive_files (wsis_archive_t *self);
uint64_t wsis_archive_bytes (wsis_archive_t *self);

//  The month of the last chunk ("2027-03"), "" when none: chunks never
//  go to an earlier month than the one before, so each file holds a
//  range of seq and the files sort in seq order.
const char *wsis_archive_last_month (wsis_archive_t *self);

#endif
