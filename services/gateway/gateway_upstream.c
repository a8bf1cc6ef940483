/*  gateway_upstream: requests to the services, replies back to their
    callers, and a timeout for those that never come.

    A request is two frames on the service's DEALER, an empty one and the
    msgpack request, sent and read as zmq frames (no zmsg, no copies);
    what waits for its reply is found by "<service>\x1f<id>", a key kept
    inside it (the table copies nothing).

    A service's DEALER is in the loop only while a request waits for it:
    libzmq's zmq_poll costs two system calls for each socket in the set
    at every turn, idle or not, and during the vote only wsis-voting is
    asked. A reply that comes after its timeout stays queued until the
    next request to that service, and is read and dropped then.
*/
#include "gateway.h"
#include "wsis_log.h"
#include "wsis_msg.h"

#define UPSTREAMS_MAX   16
#define SWEEP_MS        100
//  A service's name, \x1f, a request id (the gateway's ids and an
//  Idempotency-Key have 64 characters at most), NUL.
#define KEY_MAX         128

typedef struct _upstream_t upstream_t;

typedef struct {
    char key [KEY_MAX];         //  "<service>\x1f<id>": the reply's id finds it
    upstream_t *upstream;       //  the service asked
    gateway_upstream_fn *fn;
    void *arg;
    int64_t deadline;           //  zclock_mono
    void *handle;               //  in self->order
} waiting_t;

struct _upstream_t {
    const char *name;           //  one of wsis_config_services
    char *endpoint;
    zsock_t *dealer;
    size_t waiting;             //  requests waiting for its reply
    bool reading;               //  its DEALER is a reader of the loop
};

struct _gateway_upstream_t {
    zloop_t *loop;
    upstream_t upstreams [UPSTREAMS_MAX];
    size_t count;
    int64_t timeout_ms;
    zhashx_t *waiting;          //  key -> waiting_t (owns them)
    zlistx_t *order;            //  waiting_t in the order sent: deadlines ascending
    int sweeper;
    msgpack_zone *zone;         //  the replies' decoded objects, cleared after each
    wsis_curve_t *curve;        //  not owned; NULL in development mode
    gateway_upstream_drained_fn *drained;   //  after the replies read together
    void *drained_arg;
};

static void
s_waiting_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

//  "<service>\x1f<id>" into key (KEY_MAX bytes); false when it is longer.
static bool
s_key (char *key, const char *service, const char *id, size_t id_length)
{
    size_t service_length = strlen (service);
    if (service_length + 1 + id_length >= KEY_MAX)
        return false;
    memcpy (key, service, service_length);
    key [service_length] = '\x1f';
    memcpy (key + service_length + 1, id, id_length);
    key [service_length + 1 + id_length] = 0;
    return true;
}

//  Takes the waiting request out of both indexes and calls it back.
static void
s_finish (gateway_upstream_t *self, waiting_t *waiting, const msgpack_object *reply)
{
    gateway_upstream_fn *fn = waiting->fn;
    void *arg = waiting->arg;
    upstream_t *upstream = waiting->upstream;
    if (--upstream->waiting == 0 && upstream->reading) {
        zloop_reader_end (self->loop, upstream->dealer);
        upstream->reading = false;
    }
    zlistx_delete (self->order, waiting->handle);
    zhashx_delete (self->waiting, waiting->key);      //  frees it
    fn (arg, reply);
}

//  A reply of service: to what waits for its id, or dropped (a reply
//  that came after its timeout, or that is no reply).
static void
s_reply (gateway_upstream_t *self, const char *service, const void *data, size_t size)
{
    msgpack_object reply;
    wsis_error_t error;
    wsis_msg_limits_t limits = wsis_msg_default_limits;
    char key [KEY_MAX];
    if (wsis_msg_unpack_in (self->zone, &reply, data, size, &limits, &error) == 0) {
        const msgpack_object *id = wsis_msg_get (&reply, "id");
        waiting_t *waiting = id && id->type == MSGPACK_OBJECT_STR
                          && s_key (key, service, id->via.str.ptr, id->via.str.size)?
                             (waiting_t *) zhashx_lookup (self->waiting, key): NULL;
        if (waiting)
            s_finish (self, waiting, &reply);
    }
    msgpack_zone_clear (self->zone);
}

static int
s_on_reply (zloop_t *loop, zsock_t *dealer, void *arg)
{
    gateway_upstream_t *self = (gateway_upstream_t *) arg;
    const char *name = NULL;
    for (size_t i = 0; i < self->count; i++)
        if (self->upstreams [i].dealer == dealer)
            name = self->upstreams [i].name;
    void *socket = zsock_resolve (dealer);
    zmq_msg_t part;
    zmq_msg_init (&part);
    //  Every message that is there: a reply is an empty frame and the
    //  reply; a message of any other shape is read to its end and dropped.
    while (name) {
        size_t parts = 0;
        bool more = true;
        while (more && zmq_msg_recv (&part, socket, ZMQ_DONTWAIT) != -1) {
            more = zmq_msg_more (&part);
            if (++parts == 2 && !more)
                s_reply (self, name, zmq_msg_data (&part), zmq_msg_size (&part));
        }
        if (more)
            break;              //  nothing more now (a message comes whole or not at all)
    }
    zmq_msg_close (&part);
    if (self->drained)
        self->drained (self->drained_arg);
    return 0;
}

void
gateway_upstream_set_drained (gateway_upstream_t *self, gateway_upstream_drained_fn *fn, void *arg)
{
    self->drained = fn;
    self->drained_arg = arg;
}

