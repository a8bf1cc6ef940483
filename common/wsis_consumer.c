/*  wsis_consumer: live events, gaps, heartbeats and catch-up. */
#include "wsis_consumer.h"
#include "wsis_request.h"
#include "wsis_alloc.h"
#include "wsis_log.h"
#include "wsis_msg.h"
#include "wsis_pack.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 16

//  The wait before asking again after an ask that was made because the
//  source seemed ahead and brought nothing: doubled each time that happens
//  again, up to the most, and gone once an answer brings events. A flood
//  of forged heads then costs the source a few events.since a second.
#define BACKOFF_LEAST_MS 250
#define BACKOFF_MOST_MS 2000

//  Replies to events.since carry up to 10,000 envelopes: wider limits than
//  a request, still checked before unpacking.
static const wsis_msg_limits_t s_page_limits = {
    .max_depth = 20,
    .max_str = 1024 * 1024,
    .max_bin = 4 * 1024 * 1024,
    .max_elements = 10 * 1000 * 1000
};

//  Catch-up with one source: at most one events.since in flight.
typedef struct {
    char *source;
    char *endpoint;
    zsock_t *dealer;            //  created on first use, recreated after a timeout
    bool in_flight;
    bool reading;               //  dealer is a reader of the loop: only while
                                //  an ask is in flight (zmq_poll costs two
                                //  system calls per socket per turn)
    char request_id [32];
    uint64_t requests;
    int64_t sent_at;            //  monotonic ms
    bool asked_behind;          //  sent because the source seemed ahead
    uint64_t announced;         //  highest head announced since it was sent
    uint64_t confirmed;         //  last_seq of its answer; 0 until one came
    int64_t backoff_ms;         //  0, or the wait the last fruitless ask set
    int64_t not_before;         //  monotonic ms: no ask before this
} catchup_t;

struct _wsis_consumer_t {
    wsis_batch_t *batch;        //  not owned
    wsis_cursor_t *cursor;      //  not owned
    char *name;
    wsis_consumer_apply_fn *apply;
    void *apply_arg;
    const char *const *ignores;
    const char *const *topics;  //  subscribed to, or NULL: every topic
    size_t batch_max;
    size_t page;
    int64_t timeout_ms;
    wsis_consumer_clock_fn *clock;
    void *clock_arg;
    zsock_t *subscriber;
    char *bus_endpoint;         //  the XPUB the subscriber is connected to
    int64_t heard_at;           //  s_now of the last message from the bus
    int64_t silence_ms;         //  wsis_consumer_set_silence, or 0
    int64_t silent_for;         //  the silence that connects again now
    wsis_curve_t *curve;        //  not owned; NULL in development mode
    zloop_t *loop;              //  not owned; set by attach
    catchup_t catchups [MAX_SOURCES];
    size_t catchup_count;
};

static int64_t
s_mono (void *arg)
{
    return zclock_mono ();
}

wsis_consumer_t *
wsis_consumer_new (wsis_batch_t *batch, wsis_cursor_t *cursor, const char *name)
{
    wsis_consumer_t *self = (wsis_consumer_t *) zmalloc (sizeof (wsis_consumer_t));
    self->batch = batch;
    self->cursor = cursor;
    self->name = wsis_strdup (name);
    self->batch_max = 1024;
    self->page = 1000;
    self->timeout_ms = 3000;
    self->clock = s_mono;
    return self;
}

//  The dealer leaves the loop once no ask is in flight.
static void
s_stop_reading (wsis_consumer_t *self, catchup_t *catchup)
{
    if (catchup->reading && self->loop)
        zloop_reader_end (self->loop, catchup->dealer);
    catchup->reading = false;
}

static void
s_drop_dealer (wsis_consumer_t *self, catchup_t *catchup)
{
    s_stop_reading (self, catchup);
    zsock_destroy (&catchup->dealer);
    catchup->in_flight = false;
}

