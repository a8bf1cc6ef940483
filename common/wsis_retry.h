/*  wsis_retry: stored replies that make retries safe (docs/protocol.md section 2).

    The reply to a state-changing request is stored with the actor, the
    request id and a hash of the whole request frame, in the same
    transaction as the request's effect. A resend within the time to live
    gets that reply again and changes nothing. The frame hash keeps two
    different requests that happen to reuse an id (anonymous clients
    counting from 1) from being taken for one another.

    The table is append-only in commit order and indexed in memory, so a
    stored reply costs one sequential insert, not a random B-tree page per
    request: under 100,000 votes a minute near a deadline that matters.
*/
#ifndef WSIS_RETRY_H
#define WSIS_RETRY_H

#include "wsis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_retry_t wsis_retry_t;

//  Creates the table if needed and loads the index of stored replies
//  newer than ttl_ms (older ones are deleted). Caller owns the result.
wsis_retry_t *wsis_retry_new (wsis_store_t *store, int64_t now, int64_t ttl_ms);
void wsis_retry_destroy (wsis_retry_t **self_p);

//  The key of a request: actor, id, and a hash of the frame. Writes a
//  NUL-terminated key into buffer (size >= WSIS_RETRY_KEY_MAX).
#define WSIS_RETRY_KEY_MAX 256
void wsis_retry_key (char *buffer, const char *role, const char *actor_id,
                       const char *request_id, const void *frame, size_t frame_size);

//  The stored reply frame for key, or NULL; the caller frees it.
void *wsis_retry_find (wsis_retry_t *self, const char *key, size_t *size);

//  Stores the reply frame in the caller's open transaction. 0 or -1.
int wsis_retry_store (wsis_retry_t *self, const char *key, int64_t now,
                        const void *reply, size_t size);

//  Whether the reply under key was stored in the open transaction, so it
//  is only as durable as that transaction's commit.
bool wsis_retry_pending (wsis_retry_t *self, const char *key);

//  After the transaction: keep (commit) or forget (abort) what was stored.
void wsis_retry_commit (wsis_retry_t *self);
void wsis_retry_abort (wsis_retry_t *self);

//  Deletes replies older than the time to live, in its own transaction.
void wsis_retry_expire (wsis_retry_t *self, int64_t now);

size_t wsis_retry_size (wsis_retry_t *self);

#endif
