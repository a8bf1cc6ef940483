/*  wsis_server: ROUTER, batches, role check, stored replies. */
#include "wsis_server.h"
#include "wsis_alloc.h"
#include "wsis_backlog.h"
#include "wsis_curve.h"
#include "wsis_op_fields.h"
#include "wsis_pack.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUTING_FRAMES 16
#define MAX_FRAMES (MAX_ROUTING_FRAMES + 1)
#define MAX_TABLES 4

//  One request of the batch in hand, and then its reply. Its frames are
//  received into the item and the routing ones sent back from it: no
//  zmsg_t, zframe_t or list for a request that is answered at once.
typedef struct {
    zmq_msg_t frames [MAX_FRAMES];  //  routing frames, then the request
    size_t frame_count;         //  as received (more than MAX_FRAMES: junk)
    msgpack_sbuffer reply;
    char id [WSIS_ID_MAX + 1];  //  the request's id, for a reply written after the batch
    bool wrote;                 //  a state change rides on the commit
    wsis_peer_t peer;           //  who sent it, by its certificate (CURVE only)
} item_t;

_Static_assert (sizeof ((item_t *) 0)->id == sizeof ((wsis_request_t *) 0)->id,
                "a request's id is copied whole into its item");

struct _wsis_server_t {
    wsis_batch_t *batch;        //  not owned
    wsis_retry_t *retry;        //  not owned, or NULL
    wsis_service_t *context;    //  not owned; handed to handlers
    const wsis_op_t *tables [MAX_TABLES];
    size_t table_count;
    zsock_t *router;
    wsis_curve_t *curve;        //  not owned; NULL in development mode
    zloop_t *loop;              //  not owned; set by attach
    wsis_msg_limits_t limits;
    msgpack_zone *zone;         //  the request in hand is decoded here (NULL: in its own)
    size_t max_request;
    item_t *items;              //  the batch in hand, allocated once
    size_t batch_max;
    wsis_server_after_fn *after_batch;
    void *after_batch_arg;
    wsis_backlog_t *backlog;    //  replies waiting for peers that do not read
    int flush_timer;            //  while replies wait; 0 when none
    size_t flush_ms;            //  its period
    uint64_t requests;
    uint64_t batches;           //  batches of requests run, each one transaction
    uint64_t errors;
};

//  Receives the next message into item, never blocking; false when none
//  is ready. A message of more frames than an item holds is read whole,
//  its extra frames into the last slot, and frame_count says how many
//  there were.
static bool
s_recv (void *router, item_t *item)
{
    item->frame_count = 0;
    for (bool more = true; more; ) {
        size_t slot = item->frame_count < MAX_FRAMES? item->frame_count: MAX_FRAMES - 1;
        if (slot == item->frame_count)
            zmq_msg_init (&item->frames [slot]);
        item->frame_count++;
        if (zmq_msg_recv (&item->frames [slot], router, ZMQ_DONTWAIT) == -1)
            return false;
        more = zmq_msg_more (&item->frames [slot]);
    }
    return true;
}

//  Closes the item's frames (after s_recv, also when it failed).
static void
s_release (item_t *item)
{
    size_t held = item->frame_count < MAX_FRAMES? item->frame_count: MAX_FRAMES;
    for (size_t i = 0; i < held; i++)
        zmq_msg_close (&item->frames [i]);
    item->frame_count = 0;
}

//  The request frame of an item that s_recv accepted.
static zmq_msg_t *
s_request (item_t *item)
{
    return &item->frames [item->frame_count - 1];
}

static void
s_items_free (wsis_server_t *self)
{
    for (size_t i = 0; i < self->batch_max; i++)
        msgpack_sbuffer_destroy (&self->items [i].reply);
    free (self->items);
    self->items = NULL;
}

