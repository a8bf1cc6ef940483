/*  gateway_upstream: requests to the services, replies back to their
    callers, and a timeout for those that never come. */
#include "gateway.h"
#include "wsis_log.h"
#include "wsis_msg.h"

#define UPSTREAMS_MAX   16
#define SWEEP_MS        100

typedef struct {
    char *key;                  //  "<service>\x1f<id>": the reply's id finds it
    gateway_upstream_fn *fn;
    void *arg;
    int64_t deadline;           //  zclock_mono
    void *handle;               //  in self->order
} waiting_t;

typedef struct {
    const char *name;           //  one of wsis_config_services
    char *endpoint;
    zsock_t *dealer;
} upstream_t;

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
    int rekeyer;
};

static void
s_waiting_destroy (void **item)
{
    waiting_t *waiting = (waiting_t *) *item;
    if (waiting) {
        free (waiting->key);
        free (waiting);
        *item = NULL;
    }
}

//  Takes the waiting request out of both indexes and calls it back.
static void
s_finish (gateway_upstream_t *self, waiting_t *waiting, const msgpack_object *reply)
{
    gateway_upstream_fn *fn = waiting->fn;
    void *arg = waiting->arg;
    zlistx_delete (self->order, waiting->handle);
    zhashx_delete (self->waiting, waiting->key);      //  frees it
    fn (arg, reply);
}

static int
s_on_reply (zloop_t *loop, zsock_t *dealer, void *arg)
{
    gateway_upstream_t *self = (gateway_upstream_t *) arg;
    const char *name = NULL;
    for (size_t i = 0; i < self->count; i++)
        if (self->upstreams [i].dealer == dealer)
            name = self->upstreams [i].name;
    zmsg_t *msg;
    while (name && (msg = zmsg_recv (dealer))) {
        zframe_t *frame = zmsg_last (msg);
        msgpack_object reply;
        wsis_error_t error;
        wsis_msg_limits_t limits = wsis_msg_default_limits;
        if (zmsg_size (msg) == 2
        &&  wsis_msg_unpack_in (self->zone, &reply, zframe_data (frame), zframe_size (frame),
                                &limits, &error) == 0) {
            const msgpack_object *id = wsis_msg_get (&reply, "id");
            if (id && id->type == MSGPACK_OBJECT_STR) {
                char *key = zsys_sprintf ("%s\x1f%.*s", name, (int) id->via.str.size,
                                          id->via.str.size? id->via.str.ptr: "");
                waiting_t *waiting = (waiting_t *) zhashx_lookup (self->waiting, key);
                zstr_free (&key);
                //  Else a reply that came after its timeout: dropped.
                if (waiting)
                    s_finish (self, waiting, &reply);
            }
        }
        msgpack_zone_clear (self->zone);
        zmsg_destroy (&msg);
    }
    return 0;
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

//  Once a second, after the service read keys/public again: a service
//  whose key was rotated is connected to again with its new key.
static int
s_on_rekey (zloop_t *loop, int timer_id, void *arg)
{
    gateway_upstream_t *self = (gateway_upstream_t *) arg;
    for (size_t i = 0; i < self->count; i++)
        wsis_curve_reconnect (self->curve, self->upstreams [i].dealer, self->upstreams [i].name,
                              self->upstreams [i].endpoint);
    return 0;
}

gateway_upstream_t *
gateway_upstream_new (wsis_config_t *config, wsis_curve_t *curve, zloop_t *loop, int64_t timeout_ms)
{
    gateway_upstream_t *self = (gateway_upstream_t *) zmalloc (sizeof (gateway_upstream_t));
    self->loop = loop;
    self->timeout_ms = timeout_ms;
    self->waiting = zhashx_new ();
    zhashx_set_destructor (self->waiting, s_waiting_destroy);
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
        zloop_reader (loop, dealer, s_on_reply, self);
        self->count++;
    }
    self->sweeper = zloop_timer (loop, SWEEP_MS, 0, s_on_sweep, self);
    self->curve = curve;
    self->rekeyer = curve? zloop_timer (loop, 1000, 0, s_on_rekey, self): -1;
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
        if (self->rekeyer != -1)
            zloop_timer_end (self->loop, self->rekeyer);
        for (size_t i = 0; i < self->count; i++) {
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
    char *key = zsys_sprintf ("%s\x1f%s", service, id);
    if (zhashx_lookup (self->waiting, key)) {
        zstr_free (&key);
        return -1;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, frame, size);
    if (zmsg_send (&msg, upstream->dealer)) {
        zmsg_destroy (&msg);
        zstr_free (&key);
        return -2;
    }
    waiting_t *waiting = (waiting_t *) zmalloc (sizeof (waiting_t));
    waiting->key = key;
    waiting->fn = fn;
    waiting->arg = arg;
    waiting->deadline = zclock_mono () + self->timeout_ms;
    zhashx_insert (self->waiting, key, waiting);
    waiting->handle = zlistx_add_end (self->order, waiting);
    return 0;
}

size_t
gateway_upstream_waiting (gateway_upstream_t *self)
{
    return zhashx_size (self->waiting);
}
