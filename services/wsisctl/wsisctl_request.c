/*  wsisctl_request: request frames and calls (docs/protocol.md sections 1, 2).

    Each call has a DEALER of its own rather than a REQ: a REQ that lost
    its reply refuses to send again, and with a fresh socket per call a
    late reply to an earlier call can never be taken for this one. The
    DEALER sends the empty delimiter a REQ would, so the service's ROUTER
    sees the same frames either way and echoes them back. Linger 0 and a
    deadline on the wait: a dead or unreachable service costs the
    timeout, never a hang, neither while waiting nor at exit.
*/
#include "wsisctl.h"
#include "wsis_alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const wsis_msg_limits_t wsisctl_reply_limits = {
    .max_depth = 32,
    .max_str = 64 * 1024 * 1024,
    .max_bin = 64 * 1024 * 1024,
    .max_elements = 10 * 1000 * 1000
};

struct _wsisctl_call_t {
    char *service;
    char *endpoint;
    zsock_t *dealer;
    zframe_t *frame;            //  the reply frame: unpacked strings point into it
    msgpack_unpacked unpacked;
    bool answered;
    bool ok;
    const char *failure_code;   //  set once the call has failed
    char *failure;
};

//  16 hex characters: 64 random bits, so ids of concurrent operators do
//  not meet within the 24 hours a service keeps replies for retries.
static void
s_random_id (char *id, size_t size)
{
    zuuid_t *uuid = zuuid_new ();
    const byte *bytes = zuuid_data (uuid);
    for (size_t i = 0; i < 8 && 2 * i + 2 < size; i++)
        snprintf (id + 2 * i, size - 2 * i, "%02x", bytes [i]);
    zuuid_destroy (&uuid);
}

int
wsisctl_request_encode (msgpack_sbuffer *out, const wsisctl_options_t *options,
                        const char *op, const json_t *body, const char **error)
{
    char id [17] = "";
    if (!options->request_id)
        s_random_id (id, sizeof id);

    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    wsis_pack_kv_int (&pk, "v", WSIS_PROTOCOL_VERSION);
    wsis_pack_kv_str (&pk, "id", options->request_id? options->request_id: id);
    wsis_pack_kv_str (&pk, "op", op);
    wsis_pack_str (&pk, "actor");
    msgpack_pack_map (&pk, 2);
    wsis_pack_kv_str (&pk, "id", options->actor_id);
    wsis_pack_kv_str (&pk, "role", options->role);
    wsis_pack_str (&pk, "body");
    //  On failure the buffer holds half a body; the caller discards it.
    return wsis_json_pack (&pk, body, error);
}

static void
s_fail (wsisctl_call_t *self, const char *code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_fail (wsisctl_call_t *self, const char *code, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *detail = zsys_vprintf (format, args);
    va_end (args);
    self->failure_code = code;
    zstr_free (&self->failure);
    self->failure = detail;
    //  Nothing more can come of this call: free the socket now, so a
    //  wait over many calls does not poll it again.
    zsock_destroy (&self->dealer);
}

wsisctl_call_t *
wsisctl_call_new (const char *service, const char *endpoint, wsis_curve_t *curve,
                  const msgpack_sbuffer *request)
{
    wsisctl_call_t *self = (wsisctl_call_t *) zmalloc (sizeof (wsisctl_call_t));
    self->service = wsis_strdup (service);
    self->endpoint = wsis_strdup (endpoint);
    msgpack_unpacked_init (&self->unpacked);

    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer) {
        s_fail (self, "transport", "cannot create a socket for %s: %s",
                service, zmq_strerror (zmq_errno ()));
        return self;
    }
    zsock_set_linger (self->dealer, 0);
    //  Without ZMQ_IMMEDIATE a connecting DEALER queues at once, so a send
    //  that would block means something is wrong, not "not yet connected".
    zsock_set_sndtimeo (self->dealer, 0);
    char *error = NULL;
    if (wsis_curve_connect_to (curve, self->dealer, service, &error)) {
        s_fail (self, "transport", "%s", error);
        zstr_free (&error);
        return self;
    }
    if (zsock_connect (self->dealer, "%s", endpoint)) {
        s_fail (self, "transport", "cannot connect to %s (%s): %s",
                service, endpoint, zmq_strerror (zmq_errno ()));
        return self;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, NULL, 0);
    zmsg_addmem (msg, request->data, request->size);
    if (zmsg_send (&msg, self->dealer))
        s_fail (self, "transport", "cannot send to %s (%s): %s",
                service, endpoint, zmq_strerror (zmq_errno ()));
    zmsg_destroy (&msg);            //  zmsg_send leaves it on some failures
    return self;
}