void
wsis_server_set_batch_max (wsis_server_t *self, size_t batch_max)
{
    s_items_free (self);
    self->batch_max = batch_max? batch_max: 1;
    //  Zeroed is what msgpack_sbuffer_init makes of each reply buffer, so
    //  the items (1.2 MB at the default batch_max) are not written here:
    //  their pages become resident only once batches that large come.
    self->items = (item_t *) wsis_calloc (self->batch_max, sizeof (item_t));
}

wsis_server_t *
wsis_server_new (wsis_batch_t *batch, wsis_retry_t *retry, wsis_service_t *context)
{
    wsis_server_t *self = (wsis_server_t *) zmalloc (sizeof (wsis_server_t));
    self->batch = batch;
    self->retry = retry;
    self->context = context;
    self->limits = wsis_msg_default_limits;
    self->zone = msgpack_zone_new (MSGPACK_ZONE_CHUNK_SIZE);
    self->max_request = 6 * 1024 * 1024;
    self->backlog = wsis_backlog_new (8 * 1024 * 1024);
    wsis_server_set_batch_max (self, 1024);
    return self;
}

void
wsis_server_destroy (wsis_server_t **self_p)
{
    if (self_p && *self_p) {
        wsis_server_t *self = *self_p;
        if (self->loop && self->router)
            zloop_reader_end (self->loop, self->router);
        if (self->loop && self->flush_timer)
            zloop_timer_end (self->loop, self->flush_timer);
        zsock_destroy (&self->router);
        wsis_backlog_destroy (&self->backlog);
        msgpack_zone_free (self->zone);
        s_items_free (self);
        free (self);
        *self_p = NULL;
    }
}

int
wsis_server_add_ops (wsis_server_t *self, const wsis_op_t *table)
{
    if (self->table_count == MAX_TABLES)
        return -1;
    self->tables [self->table_count++] = table;
    return 0;
}

void
wsis_server_set_max_request (wsis_server_t *self, size_t max_request)
{
    self->max_request = max_request;
}

void
wsis_server_set_reply_backlog (wsis_server_t *self, size_t bytes)
{
    wsis_backlog_destroy (&self->backlog);
    self->backlog = wsis_backlog_new (bytes);
}

void
wsis_server_set_limits (wsis_server_t *self, const wsis_msg_limits_t *limits)
{
    self->limits = *limits;
}

void
wsis_server_set_curve (wsis_server_t *self, wsis_curve_t *curve)
{
    self->curve = curve;
}

void
wsis_server_set_after_batch (wsis_server_t *self, wsis_server_after_fn *fn, void *arg)
{
    self->after_batch = fn;
    self->after_batch_arg = arg;
}

uint64_t
wsis_server_requests (wsis_server_t *self)
{
    return self->requests;
}

uint64_t
wsis_server_batches (wsis_server_t *self)
{
    return self->batches;
}

uint64_t
wsis_server_errors (wsis_server_t *self)
{
    return self->errors;
}

void
wsis_server_pack_backlog (wsis_server_t *self, msgpack_packer *pk)
{
    wsis_pack_kv_uint (pk, "requests_refused", wsis_backlog_refused (self->backlog));
    wsis_pack_kv_uint (pk, "replies_dropped", wsis_backlog_dropped (self->backlog));
    wsis_pack_kv_uint (pk, "replies_waiting_bytes", wsis_backlog_waiting (self->backlog));
}

static const wsis_op_t *
s_find_op (wsis_server_t *self, const char *name)
{
    for (size_t i = 0; i < self->table_count; i++) {
        const wsis_op_t *op = wsis_op_find (self->tables [i], name);
        if (op)
            return op;
    }
    return NULL;
}

//  What a gateway may say it acts as: the people who sign in on the web
//  pages. Never operator, service or publisher.
#define GATEWAY_ACTS_AS (WSIS_ROLE_PUBLIC | WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_EXPERT \
                       | WSIS_ROLE_STAFF | WSIS_ROLE_GATEWAY)

