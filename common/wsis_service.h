/*  wsis_service: the runtime every wsis service is built on.

    One thread, one zloop (DESIGN.md "One thread per service"):
      - the command ROUTER (wsis_server.c): drain every ready request up to
        batch_max, run the batch in one BEGIN IMMEDIATE transaction, commit,
        then reply and publish: a reply always means "durably committed";
      - the event SUB (wsis_consumer.c): apply events of the sources the
        service follows exactly once, catching up with events.since;
      - timers: heartbeat, the service's tick (phase ends), reply expiry.

    A service supplies a wsis_service_def_t: its name, its operations (one
    handler each, with the roles allowed), its schema, the sources it
    follows and hooks. Common operations (sys.ping, sys.stats,
    sys.clock.set, events.since) are answered here.
*/
#ifndef WSIS_SERVICE_H
#define WSIS_SERVICE_H

#include "wsis_calendar.h"
#include "wsis_clock.h"
#include "wsis_config.h"
#include "wsis_cursor.h"
#include "wsis_msg.h"
#include "wsis_outbox.h"
#include "wsis_replies.h"
#include "wsis_store.h"

#include <czmq.h>

#define WSIS_VERSION "0.1.0"

typedef struct _wsis_service_t wsis_service_t;

//  An operation handler. It runs inside the batch transaction (under a
//  savepoint of its own); it packs the reply body (one map) into
//  reply->pk and returns 0, or returns wsis_reply_fail (...). On failure
//  everything it wrote is rolled back, so a handler must not change
//  in-memory state before it knows it succeeds.
typedef int (wsis_op_fn) (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

#define WSIS_OP_WRITES 1        //  changes state: its reply is stored for retries
//  With WSIS_OP_WRITES: the handler itself makes a resend safe (the op is
//  naturally idempotent), so its reply is not stored; a failed commit still
//  turns the reply into `unavailable`. For hot paths (vote.cast).
#define WSIS_OP_OWN_RETRY 2

typedef struct {
    const char *name;           //  "vote.cast"
    wsis_op_fn *handler;
    unsigned roles;             //  wsis_role_t bits; WSIS_ROLE_PUBLIC opens it to all
    unsigned flags;
} wsis_op_t;

typedef struct {
    const char *name;           //  "voting": config section, event source, file name
    const char *version;
    const char *schema;         //  the service's schema.sql, or NULL
    const wsis_op_t *ops;       //  ends with { NULL }
    const char *const *follows; //  sources consumed, NULL-terminated, or NULL

    //  After the store is open, before the loop: load in-memory state,
    //  add readers. -1 stops the service.
    int (*start) (wsis_service_t *service);
    //  Applies one event of a followed source inside the open transaction.
    //  Return -1 only when the store failed (the batch is rolled back and
    //  retried); an event the service cannot use is logged and skipped.
    int (*apply) (wsis_service_t *service, const wsis_event_t *event);
    //  Every second and after sys.clock.set, outside any transaction: the
    //  place to act on phase ends (voting closes itself).
    void (*tick) (wsis_service_t *service);
    //  A transaction was rolled back after handlers or apply changed
    //  memory: reload in-memory state from the store.
    void (*rolled_back) (wsis_service_t *service);
    //  Before the store closes.
    void (*stop) (wsis_service_t *service);

    //  Event types the service never applies, dropped by their topic
    //  before they are decoded: the SUB takes every topic (the cursor must
    //  see every event of a followed source), so a service's own events
    //  come back to it from the bus; for wsis-voting that is one vote.cast
    //  per vote. NULL-terminated, or NULL.
    const char *const *ignores;
} wsis_service_def_t;

//  Parses -c FILE / -h, loads config, opens the store, binds, runs until
//  SIGINT/SIGTERM, and returns the process exit code. The whole main().
int wsis_service_main (const wsis_service_def_t *def, void *state, int argc, char *argv []);

//  What handlers and hooks use.
void *wsis_service_state (wsis_service_t *self);
wsis_store_t *wsis_service_store (wsis_service_t *self);
wsis_config_t *wsis_service_config (wsis_service_t *self);
wsis_calendar_t *wsis_service_calendar (wsis_service_t *self);
wsis_clock_t *wsis_service_clock (wsis_service_t *self);
zloop_t *wsis_service_loop (wsis_service_t *self);
const char *wsis_service_name (wsis_service_t *self);
int64_t wsis_service_now (wsis_service_t *self);

//  Appends an event to the outbox in the open transaction; published after
//  the commit. body is one packed map. 0 or -1.
int wsis_service_emit (wsis_service_t *self, const char *type, const void *body, size_t size);

//  The seq of the last event emitted (in the open transaction or before).
uint64_t wsis_service_last_seq (wsis_service_t *self);

//  Runs fn in a transaction of its own (for tick hooks): commit, then
//  publish; rollback if fn returns -1.
int wsis_service_transact (wsis_service_t *self,
                           int (*fn) (wsis_service_t *service, void *arg), void *arg);

//  Replaces the limits requests are decoded with (wsis_msg_default_limits
//  unless a service says otherwise). Call from start: a service that takes
//  a larger field (a photo image) raises max_bin to its frame limit, so an
//  image over its own limit gets a `validation` reply naming the field
//  rather than a bare bad_request. The frame limit (wsis/max_request)
//  still bounds every request.
void wsis_service_set_limits (wsis_service_t *self, const wsis_msg_limits_t *limits);

//  Replaces the socket events are published on (the bus publishes on its
//  own XPUB). Call from start; not owned.
void wsis_service_set_publisher (wsis_service_t *self, zsock_t *socket);

#endif
