/*  wsis_backlog: replies that wait for a peer which does not read them. */
#include "wsis_backlog.h"
#include "wsis_log.h"

#include <errno.h>
#include <stdlib.h>

//  The replies waiting for one peer, oldest first.
typedef struct {
    zlist_t *replies;           //  zmsg_t, owned
    size_t bytes;
    bool stalled;               //  reached the budget; until all is read
    uint64_t refused;           //  requests dropped during this stall
} peer_t;

struct _wsis_backlog_t {
    zhashx_t *peers;            //  routing id (hex) -> peer_t, only peers with replies waiting
    size_t budget;
    size_t waiting;             //  bytes, all peers
    uint64_t refused;
    uint64_t dropped;
};

static void
s_peer_destroy (void **item)
{
    peer_t *peer = (peer_t *) *item;
    if (peer) {
        zmsg_t *reply;
        while ((reply = (zmsg_t *) zlist_pop (peer->replies)))
            zmsg_destroy (&reply);
        zlist_destroy (&peer->replies);
        free (peer);
        *item = NULL;
    }
}

wsis_backlog_t *
wsis_backlog_new (size_t budget)
{
    wsis_backlog_t *self = (wsis_backlog_t *) zmalloc (sizeof (wsis_backlog_t));
    self->peers = zhashx_new ();
    zhashx_set_destructor (self->peers, s_peer_destroy);
    self->budget = budget;
    return self;
}

void
wsis_backlog_destroy (wsis_backlog_t **self_p)
{
    if (self_p && *self_p) {
        wsis_backlog_t *self = *self_p;
        zhashx_destroy (&self->peers);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_backlog_configure (zsock_t *router)
{
    //  Mandatory routing turns "queue full" into EAGAIN (and "peer gone"
    //  into EHOSTUNREACH) instead of a silent drop, and leaves the reply
    //  with us.
    zsock_set_router_mandatory (router, 1);
    zsock_set_sndhwm (router, WSIS_BACKLOG_PEER_HWM);
    zsock_set_sndtimeo (router, 0);
}

//  A peer's key: its routing id in hex. libzmq's routing ids are 1-255
//  bytes.
#define KEY_MAX (2 * 255 + 1)

static void
s_key (const void *routing_id, size_t size, char *key)
{
    static const char hex [] = "0123456789ABCDEF";
    const unsigned char *bytes = (const unsigned char *) routing_id;
    if (size > 255)
        size = 255;
    for (size_t i = 0; i < size; i++) {
        key [2 * i] = hex [bytes [i] >> 4];
        key [2 * i + 1] = hex [bytes [i] & 15];
    }
    key [2 * size] = 0;
}

//  The peer of routing_id when replies wait for it, else NULL; the
//  common case, nothing waiting for anyone, costs no lookup.
static peer_t *
s_waiting (wsis_backlog_t *self, const void *routing_id, size_t size)
{
    if (zhashx_size (self->peers) == 0)
        return NULL;
    char key [KEY_MAX];
    s_key (routing_id, size, key);
    return (peer_t *) zhashx_lookup (self->peers, key);
}

static int
s_errno (void)
{
    return zmq_errno ()? zmq_errno (): EAGAIN;
}

//  0 when sent; else errno: EAGAIN (the peer's queue is full) or
//  EHOSTUNREACH (the peer has gone). The message stays the caller's.
static int
s_try_send (zsock_t *router, zmsg_t *msg)
{
    size_t left = zmsg_size (msg);
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg)) {
        int flags = ZFRAME_REUSE | ZFRAME_DONTWAIT | (--left? ZFRAME_MORE: 0);
        //  Only the first frame can fail: the ROUTER picks the peer's
        //  queue there, and once it took the first, it takes the rest.
        if (zframe_send (&frame, router, flags))
            return s_errno ();
    }
    return 0;
}