//  The one place that decides who is asking (docs/protocol.md section 6).
//  In development mode (no keys) that is actor.role, public when absent.
//  With CURVE it is the client's certificate: a gateway or an operator
//  acts for others, so their actor is honoured (a gateway's only as one
//  of the roles people sign in with); anyone else is who the certificate
//  says, whatever the request claims.
static void
s_identify (wsis_server_t *self, const wsis_peer_t *peer, wsis_request_t *request)
{
    if (!self->curve)
        return;
    bool acts_for_others = peer->role == WSIS_ROLE_GATEWAY || peer->role == WSIS_ROLE_OPERATOR;
    if (acts_for_others && request->has_actor_role) {
        if (peer->role == WSIS_ROLE_GATEWAY && !(request->role & GATEWAY_ACTS_AS))
            request->role = WSIS_ROLE_GATEWAY;
    }
    else
        request->role = peer->role? peer->role: WSIS_ROLE_PUBLIC;
    if (!acts_for_others || !request->actor_id [0])
        snprintf (request->actor_id, sizeof request->actor_id, "%s", peer->name);
}

//  Replaces the item's reply with an error.
static void
s_fail (wsis_server_t *self, item_t *item, const char *code, const char *field, const char *message)
{
    wsis_error_t error = { 0 };
    wsis_error_set (&error, code, field, "%s", message);
    msgpack_sbuffer_clear (&item->reply);
    wsis_reply_encode_error (&item->reply, item->id, &error);
    self->errors++;
}

static void
s_fail_with (wsis_server_t *self, item_t *item, const wsis_error_t *error)
{
    msgpack_sbuffer_clear (&item->reply);
    wsis_reply_encode_error (&item->reply, item->id, error);
    self->errors++;
}

//  Calls fn (when not NULL) for every operation the server answers, each
//  once (the first table that names it wins, as in s_find_op); returns
//  how many there are.
static size_t
s_each_op (wsis_server_t *self, void (*fn) (const wsis_op_t *op, void *arg), void *arg)
{
    size_t count = 0;
    for (size_t i = 0; i < self->table_count; i++)
        for (const wsis_op_t *op = self->tables [i]; op->name; op++)
            if (s_find_op (self, op->name) == op) {
                if (fn)
                    fn (op, arg);
                count++;
            }
    return count;
}

typedef struct {
    char *text;
    size_t size;
    size_t used;
} listing_t;

static void
s_list_op (const wsis_op_t *op, void *arg)
{
    listing_t *listing = (listing_t *) arg;
    if (listing->used >= listing->size)
        return;
    int written = snprintf (listing->text + listing->used, listing->size - listing->used,
                            "%s%s", listing->used? " ": "", op->name);
    listing->used += written > 0? (size_t) written: 0;
}

//  unknown_op names what the service does offer (docs/protocol.md
//  section 2), so a typo is fixed without reading the docs.
static void
s_unknown_op (wsis_server_t *self, item_t *item, const char *name)
{
    char offered [512];
    listing_t listing = { offered, sizeof offered, 0 };
    *offered = 0;
    s_each_op (self, s_list_op, &listing);
    //  The name as asked, cut at a character boundary.
    size_t len = strlen (name);
    if (len > 64) {
        len = 64;
        while (len > 0 && ((unsigned char) name [len] & 0xc0) == 0x80)
            len--;
    }
    wsis_error_t error = { 0 };
    wsis_error_set (&error, "unknown_op", "op",
                    "unknown operation '%.*s'; this service offers %s", (int) len, name, offered);
    s_fail_with (self, item, &error);
}

static void
s_pack_op (const wsis_op_t *op, void *arg)
{
    wsis_op_fields_pack (op, (msgpack_packer *) arg);
}

void
wsis_server_pack_ops (wsis_server_t *self, msgpack_packer *pk)
{
    msgpack_pack_map (pk, 1);
    wsis_pack_str (pk, "ops");
    msgpack_pack_array (pk, s_each_op (self, NULL, NULL));
    s_each_op (self, s_pack_op, pk);
}

