/*  wsis_service: one wsis service, composed from the parts of libwsis.

    A service is one thread and one zloop (docs/design.md, "One thread per
    service") over:
      - its store (wsis_store), with the outbox of its events, the cursor
        of the sources it follows and its stored replies;
      - a command server (wsis_server) that runs batches of requests in one
        wsis_batch each and replies after the commit;
      - a consumer (wsis_consumer) that applies the events of the sources
        it follows exactly once, catching up with events.since;
      - timers: the heartbeat, a tick every second (catch-up, the
        service's own tick), the expiry of stored replies.

    A service supplies a wsis_service_def_t: its name, its operations (one
    handler each, with the roles allowed), its schema, the sources it
    follows and its hooks. The common operations (sys.ping, sys.stats,
    sys.clock.get, sys.clock.set, events.since) are answered here for
    every service.

        wsis_service_t *service = wsis_service_new (&def, &state, &config, &error);
        wsis_service_run (service);                 //  until SIGINT/SIGTERM
        wsis_service_destroy (&service);

    or, inside a test process, as a CZMQ actor:

        zactor_t *running = zactor_new (wsis_service_actor, service);
        ...talk to it over ZeroMQ...
        wsis_actor_destroy (&running);                //  wsis_actor.h
        wsis_service_destroy (&service);
*/
#ifndef WSIS_SERVICE_H
#define WSIS_SERVICE_H

#include "wsis_calendar.h"
#include "wsis_clock.h"
#include "wsis_config.h"
#include "wsis_curve.h"
#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_op.h"
#include "wsis_pack.h"
#include "wsis_reply.h"
#include "wsis_request.h"
#include "wsis_role.h"
#include "wsis_store.h"
#include "wsis_time.h"

#include <czmq.h>

#define WSIS_VERSION "0.1.0"

typedef struct {
    const char *name;           //  "voting": config section, event source, file name
    const char *version;
    const char *schema;         //  the service's schema.sql, or NULL
    const wsis_op_t *ops;       //  ends with { NULL }
    const char *const *follows; //  sources consumed, NULL-terminated, or NULL

    //  After the store is open, before its schema migrations run: what a
    //  migration needs from outside the database (wsis-voting reads its
    //  key file and gives the migration the SQL functions that rehash its
    //  votes with it). -1 with *error one line (caller frees) stops the
    //  service with that line. NULL: none.
    int (*prepare) (wsis_service_t *service, char **error);
    //  After the store is open and the endpoint bound, before the loop:
    //  load in-memory state, add readers. -1 stops the service.
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
    //  Before the store closes (only when start succeeded).
    void (*stop) (wsis_service_t *service);
    //  A certificate was removed from the allow-list (secure mode, checked
    //  every second): requests are already checked one by one; a socket
    //  that cannot check each message (the bus XPUB) drops its peers here.
    void (*revoked) (wsis_service_t *service);
    //  Packs one more key and its value into the reply of sys.stats.
    void (*stats) (wsis_service_t *service, msgpack_packer *pk);
    //  Packs again the body of an event emitted by reference
    //  (wsis_service_event_emit_ref), from the ref it was emitted with:
    //  exactly the bytes emitted then. 0, or -1 when it cannot. Needed only
    //  by a service that emits by reference; called when its events are
    //  served again (events.since, the archive), with its state loaded.
    int (*rebuild) (wsis_service_t *service, const char *type, int64_t ref, msgpack_packer *pk);

    //  Event types the service never applies, dropped by their topic
    //  before they are decoded (see wsis_consumer_set_ignores).
    //  NULL-terminated, or NULL.
    const char *const *ignores;

    //  The topic prefixes its SUB subscribes to, when its sources publish
    //  far more than it applies (see wsis_consumer_set_topics).
    //  NULL-terminated, or NULL: every topic.
    const char *const *topics;

    //  Its store holds only what it derived from its sources' events (a
    //  read model), so `--rebuild` may throw it away at start and apply
    //  every event again from the first (wsis_main).
    bool rebuildable;
} wsis_service_def_t;

