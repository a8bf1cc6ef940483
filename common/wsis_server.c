/*  wsis_server: the command endpoint of a service (PROTOCOL.md 1, 2, 4).

    A ROUTER that speaks to REQ clients (and DEALERs that send the empty
    delimiter): every frame before the last is routing and is echoed. The
    reader drains up to batch_max ready requests and runs them in one
    BEGIN IMMEDIATE transaction, each under its own savepoint, commits once,
    and only then sends the replies: an ok reply means the change is on
    disk, and one fsync serves the whole batch.
*/
#include "wsis_service_private.h"
#include "wsis_field.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUTING_FRAMES 16

typedef struct _wsis_item_t {
    zmsg_t *msg;                //  the request, then the reply
    msgpack_sbuffer reply;
    bool wrote;                 //  a state change rides on the commit
} item_t;

//  Which op entry answers a name: the service's own first, then common ones.
static const wsis_op_t *
s_find_op (wsis_service_t *self, const char *name)
{
    for (const wsis_op_t *op = self->def->ops; op && op->name; op++)
        if (streq (op->name, name))
            return op;
    for (const wsis_op_t *op = wsis_server_common_ops; op->name; op++)
        if (streq (op->name, name))
            return op;
    return NULL;
}

//  The one place that decides who is asking. In development mode (no
//  CURVE keys) that is actor.role, public when absent; with CURVE it will
//  be the client certificate's metadata, and handlers will not change.
static wsis_role_t
s_actor_role (wsis_service_t *self, zframe_t *frame, const wsis_request_t *request)
{
    return request->role;
}

static void
s_fail (item_t *item, const char *id, const char *code, const char *field, const char *message)
{
    wsis_error_t error = { 0 };
    wsis_error_set (&error, code, field, "%s", message);
    wsis_reply_encode_error (&item->reply, id, &error);
}

//  One request, inside the batch transaction.
static void
s_handle (wsis_service_t *self, item_t *item, wsis_reply_t *reply)
{
    zframe_t *frame = zmsg_last (item->msg);
    wsis_request_t request;
    wsis_error_t error = { 0 };
    self->requests++;

    if (zframe_size (frame) > self->max_request) {
        char message [96];
        snprintf (message, sizeof message, "request of %zu bytes is over the limit of %zu",
                  zframe_size (frame), self->max_request);
        s_fail (item, "", "too_large", NULL, message);
        self->errors++;
        return;
    }
    if (wsis_request_decode (&request, zframe_data (frame), zframe_size (frame),
                             &self->limits, &error)) {
        wsis_reply_encode_error (&item->reply, request.id, &error);
        wsis_request_release (&request);
        self->errors++;
        return;
    }
    const wsis_op_t *op = s_find_op (self, request.op);
    wsis_role_t role = s_actor_role (self, frame, &request);
    request.role = role;
    if (!op) {
        s_fail (item, request.id, "unknown_op", "op", "unknown operation");
        self->errors++;
    }
    else
    if (!(op->roles & WSIS_ROLE_PUBLIC) && !(op->roles & role)) {
        char message [128];
        snprintf (message, sizeof message, "%s may not call %s", wsis_role_name (role), op->name);
        s_fail (item, request.id, "forbidden", NULL, message);
        self->errors++;
    }
    else {
        char key [WSIS_REPLIES_KEY_MAX];
        bool writes = (op->flags & WSIS_OP_WRITES) != 0;
        bool stores = writes && !(op->flags & WSIS_OP_OWN_RETRY);
        size_t stored_size = 0;
        void *stored = NULL;
        if (stores) {
            wsis_replies_key (key, wsis_role_name (role), request.actor_id, request.id,
                              zframe_data (frame), zframe_size (frame));
            stored = wsis_replies_find (self->replies, key, &stored_size);
        }
        if (stored) {
            //  A resend: the first execution's reply, and nothing runs again.
            msgpack_sbuffer_write (&item->reply, stored, stored_size);
            free (stored);
        }
        else {
            wsis_reply_reset (reply);
            uint64_t mark = wsis_outbox_mark (self->outbox);
            int rc = wsis_store_savepoint (self->store);
            if (rc == 0)
                rc = op->handler (self, &request, reply);
            if (rc == 0 && !reply->failed) {
                wsis_reply_encode (&item->reply, request.id, reply);
                if (stores && wsis_replies_store (self->replies, key, zclock_time (),
                                                  item->reply.data, item->reply.size))
                    rc = -1;
                if (rc == 0 && wsis_store_release (self->store))
                    rc = -1;
                if (rc)
                    wsis_reply_fail (reply, "internal", NULL, "the store failed; nothing was changed");
            }
            if (rc || reply->failed) {
                wsis_store_rollback_savepoint (self->store);
                wsis_outbox_rewind (self->outbox, mark);
                if (!reply->failed)
                    wsis_reply_fail (reply, "internal", NULL, "the operation failed; nothing was changed");
                msgpack_sbuffer_clear (&item->reply);
                wsis_reply_encode (&item->reply, request.id, reply);
                self->errors++;
            }
            else
                item->wrote = writes;
        }
    }
    wsis_request_release (&request);
}

