/*  loadgen_wsis: vote.cast over the wire protocol (docs/protocol.md
    sections 1, 2 and 10), as a gateway relaying the public site would:
    a DEALER that sends an empty delimiter frame, then the request.
    loadgen_bus: the same connection sending the bus journal's durable
    publish (section 13) as an outside publisher would. */
#include "loadgen.h"

#include <czmq.h>
#include <inttypes.h>
#include <msgpack.h>
#include <stdio.h>
#include <string.h>

struct _loadgen_conn_t {
    zsock_t *dealer;
    char call [65];
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    msgpack_zone zone;          //  kept: a reply is decoded into it, cleared after
};

static void
s_pack_str (msgpack_packer *pk, const char *text)
{
    size_t len = strlen (text);
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, text, len);
}

static loadgen_conn_t *
s_connect (const char *endpoint, const char *call)
{
    loadgen_conn_t *self = (loadgen_conn_t *) zmalloc (sizeof (loadgen_conn_t));
    self->dealer = zsock_new (ZMQ_DEALER);
    //  Open loop: votes go out at their time whatever the service does,
    //  so nothing may hold them back on this side.
    zsock_set_sndhwm (self->dealer, 0);
    zsock_set_rcvhwm (self->dealer, 0);
    zsock_set_linger (self->dealer, 0);
    if (zsock_connect (self->dealer, "%s", endpoint)) {
        fprintf (stderr, "wsis-loadgen: cannot connect to %s\n", endpoint);
        zsock_destroy (&self->dealer);
        free (self);
        return NULL;
    }
    snprintf (self->call, sizeof self->call, "%s", call);
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->pk, &self->buffer, msgpack_sbuffer_write);
    msgpack_zone_init (&self->zone, 4096);
    return self;
}

static void
s_destroy (loadgen_conn_t **self_p)
{
    if (self_p && *self_p) {
        loadgen_conn_t *self = *self_p;
        zsock_destroy (&self->dealer);
        msgpack_sbuffer_destroy (&self->buffer);
        msgpack_zone_destroy (&self->zone);
        free (self);
        *self_p = NULL;
    }
}

//  The request's head: v, id (v<index>), op, actor; the body follows.
static void
s_pack_head (loadgen_conn_t *self, uint64_t index, const char *op,
             const char *actor, const char *role)
{
    char id [32];
    snprintf (id, sizeof id, "v%" PRIu64, index);
    msgpack_sbuffer_clear (&self->buffer);
    msgpack_packer *pk = &self->pk;
    msgpack_pack_map (pk, 5);
    s_pack_str (pk, "v");
    msgpack_pack_int (pk, 1);
    s_pack_str (pk, "id");
    s_pack_str (pk, id);
    s_pack_str (pk, "op");
    s_pack_str (pk, op);
    s_pack_str (pk, "actor");
    msgpack_pack_map (pk, 2);
    s_pack_str (pk, "id");
    s_pack_str (pk, actor);
    s_pack_str (pk, "role");
    s_pack_str (pk, role);
    s_pack_str (pk, "body");
}

//  The packed request, after the empty delimiter frame.
static int
s_send_request (loadgen_conn_t *self)
{
    void *socket = zsock_resolve (self->dealer);
    if (zmq_send (socket, "", 0, ZMQ_SNDMORE) == -1
    ||  zmq_send (socket, self->buffer.data, self->buffer.size, 0) == -1)
        return -1;
    return 0;
}

static int
s_send (loadgen_conn_t *self, const loadgen_vote_t *vote)
{
    char voter [32], submission [64];
    snprintf (voter, sizeof voter, "stk-%" PRIu64, vote->voter);
    snprintf (submission, sizeof submission, "sub-%s-%d", vote->category, vote->project);

    s_pack_head (self, vote->index, "vote.cast", "web-gateway", "gateway");
    msgpack_packer *pk = &self->pk;
    msgpack_pack_map (pk, 4);
    s_pack_str (pk, "call");
    s_pack_str (pk, self->call);
    s_pack_str (pk, "voter_id");
    s_pack_str (pk, voter);
    s_pack_str (pk, "category");
    s_pack_str (pk, vote->category);
    s_pack_str (pk, "submission_id");
    s_pack_str (pk, submission);
    return s_send_request (self);
}

