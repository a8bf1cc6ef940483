/*  wsis_consumer: events in, each applied exactly once (DESIGN.md).

    Live events arrive on a SUB connected to the bus XPUB. An event is
    applied only when it is the next one of its source (wsis_cursor); an
    event past a gap, and a heartbeat showing the source ahead of us, start
    a catch-up: events.since sent to the source's command endpoint on a
    DEALER, answered asynchronously, so a source that is down never stalls
    this service. At most one catch-up per source is in flight; one that
    is not answered in time is sent again on a fresh socket.
*/
#include "wsis_service_private.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

//  Replies to events.since carry up to 10,000 envelopes: wider limits than
//  a request, still checked before unpacking.
static const wsis_msg_limits_t s_reply_limits = {
    .max_depth = 20,
    .max_str = 1024 * 1024,
    .max_bin = 4 * 1024 * 1024,
    .max_elements = 10 * 1000 * 1000
};

//  Applies one event inside the open transaction. -1 only on a store
//  failure: the caller rolls back and the event comes again.
static int
s_apply (wsis_service_t *self, const wsis_event_t *event)
{
    wsis_cursor_verdict_t verdict = wsis_cursor_check (self->cursor, event->source, event->seq);
    if (verdict == WSIS_CURSOR_GAP)
        wsis_cursor_note_head (self->cursor, event->source, event->seq);
    if (verdict != WSIS_CURSOR_NEXT)
        return 0;
    if (self->def->apply && self->def->apply (self, event))
        return -1;
    return wsis_cursor_advance (self->cursor, event->source, event->seq);
}

static int s_on_catchup_reply (zloop_t *loop, zsock_t *dealer, void *arg);

static void
s_drop_dealer (wsis_service_t *self, wsis_catchup_t *catchup)
{
    if (catchup->dealer) {
        zloop_reader_end (self->loop, catchup->dealer);
        zsock_destroy (&catchup->dealer);
    }
    catchup->in_flight = false;
}

//  Asks the source for the events after our position.
static void
s_request (wsis_service_t *self, wsis_catchup_t *catchup)
{
    if (catchup->in_flight)
        return;
    if (!catchup->dealer) {
        catchup->dealer = zsock_new (ZMQ_DEALER);
        zsock_set_linger (catchup->dealer, 0);
        zsock_set_rcvtimeo (catchup->dealer, 0);
        zsock_set_sndtimeo (catchup->dealer, 0);
        zsock_set_maxmsgsize (catchup->dealer, 512 * 1024 * 1024);
        if (zsock_connect (catchup->dealer, "%s", catchup->endpoint)) {
            wsis_log_error ("catch-up: cannot connect to %s", catchup->endpoint);
            zsock_destroy (&catchup->dealer);
            return;
        }
        zloop_reader (self->loop, catchup->dealer, s_on_catchup_reply, self);
    }
    snprintf (catchup->request_id, sizeof catchup->request_id, "catchup-%llu",
              (unsigned long long) ++catchup->requests);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    wsis_pack_kv_int (&pk, "v", WSIS_PROTOCOL_VERSION);
    wsis_pack_kv_str (&pk, "id", catchup->request_id);
    wsis_pack_kv_str (&pk, "op", "events.since");
    wsis_pack_str (&pk, "actor");
    msgpack_pack_map (&pk, 2);
    wsis_pack_kv_str (&pk, "id", self->def->name);
    wsis_pack_kv_str (&pk, "role", "service");
    wsis_pack_str (&pk, "body");
    msgpack_pack_map (&pk, 2);
    wsis_pack_kv_uint (&pk, "after", wsis_cursor_last_seq (self->cursor, catchup->source));
    wsis_pack_kv_int (&pk, "limit", wsis_config_int (self->config, "wsis/catchup_page"));

    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (zmsg_send (&msg, catchup->dealer) == 0) {
        catchup->in_flight = true;
        catchup->sent_at = zclock_mono ();
    }
    else {
        //  Not connected yet (sndtimeo 0): the next tick tries again.
        zmsg_destroy (&msg);
    }
}

