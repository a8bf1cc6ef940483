/*  wsis_server: the command endpoint of a service (docs/protocol.md
    sections 1 and 2).

    A ROUTER that speaks to REQ clients (and DEALERs that send the empty
    delimiter): every frame before the last is routing and is echoed. Each
    time requests are ready it drains up to batch_max of them and runs them
    in one wsis_batch: every request under its own savepoint, one commit
    for all, and only then the replies. So an ok reply means the change is
    on disk, and one fsync serves the whole batch.

    For each request it decides who is asking (the one place that does),
    finds the operation in its tables, answers `unknown_op` or `forbidden`
    itself, gives a resend of a state-changing request the reply stored
    with its first execution (wsis_retry), and otherwise runs the handler.

    Replies go out through a wsis_backlog: a client that does not read
    them makes the service hold a bounded number of bytes, and past that
    its requests are dropped unanswered until it reads (docs/protocol.md,
    "Framing and limits").

        wsis_server_t *server = wsis_server_new (batch, retry, service);
        wsis_server_add_ops (server, voting_ops);
        if (wsis_server_bind (server, "tcp://127.0.0.1:5562", &error)) ...
        wsis_server_attach (server, loop);
        ...
        wsis_server_destroy (&server);
*/
#ifndef WSIS_SERVER_H
#define WSIS_SERVER_H

#include "wsis_batch.h"
#include "wsis_curve.h"
#include "wsis_msg.h"
#include "wsis_op.h"
#include "wsis_retry.h"

#include <czmq.h>

typedef struct _wsis_server_t wsis_server_t;

//  Called after every batch, once its replies are sent, outside any
//  transaction.
typedef void (wsis_server_after_fn) (void *arg);

//  A server that runs its requests in batch and stores replies in retry
//  (neither owned; retry may be NULL: nothing is stored). context is
//  handed to every handler. Caller owns the result.
wsis_server_t *wsis_server_new (wsis_batch_t *batch, wsis_retry_t *retry, wsis_service_t *context);
void wsis_server_destroy (wsis_server_t **self_p);

//  Adds a table of operations (ends with { NULL }; not copied). Tables are
//  searched in the order they were added, so a service's own come before
//  the common ones. 0, or -1 when there are too many tables.
int wsis_server_add_ops (wsis_server_t *self, const wsis_op_t *table);

//  Requests run in one transaction at most (default 1024).
void wsis_server_set_batch_max (wsis_server_t *self, size_t batch_max);
//  The largest request frame answered; larger ones get `too_large`
//  (default 6 MiB). Set before bind.
void wsis_server_set_max_request (wsis_server_t *self, size_t max_request);
//  Bytes of replies a peer may leave unread before its requests are
//  dropped unanswered (wsis_backlog; default 8 MiB).
void wsis_server_set_reply_backlog (wsis_server_t *self, size_t bytes);
//  The limits requests are decoded with (default wsis_msg_default_limits).
void wsis_server_set_limits (wsis_server_t *self, const wsis_msg_limits_t *limits);
//  Makes the ROUTER a CURVE server and takes each request's role from its
//  sender's certificate (docs/protocol.md section 6); curve is not owned.
//  Set before bind. Without it (development mode) actor.role decides.
void wsis_server_set_curve (wsis_server_t *self, wsis_curve_t *curve);
void wsis_server_set_after_batch (wsis_server_t *self, wsis_server_after_fn *fn, void *arg);

//  Binds the ROUTER. 0, or -1 with *error one line (caller frees).
int wsis_server_bind (wsis_server_t *self, const char *endpoint, char **error);

//  Serves requests from loop (a reader on the ROUTER) until destroyed.
void wsis_server_attach (wsis_server_t *self, zloop_t *loop);

//  Drains the requests ready now (up to batch_max), runs them as one
//  batch and sends the replies: what the loop does on each wake-up.
//  Returns how many requests were answered.
size_t wsis_server_process (wsis_server_t *self);

//  Runs one request frame as wsis_server_process runs each request it
//  drains (decoding, who is asking, the operation, the role check, the
//  declared fields, a resend's stored reply, the handler under a
//  savepoint of its own), inside the batch the caller has begun with
//  wsis_batch_begin, and packs its reply into reply (emptied first; the
//  caller's). The caller commits or aborts the batch: the reply holds
//  only once committed. peer is the sender's certificate (with CURVE), or
//  NULL. True when the request changed something that rides on the
//  commit. What one request does, without a socket: for tests and fuzz
//  targets.
bool wsis_server_handle (wsis_server_t *self, const wsis_peer_t *peer, const void *frame, size_t size,
                         msgpack_sbuffer *reply);

//  {ops: [{op, roles, writes, fields}]}: every operation the server
//  answers, in the order of its tables (sys.ops, docs/protocol.md
//  section 4).
void wsis_server_pack_ops (wsis_server_t *self, msgpack_packer *pk);

//  Requests answered, and how many of them were errors.
uint64_t wsis_server_requests (wsis_server_t *self);
uint64_t wsis_server_errors (wsis_server_t *self);
//  Batches of requests run, each one transaction and one commit:
//  requests / batches is how many shared a commit.
uint64_t wsis_server_batches (wsis_server_t *self);
//  Packs three pairs of sys.stats: requests_refused, replies_dropped,
//  replies_waiting_bytes (wsis_backlog).
void wsis_server_pack_backlog (wsis_server_t *self, msgpack_packer *pk);

#endif