static int
s_on_sweep (zloop_t *loop, int timer_id, void *arg)
{
    gateway_upstream_t *self = (gateway_upstream_t *) arg;
    int64_t now = zclock_mono ();
    waiting_t *waiting;
    while ((waiting = (waiting_t *) zlistx_first (self->order)) && waiting->deadline <= now)
        s_finish (self, waiting, NULL);
    return 0;
}

void
gateway_upstream_rekey (gateway_upstream_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        wsis_curve_reconnect (self->curve, self->upstreams [i].dealer, self->upstreams [i].name,
                              self->upstreams [i].endpoint);
}

gateway_upstream_t *
gateway_upstream_new (wsis_config_t *config, wsis_curve_t *curve, zloop_t *loop, int64_t timeout_ms)
{
    gateway_upstream_t *self = (gateway_upstream_t *) zmalloc (sizeof (gateway_upstream_t));
    self->loop = loop;
    self->timeout_ms = timeout_ms;
    self->waiting = zhashx_new ();
    zhashx_set_destructor (self->waiting, s_waiting_destroy);
    //  The key lives in its waiting_t: neither copied nor freed by itself
    zhashx_set_key_duplicator (self->waiting, NULL);
    zhashx_set_key_destructor (self->waiting, NULL);
    self->order = zlistx_new ();
    self->zone = msgpack_zone_new (MSGPACK_ZONE_CHUNK_SIZE);
    if (!self->zone) {
        wsis_log_error ("gateway: out of memory at start");
        abort ();
    }
    for (const char *const *name = wsis_config_services; *name && self->count < UPSTREAMS_MAX; name++) {
        if (streq (*name, "gateway"))
            continue;
        upstream_t *upstream = &self->upstreams [self->count];
        char *endpoint = wsis_config_endpoint (config, *name, "port", false);
        char *error = NULL;
        zsock_t *dealer = zsock_new (ZMQ_DEALER);
        zsock_set_linger (dealer, 0);
        zsock_set_sndtimeo (dealer, 0);
        zsock_set_rcvtimeo (dealer, 0);
        //  A request to a service that is not connected fails at once
        //  (503) instead of waiting in a queue, to run after its caller
        //  was told it timed out.
        zsock_set_immediate (dealer, 1);
        zsock_set_sndhwm (dealer, 100000);
        zsock_set_rcvhwm (dealer, 100000);
        if (wsis_curve_connect_to (curve, dealer, *name, &error)
        ||  zsock_connect (dealer, "%s", endpoint)) {
            wsis_log_error ("gateway: cannot connect to %s at %s%s%s", *name, endpoint,
                            error? ": ": "", error? error: "");
            zsock_destroy (&dealer);
        }
        zstr_free (&error);
        if (!dealer) {
            zstr_free (&endpoint);
            continue;
        }
        upstream->name = *name;
        upstream->endpoint = endpoint;
        upstream->dealer = dealer;
        self->count++;
    }
    self->sweeper = zloop_timer (loop, SWEEP_MS, 0, s_on_sweep, self);
    self->curve = curve;
    return self;
}

void
gateway_upstream_destroy (gateway_upstream_t **self_p)
{
    if (self_p && *self_p) {
        gateway_upstream_t *self = *self_p;
        waiting_t *waiting;
        while ((waiting = (waiting_t *) zlistx_first (self->order)))
            s_finish (self, waiting, NULL);
        zloop_timer_end (self->loop, self->sweeper);
        for (size_t i = 0; i < self->count; i++) {
            if (self->upstreams [i].reading)
                zloop_reader_end (self->loop, self->upstreams [i].dealer);
            zsock_destroy (&self->upstreams [i].dealer);
            zstr_free (&self->upstreams [i].endpoint);
        }
        zlistx_destroy (&self->order);
        zhashx_destroy (&self->waiting);
        msgpack_zone_free (self->zone);
        free (self);
        *self_p = NULL;
    }
}

int
gateway_upstream_send (gateway_upstream_t *self, const char *service, const char *id,
                       const void *frame, size_t size, gateway_upstream_fn *fn, void *arg)
{
    upstream_t *upstream = NULL;
    for (size_t i = 0; i < self->count; i++)
        if (streq (self->upstreams [i].name, service))
            upstream = &self->upstreams [i];
    if (!upstream)
        return -1;
    char key [KEY_MAX];
    if (!s_key (key, service, id, strlen (id)) || zhashx_lookup (self->waiting, key))
        return -1;
    //  Both frames or none: libzmq takes a message whole once its first
    //  frame is taken
    void *socket = zsock_resolve (upstream->dealer);
    if (zmq_send (socket, "", 0, ZMQ_SNDMORE) == -1 || zmq_send (socket, frame, size, 0) == -1)
        return -2;
    if (!upstream->reading) {
        zloop_reader (self->loop, upstream->dealer, s_on_reply, self);
        upstream->reading = true;
    }
    upstream->waiting++;
    waiting_t *waiting = (waiting_t *) zmalloc (sizeof (waiting_t));
    memcpy (waiting->key, key, sizeof key);
    waiting->upstream = upstream;
    waiting->fn = fn;
    waiting->arg = arg;
    waiting->deadline = zclock_mono () + self->timeout_ms;
    zhashx_insert (self->waiting, waiting->key, waiting);
    waiting->handle = zlistx_add_end (self->order, waiting);
    return 0;
}

size_t
gateway_upstream_waiting (gateway_upstream_t *self)
{
    return zhashx_size (self->waiting);
}