//  A reply replaces the request frame; the routing frames stay as received.
static void
s_send (wsis_service_t *self, item_t *item)
{
    zframe_t *last = zmsg_last (item->msg);
    zmsg_remove (item->msg, last);
    zframe_destroy (&last);
    zmsg_addmem (item->msg, item->reply.data, item->reply.size);
    zmsg_send (&item->msg, self->router);
}

static int
s_on_request (zloop_t *loop, zsock_t *router, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    size_t count = 0;
    while (count < self->item_count) {
        zmsg_t *msg = zmsg_recv (router);      //  rcvtimeo 0: never blocks
        if (!msg)
            break;
        size_t frames = zmsg_size (msg);
        if (frames < 2 || frames > MAX_ROUTING_FRAMES + 1) {
            //  Nothing we could route a reply to, or a peer sending junk
            //  envelopes: drop it.
            zmsg_destroy (&msg);
            continue;
        }
        item_t *item = &self->items [count++];
        item->msg = msg;
        item->wrote = false;
        msgpack_sbuffer_clear (&item->reply);
    }
    if (count == 0)
        return 0;

    wsis_reply_t reply;
    wsis_reply_init (&reply);
    bool began = wsis_store_begin (self->store) == 0;
    for (size_t i = 0; i < count; i++) {
        if (began)
            s_handle (self, &self->items [i], &reply);
        else {
            self->requests++;
            self->errors++;
            s_fail (&self->items [i], "", "unavailable", NULL, "the store is not available");
        }
    }
    wsis_reply_release (&reply);

    //  Commit before reply: a reply means durable.
    if (began && wsis_service_finish (self, true)) {
        for (size_t i = 0; i < count; i++) {
            if (!self->items [i].wrote)
                continue;
            //  The id of the request is in the reply we encoded; read it
            //  back so the error still echoes it.
            wsis_request_t request;
            wsis_error_t error;
            zframe_t *frame = zmsg_last (self->items [i].msg);
            wsis_request_decode (&request, zframe_data (frame), zframe_size (frame),
                                 &self->limits, &error);
            msgpack_sbuffer_clear (&self->items [i].reply);
            s_fail (&self->items [i], request.id, "unavailable", NULL,
                    "the change could not be committed; nothing was changed");
            wsis_request_release (&request);
            self->errors++;
        }
    }
    for (size_t i = 0; i < count; i++)
        s_send (self, &self->items [i]);

    if (self->clock_changed) {
        self->clock_changed = false;
        if (self->def->tick)
            self->def->tick (self);
    }
    return 0;
}

