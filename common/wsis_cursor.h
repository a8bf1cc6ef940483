/*  wsis_cursor: the consumer half of "no event is lost" (docs/design.md).

    For every source a service follows it keeps last_seq (the last event
    applied) and how many events it applied, in the service's own database,
    written in the same transaction as the effects of the event. So an
    event is applied exactly once: one already seen (seq <= last_seq) is
    skipped, one past a gap (seq > last_seq + 1) is not applied until the
    missing ones have been fetched with events.since (catch-up).
*/
#ifndef WSIS_CURSOR_H
#define WSIS_CURSOR_H

#include "wsis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_cursor_t wsis_cursor_t;

typedef enum {
    WSIS_CURSOR_NEXT,           //  seq == last_seq + 1: apply it
    WSIS_CURSOR_SEEN,           //  seq <= last_seq: applied before, skip
    WSIS_CURSOR_GAP,            //  seq > last_seq + 1: catch up first
    WSIS_CURSOR_FOREIGN         //  a source this service does not follow
} wsis_cursor_verdict_t;

//  Creates the cursor table if needed. Caller owns the result.
wsis_cursor_t *wsis_cursor_new (wsis_store_t *store);
void wsis_cursor_destroy (wsis_cursor_t **self_p);

//  Follows a source (its name in envelopes, e.g. "submissions").
int wsis_cursor_follow (wsis_cursor_t *self, const char *source);

size_t wsis_cursor_size (wsis_cursor_t *self);
//  The name of the source at index, or NULL.
const char *wsis_cursor_source (wsis_cursor_t *self, size_t index);

wsis_cursor_verdict_t wsis_cursor_check (wsis_cursor_t *self, const char *source, uint64_t seq);

//  Records that the event seq (which must be NEXT) of source was applied,
//  in the caller's open transaction. 0 or -1 (roll back).
int wsis_cursor_advance (wsis_cursor_t *self, const char *source, uint64_t seq);

//  After a rollback: forgets what advance() did since the last commit.
void wsis_cursor_abort (wsis_cursor_t *self);
//  After a commit: what advance() did is durable.
void wsis_cursor_commit (wsis_cursor_t *self);

uint64_t wsis_cursor_last_seq (wsis_cursor_t *self, const char *source);

//  The head of a source as last announced (heartbeat or events.since), so
//  lag = head - last_seq. note_head only ever raises it.
void wsis_cursor_note_head (wsis_cursor_t *self, const char *source, uint64_t head);
//  The head as the source itself confirmed it (the last_seq of its answer
//  to events.since): sets it, lower as well as higher. A head that was only
//  announced, by a heartbeat or an envelope that anyone can push into the
//  bus, stops counting as lag once the source has said otherwise.
void wsis_cursor_confirm_head (wsis_cursor_t *self, const char *source, uint64_t head);
uint64_t wsis_cursor_lag (wsis_cursor_t *self, const char *source);

//  Events applied from a source over the life of the database.
uint64_t wsis_cursor_applied (wsis_cursor_t *self, const char *source);
uint64_t wsis_cursor_applied_total (wsis_cursor_t *self);

#endif
