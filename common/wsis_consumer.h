/*  wsis_consumer: events in, each applied exactly once (docs/design.md,
    "No event is lost").

    Live events arrive on a SUB connected to the bus XPUB. An event is
    applied only when it is the next one of its source (wsis_cursor), in a
    wsis_batch with the cursor's advance, so the effect and the position
    commit together. An event past a gap, and a heartbeat showing the
    source ahead of us, start a catch-up: events.since sent to the source's
    command endpoint on a DEALER and answered asynchronously, so a source
    that is down never stalls the service. At most one catch-up per source
    is in flight; one that is not answered in time is sent again on a
    fresh socket.

    Heartbeats and envelopes are claims that anyone able to push into the
    bus can forge; only the source's own answer to events.since is its
    word. So an answer's last_seq replaces every head announced before the
    ask (wsis_cursor_confirm_head), and an ask made because we seemed
    behind that brings nothing makes the next one wait, from 250 ms up to
    2 s, until one brings events: a flood of forged heads costs the source
    a few events.since a second, not one per forgery.

        wsis_consumer_t *consumer = wsis_consumer_new (batch, cursor, "voting");
        wsis_consumer_set_apply (consumer, s_apply, service);
        wsis_consumer_follow (consumer, "submissions", "tcp://127.0.0.1:5560", &error);
        wsis_consumer_connect (consumer, "tcp://127.0.0.1:5551", hwm, &error);
        wsis_consumer_attach (consumer, loop);      //  asks every source at once
        ...  wsis_consumer_tick (consumer) every second ...
        wsis_consumer_destroy (&consumer);
*/
#ifndef WSIS_CONSUMER_H
#define WSIS_CONSUMER_H

#include "wsis_batch.h"
#include "wsis_curve.h"
#include "wsis_cursor.h"
#include "wsis_event.h"

#include <czmq.h>

typedef struct _wsis_consumer_t wsis_consumer_t;

//  Applies one event of a followed source inside the open batch. Return
//  -1 only when the store failed (the batch is rolled back and the events
//  come again); an event the service cannot use is logged and skipped.
typedef int (wsis_consumer_apply_fn) (void *arg, const wsis_event_t *event);

//  A consumer that applies events in batch and keeps its position in
//  cursor (neither owned). name is who asks for catch-up (actor.id of its
//  events.since). Caller owns the result.
wsis_consumer_t *wsis_consumer_new (wsis_batch_t *batch, wsis_cursor_t *cursor, const char *name);
void wsis_consumer_destroy (wsis_consumer_t **self_p);

//  What to do with each event (default: nothing; the cursor still moves).
void wsis_consumer_set_apply (wsis_consumer_t *self, wsis_consumer_apply_fn *fn, void *arg);

//  Event types never applied (NULL-terminated, not copied): dropped by
//  topic before they are decoded when they come live, passed over by the
//  cursor when they come in a catch-up page. The SUB takes every topic,
//  since the cursor must see every event of a followed source, so a
//  service's own events come back to it from the bus: for wsis-voting one
//  vote.cast per vote.
void wsis_consumer_set_ignores (wsis_consumer_t *self, const char *const *types);

//  The topic prefixes to subscribe to (NULL-terminated, not copied; set
//  before connect), for a service whose sources publish far more than it
//  applies: the bus then never sends it the rest (for wsis-gateway, the
//  vote.cast of every vote). Every event of a followed source is still
//  applied once, in order: one of a type left out leaves a gap that the
//  catch-up fills, so the prefixes should cover the types its sources
//  publish. sys.heartbeat is always subscribed to. NULL (the default):
//  every topic.
void wsis_consumer_set_topics (wsis_consumer_t *self, const char *const *prefixes);

//  Live events applied in one transaction at most (default 1024).
void wsis_consumer_set_batch_max (wsis_consumer_t *self, size_t batch_max);

//  Events asked for per events.since (default 1000), and how long one may
//  go unanswered before it is sent again (default 3000 ms).
void wsis_consumer_set_catchup (wsis_consumer_t *self, size_t page, int64_t timeout_ms);

//  How long the subscriber may hear nothing from the bus, not even a
//  heartbeat, before it connects to it again (from wsis_consumer_tick;
//  each time it goes on hearing nothing, twice as long, up to 5 minutes);
//  0: never (the default). libzmq does not connect again on its own
//  after a connection it judged broken itself.
void wsis_consumer_set_silence (wsis_consumer_t *self, int64_t silence_ms);

//  A monotonic clock in milliseconds, for the catch-up timeout and backoff.
typedef int64_t (wsis_consumer_clock_fn) (void *arg);

//  Where the consumer reads the time (default zclock_mono), so a test can
//  move it on by hand to see the backoff end.
void wsis_consumer_set_clock (wsis_consumer_t *self, wsis_consumer_clock_fn *fn, void *arg);

//  Follows a source: its events are applied, and catch-up asks endpoint
//  (its command endpoint). 0, or -1 with *error (caller frees).
int wsis_consumer_follow (wsis_consumer_t *self, const char *source, const char *endpoint,
                          char **error);

//  CURVE for the SUB and the catch-up sockets (not owned; NULL, the
//  default, in development mode): each source's certificate is
//  keys/public/SOURCE.cert, the bus's bus.cert. Set before follow/connect.
void wsis_consumer_set_curve (wsis_consumer_t *self, wsis_curve_t *curve);

//  Connects the SUB to the bus XPUB at endpoint, receiving up to hwm
//  messages ahead. 0, or -1 with *error (caller frees).
int wsis_consumer_connect (wsis_consumer_t *self, const char *endpoint, int hwm, char **error);

//  Applies events from loop until destroyed, and asks every source for
//  what happened while we were down.
void wsis_consumer_attach (wsis_consumer_t *self, zloop_t *loop);

//  Every second, after wsis_curve_refresh: connects again with the new
//  key of a server whose key was rotated (the bus, a source), resends
//  timed-out catch-ups, starts one wherever a source is known to be ahead
//  (once its backoff, if any, is over).
void wsis_consumer_tick (wsis_consumer_t *self);

//  events.since requests sent to source so far (0 for an unknown source).
uint64_t wsis_consumer_catchups (wsis_consumer_t *self, const char *source);

#endif