//  The bus journal's publish (docs/protocol.md section 13) as an outside
//  publisher sends it: a speaker registered at the Forum, the event of
//  tests/integration/test_02_no_loss.py, one session per index.
static int
s_send_publish (loadgen_conn_t *self, const loadgen_vote_t *vote)
{
    char session [32], name [48];
    snprintf (session, sizeof session, "s%" PRIu64, vote->index);
    snprintf (name, sizeof name, "speaker %" PRIu64, vote->index);

    s_pack_head (self, vote->index, "publish", "forum", "publisher");
    msgpack_packer *pk = &self->pk;
    msgpack_pack_map (pk, 3);
    s_pack_str (pk, "topic");
    s_pack_str (pk, "forum.speaker.registered");
    s_pack_str (pk, "origin");
    s_pack_str (pk, "loadgen");
    s_pack_str (pk, "body");
    msgpack_pack_map (pk, 7);
    s_pack_str (pk, "session_id");
    s_pack_str (pk, session);
    s_pack_str (pk, "session_title");
    s_pack_str (pk, "t");
    s_pack_str (pk, "track");
    s_pack_str (pk, "hl");
    s_pack_str (pk, "name");
    s_pack_str (pk, name);
    s_pack_str (pk, "gender");
    s_pack_str (pk, "female");
    s_pack_str (pk, "role");
    s_pack_str (pk, "speaker");
    s_pack_str (pk, "organization");
    s_pack_str (pk, "ITU");
    return s_send_request (self);
}

static bool
s_flush (loadgen_conn_t *self)
{
    return false;               //  libzmq writes in its own thread
}

static void
s_pollitem (loadgen_conn_t *self, zmq_pollitem_t *item)
{
    item->socket = zsock_resolve (self->dealer);
    item->fd = 0;
    item->events = ZMQ_POLLIN;
}

static const msgpack_object *
s_field (const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen (key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr [i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len
        &&  memcmp (k->via.str.ptr, key, len) == 0)
            return &map->via.map.ptr [i].val;
    }
    return NULL;
}

//  One reply frame: its id says which vote it answers.
static int
s_reply (loadgen_conn_t *self, const char *data, size_t size, loadgen_reply_fn *fn, void *arg)
{
    //  Into the connection's zone, not a new one per reply: the client's
    //  CPU competes with the service's on the same 2 cores.
    msgpack_zone_clear (&self->zone);
    msgpack_object object;
    size_t offset = 0;
    if (msgpack_unpack (data, size, &offset, &self->zone, &object) != MSGPACK_UNPACK_SUCCESS)
        return -1;
    const msgpack_object *reply = &object;
    const msgpack_object *id = s_field (reply, "id");
    const msgpack_object *ok = s_field (reply, "ok");
    if (!id || id->type != MSGPACK_OBJECT_STR || id->via.str.size < 2 || id->via.str.size > 30
    ||  id->via.str.ptr [0] != 'v' || !ok || ok->type != MSGPACK_OBJECT_BOOLEAN)
        return -1;
    char digits [32];
    memcpy (digits, id->via.str.ptr + 1, id->via.str.size - 1);
    digits [id->via.str.size - 1] = 0;
    uint64_t index = strtoull (digits, NULL, 10);
    if (ok->via.boolean)
        fn (arg, index, true, NULL);
    else {
        char why [LOADGEN_ERROR_MAX] = "error";
        const msgpack_object *error = s_field (reply, "error");
        const msgpack_object *code = error? s_field (error, "code"): NULL;
        const msgpack_object *message = error? s_field (error, "message"): NULL;
        if (code && code->type == MSGPACK_OBJECT_STR && message && message->type == MSGPACK_OBJECT_STR)
            snprintf (why, sizeof why, "%.*s: %.*s", (int) code->via.str.size, code->via.str.ptr,
                      (int) message->via.str.size, message->via.str.ptr);
        fn (arg, index, false, why);
    }
    return 0;
}

static int
s_receive (loadgen_conn_t *self, loadgen_reply_fn *fn, void *arg)
{
    void *socket = zsock_resolve (self->dealer);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int rc = 0;
    while (zmq_msg_recv (&frame, socket, ZMQ_DONTWAIT) != -1) {
        //  The empty delimiter, then the reply.
        while (zmq_msg_more (&frame) && zmq_msg_recv (&frame, socket, 0) != -1)
            ;
        if (s_reply (self, (const char *) zmq_msg_data (&frame), zmq_msg_size (&frame), fn, arg)) {
            fprintf (stderr, "wsis-loadgen: a reply to no request of this run\n");
            rc = -1;
            break;
        }
    }
    zmq_msg_close (&frame);
    return rc;
}

const loadgen_target_t loadgen_wsis = {
    "wsis", s_connect, s_destroy, s_send, s_flush, s_pollitem, s_receive
};

const loadgen_target_t loadgen_bus = {
    "bus", s_connect, s_destroy, s_send_publish, s_flush, s_pollitem, s_receive
};
