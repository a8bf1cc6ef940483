/*  wsisctl_tail: events from the bus as JSON lines (docs/protocol.md sections 1, 3).

    A SUB on the bus XPUB, one line {"topic", "event"} per event, flushed
    at once so `wsisctl tail | grep` and tests see each event when it
    happens. Frames that are not an event are reported on stderr and
    skipped: the bus forwards whatever any publisher pushes into its XSUB,
    so one broken producer must not stop the tail.

    With --since N it first prints the events after seq N that every
    service (or the one named) still holds in its outbox, then follows
    the bus, with neither a gap nor a repeat between the two: it
    subscribes before it replays, so what is published during the replay
    waits in the SUB; per source it remembers the last seq it printed and
    drops live events at or below it; and when a live event or a
    heartbeat shows a source ahead of that (an event published between
    the replay's last page and the subscription taking effect, or one
    the bus dropped), it asks the source with events.since, as the
    services' own consumers do (docs/design.md, "No event is lost").
    Without --since it is a window on live traffic and keeps no position.
*/
#include "wsisctl.h"

#include <string.h>

#define HEARTBEAT_TOPIC "sys.heartbeat"

//  A source tail keeps the position of: every service when replaying.
typedef struct {
    const char *name;
    uint64_t last;              //  seq of the last event printed or passed over
    bool tracked;               //  replayed: live events are checked against last
} source_t;

typedef struct {
    const wsisctl_options_t *options;
    const char *prefix;         //  topics printed ("" every one)
    const char *service;        //  only this source's events, or NULL
    bool heartbeats;
    int64_t printed;
    source_t sources [WSISCTL_SERVICES_MAX];
    size_t source_count;
} tail_t;

static bool
s_done (tail_t *self)
{
    return self->options->count > 0 && self->printed >= self->options->count;
}

static bool
s_wanted (tail_t *self, const char *topic, size_t size)
{
    size_t length = strlen (self->prefix);
    return size >= length && memcmp (topic, self->prefix, length) == 0;
}

static source_t *
s_source (tail_t *self, const msgpack_object *name)
{
    if (!name || name->type != MSGPACK_OBJECT_STR)
        return NULL;
    for (size_t i = 0; i < self->source_count; i++)
        if (wsis_msg_str_equals (name, self->sources [i].name))
            return &self->sources [i];
    return NULL;
}

//  Prints one event if its topic is wanted: 0 on, 1 enough printed, -1
//  stdout failed.
static int
s_print (tail_t *self, const char *topic, size_t size, const msgpack_object *envelope)
{
    if (!s_wanted (self, topic, size))
        return 0;
    if (wsisctl_event_print (self->options, topic, size, envelope)) {
        fprintf (stderr, "wsisctl: cannot write to stdout\n");
        return -1;
    }
    self->printed++;
    return s_done (self)? 1: 0;
}

//  An event read with events.since (replay or catch-up).
static int
s_replayed (void *arg, const msgpack_object *envelope)
{
    const msgpack_object *type = wsis_msg_get (envelope, "type");
    return s_print ((tail_t *) arg, type->via.str.ptr, type->via.str.size, envelope);
}

//  Reads source's events after its last seq. A source that cannot be
//  asked is no longer checked: its live events are printed as they come,
//  and the operator is told why.
static int
s_catch_up (tail_t *self, source_t *source)
{
    uint64_t last;
    int rc = wsisctl_history_read (self->options, source->name, source->last, 0,
                                   s_replayed, self, &last);
    source->last = last;
    if (rc != WSISCTL_EXIT_OK) {
        fprintf (stderr, "wsisctl: tail: the past events of %s could not be read "
                 "(see above); any live ones follow unchecked\n", source->name);
        source->tracked = false;
    }
    return rc;
}

//  The uint at key of map, or 0.
static uint64_t
s_uint (const msgpack_object *map, const char *key)
{
    const msgpack_object *object = wsis_msg_get (map, key);
    return object && object->type == MSGPACK_OBJECT_POSITIVE_INTEGER? object->via.u64: 0;
}

