/*  wsis_batch: begin, savepoints, commit then publish, or roll back all. */
#include "wsis_batch.h"

#include <czmq.h>

struct _wsis_batch_t {
    wsis_store_t *store;        //  none owned
    wsis_outbox_t *outbox;
    wsis_cursor_t *cursor;
    wsis_retry_t *retry;
    wsis_watermark_t *watermark;
    wsis_batch_rolled_back_fn *rolled_back;
    void *rolled_back_arg;
    uint64_t step_mark;         //  outbox position when the step began
    bool bare;                  //  the step has no savepoint
    int64_t step_changes;       //  the store's changes when a bare step began
    bool spoiled;               //  a bare step failed after writing
    uint64_t commits;
    uint64_t rollbacks;
};

wsis_batch_t *
wsis_batch_new (wsis_store_t *store, wsis_outbox_t *outbox,
                wsis_cursor_t *cursor, wsis_retry_t *retry)
{
    wsis_batch_t *self = (wsis_batch_t *) zmalloc (sizeof (wsis_batch_t));
    self->store = store;
    self->outbox = outbox;
    self->cursor = cursor;
    self->retry = retry;
    return self;
}

void
wsis_batch_destroy (wsis_batch_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

void
wsis_batch_set_rolled_back (wsis_batch_t *self, wsis_batch_rolled_back_fn *fn, void *arg)
{
    self->rolled_back = fn;
    self->rolled_back_arg = arg;
}

void
wsis_batch_set_watermark (wsis_batch_t *self, wsis_watermark_t *watermark)
{
    self->watermark = watermark;
}

int
wsis_batch_begin (wsis_batch_t *self)
{
    self->spoiled = false;
    return wsis_store_begin (self->store);
}

bool
wsis_batch_is_open (wsis_batch_t *self)
{
    return wsis_store_in_transaction (self->store);
}

int
wsis_batch_step (wsis_batch_t *self)
{
    self->step_mark = self->outbox? wsis_outbox_mark (self->outbox): 0;
    self->bare = false;
    return wsis_store_savepoint (self->store);
}

int
wsis_batch_step_bare (wsis_batch_t *self)
{
    self->step_mark = self->outbox? wsis_outbox_mark (self->outbox): 0;
    self->bare = true;
    self->step_changes = wsis_store_changes (self->store);
    return 0;
}

int
wsis_batch_step_keep (wsis_batch_t *self)
{
    return self->bare? 0: wsis_store_savepoint_keep (self->store);
}

void
wsis_batch_step_undo (wsis_batch_t *self)
{
    //  The rows went with the savepoint; the outbox must forget the
    //  events it would otherwise publish after the commit. A bare step
    //  that wrote has nothing to go back to: the batch is lost.
    if (!self->bare)
        wsis_store_savepoint_undo (self->store);
    else
    if (wsis_store_changes (self->store) != self->step_changes)
        self->spoiled = true;
    if (self->outbox)
        wsis_outbox_rewind (self->outbox, self->step_mark);
}

void
wsis_batch_abort (wsis_batch_t *self)
{
    self->spoiled = false;
    wsis_store_rollback (self->store);
    if (self->outbox)
        wsis_outbox_abort (self->outbox);
    if (self->cursor)
        wsis_cursor_abort (self->cursor);
    if (self->retry)
        wsis_retry_abort (self->retry);
    self->rollbacks++;
    if (self->rolled_back)
        self->rolled_back (self->rolled_back_arg);
}

int
wsis_batch_commit (wsis_batch_t *self)
{
    if (self->spoiled || wsis_store_commit (self->store)) {
        wsis_batch_abort (self);
        return -1;
    }
    //  Durable now: publish, and the mirrors may count on what they hold.
    if (self->outbox) {
        wsis_outbox_flush (self->outbox);
        wsis_watermark_note (self->watermark, wsis_outbox_committed_seq (self->outbox));
    }
    if (self->cursor)
        wsis_cursor_commit (self->cursor);
    if (self->retry)
        wsis_retry_commit (self->retry);
    self->commits++;
    return 0;
}

int
wsis_batch_run (wsis_batch_t *self, int (*fn) (void *arg), void *arg)
{
    if (wsis_batch_begin (self))
        return -1;
    if (fn (arg)) {
        wsis_batch_abort (self);
        return -1;
    }
    return wsis_batch_commit (self);
}

uint64_t
wsis_batch_commits (wsis_batch_t *self)
{
    return self->commits;
}

uint64_t
wsis_batch_rollbacks (wsis_batch_t *self)
{
    return self->rollbacks;
}