//  Builds the service: opens its store (creating the data folder), binds
//  its command endpoint, runs def->start, connects to the bus. Takes
//  ownership of *config_p (and nulls it), also on failure. def and state
//  must outlive the service. NULL on failure with *error one line (caller
//  frees).
wsis_service_t *wsis_service_new (const wsis_service_def_t *def, void *state,
                                  wsis_config_t **config_p, char **error);
//  Runs def->stop, then closes everything, store last.
void wsis_service_destroy (wsis_service_t **self_p);

//  Serves in this thread until SIGINT or SIGTERM; the batch in hand is
//  committed and answered by then (handlers run whole).
void wsis_service_run (wsis_service_t *self);

//  The same as a CZMQ actor (zactor_fn): zactor_new (wsis_service_actor,
//  service) serves in a thread of its own until zactor_destroy, which
//  returns once the loop has stopped. The service must not be used from
//  the caller's thread meanwhile.
void wsis_service_actor (zsock_t *pipe, void *service);

//  What handlers and hooks use.
void *wsis_service_state (wsis_service_t *self);
wsis_store_t *wsis_service_store (wsis_service_t *self);
wsis_config_t *wsis_service_config (wsis_service_t *self);
wsis_calendar_t *wsis_service_calendar (wsis_service_t *self);
wsis_clock_t *wsis_service_clock (wsis_service_t *self);
zloop_t *wsis_service_loop (wsis_service_t *self);
//  Its keys (for the sockets a service makes itself); NULL in development mode.
wsis_curve_t *wsis_service_curve (wsis_service_t *self);
const char *wsis_service_name (wsis_service_t *self);
int64_t wsis_service_now (wsis_service_t *self);

//  Appends an event to the outbox in the open transaction; published after
//  the commit. body is one packed map. 0 or -1.
int wsis_service_emit (wsis_service_t *self, const char *type, const void *body, size_t size);

//  An event body built in place, without a buffer of the caller's:
//
//      msgpack_packer *pk = wsis_service_event (service);
//      msgpack_pack_map (pk, 2);
//      ...
//      if (wsis_service_event_emit (service, "review.decided"))
//          return wsis_reply_fail (reply, "internal", ...);
//
//  wsis_service_event empties the service's event buffer and returns its
//  packer (owned by the service; valid until the next call);
//  wsis_service_event_emit appends what was packed, as wsis_service_emit.
msgpack_packer *wsis_service_event (wsis_service_t *self);
int wsis_service_event_emit (wsis_service_t *self, const char *type);
//  The same, but the outbox row keeps only ref, from which def->rebuild
//  packs the body again when the event is served again: for the events of
//  the hot path, whose content the service's own row holds already (a
//  vote: its row in the vote log).
int wsis_service_event_emit_ref (wsis_service_t *self, const char *type, int64_t ref);

//  An event of a followed source that apply will not use, because it did
//  not come from where such events come from (a forged or misrouted one)
//  or is of no concern: logged with why, and counted in sys.stats as
//  events_ignored. Returns 0, so apply can `return wsis_service_ignore (...)`.
int wsis_service_ignore (wsis_service_t *self, const wsis_event_t *event, const char *why);

//  The seq of the last event emitted (in the open transaction or before).
uint64_t wsis_service_last_seq (wsis_service_t *self);

//  Runs fn in a transaction of its own (for tick hooks): commit, then
//  publish; rollback if fn returns -1. 0 if committed.
int wsis_service_transact (wsis_service_t *self,
                           int (*fn) (wsis_service_t *service, void *arg), void *arg);

//  Runs one request frame in the open transaction (inside fn of
//  wsis_service_transact) as the command endpoint runs each request it
//  receives (wsis_server_handle, development mode: actor.role decides),
//  its reply packed into reply (emptied first). True when it changed
//  something that rides on the commit. For tests and fuzz targets.
bool wsis_service_handle (wsis_service_t *self, const void *frame, size_t size, msgpack_sbuffer *reply);

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