//  One live [topic, envelope] message: 0 on, 1 enough printed, -1 stdout
//  failed.
static int
s_live (tail_t *self, zmsg_t *msg)
{
    if (zmsg_size (msg) != 2) {
        fprintf (stderr, "wsisctl: skipped a message of %zu frames (an event has 2)\n",
                 zmsg_size (msg));
        return 0;
    }
    zframe_t *topic = zmsg_first (msg);
    zframe_t *frame = zmsg_next (msg);
    const char *topic_text = (const char *) zframe_data (topic);
    size_t topic_size = zframe_size (topic);
    bool heartbeat = zframe_streq (topic, HEARTBEAT_TOPIC);
    //  Heartbeats matter only to a replaying tail or when asked for
    if (heartbeat && !self->heartbeats && !self->options->replay)
        return 0;

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error = { 0 };
    if (wsis_msg_unpack (&unpacked, zframe_data (frame), zframe_size (frame),
                         &wsisctl_reply_limits, &error)) {
        fprintf (stderr, "wsisctl: skipped an event on '%.*s': %s\n",
                 (int) topic_size, topic_text, error.message);
        msgpack_unpacked_destroy (&unpacked);
        return 0;
    }
    const msgpack_object *envelope = &unpacked.data;
    const msgpack_object *source_name = wsis_msg_get (envelope, "source");
    int rc = 0;
    if (self->service && !wsis_msg_str_equals (source_name, self->service))
        rc = 0;                 //  another source's
    else
    if (heartbeat) {
        //  A source whose head is past what we printed: an event we have
        //  not seen, to be had from its outbox
        source_t *source = s_source (self, source_name);
        uint64_t head = s_uint (wsis_msg_get (envelope, "body"), "last_seq");
        if (source && source->tracked && head > source->last && s_catch_up (self, source) == 0)
            rc = s_done (self)? 1: 0;
        if (rc == 0 && self->heartbeats)
            rc = s_print (self, topic_text, topic_size, envelope);
    }
    else {
        source_t *source = s_source (self, source_name);
        uint64_t seq = s_uint (envelope, "seq");
        if (source && source->tracked && seq > source->last + 1)
            s_catch_up (self, source);          //  a gap: the outbox has it
        if (s_done (self))
            rc = 1;
        else
        if (!source || !source->tracked)
            rc = s_print (self, topic_text, topic_size, envelope);
        else
        if (seq > source->last) {
            source->last = seq;
            rc = s_print (self, topic_text, topic_size, envelope);
        }
        //  else printed already, by the replay or a catch-up
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  The replay: every tracked source's events after --since, in turn.
//  An exit code, or -1 to go on to the live events.
static int
s_replay (tail_t *self)
{
    for (size_t i = 0; i < self->source_count; i++) {
        source_t *source = &self->sources [i];
        int rc = s_catch_up (self, source);
        //  The one service asked for must answer; of all of them, the
        //  ones that do are enough to go on with
        if (rc != WSISCTL_EXIT_OK && self->service)
            return rc;
        if (s_done (self))
            return WSISCTL_EXIT_OK;
    }
    return -1;
}

static zsock_t *
s_subscribe (const wsisctl_options_t *options, const char *topics)
{
    char *endpoint = wsis_config_endpoint (options->config, "bus", "xpub_port", false);
    zsock_t *subscriber = zsock_new (ZMQ_SUB);
    char *error = NULL;
    if (!subscriber)
        fprintf (stderr, "wsisctl: cannot create a socket: %s\n", zmq_strerror (zmq_errno ()));
    else {
        zsock_set_linger (subscriber, 0);
        //  A burst after a batch commit is larger than libzmq's 1,000; a
        //  terminal slower than the bus should see it late, not lose it.
        zsock_set_rcvhwm (subscriber, 1000000);
        if (wsis_curve_connect_to (options->curve, subscriber, "bus", &error)) {
            fprintf (stderr, "wsisctl: %s\n", error);
            zstr_free (&error);
            zsock_destroy (&subscriber);
        }
        else
        if (zsock_connect (subscriber, "%s", endpoint)) {
            fprintf (stderr, "wsisctl: cannot connect to the bus (%s): %s\n",
                     endpoint, zmq_strerror (zmq_errno ()));
            zsock_destroy (&subscriber);
        }
        else
            zsock_set_subscribe (subscriber, topics);
    }
    zstr_free (&endpoint);
    return subscriber;
}

int
wsisctl_tail (const wsisctl_options_t *options, const char *filter)
{
    tail_t self = { .options = options, .prefix = filter? filter: "" };
    //  A word that names a service means its events; anything else is a
    //  prefix of topics
    if (filter && wsis_config_service_known (filter)) {
        self.service = filter;
        self.prefix = "";
    }
    //  A prefix in "sys." asks for system events by name: heartbeats are
    //  then what was asked for, not noise.
    self.heartbeats = options->heartbeats || strncmp (self.prefix, "sys.", 4) == 0;
    if (options->replay) {
        const char *names [WSISCTL_SERVICES_MAX];
        self.source_count = wsisctl_each_names (self.service, names);
        for (size_t i = 0; i < self.source_count; i++)
            self.sources [i] = (source_t) { names [i], options->since, true };
    }
    //  Subscribed before the replay, so nothing published meanwhile is
    //  missed; a replaying tail or one of a source needs every topic (the
    //  heartbeats, and the source is in the envelope, not the topic).
    bool everything = options->replay || self.service;
    zsock_t *subscriber = s_subscribe (options, everything? "": self.prefix);
    if (!subscriber)
        return WSISCTL_EXIT_FAILED;

    int exit_code = options->replay? s_replay (&self): -1;
    zpoller_t *poller = zpoller_new (subscriber, NULL);
    while (exit_code < 0) {
        //  Returns NULL on SIGINT/SIGTERM (zsys_interrupted): the normal end
        if (!zpoller_wait (poller, -1))
            break;
        zmsg_t *msg = zmsg_recv (subscriber);
        if (!msg)
            break;
        int rc = s_live (&self, msg);
        zmsg_destroy (&msg);
        if (rc < 0)
            exit_code = WSISCTL_EXIT_FAILED;
        else
        if (rc > 0)
            exit_code = WSISCTL_EXIT_OK;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&subscriber);
    return exit_code < 0? WSISCTL_EXIT_OK: exit_code;
}