int
wsis_server_start (wsis_service_t *self, char **error)
{
    char *endpoint = wsis_config_endpoint (self->config, self->def->name, "port", true);
    self->router = zsock_new (ZMQ_ROUTER);
    //  Frames a little over the limit still get a clear too_large reply;
    //  far larger ones are refused by libzmq before they use memory.
    zsock_set_maxmsgsize (self->router, (int) (self->max_request * 4));
    zsock_set_rcvtimeo (self->router, 0);
    zsock_set_sndtimeo (self->router, 0);
    zsock_set_router_mandatory (self->router, 0);
    zsock_set_sndhwm (self->router, 100000);
    zsock_set_rcvhwm (self->router, 100000);
    zsock_set_linger (self->router, 1000);
    if (zsock_bind (self->router, "%s", endpoint) == -1) {
        *error = zsys_sprintf ("cannot bind %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        zstr_free (&endpoint);
        return -1;
    }
    zstr_free (&endpoint);
    self->item_count = self->batch_max;
    self->items = (item_t *) calloc (self->item_count, sizeof (item_t));
    for (size_t i = 0; i < self->item_count; i++)
        msgpack_sbuffer_init (&self->items [i].reply);
    zloop_reader (self->loop, self->router, s_on_request, self);
    return 0;
}

void
wsis_server_stop (wsis_service_t *self)
{
    if (self->loop && self->router)
        zloop_reader_end (self->loop, self->router);
    zsock_destroy (&self->router);
    for (size_t i = 0; i < self->item_count; i++)
        msgpack_sbuffer_destroy (&self->items [i].reply);
    free (self->items);
    self->items = NULL;
    self->item_count = 0;
}

//  -------------------------------------------------------------------------
//  The common operations (PROTOCOL.md 4)

static int
s_op_ping (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    msgpack_pack_map (&reply->pk, 4);
    wsis_pack_kv_str (&reply->pk, "service", self->def->name);
    wsis_pack_kv_str (&reply->pk, "version", self->def->version);
    wsis_pack_kv_int (&reply->pk, "uptime_ms", zclock_mono () - self->started);
    wsis_pack_kv_uint (&reply->pk, "last_seq", wsis_outbox_committed_seq (self->outbox));
    return 0;
}

static int
s_op_stats (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    msgpack_packer *pk = &reply->pk;
    size_t sources = wsis_cursor_size (self->cursor);
    msgpack_pack_map (pk, 8);
    wsis_pack_kv_str (pk, "service", self->def->name);
    wsis_pack_kv_uint (pk, "requests", self->requests);
    wsis_pack_kv_uint (pk, "errors", self->errors);
    wsis_pack_kv_uint (pk, "events_published", wsis_outbox_published (self->outbox));
    wsis_pack_kv_uint (pk, "events_applied", wsis_cursor_applied_total (self->cursor));
    wsis_pack_kv_uint (pk, "last_seq", wsis_outbox_committed_seq (self->outbox));
    wsis_pack_str (pk, "lag");
    msgpack_pack_map (pk, sources);
    for (size_t i = 0; i < sources; i++) {
        const char *source = wsis_cursor_source (self->cursor, i);
        wsis_pack_kv_uint (pk, source, wsis_cursor_lag (self->cursor, source));
    }
    //  Per source: applied count and position, so an operator (and the
    //  no-loss tests) can see exactly-once at a glance.
    wsis_pack_str (pk, "sources");
    msgpack_pack_map (pk, sources);
    for (size_t i = 0; i < sources; i++) {
        const char *source = wsis_cursor_source (self->cursor, i);
        wsis_pack_str (pk, source);
        msgpack_pack_map (pk, 2);
        wsis_pack_kv_uint (pk, "last_seq", wsis_cursor_last_seq (self->cursor, source));
        wsis_pack_kv_uint (pk, "applied", wsis_cursor_applied (self->cursor, source));
    }
    return 0;
}

static int
s_op_clock_set (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    if (!wsis_clock_manual (self->clock))
        return wsis_reply_fail (reply, "forbidden", NULL,
                                "the clock can only be set when the service runs with WSIS_CLOCK=manual");
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char text [64];
    int64_t now;
    if (wsis_fields_text (&body, "now", WSIS_REQUIRED, 1, 40, text, sizeof text))
        return -1;
    if (wsis_time_parse (text, &now))
        return wsis_fields_fail (&body, "now", "must be an ISO 8601 instant like 2022-01-21T21:59:59Z");
    wsis_clock_set (self->clock, now);
    self->clock_changed = true;
    char formatted [WSIS_TIME_BUFSIZE];
    wsis_time_format (now, formatted);
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_str (&reply->pk, "now", formatted);
    return 0;
}

static int
s_op_events_since (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    uint64_t after = 0, limit = 1000;
    if (wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, UINT64_MAX, &after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, 10000, &limit) < 0)
        return -1;
    if (wsis_outbox_since (self->outbox, after, (int) limit, &reply->pk))
        return wsis_reply_fail (reply, "internal", NULL, "the outbox could not be read");
    return 0;
}

const wsis_op_t wsis_server_common_ops [] = {
    { "sys.ping", s_op_ping, WSIS_ROLE_PUBLIC, 0 },
    { "sys.stats", s_op_stats, WSIS_ROLE_PUBLIC, 0 },
    { "sys.clock.set", s_op_clock_set, WSIS_ROLE_PUBLIC, 0 },
    { "events.since", s_op_events_since,
      WSIS_ROLE_SERVICE | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY | WSIS_ROLE_PUBLISHER | WSIS_ROLE_STAFF, 0 },
    { NULL }
};