//  Starts a catch-up for every source known to be ahead of us.
static void
s_request_lagging (wsis_service_t *self)
{
    for (size_t i = 0; i < self->catchup_count; i++)
        if (wsis_cursor_lag (self->cursor, self->catchups [i].source) > 0)
            s_request (self, &self->catchups [i]);
}

static void
s_apply_page (wsis_service_t *self, wsis_catchup_t *catchup, const msgpack_object *body)
{
    const msgpack_object *events = wsis_msg_get (body, "events");
    const msgpack_object *last_seq = wsis_msg_get (body, "last_seq");
    if (!events || events->type != MSGPACK_OBJECT_ARRAY
    ||  !last_seq || last_seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        wsis_log_warning ("catch-up: malformed events.since reply from %s", catchup->source);
        return;
    }
    wsis_cursor_note_head (self->cursor, catchup->source, last_seq->via.u64);
    if (events->via.array.size == 0)
        return;
    if (wsis_store_begin (self->store))
        return;
    int rc = 0;
    for (uint32_t i = 0; i < events->via.array.size && rc == 0; i++) {
        wsis_event_t event;
        wsis_error_t error;
        if (wsis_event_from_object (&event, &events->via.array.ptr [i], &error)
        ||  !streq (event.source, catchup->source)) {
            //  A source that serves garbage: stop here rather than skip
            //  an event and break the gap-free promise.
            wsis_log_error ("catch-up: bad envelope from %s: %s", catchup->source, error.message);
            break;
        }
        rc = s_apply (self, &event);
    }
    if (wsis_service_finish (self, rc == 0))
        wsis_log_error ("catch-up: could not commit events of %s; will retry", catchup->source);
}

static int
s_on_catchup_reply (zloop_t *loop, zsock_t *dealer, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    wsis_catchup_t *catchup = NULL;
    for (size_t i = 0; i < self->catchup_count; i++)
        if (self->catchups [i].dealer == dealer)
            catchup = &self->catchups [i];
    zmsg_t *msg;
    while (catchup && (msg = zmsg_recv (dealer))) {
        zframe_t *frame = zmsg_last (msg);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        wsis_error_t error;
        if (zmsg_size (msg) == 2
        &&  wsis_msg_unpack (&unpacked, zframe_data (frame), zframe_size (frame),
                             &s_reply_limits, &error) == 0
        &&  wsis_msg_str_equals (wsis_msg_get (&unpacked.data, "id"), catchup->request_id)) {
            catchup->in_flight = false;
            const msgpack_object *ok = wsis_msg_get (&unpacked.data, "ok");
            if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean)
                s_apply_page (self, catchup, wsis_msg_get (&unpacked.data, "body"));
            else
                wsis_log_warning ("catch-up: %s refused events.since", catchup->source);
        }
        //  Anything else is a late answer to a request we gave up on.
        msgpack_unpacked_destroy (&unpacked);
        zmsg_destroy (&msg);
    }
    //  Still behind (a full page, or more came meanwhile): ask again now.
    if (catchup && !catchup->in_flight && wsis_cursor_lag (self->cursor, catchup->source) > 0)
        s_request (self, catchup);
    return 0;
}

//  True when the event's topic is one the service said it never applies.
static bool
s_ignored (wsis_service_t *self, zmsg_t *msg)
{
    if (!self->def->ignores || zmsg_size (msg) != 2)
        return false;
    zframe_t *topic = zmsg_first (msg);
    for (const char *const *type = self->def->ignores; *type; type++)
        if (zframe_streq (topic, *type))
            return true;
    return false;
}