void
wsisctl_call_destroy (wsisctl_call_t **self_p)
{
    if (self_p && *self_p) {
        wsisctl_call_t *self = *self_p;
        //  The unpacked objects point into the frame: zone first.
        msgpack_unpacked_destroy (&self->unpacked);
        zframe_destroy (&self->frame);
        zsock_destroy (&self->dealer);
        zstr_free (&self->failure);
        zstr_free (&self->service);
        zstr_free (&self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

//  The reply is as untrusted as any frame from the network: checked by
//  wsis_msg_unpack before msgpack-c walks it, then it must look like a
//  reply (a map with a boolean ok) before anyone reads it as one.
static void
s_receive (wsisctl_call_t *self)
{
    zmsg_t *msg = zmsg_recv (self->dealer);
    if (!msg) {
        s_fail (self, "transport", "cannot receive from %s (%s): %s",
                self->service, self->endpoint, zmq_strerror (zmq_errno ()));
        return;
    }
    //  What a ROUTER sends a DEALER back: our empty delimiter, the reply.
    if (zmsg_size (msg) != 2 || zframe_size (zmsg_first (msg)) != 0) {
        s_fail (self, "malformed_reply", "malformed reply from %s (%s): %zu frames, "
                "expected the empty delimiter and one reply frame",
                self->service, self->endpoint, zmsg_size (msg));
        zmsg_destroy (&msg);
        return;
    }
    zframe_t *delimiter = zmsg_pop (msg);
    zframe_destroy (&delimiter);
    self->frame = zmsg_pop (msg);
    zmsg_destroy (&msg);

    wsis_error_t error = { 0 };
    if (wsis_msg_unpack (&self->unpacked, zframe_data (self->frame), zframe_size (self->frame),
                         &wsisctl_reply_limits, &error)) {
        s_fail (self, "malformed_reply", "malformed reply from %s (%s): %s",
                self->service, self->endpoint, error.message);
        return;
    }
    const msgpack_object *ok = wsis_msg_get (&self->unpacked.data, "ok");
    if (!ok || ok->type != MSGPACK_OBJECT_BOOLEAN) {
        s_fail (self, "malformed_reply", "malformed reply from %s (%s): not a map with a boolean 'ok'",
                self->service, self->endpoint);
        return;
    }
    self->answered = true;
    self->ok = ok->via.boolean;
    zsock_destroy (&self->dealer);
}

void
wsisctl_call_wait (wsisctl_call_t **calls, size_t count, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (NULL);
    size_t pending = 0;
    for (size_t i = 0; i < count; i++)
        if (calls [i]->dealer && zpoller_add (poller, calls [i]->dealer) == 0)
            pending++;

    bool interrupted = false;
    int64_t deadline = zclock_mono () + timeout_ms;
    while (pending > 0) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0)
            break;
        void *ready = zpoller_wait (poller, (int) left);
        if (!ready) {
            if (zpoller_terminated (poller)) {
                interrupted = true;
                break;
            }
            continue;           //  expired: the deadline check ends the loop
        }
        for (size_t i = 0; i < count; i++)
            if (calls [i]->dealer == ready) {
                //  Removed before s_receive destroys the socket it holds
                zpoller_remove (poller, ready);
                s_receive (calls [i]);
                pending--;
                break;
            }
    }
    zpoller_destroy (&poller);

    for (size_t i = 0; i < count; i++) {
        wsisctl_call_t *call = calls [i];
        if (call->answered || call->failure_code)
            continue;
        if (interrupted)
            s_fail (call, "interrupted", "interrupted while waiting for %s (%s)",
                    call->service, call->endpoint);
        else
            s_fail (call, "timeout", "no reply from %s (%s) within %d ms",
                    call->service, call->endpoint, timeout_ms);
    }
}

bool
wsisctl_call_answered (wsisctl_call_t *self)
{
    return self->answered;
}

bool
wsisctl_call_ok (wsisctl_call_t *self)
{
    return self->answered && self->ok;
}

const msgpack_object *
wsisctl_call_reply (wsisctl_call_t *self)
{
    return self->answered? &self->unpacked.data: NULL;
}

const char *
wsisctl_call_failure_code (wsisctl_call_t *self)
{
    return self->failure_code? self->failure_code: "";
}

const char *
wsisctl_call_failure (wsisctl_call_t *self)
{
    return self->failure? self->failure: "";
}

const char *
wsisctl_call_service (wsisctl_call_t *self)
{
    return self->service;
}

const char *
wsisctl_call_endpoint (wsisctl_call_t *self)
{
    return self->endpoint;
}
