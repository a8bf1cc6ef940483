/*  wsisctl_tail: events from the bus as JSON lines (docs/protocol.md sections 1, 3).

    A SUB on the bus XPUB, one line {"topic", "event"} per event, flushed
    at once so `wsisctl tail | grep` and tests see each event when it
    happens. This is a window on live traffic, not a durable consumer: it
    keeps no cursor, and an event missed here is still in its producer's
    outbox (events.since). Frames that are not an event are reported on
    stderr and skipped: the bus forwards whatever any publisher pushes
    into its XSUB, so one broken producer must not stop the tail.
*/
#include "wsisctl.h"

#include <string.h>

#define HEARTBEAT_TOPIC "sys.heartbeat"

//  Prints one [topic, envelope] message. 1 printed, 0 skipped, -1 when
//  stdout failed.
static int
s_print_event (const wsisctl_options_t *options, zmsg_t *msg)
{
    if (zmsg_size (msg) != 2) {
        fprintf (stderr, "wsisctl: skipped a message of %zu frames (an event has 2)\n",
                 zmsg_size (msg));
        return 0;
    }
    zframe_t *topic = zmsg_first (msg);
    zframe_t *envelope = zmsg_next (msg);
    json_t *topic_text = json_stringn ((const char *) zframe_data (topic), zframe_size (topic));
    if (!topic_text) {
        fprintf (stderr, "wsisctl: skipped an event whose topic is not UTF-8\n");
        return 0;
    }
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error = { 0 };
    int rc = 0;
    if (wsis_msg_unpack (&unpacked, zframe_data (envelope), zframe_size (envelope),
                         &wsisctl_reply_limits, &error)) {
        fprintf (stderr, "wsisctl: skipped an event on '%s': %s\n",
                 json_string_value (topic_text), error.message);
        json_decref (topic_text);
    }
    else {
        json_t *line = json_pack ("{s:o, s:o}", "topic", topic_text,
                                  "event", wsis_json_from_msgpack (&unpacked.data));
        rc = line && wsisctl_json_print (line, true) == 0? 1: -1;
        json_decref (line);
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

int
wsisctl_tail (const wsisctl_options_t *options, const char *prefix)
{
    if (!prefix)
        prefix = "";
    //  A prefix in "sys." asks for system events by name: heartbeats are
    //  then what was asked for, not noise.
    bool heartbeats = options->heartbeats || strncmp (prefix, "sys.", 4) == 0;

    char *endpoint = wsis_config_endpoint (options->config, "bus", "xpub_port", false);
    zsock_t *subscriber = zsock_new (ZMQ_SUB);
    if (!subscriber) {
        fprintf (stderr, "wsisctl: cannot create a socket: %s\n", zmq_strerror (zmq_errno ()));
        zstr_free (&endpoint);
        return WSISCTL_EXIT_FAILED;
    }
    zsock_set_linger (subscriber, 0);
    //  A burst after a batch commit is larger than libzmq's 1,000; a
    //  terminal slower than the bus should see it late, not lose it.
    zsock_set_rcvhwm (subscriber, 1000000);
    char *error = NULL;
    if (wsis_curve_connect_to (options->curve, subscriber, "bus", &error)) {
        fprintf (stderr, "wsisctl: %s\n", error);
        zstr_free (&error);
        zsock_destroy (&subscriber);
        zstr_free (&endpoint);
        return WSISCTL_EXIT_FAILED;
    }
    if (zsock_connect (subscriber, "%s", endpoint)) {
        fprintf (stderr, "wsisctl: cannot connect to the bus (%s): %s\n",
                 endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&subscriber);
        zstr_free (&endpoint);
        return WSISCTL_EXIT_FAILED;
    }
    zstr_free (&endpoint);
    zsock_set_subscribe (subscriber, prefix);

    zpoller_t *poller = zpoller_new (subscriber, NULL);
    int exit_code = WSISCTL_EXIT_OK;
    int64_t printed = 0;
    while (options->count == 0 || printed < options->count) {
        //  Returns NULL on SIGINT/SIGTERM (zsys_interrupted): the normal end
        if (!zpoller_wait (poller, -1))
            break;
        zmsg_t *msg = zmsg_recv (subscriber);
        if (!msg)
            break;
        int rc = 0;
        if (heartbeats || !zframe_streq (zmsg_first (msg), HEARTBEAT_TOPIC))
            rc = s_print_event (options, msg);
        zmsg_destroy (&msg);
        if (rc < 0) {
            fprintf (stderr, "wsisctl: cannot write to stdout\n");
            exit_code = WSISCTL_EXIT_FAILED;
            break;
        }
        printed += rc;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&subscriber);
    return exit_code;
}
