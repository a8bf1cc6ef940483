/*  wsis_batch: one write transaction of a service, from BEGIN to publish.

    Every change a service makes (a batch of requests, a page of events
    from a catch-up, a timer's work) runs in one of these:

        wsis_batch_begin            BEGIN IMMEDIATE
          wsis_batch_step           SAVEPOINT, for one request
          wsis_batch_step_keep      RELEASE: the request's changes stay
          wsis_batch_step_undo      ROLLBACK TO: they go, events included
        wsis_batch_commit           COMMIT, then publish

    A request whose handler fails only before it writes (WSIS_OP_NO_SAVEPOINT)
    takes wsis_batch_step_bare instead: no savepoint; undone before it
    wrote, it leaves nothing; undone after, the batch is spoiled and its
    commit rolls everything back and fails.

    The order is the no-loss design (docs/design.md, "No event is lost"):
    the state change and its outbox rows commit together, and only after
    the commit are the events published and the in-memory mirrors of the
    cursor and of stored replies told that what they hold is durable. The
    caller replies after wsis_batch_commit returns 0, so a reply always
    means "on disk". A commit that fails rolls everything back, memory
    included: the outbox forgets its unpublished events, the cursor and the
    retry index what they noted, and the owner's rolled_back hook rebuilds
    whatever its handlers changed in memory.
*/
#ifndef WSIS_BATCH_H
#define WSIS_BATCH_H

#include "wsis_cursor.h"
#include "wsis_outbox.h"
#include "wsis_retry.h"
#include "wsis_store.h"
#include "wsis_watermark.h"

#include <stdbool.h>

typedef struct _wsis_batch_t wsis_batch_t;

//  Called after a transaction was rolled back, outside it.
typedef void (wsis_batch_rolled_back_fn) (void *arg);

//  A batch over the store and the parts that mirror it in memory. None is
//  owned; outbox, cursor and retry may be NULL when there is none.
wsis_batch_t *wsis_batch_new (wsis_store_t *store, wsis_outbox_t *outbox,
                              wsis_cursor_t *cursor, wsis_retry_t *retry);
void wsis_batch_destroy (wsis_batch_t **self_p);

void wsis_batch_set_rolled_back (wsis_batch_t *self, wsis_batch_rolled_back_fn *fn, void *arg);

//  Told the outbox's last committed seq after each commit (not owned;
//  NULL: none).
void wsis_batch_set_watermark (wsis_batch_t *self, wsis_watermark_t *watermark);

//  BEGIN IMMEDIATE. 0, or -1 when the store cannot start a write
//  (nothing is open then).
int wsis_batch_begin (wsis_batch_t *self);
bool wsis_batch_is_open (wsis_batch_t *self);

//  One step of the open batch under a savepoint: keep it or undo it
//  before the next step. 0 or -1 (the store failed; undo the step).
int wsis_batch_step (wsis_batch_t *self);
int wsis_batch_step_keep (wsis_batch_t *self);
void wsis_batch_step_undo (wsis_batch_t *self);
//  A step without a savepoint, kept or undone as the others: an undo
//  after a write makes wsis_batch_commit roll the batch back and fail.
int wsis_batch_step_bare (wsis_batch_t *self);

//  Commits, then publishes the events and makes the cursor and retry
//  mirrors durable: 0. Or the commit failed and everything was rolled
//  back: -1.
int wsis_batch_commit (wsis_batch_t *self);

//  Rolls the open batch back, memory included.
void wsis_batch_abort (wsis_batch_t *self);

//  Runs fn in a batch of its own: begin, fn, commit when fn returns 0,
//  abort when it returns -1. 0 if committed.
int wsis_batch_run (wsis_batch_t *self, int (*fn) (void *arg), void *arg);

//  Transactions committed and rolled back (failed commits included).
uint64_t wsis_batch_commits (wsis_batch_t *self);
uint64_t wsis_batch_rollbacks (wsis_batch_t *self);

#endif