//  The same for routing frames as received, then the reply's bytes
//  (copied): each frame that goes is emptied by libzmq, and none does
//  when the first fails.
static int
s_try_send_frames (zsock_t *router, zmq_msg_t *routing, size_t count,
                   const void *reply, size_t size)
{
    void *handle = zsock_resolve (router);
    for (size_t i = 0; i < count; i++)
        if (zmq_msg_send (&routing [i], handle, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
            return s_errno ();
    if (zmq_send (handle, reply, size, ZMQ_DONTWAIT) == -1)
        return s_errno ();
    return 0;
}

static void
s_forget (wsis_backlog_t *self, const char *key, peer_t *peer)
{
    if (peer->stalled)
        wsis_log_info ("peer %s reads its replies again (%llu requests were dropped)", key,
                       (unsigned long long) peer->refused);
    self->waiting -= peer->bytes;
    self->dropped += zlist_size (peer->replies);
    zhashx_delete (self->peers, key);
}

//  Sends what waits for one peer, oldest first; false when the peer has
//  gone (its replies are dropped).
static bool
s_flush_peer (wsis_backlog_t *self, zsock_t *router, peer_t *peer)
{
    zmsg_t *reply;
    while ((reply = (zmsg_t *) zlist_first (peer->replies))) {
        int rc = s_try_send (router, reply);
        if (rc == EAGAIN)
            return true;
        size_t bytes = zmsg_content_size (reply);
        peer->bytes -= bytes;
        self->waiting -= bytes;
        if (rc)
            self->dropped++;
        zlist_pop (peer->replies);
        zmsg_destroy (&reply);
        if (rc)
            return false;
    }
    return true;
}

//  Keeps msg until its peer reads (peer NULL: nothing waits for it yet).
static void
s_keep (wsis_backlog_t *self, peer_t *peer, zmsg_t *msg)
{
    char key [KEY_MAX];
    zframe_t *routing_id = zmsg_first (msg);
    s_key (zframe_data (routing_id), zframe_size (routing_id), key);
    if (!peer) {
        peer = (peer_t *) zmalloc (sizeof (peer_t));
        peer->replies = zlist_new ();
        zhashx_insert (self->peers, key, peer);
    }
    size_t bytes = zmsg_content_size (msg);
    zlist_append (peer->replies, msg);
    peer->bytes += bytes;
    self->waiting += bytes;
    if (!peer->stalled && peer->bytes >= self->budget) {
        peer->stalled = true;
        peer->refused = 0;
        wsis_log_warning ("peer %s does not read its replies (%zu bytes waiting): its requests "
                          "are dropped until it does", key, peer->bytes);
    }
}

//  True (counted) when a reply that could not go now (rc its errno) is
//  dropped: its peer has gone; or it is stalled and this reply was made
//  in the batch that stalled it, so the budget holds (a resend of a
//  write gets the reply stored with it). Otherwise it is to be kept.
static bool
s_drops (wsis_backlog_t *self, peer_t *peer, int rc)
{
    if (rc == EAGAIN && !(peer && peer->stalled))
        return false;
    self->dropped++;
    return true;
}

void
wsis_backlog_send (wsis_backlog_t *self, zsock_t *router, zmq_msg_t *routing, size_t count,
                   const void *reply, size_t size)
{
    assert (count > 0);
    peer_t *peer = s_waiting (self, zmq_msg_data (&routing [0]), zmq_msg_size (&routing [0]));
    int rc = peer? EAGAIN: s_try_send_frames (router, routing, count, reply, size);
    if (rc == 0 || s_drops (self, peer, rc))
        return;
    //  Only a reply that waits costs a zmsg_t: the frames are copied.
    zmsg_t *msg = zmsg_new ();
    for (size_t i = 0; i < count; i++)
        zmsg_addmem (msg, zmq_msg_data (&routing [i]), zmq_msg_size (&routing [i]));
    zmsg_addmem (msg, reply, size);
    s_keep (self, peer, msg);
}

bool
wsis_backlog_refuse (wsis_backlog_t *self, const void *routing_id, size_t size)
{
    peer_t *peer = s_waiting (self, routing_id, size);
    if (!peer || !peer->stalled)
        return false;
    peer->refused++;
    self->refused++;
    return true;
}

size_t
wsis_backlog_flush (wsis_backlog_t *self, zsock_t *router)
{
    if (zhashx_size (self->peers) == 0)
        return 0;
    //  Reading ZMQ_EVENTS makes the socket take in, unthrottled, what its
    //  peers' queues have said they have room for.
    zsock_events (router);
    zlist_t *done = zlist_new ();
    zlist_autofree (done);
    for (peer_t *peer = (peer_t *) zhashx_first (self->peers); peer;
         peer = (peer_t *) zhashx_next (self->peers)) {
        if (!s_flush_peer (self, router, peer) || zlist_size (peer->replies) == 0)
            zlist_append (done, (void *) zhashx_cursor (self->peers));
    }
    for (char *key = (char *) zlist_first (done); key; key = (char *) zlist_next (done))
        s_forget (self, key, (peer_t *) zhashx_lookup (self->peers, key));
    zlist_destroy (&done);
    return self->waiting;
}

size_t
wsis_backlog_waiting (wsis_backlog_t *self)
{
    return self->waiting;
}

uint64_t
wsis_backlog_refused (wsis_backlog_t *self)
{
    return self->refused;
}

uint64_t
wsis_backlog_dropped (wsis_backlog_t *self)
{
    return self->dropped;
}