//  Runs the operation under a savepoint of its own, so a request that
//  fails half-way leaves nothing behind while the batch goes on.
static void
s_run (wsis_server_t *self, item_t *item, const wsis_op_t *op, wsis_request_t *request,
       const char *retry_key, wsis_reply_t *reply)
{
    wsis_reply_reset (reply);
    int rc = op->flags & WSIS_OP_NO_SAVEPOINT? wsis_batch_step_bare (self->batch)
                                              : wsis_batch_step (self->batch);
    if (rc == 0)
        rc = op->handler (self->context, request, reply);
    if (rc == 0 && !reply->failed) {
        wsis_reply_encode (&item->reply, item->id, reply);
        if (retry_key && wsis_retry_store (self->retry, retry_key, zclock_time (),
                                           item->reply.data, item->reply.size))
            rc = -1;
        if (rc == 0 && wsis_batch_step_keep (self->batch))
            rc = -1;
        if (rc)
            wsis_reply_fail (reply, "internal", NULL, "the store failed; nothing was changed");
    }
    if (rc || reply->failed) {
        wsis_batch_step_undo (self->batch);
        if (!reply->failed)
            wsis_reply_fail (reply, "internal", NULL, "the operation failed; nothing was changed");
        msgpack_sbuffer_clear (&item->reply);
        wsis_reply_encode (&item->reply, item->id, reply);
        self->errors++;
    }
    else
        item->wrote = (op->flags & WSIS_OP_WRITES) != 0;
}

//  Decodes a request into the server's zone: a zone cleared per request
//  rather than one created and freed each time. Without it (it could not
//  be allocated) each request has its own, as in wsis_request_decode.
static int
s_decode (wsis_server_t *self, wsis_request_t *request, const void *data, size_t size,
          wsis_error_t *error)
{
    return wsis_request_decode_in (request, self->zone, data, size, &self->limits, error);
}

static void
s_request_release (wsis_server_t *self, wsis_request_t *request)
{
    wsis_request_release (request);
    if (self->zone)
        msgpack_zone_clear (self->zone);
}

//  One request frame, inside the batch transaction.
static void
s_handle (wsis_server_t *self, item_t *item, const void *data, size_t size, wsis_reply_t *reply)
{
    self->requests++;
    if (size > self->max_request) {
        char message [96];
        snprintf (message, sizeof message, "request of %zu bytes is over the limit of %zu",
                  size, self->max_request);
        s_fail (self, item, "too_large", NULL, message);
        return;
    }
    wsis_request_t request;
    wsis_error_t error = { 0 };
    int rc = s_decode (self, &request, data, size, &error);
    //  Whatever id could be read is echoed, also in an error (the same
    //  size of buffer, NUL-terminated).
    memcpy (item->id, request.id, sizeof item->id);
    const wsis_op_t *op = rc == 0? s_find_op (self, request.op): NULL;
    s_identify (self, &item->peer, &request);
    if (rc) {
        wsis_reply_encode_error (&item->reply, item->id, &error);
        self->errors++;
    }
    else
    if (!op)
        s_unknown_op (self, item, request.op);
    else
    if (!wsis_op_allows (op, request.role)) {
        char roles [128];
        wsis_error_set (&error, "forbidden", NULL, "%s needs the role %s; you are %s", op->name,
                        wsis_role_list (op->roles, roles, sizeof roles),
                        wsis_role_name (request.role));
        s_fail_with (self, item, &error);
    }
    else
    //  Before the handler, so a misspelt field writes nothing.
    if (wsis_op_fields_check (op, request.body, &error))
        s_fail_with (self, item, &error);
    else {
        bool stores = self->retry && (op->flags & WSIS_OP_WRITES)
                   && !(op->flags & WSIS_OP_OWN_RETRY);
        char key [WSIS_RETRY_KEY_MAX];
        size_t stored_size = 0;
        void *stored = NULL;
        if (stores) {
            wsis_retry_key (key, wsis_role_name (request.role), request.actor_id, request.id,
                            data, size);
            stored = wsis_retry_find (self->retry, key, &stored_size);
        }
        if (stored) {
            //  A resend: the first execution's reply, and nothing runs
            //  again. When the first ran earlier in this same batch, that
            //  reply is on disk only if the commit succeeds, so the
            //  resend must be told `unavailable` with it if it fails.
            msgpack_sbuffer_write (&item->reply, stored, stored_size);
            free (stored);
            item->wrote = wsis_retry_pending (self->retry, key);
        }
        else
            s_run (self, item, op, &request, stores? key: NULL, reply);
    }
    s_request_release (self, &request);
}