static int
s_on_event (zloop_t *loop, zsock_t *subscriber, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    bool began = false;
    int rc = 0;
    size_t count = 0;
    zmsg_t *msg;
    while (count < self->batch_max && (msg = zmsg_recv (subscriber))) {
        count++;
        if (s_ignored (self, msg)) {
            zmsg_destroy (&msg);
            continue;
        }
        wsis_event_t event;
        wsis_error_t error;
        zframe_t *frame = zmsg_last (msg);
        if (zmsg_size (msg) != 2
        ||  wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error)) {
            if (zmsg_size (msg) == 2)
                wsis_event_release (&event);
            zmsg_destroy (&msg);
            continue;           //  not ours to judge; someone pushed junk into the bus
        }
        if (event.seq == 0 && streq (event.type, "sys.heartbeat")) {
            const msgpack_object *head = wsis_msg_get (event.body, "last_seq");
            if (head && head->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                wsis_cursor_note_head (self->cursor, event.source, head->via.u64);
        }
        else
        if (rc == 0 && wsis_cursor_check (self->cursor, event.source, event.seq) != WSIS_CURSOR_FOREIGN) {
            if (!began) {
                if (wsis_store_begin (self->store))
                    rc = -1;
                else
                    began = true;
            }
            if (rc == 0)
                rc = s_apply (self, &event);
        }
        wsis_event_release (&event);
        zmsg_destroy (&msg);
    }
    if (began && wsis_service_finish (self, rc == 0))
        wsis_log_error ("events: could not apply a batch; catch-up will retry");
    if (rc) {
        //  Rolled back: the cursor is behind what we saw, so fetch again.
        for (size_t i = 0; i < self->catchup_count; i++)
            wsis_cursor_note_head (self->cursor, self->catchups [i].source,
                                   wsis_cursor_last_seq (self->cursor, self->catchups [i].source) + 1);
    }
    s_request_lagging (self);
    return 0;
}

int
wsis_consumer_start (wsis_service_t *self, char **error)
{
    if (!self->def->follows || !self->def->follows [0])
        return 0;
    for (const char *const *source = self->def->follows; *source; source++) {
        if (self->catchup_count == WSIS_MAX_FOLLOWED || wsis_cursor_follow (self->cursor, *source)) {
            *error = zsys_sprintf ("cannot follow source '%s'", *source);
            return -1;
        }
        wsis_catchup_t *catchup = &self->catchups [self->catchup_count++];
        catchup->source = strdup (*source);
        catchup->endpoint = wsis_config_endpoint (self->config, *source, "port", false);
    }
    char *endpoint = wsis_config_endpoint (self->config, "bus", "xpub_port", false);
    self->subscriber = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (self->subscriber, (int) wsis_config_int (self->config, "wsis/event_hwm"));
    zsock_set_rcvtimeo (self->subscriber, 0);
    zsock_set_maxmsgsize (self->subscriber, 16 * 1024 * 1024);
    //  Every topic: the cursor needs every event of a followed source to
    //  stay gap-free, and topics are event types, not sources.
    zsock_set_subscribe (self->subscriber, "");
    int rc = zsock_connect (self->subscriber, "%s", endpoint);
    zstr_free (&endpoint);
    if (rc) {
        *error = strdup ("cannot connect the event subscriber to the bus");
        return -1;
    }
    zloop_reader (self->loop, self->subscriber, s_on_event, self);
    //  What happened while we were down: ask every source at start.
    for (size_t i = 0; i < self->catchup_count; i++)
        s_request (self, &self->catchups [i]);
    return 0;
}

void
wsis_consumer_tick (wsis_service_t *self)
{
    int64_t timeout = wsis_config_int (self->config, "wsis/catchup_timeout_ms");
    for (size_t i = 0; i < self->catchup_count; i++) {
        wsis_catchup_t *catchup = &self->catchups [i];
        if (catchup->in_flight && zclock_mono () - catchup->sent_at > timeout) {
            wsis_log_warning ("catch-up: %s did not answer in %lld ms; asking again",
                              catchup->source, (long long) timeout);
            s_drop_dealer (self, catchup);
            s_request (self, catchup);
        }
    }
    s_request_lagging (self);
}

void
wsis_consumer_stop (wsis_service_t *self)
{
    for (size_t i = 0; i < self->catchup_count; i++) {
        if (self->loop)
            s_drop_dealer (self, &self->catchups [i]);
        else
            zsock_destroy (&self->catchups [i].dealer);
        free (self->catchups [i].source);
        zstr_free (&self->catchups [i].endpoint);
    }
    self->catchup_count = 0;
    if (self->loop && self->subscriber)
        zloop_reader_end (self->loop, self->subscriber);
    zsock_destroy (&self->subscriber);
}
