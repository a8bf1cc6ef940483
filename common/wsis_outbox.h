/*  wsis_outbox: the producer half of "no event is lost" (docs/design.md).

    append() writes the event row in the caller's transaction, so the state
    change and its event commit together or not at all; seq grows by one
    per event of this source, without gaps, forever. Only after the commit
    does flush() publish, so no consumer ever sees an event that a rollback
    took back. A crash between commit and publish loses nothing: the row
    is there and events.since serves it.
*/
#ifndef WSIS_OUTBOX_H
#define WSIS_OUTBOX_H

#include "wsis_archive.h"
#include "wsis_store.h"

#include <czmq.h>
#include <msgpack.h>

typedef struct _wsis_outbox_t wsis_outbox_t;

//  Creates the outbox table if needed and loads the last seq. `source` is
//  the producer's name in every envelope ("voting"). Caller owns the result.
wsis_outbox_t *wsis_outbox_new (wsis_store_t *store, const char *source);
void wsis_outbox_destroy (wsis_outbox_t **self_p);

//  The socket events are published on (a PUB connected to the bus, or the
//  bus's own XPUB). Not owned.
void wsis_outbox_set_socket (wsis_outbox_t *self, zsock_t *socket);

//  The archive its old events move to (not owned): events.since serves
//  from it what the outbox no longer holds, and seq goes on after its
//  last event even when the outbox is empty.
void wsis_outbox_set_archive (wsis_outbox_t *self, wsis_archive_t *archive);

//  Moves the oldest events still in the outbox to the archive, at most
//  one chunk (max_events, about 1 MiB) in one transaction of its own:
//  those with seq <= through and a ts before `before` (ms), in seq order,
//  stopping at the first that is not, and never the last committed
//  event. Call it outside any transaction. The number moved (0: nothing
//  to move), or -1 when the archive or the store failed (nothing moved).
int wsis_outbox_archive (wsis_outbox_t *self, uint64_t through, int64_t before,
                         size_t max_events);

//  Appends an event in the caller's open transaction. body is one packed
//  msgpack map. 0, or -1 if the insert failed (the transaction should be
//  rolled back).
int wsis_outbox_append (wsis_outbox_t *self, const char *type, int64_t ts,
                        const void *body, size_t body_size);

//  Events stored by reference (wsis_outbox_append_ref) keep no envelope in
//  their row, only the type, ts and a number of the producer's (a vote's
//  row in its log, say), and the producer rebuilds the body from it when
//  the event is served again (events.since, the archive): packs into body
//  exactly the body it appended (consumers see the same bytes live and in
//  catch-up). 0, or -1 when it cannot (logged by the outbox; the reply or
//  the move to the archive fails, nothing is skipped).
typedef int (wsis_outbox_rebuild_fn) (void *arg, const char *type, int64_t ref,
                                      msgpack_sbuffer *body);
void wsis_outbox_set_rebuild (wsis_outbox_t *self, wsis_outbox_rebuild_fn *rebuild, void *arg);

//  Appends an event as wsis_outbox_append, but its row keeps only ref
//  (set_rebuild first): the body is published live as given and rebuilt
//  from ref when served again. For the hot path's events, whose body the
//  producer's own row already holds: a vote is then one row of its log
//  and one small outbox row.
int wsis_outbox_append_ref (wsis_outbox_t *self, const char *type, int64_t ts,
                            const void *body, size_t body_size, int64_t ref);

//  The seq of the last appended event (committed or not yet).
uint64_t wsis_outbox_last_seq (wsis_outbox_t *self);

//  The seq of the last committed event (what events.since can serve).
uint64_t wsis_outbox_committed_seq (wsis_outbox_t *self);

//  Savepoint support: rewind(mark) forgets events appended after mark()
//  (the savepoint that held their rows was rolled back).
uint64_t wsis_outbox_mark (wsis_outbox_t *self);
void wsis_outbox_rewind (wsis_outbox_t *self, uint64_t mark);

//  After a commit: publishes every event appended since the last flush.
void wsis_outbox_flush (wsis_outbox_t *self);

//  After a rollback: forgets the unpublished events, and seq goes back to
//  the last committed one.
void wsis_outbox_abort (wsis_outbox_t *self);

//  Publishes sys.heartbeat {last_seq} (seq 0 in its envelope).
void wsis_outbox_heartbeat (wsis_outbox_t *self, int64_t ts);

//  Packs the body of an events.since reply {events: [...], last_seq} with
//  the committed events after `after`, oldest first, at most limit, and
//  fewer once they take page_bytes, from the archive as from the table (a
//  page holds one event at least).
//  0, or -1 (nothing packed) when the store fails or the outbox has a gap.
int wsis_outbox_since (wsis_outbox_t *self, uint64_t after, int limit, msgpack_packer *pk);

//  The bytes of events past which a page of wsis_outbox_since ends early
//  (default 16 MiB), so that a catch-up page of large events stays small.
void wsis_outbox_set_page_bytes (wsis_outbox_t *self, size_t bytes);

//  Events published by this process (for sys.stats).
uint64_t wsis_outbox_published (wsis_outbox_t *self);

#endif
