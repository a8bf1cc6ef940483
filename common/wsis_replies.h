/*  wsis_replies: stored replies that make retries safe (PROTOCOL.md 2).

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
#ifndef WSIS_REPLIES_H
#define WSIS_REPLIES_H

#include "wsis_store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_replies_t wsis_replies_t;

//  Creates the table if needed and loads the index of stored replies
//  newer than ttl_ms (older ones are deleted). Caller owns the result.
wsis_replies_t *wsis_replies_new (wsis_store_t *store, int64_t now, int64_t ttl_ms);
void wsis_replies_destroy (wsis_replies_t **self_p);

//  The key of a request: actor, id, and a hash of the frame. Writes a
//  NUL-terminated key into buffer (size >= WSIS_REPLIES_KEY_MAX).
#define WSIS_REPLIES_KEY_MAX 256
void wsis_replies_key (char *buffer, const char *role, const char *actor_id,
                       const char *request_id, const void *frame, size_t frame_size);

//  The stored reply frame for key, or NULL; the caller frees it.
void *wsis_replies_find (wsis_replies_t *self, const char *key, size_t *size);

//  Stores the reply frame in the caller's open transaction. 0 or -1.
int wsis_replies_store (wsis_replies_t *self, const char *key, int64_t now,
                        const void *reply, size_t size);

//  After the transaction: keep (commit) or forget (abort) what was stored.
void wsis_replies_commit (wsis_replies_t *self);
void wsis_replies_abort (wsis_replies_t *self);

//  Deletes replies older than the time to live, in its own transaction.
void wsis_replies_expire (wsis_replies_t *self, int64_t now);

size_t wsis_replies_size (wsis_replies_t *self);

#endif