//  A request answered without being run still echoes its id, when it
//  can be read (docs/protocol.md, "Framing and limits"): a client that
//  has several requests in flight matches replies by id.
static void
s_read_id (wsis_server_t *self, item_t *item)
{
    zmq_msg_t *frame = s_request (item);
    if (zmq_msg_size (frame) > self->max_request)
        return;
    wsis_request_t request;
    wsis_error_t error;
    s_decode (self, &request, zmq_msg_data (frame), zmq_msg_size (frame), &error);
    memcpy (item->id, request.id, sizeof item->id);
    s_request_release (self, &request);
}

//  A reply takes the request frame's place; the routing frames go back
//  as received. It goes out now, or waits in the backlog, behind what
//  already waits for its peer, while that peer is not reading.
static void
s_send (wsis_server_t *self, item_t *item)
{
    wsis_backlog_send (self->backlog, self->router, item->frames, item->frame_count - 1,
                       item->reply.data, item->reply.size);
    s_release (item);
}

static int s_on_flush (zloop_t *loop, int timer_id, void *arg);

//  Tries the replies waiting every ms milliseconds (0: stops).
static void
s_flush_every (wsis_server_t *self, size_t ms)
{
    if (!self->loop || (self->flush_timer && self->flush_ms == ms))
        return;
    if (self->flush_timer)
        zloop_timer_end (self->loop, self->flush_timer);
    self->flush_timer = ms? zloop_timer (self->loop, ms, 0, s_on_flush, self): 0;
    self->flush_ms = ms;
}

//  Replies waiting go out as their peers read: tried after every batch
//  and, while any wait, on a timer (libzmq says nothing when one peer's
//  queue has room again): every millisecond while they move, every 25 ms
//  while only clients that do not read have some, so those cost the
//  loop 40 wake-ups a second, not 1,000.
static int
s_on_flush (zloop_t *loop, int timer_id, void *arg)
{
    wsis_server_t *self = (wsis_server_t *) arg;
    size_t before = wsis_backlog_waiting (self->backlog);
    size_t after = wsis_backlog_flush (self->backlog, self->router);
    s_flush_every (self, after == 0? 0: after < before? 1: 25);
    return 0;
}

static void
s_flush (wsis_server_t *self)
{
    if (wsis_backlog_flush (self->backlog, self->router) && !self->flush_timer)
        s_flush_every (self, 1);
}