void
wsis_consumer_destroy (wsis_consumer_t **self_p)
{
    if (self_p && *self_p) {
        wsis_consumer_t *self = *self_p;
        for (size_t i = 0; i < self->catchup_count; i++) {
            s_drop_dealer (self, &self->catchups [i]);
            free (self->catchups [i].source);
            free (self->catchups [i].endpoint);
        }
        if (self->loop && self->subscriber)
            zloop_reader_end (self->loop, self->subscriber);
        zsock_destroy (&self->subscriber);
        zstr_free (&self->bus_endpoint);
        free (self->name);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_consumer_set_apply (wsis_consumer_t *self, wsis_consumer_apply_fn *fn, void *arg)
{
    self->apply = fn;
    self->apply_arg = arg;
}

void
wsis_consumer_set_ignores (wsis_consumer_t *self, const char *const *types)
{
    self->ignores = types;
}

void
wsis_consumer_set_topics (wsis_consumer_t *self, const char *const *prefixes)
{
    self->topics = prefixes;
}

void
wsis_consumer_set_batch_max (wsis_consumer_t *self, size_t batch_max)
{
    self->batch_max = batch_max? batch_max: 1;
}

void
wsis_consumer_set_catchup (wsis_consumer_t *self, size_t page, int64_t timeout_ms)
{
    self->page = page;
    self->timeout_ms = timeout_ms;
}

void
wsis_consumer_set_clock (wsis_consumer_t *self, wsis_consumer_clock_fn *fn, void *arg)
{
    self->clock = fn;
    self->clock_arg = arg;
}

static int64_t
s_now (wsis_consumer_t *self)
{
    return self->clock (self->clock_arg);
}

int
wsis_consumer_follow (wsis_consumer_t *self, const char *source, const char *endpoint,
                      char **error)
{
    if (self->catchup_count == MAX_SOURCES || wsis_cursor_follow (self->cursor, source)) {
        *error = zsys_sprintf ("cannot follow source '%s'", source);
        return -1;
    }
    catchup_t *catchup = &self->catchups [self->catchup_count++];
    catchup->source = wsis_strdup (source);
    catchup->endpoint = wsis_strdup (endpoint);
    return 0;
}

static catchup_t *
s_catchup_named (wsis_consumer_t *self, const char *source)
{
    for (size_t i = 0; i < self->catchup_count; i++)
        if (streq (self->catchups [i].source, source))
            return &self->catchups [i];
    return NULL;
}

uint64_t
wsis_consumer_catchups (wsis_consumer_t *self, const char *source)
{
    catchup_t *catchup = s_catchup_named (self, source);
    return catchup? catchup->requests: 0;
}

//  A head announced on the bus: a heartbeat, an envelope past a gap. It
//  counts until the source answers events.since (s_apply_page). One
//  announced while an ask is on its way is kept apart, since the answer
//  may have been written before it and so cannot rule it out.
static void
s_note_head (wsis_consumer_t *self, const char *source, uint64_t head)
{
    wsis_cursor_note_head (self->cursor, source, head);
    catchup_t *catchup = s_catchup_named (self, source);
    if (catchup && catchup->in_flight && catchup->announced < head)
        catchup->announced = head;
}

//  True when type is one the service never applies.
static bool
s_ignores_type (wsis_consumer_t *self, const char *type)
{
    for (const char *const *ignored = self->ignores; ignored && *ignored; ignored++)
        if (streq (*ignored, type))
            return true;
    return false;
}

//  Applies one event inside the open transaction. -1 only on a store
//  failure: the caller rolls back and the event comes again.
static int
s_apply (wsis_consumer_t *self, const wsis_event_t *event)
{
    wsis_cursor_verdict_t verdict = wsis_cursor_check (self->cursor, event->source, event->seq);
    if (verdict == WSIS_CURSOR_GAP)
        s_note_head (self, event->source, event->seq);
    if (verdict != WSIS_CURSOR_NEXT)
        return 0;
    //  An ignored type of a followed source is dropped by topic when it
    //  comes live, so the gap it leaves brings it here in a catch-up page:
    //  the cursor passes over it, apply never sees it.
    if (self->apply && !s_ignores_type (self, event->type)
    &&  self->apply (self->apply_arg, event))
        return -1;
    return wsis_cursor_advance (self->cursor, event->source, event->seq);
}

static int s_on_page (zloop_t *loop, zsock_t *dealer, void *arg);

//  The events.since request of a catch-up, as one frame.
static void
s_pack_request (wsis_consumer_t *self, catchup_t *catchup, msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    wsis_request_pack_head (&pk, catchup->request_id, "events.since", self->name, "service");
    msgpack_pack_map (&pk, 2);
    wsis_pack_kv_uint (&pk, "after", wsis_cursor_last_seq (self->cursor, catchup->source));
    wsis_pack_kv_uint (&pk, "limit", self->page);
}

//  Asks the source for the events after our position, unless an ask is
//  on its way or the backoff of a fruitless one is not over: then tick, or
//  the next event, asks.
static void
s_request (wsis_consumer_t *self, catchup_t *catchup)
{
    if (catchup->in_flight || !self->loop || s_now (self) < catchup->not_before)
        return;
    if (!catchup->dealer) {
        catchup->dealer = zsock_new (ZMQ_DEALER);
        zsock_set_linger (catchup->dealer, 0);
        zsock_set_rcvtimeo (catchup->dealer, 0);
        zsock_set_sndtimeo (catchup->dealer, 0);
        zsock_set_maxmsgsize (catchup->dealer, 512 * 1024 * 1024);
        char *error = NULL;
        if (wsis_curve_connect_to (self->curve, catchup->dealer, catchup->source, &error)
        ||  zsock_connect (catchup->dealer, "%s", catchup->endpoint)) {
            wsis_log_error ("catch-up: cannot connect to %s%s%s", catchup->endpoint,
                            error? ": ": "", error? error: "");
            zstr_free (&error);
            zsock_destroy (&catchup->dealer);
            return;
        }
    }
    snprintf (catchup->request_id, sizeof catchup->request_id, "catchup-%llu",
              (unsigned long long) ++catchup->requests);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack_request (self, catchup, &buffer);
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (zmsg_send (&msg, catchup->dealer) == 0) {
        if (!catchup->reading) {
            zloop_reader (self->loop, catchup->dealer, s_on_page, self);
            catchup->reading = true;
        }
        catchup->in_flight = true;
        catchup->sent_at = s_now (self);
        catchup->asked_behind = wsis_cursor_lag (self->cursor, catchup->source) > 0;
        catchup->announced = 0;
        catchup->confirmed = 0;
    }
    else {
        //  Not connected yet (sndtimeo 0): the next tick tries again.
        zmsg_destroy (&msg);
    }
}

//  Starts a catch-up for every source known to be ahead of us.
static void
s_request_lagging (wsis_consumer_t *self)
{
    for (size_t i = 0; i < self->catchup_count; i++)
        if (wsis_cursor_lag (self->cursor, self->catchups [i].source) > 0)
            s_request (self, &self->catchups [i]);
}

//  The events of one page, applied in one batch.
static void
s_apply_events (wsis_consumer_t *self, catchup_t *catchup, const msgpack_object *events)
{
    if (wsis_batch_begin (self->batch))
        return;
    int rc = 0;
    for (uint32_t i = 0; i < events->via.array.size && rc == 0; i++) {
        wsis_event_t event;
        wsis_error_t error;
        int bad = wsis_event_from_object (&event, &events->via.array.ptr [i], &error);
        if (!bad && !streq (event.source, catchup->source))
            bad = wsis_error_set (&error, "bad_request", "source", "an event of '%s'", event.source);
        if (bad) {
            //  A source that serves garbage: stop here rather than skip
            //  an event and break the gap-free promise.
            wsis_log_error ("catch-up: bad envelope from %s: %s", catchup->source, error.message);
            break;
        }
        rc = s_apply (self, &event);
    }
    if (rc)
        wsis_batch_abort (self->batch);
    if (rc || wsis_batch_commit (self->batch))
        wsis_log_error ("catch-up: could not commit events of %s; will retry", catchup->source);
}

//  One answer to events.since: its events, then its last_seq, the
//  source's own word on its head. That replaces every head announced
//  before we asked, forged ones included, so their lag ends here; one
//  announced since stands, as news this answer may predate.
static void
s_apply_page (wsis_consumer_t *self, catchup_t *catchup, const msgpack_object *body)
{
    const msgpack_object *events = wsis_msg_get (body, "events");
    const msgpack_object *last_seq = wsis_msg_get (body, "last_seq");
    if (!events || events->type != MSGPACK_OBJECT_ARRAY
    ||  !last_seq || last_seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        wsis_log_warning ("catch-up: malformed events.since reply from %s", catchup->source);
        return;
    }
    if (events->via.array.size > 0)
        s_apply_events (self, catchup, events);
    catchup->confirmed = last_seq->via.u64;
    wsis_cursor_confirm_head (self->cursor, catchup->source,
                              catchup->confirmed > catchup->announced?
                              catchup->confirmed: catchup->announced);
}

//  After an answer that moved us from position or not. One that applied
//  events leaves the way open: a full page, or more that came meanwhile,
//  is asked for at once. One that applied nothing although we were
//  behind, when we asked or by the source's own answer (a forged head, a
//  refusal, a page the store could not take), would come back the same if
//  we asked again at once: the next ask waits, longer each time.
static void
s_pace (wsis_consumer_t *self, catchup_t *catchup, uint64_t position)
{
    uint64_t last_seq = wsis_cursor_last_seq (self->cursor, catchup->source);
    if (last_seq > position)
        catchup->backoff_ms = 0;
    else
    if (catchup->asked_behind || catchup->confirmed > last_seq)
        catchup->backoff_ms = catchup->backoff_ms == 0? BACKOFF_LEAST_MS:
                              catchup->backoff_ms * 2 > BACKOFF_MOST_MS? BACKOFF_MOST_MS:
                              catchup->backoff_ms * 2;
    catchup->not_before = s_now (self) + catchup->backoff_ms;
}

static catchup_t *
s_catchup_of (wsis_consumer_t *self, zsock_t *dealer)
{
    for (size_t i = 0; i < self->catchup_count; i++)
        if (self->catchups [i].dealer == dealer)
            return &self->catchups [i];
    return NULL;
}

static int
s_on_page (zloop_t *loop, zsock_t *dealer, void *arg)
{
    wsis_consumer_t *self = (wsis_consumer_t *) arg;
    catchup_t *catchup = s_catchup_of (self, dealer);
    if (!catchup)
        return 0;
    uint64_t position = wsis_cursor_last_seq (self->cursor, catchup->source);
    bool answered = false;
    zmsg_t *msg;
    while ((msg = zmsg_recv (dealer))) {
        zframe_t *frame = zmsg_last (msg);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        wsis_error_t error;
        if (zmsg_size (msg) == 2
        &&  wsis_msg_unpack (&unpacked, zframe_data (frame), zframe_size (frame),
                             &s_page_limits, &error) == 0
        &&  wsis_msg_str_equals (wsis_msg_get (&unpacked.data, "id"), catchup->request_id)) {
            catchup->in_flight = false;
            answered = true;
            if (wsis_msg_true (wsis_msg_get (&unpacked.data, "ok")))
                s_apply_page (self, catchup, wsis_msg_get (&unpacked.data, "body"));
            else
                wsis_log_warning ("catch-up: %s refused events.since", catchup->source);
        }
        //  Anything else is a late answer to a request we gave up on.
        msgpack_unpacked_destroy (&unpacked);
        zmsg_destroy (&msg);
    }
    if (answered)
        s_pace (self, catchup, position);
    //  Still behind (a full page, more came meanwhile, or a head announced
    //  while the ask was on its way): ask again, at once unless s_pace
    //  said to wait.
    if (!catchup->in_flight && wsis_cursor_lag (self->cursor, catchup->source) > 0)
        s_request (self, catchup);
    //  Caught up (or waiting out a backoff): an answer that comes now is a
    //  late one, read with the next ask's
    if (!catchup->in_flight)
        s_stop_reading (self, catchup);
    return 0;
}

//  True when the event's topic is one the service never applies.
static bool
s_ignored (wsis_consumer_t *self, zmsg_t *msg)
{
    if (!self->ignores || zmsg_size (msg) != 2)
        return false;
    zframe_t *topic = zmsg_first (msg);
    for (const char *const *type = self->ignores; *type; type++)
        if (zframe_streq (topic, *type))
            return true;
    return false;
}

//  A live event inside the batch being built; began says whether it is
//  open yet. -1 when the store failed.
static int
s_take (wsis_consumer_t *self, const wsis_event_t *event, bool *began)
{
    if (event->seq == 0 && streq (event->type, "sys.heartbeat")) {
        const msgpack_object *head = wsis_msg_get (event->body, "last_seq");
        if (head && head->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            s_note_head (self, event->source, head->via.u64);
        return 0;
    }
    if (wsis_cursor_check (self->cursor, event->source, event->seq) == WSIS_CURSOR_FOREIGN)
        return 0;
    if (!*began) {
        if (wsis_batch_begin (self->batch))
            return -1;
        *began = true;
    }
    return s_apply (self, event);
}

static int
s_on_event (zloop_t *loop, zsock_t *subscriber, void *arg)
{
    wsis_consumer_t *self = (wsis_consumer_t *) arg;
    self->heard_at = s_now (self);
    self->silent_for = self->silence_ms;
    bool began = false;
    int rc = 0;
    size_t count = 0;
    zmsg_t *msg;
    while (count < self->batch_max && (msg = zmsg_recv (subscriber))) {
        count++;
        wsis_event_t event;
        wsis_error_t error;
        zframe_t *frame = zmsg_last (msg);
        if (s_ignored (self, msg) || zmsg_size (msg) != 2) {
            zmsg_destroy (&msg);
            continue;
        }
        //  Junk pushed into the bus is not ours to judge: skip it.
        if (wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error) == 0
        &&  rc == 0)
            rc = s_take (self, &event, &began);
        wsis_event_release (&event);
        zmsg_destroy (&msg);
    }
    if (began && rc)
        wsis_batch_abort (self->batch);
    else
    if (began && wsis_batch_commit (self->batch))
        rc = -1;
    if (rc) {
        wsis_log_error ("events: could not apply a batch; catch-up will retry");
        //  Rolled back: the cursor is behind what we saw, so fetch again.
        for (size_t i = 0; i < self->catchup_count; i++)
            s_note_head (self, self->catchups [i].source,
                         wsis_cursor_last_seq (self->cursor, self->catchups [i].source) + 1);
    }
    s_request_lagging (self);
    return 0;
}

void
wsis_consumer_set_curve (wsis_consumer_t *self, wsis_curve_t *curve)
{
    self->curve = curve;
}

int
wsis_consumer_connect (wsis_consumer_t *self, const char *endpoint, int hwm, char **error)
{
    zsock_destroy (&self->subscriber);
    self->subscriber = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (self->subscriber, hwm);
    zsock_set_rcvtimeo (self->subscriber, 0);
    zsock_set_maxmsgsize (self->subscriber, WSIS_EVENT_LIVE_MAX);
    //  Every topic unless told which: the cursor needs every event of a
    //  followed source to stay gap-free, and topics are event types, not
    //  sources. With topics, what they leave out of a followed source
    //  comes through the catch-up its gap starts; heartbeats always come.
    if (self->topics) {
        for (const char *const *prefix = self->topics; *prefix; prefix++)
            zsock_set_subscribe (self->subscriber, *prefix);
        zsock_set_subscribe (self->subscriber, "sys.heartbeat");
    }
    else
        zsock_set_subscribe (self->subscriber, "");
    if (wsis_curve_connect_to (self->curve, self->subscriber, "bus", error)) {
        zsock_destroy (&self->subscriber);
        return -1;
    }
    if (zsock_connect (self->subscriber, "%s", endpoint)) {
        *error = zsys_sprintf ("cannot connect the event subscriber to the bus at %s", endpoint);
        zsock_destroy (&self->subscriber);
        return -1;
    }
    zstr_free (&self->bus_endpoint);
    self->bus_endpoint = wsis_strdup (endpoint);
    self->heard_at = s_now (self);
    self->silent_for = self->silence_ms;
    return 0;
}

void
wsis_consumer_set_silence (wsis_consumer_t *self, int64_t silence_ms)
{
    self->silence_ms = self->silent_for = silence_ms;
}

//  Nothing from the bus for too long, not even its heartbeat: the bus is
//  down (the connection comes back by itself when it is up again), or the
//  subscriber's connection was judged broken by libzmq on this side and
//  will never be made again. Connecting anew mends the second and costs
//  the first nothing; whatever went by meanwhile shows as a gap at the
//  first heartbeat heard, and is caught up.
static void
s_check_silence (wsis_consumer_t *self)
{
    int64_t now = s_now (self);
    if (!self->subscriber || !self->silence_ms || now - self->heard_at <= self->silent_for)
        return;
    //  Messages waiting to be read are no silence (the service itself was
    //  stopped, or busy, and its tick came first)
    if (zsock_events (self->subscriber) & ZMQ_POLLIN) {
        self->heard_at = now;
        return;
    }
    wsis_log_warning ("events: nothing from the bus at %s in %lld ms, not even a heartbeat: "
                      "connecting to it again", self->bus_endpoint,
                      (long long) (now - self->heard_at));
    zsock_disconnect (self->subscriber, "%s", self->bus_endpoint);
    if (zsock_connect (self->subscriber, "%s", self->bus_endpoint))
        wsis_log_error ("events: cannot connect to the bus at %s again", self->bus_endpoint);
    self->heard_at = now;
    self->silent_for = self->silent_for < 150 * 1000? 2 * self->silent_for: 300 * 1000;
}

void
wsis_consumer_attach (wsis_consumer_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (self->subscriber)
        zloop_reader (loop, self->subscriber, s_on_event, self);
    //  What happened while we were down: ask every source at start.
    for (size_t i = 0; i < self->catchup_count; i++)
        s_request (self, &self->catchups [i]);
}

//  A server whose key was rotated (its certificate replaced): the
//  subscriber connects to the bus again with the bus's new key, and a
//  catch-up socket of a source with a new key is dropped, to be made
//  again with it by the next ask (an ask on its way is asked again).
//  Whatever went by meanwhile is caught up as after any gap.
static void
s_follow_keys (wsis_consumer_t *self)
{
    if (self->subscriber)
        wsis_curve_reconnect (self->curve, self->subscriber, "bus", self->bus_endpoint);
    for (size_t i = 0; i < self->catchup_count; i++) {
        catchup_t *catchup = &self->catchups [i];
        if (wsis_curve_rekeyed (self->curve, catchup->dealer, catchup->source)) {
            wsis_log_info ("catch-up: %s's key changed: connecting with the new one", catchup->source);
            s_drop_dealer (self, catchup);
        }
    }
}

void
wsis_consumer_tick (wsis_consumer_t *self)
{
    s_follow_keys (self);
    s_check_silence (self);
    for (size_t i = 0; i < self->catchup_count; i++) {
        catchup_t *catchup = &self->catchups [i];
        if (catchup->in_flight && s_now (self) - catchup->sent_at > self->timeout_ms) {
            wsis_log_warning ("catch-up: %s did not answer in %lld ms; asking again",
                              catchup->source, (long long) self->timeout_ms);
            s_drop_dealer (self, catchup);
            s_request (self, catchup);
        }
    }
    s_request_lagging (self);
}
