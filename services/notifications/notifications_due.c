/*  notifications_due: what the service clock makes happen.

    The service keeps the earliest due instant of a scheduled notification
    in memory; every second and after sys.clock.set it compares the clock
    with that one number. Only when the clock has passed it does it read
    the store, in due order, and for each notification that has come due:
      - an event of the calendar is published (phase.opened, phase.closed,
        deadline.reminder), once, in order, in the same transaction;
      - a message becomes ready for delivery, marked late when its instant
        passed more than a minute ago (after downtime or a clock jump);
      - either is skipped when what it announces has already gone by (a
        reminder of a deadline that has passed is never sent).
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

//  Rows handled per transaction: a clock jump over a whole year of
//  reminders is worked through in bounded batches.
#define DUE_BATCH 500

//  A message this much past its instant says it is late.
#define LATE_AFTER_MS (60 * 1000)

//  A due row, copied out of the query so the rows can be changed after it.
typedef struct {
    char *key;
    char *kind;
    char *channel;
    int64_t due;
    int64_t expires;
    void *body;                 //  channel event: the event body
    size_t body_size;
} due_row_t;

static int
s_collect (const notify_row_t *row, void *arg)
{
    due_row_t *item = (due_row_t *) zmalloc (sizeof (due_row_t));
    item->key = wsis_strdup (row->key);
    item->kind = wsis_strdup (row->kind);
    item->channel = wsis_strdup (row->channel);
    item->due = row->due;
    item->expires = row->expires;
    if (streq (row->channel, "event")) {
        item->body = zmalloc (row->vars_size? row->vars_size: 1);
        //  An empty blob comes back from SQLite as NULL
        if (row->vars_size)
            memcpy (item->body, row->vars, row->vars_size);
        item->body_size = row->vars_size;
    }
    zlistx_add_end ((zlistx_t *) arg, item);
    return 0;
}

static void
s_row_destroy (void **item)
{
    due_row_t *row = (due_row_t *) *item;
    free (row->key);
    free (row->kind);
    free (row->channel);
    free (row->body);
    free (row);
    *item = NULL;
}

//  One due row, inside the transaction.
static int
s_handle (wsis_service_t *service, const due_row_t *row, int64_t now, bool *made_ready)
{
    wsis_store_t *store = wsis_service_store (service);
    if (now >= row->expires)
        return notify_store_set_status (store, row->key, "skipped", -1, 0,
                                        "what it announced had already passed");
    if (streq (row->channel, "event")) {
        //  Published after the commit, in the order of the rows.
        if (wsis_service_emit (service, row->kind, row->body, row->body_size))
            return -1;
        return notify_store_set_status (store, row->key, "sent", -1, now, NULL);
    }
    *made_ready = true;
    return notify_store_set_status (store, row->key, "ready", now - row->due > LATE_AFTER_MS,
                                    0, NULL);
}

typedef struct {
    int64_t now;
    size_t handled;
    bool made_ready;
} due_batch_t;

static int
s_batch (wsis_service_t *service, void *arg)
{
    due_batch_t *batch = (due_batch_t *) arg;
    zlistx_t *rows = zlistx_new ();
    zlistx_set_destructor (rows, s_row_destroy);
    int rc = notify_store_due (wsis_service_store (service), batch->now, DUE_BATCH, s_collect, rows);
    batch->handled = rc > 0? (size_t) rc: 0;
    for (due_row_t *row = (due_row_t *) zlistx_first (rows); row && rc >= 0;
         row = (due_row_t *) zlistx_next (rows))
        rc = s_handle (service, row, batch->now, &batch->made_ready);
    zlistx_destroy (&rows);
    return rc < 0? -1: 0;
}

void
notify_due_tick (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    int64_t now = wsis_service_now (service);
    if (now >= self->next_due) {
        due_batch_t batch = { .now = now, .handled = DUE_BATCH };
        while (batch.handled == DUE_BATCH) {
            batch.handled = 0;
            if (wsis_service_transact (service, s_batch, &batch)) {
                wsis_log_error ("schedule: due notifications could not be recorded; "
                                "trying again in a second");
                break;
            }
        }
        if (batch.made_ready)
            self->ready_waiting = true;
        self->next_due = notify_store_next_due (wsis_service_store (service));
    }
    notify_outgoing_send (service);
}