size_t
wsis_server_process (wsis_server_t *self)
{
    if (!self->router)
        return 0;
    size_t count = 0;
    //  Bounded in messages read (dropped ones too, so a flood of refused
    //  requests cannot keep the loop here) and in bytes held: a batch
    //  of large requests stops at four times the request limit.
    size_t bytes = 0;
    void *router = zsock_resolve (self->router);
    for (size_t taken = 0; taken < self->batch_max && bytes < 4 * self->max_request; taken++) {
        item_t *item = &self->items [count];
        if (!s_recv (router, item)) {   //  nothing more is ready
            s_release (item);
            break;
        }
        if (item->frame_count < 2 || item->frame_count > MAX_FRAMES) {
            //  Nothing we could route a reply to, or a peer sending junk
            //  envelopes: drop it.
            s_release (item);
            continue;
        }
        //  A peer that does not read its replies gets nothing more run
        //  until it does: what it can make the service hold is bounded.
        if (wsis_backlog_refuse (self->backlog, zmq_msg_data (&item->frames [0]),
                                 zmq_msg_size (&item->frames [0]))) {
            s_release (item);
            continue;
        }
        //  A key revoked since it connected: as if it had never been let in.
        if (self->curve && !wsis_curve_peer_msg (self->curve, s_request (item), &item->peer)) {
            s_release (item);
            continue;
        }
        count++;
        bytes += zmq_msg_size (s_request (item));
        item->wrote = false;
        item->id [0] = 0;
        msgpack_sbuffer_clear (&item->reply);
    }
    if (count == 0) {
        s_flush (self);
        return 0;
    }

    self->batches++;
    wsis_reply_t reply;
    wsis_reply_init (&reply);
    bool began = wsis_batch_begin (self->batch) == 0;
    for (size_t i = 0; i < count; i++) {
        zmq_msg_t *frame = s_request (&self->items [i]);
        if (began)
            s_handle (self, &self->items [i], zmq_msg_data (frame), zmq_msg_size (frame), &reply);
        else {
            self->requests++;
            s_read_id (self, &self->items [i]);
            s_fail (self, &self->items [i], "unavailable", NULL, "the store is not available");
        }
    }
    wsis_reply_release (&reply);

    //  Commit before reply: a reply means durable. When the commit fails,
    //  every change of the batch is gone, so every request that changed
    //  something is told so; reads keep their answers.
    if (began && wsis_batch_commit (self->batch)) {
        for (size_t i = 0; i < count; i++)
            if (self->items [i].wrote)
                s_fail (self, &self->items [i], "unavailable", NULL,
                        "the change could not be committed; nothing was changed");
    }
    for (size_t i = 0; i < count; i++)
        s_send (self, &self->items [i]);
    s_flush (self);
    if (self->after_batch)
        self->after_batch (self->after_batch_arg);
    return count;
}

bool
wsis_server_handle (wsis_server_t *self, const wsis_peer_t *peer, const void *frame, size_t size,
                    msgpack_sbuffer *reply)
{
    item_t item = { .reply = *reply };
    if (peer)
        item.peer = *peer;
    msgpack_sbuffer_clear (&item.reply);
    wsis_reply_t handled;
    wsis_reply_init (&handled);
    s_handle (self, &item, frame, size, &handled);
    wsis_reply_release (&handled);
    //  The buffer may have grown: the caller's holds it again.
    *reply = item.reply;
    return item.wrote;
}

static int
s_on_request (zloop_t *loop, zsock_t *router, void *arg)
{
    wsis_server_process ((wsis_server_t *) arg);
    return 0;
}

int
wsis_server_bind (wsis_server_t *self, const char *endpoint, char **error)
{
    zsock_destroy (&self->router);
    self->router = zsock_new (ZMQ_ROUTER);
    //  Frames a little over the limit still get a clear too_large reply;
    //  far larger ones are refused by libzmq before they use memory.
    zsock_set_maxmsgsize (self->router, (int) (self->max_request * 4));
    zsock_set_rcvtimeo (self->router, 0);
    wsis_backlog_configure (self->router);
    zsock_set_rcvhwm (self->router, 1000);
    zsock_set_linger (self->router, 1000);
    wsis_curve_serve (self->curve, self->router);
    if (zsock_bind (self->router, "%s", endpoint) == -1) {
        *error = zsys_sprintf ("cannot bind %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&self->router);
        return -1;
    }
    return 0;
}

void
wsis_server_attach (wsis_server_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (self->router)
        zloop_reader (loop, self->router, s_on_request, self);
}
