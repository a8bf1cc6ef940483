/*  bus_proxy: XSUB/XPUB forwarding inside the bus's one loop.

    Not zproxy: that runs in a thread of its own, and the journal must
    publish on the same XPUB from the service thread. Each direction drains
    a bounded number of messages per wake-up so neither can starve the
    journal's ROUTER.

    With keys (docs/design.md, "Security") both sockets are CURVE servers
    and the bus judges every message by its sender's certificate:
      - an event from XSUB is forwarded only when the certificate may
        speak for the envelope's source: a service certificate for its own
        name (and wsis-gateway's, role gateway, for "gateway"), a publisher
        certificate (another system) for a source that is no wsis service;
        anything else is dropped and counted;
      - a subscription from XPUB takes effect (ZMQ_XPUB_MANUAL) only for
        the roles that may read every event (service, operator, gateway):
        events carry names and e-mail addresses;
      - when a certificate is revoked, XPUB is bound anew, so every
        subscriber reconnects through zauth and a revoked one cannot.
*/
#include "bus.h"
#include "wsis_log.h"
#include "wsis_msg.h"

#include <string.h>

#define DRAIN_MAX 10000

//  Who may subscribe to the whole stream of events.
#define SUBSCRIBERS (WSIS_ROLE_SERVICE | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY)

//  The source an envelope claims, into source (size bytes); false when the
//  frame is no envelope with a source.
static bool
s_envelope_source (zmq_msg_t *frame, char *source, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error;
    bool found = wsis_msg_unpack (&unpacked, zmq_msg_data (frame), zmq_msg_size (frame),
                                  &wsis_msg_default_limits, &error) == 0
              && wsis_msg_copy_str (wsis_msg_get (&unpacked.data, "source"), source, 1, size - 1) == 0;
    msgpack_unpacked_destroy (&unpacked);
    return found;
}

//  May the sender of this event (topic, envelope) publish it?
static bool
s_may_publish (wsis_curve_t *curve, zmq_msg_t *topic, zmq_msg_t *envelope)
{
    wsis_peer_t peer;
    char source [65];
    if (!wsis_curve_peer_msg (curve, topic, &peer)
    ||  !s_envelope_source (envelope, source, sizeof source))
        return false;
    if (peer.role == WSIS_ROLE_SERVICE)
        return streq (peer.name, source);
    //  wsis-gateway's certificate has the gateway role (it acts for
    //  people); for its own heartbeats it speaks as the service it is.
    if (peer.role == WSIS_ROLE_GATEWAY)
        return streq (peer.name, "gateway") && streq (source, "gateway");
    if (peer.role == WSIS_ROLE_PUBLISHER)
        return !wsis_config_service_known (source);
    return false;
}

//  Moves whole messages (all their frames) from one socket to another.
static uint64_t
s_forward (zsock_t *from, zsock_t *to)
{
    void *source = zsock_resolve (from);
    void *target = zsock_resolve (to);
    uint64_t moved = 0;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    while (moved < DRAIN_MAX) {
        if (zmq_msg_recv (&frame, source, ZMQ_DONTWAIT) == -1)
            break;
        //  Frames of a message arrive together, so the rest is there.
        int more = zmq_msg_more (&frame);
        while (true) {
            //  XPUB drops on its high-water mark rather than block: a slow
            //  subscriber recovers by catch-up, the bus must keep going.
            zmq_msg_send (&frame, target, (more? ZMQ_SNDMORE: 0) | ZMQ_DONTWAIT);
            if (!more)
                break;
            if (zmq_msg_recv (&frame, source, 0) == -1)
                break;
            more = zmq_msg_more (&frame);
        }
        moved++;
    }
    zmq_msg_close (&frame);
    return moved;
}

//  Receives the rest of a message and throws it away.
static void
s_discard_rest (void *socket, zmq_msg_t *frame)
{
    while (zmq_msg_more (frame) && zmq_msg_recv (frame, socket, 0) != -1)
        ;
}

//  XSUB to XPUB with CURVE: each event judged by its sender.
static void
s_forward_events (bus_t *bus, wsis_curve_t *curve)
{
    void *xsub = zsock_resolve (bus->xsub);
    void *xpub = zsock_resolve (bus->xpub);
    zmq_msg_t topic, envelope;
    zmq_msg_init (&topic);
    zmq_msg_init (&envelope);
    for (size_t count = 0; count < DRAIN_MAX; count++) {
        if (zmq_msg_recv (&topic, xsub, ZMQ_DONTWAIT) == -1)
            break;
        bool whole = zmq_msg_more (&topic) && zmq_msg_recv (&envelope, xsub, 0) != -1
                  && !zmq_msg_more (&envelope);
        if (whole && s_may_publish (curve, &topic, &envelope)) {
            zmq_msg_send (&topic, xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_msg_send (&envelope, xpub, ZMQ_DONTWAIT);
            bus->forwarded++;
        }
        else {
            s_discard_rest (xsub, whole? &envelope: &topic);
            bus->dropped++;
        }
    }
    zmq_msg_close (&topic);
    zmq_msg_close (&envelope);
}

static int
s_on_publishers (zloop_t *loop, zsock_t *xsub, void *arg)
{
    wsis_service_t *service = (wsis_service_t *) arg;
    bus_t *bus = (bus_t *) wsis_service_state (service);
    wsis_curve_t *curve = wsis_service_curve (service);
    if (curve)
        s_forward_events (bus, curve);
    else
        bus->forwarded += s_forward (xsub, bus->xpub);
    return 0;
}

//  XPUB (manual) to XSUB with CURVE: a subscription takes effect, for the
//  connection it came on, only from a role that may read every event.
static void
s_forward_subscriptions (bus_t *bus, wsis_curve_t *curve)
{
    void *xpub = zsock_resolve (bus->xpub);
    void *xsub = zsock_resolve (bus->xsub);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    for (size_t count = 0; count < DRAIN_MAX; count++) {
        if (zmq_msg_recv (&frame, xpub, ZMQ_DONTWAIT) == -1)
            break;
        wsis_peer_t peer;
        const unsigned char *data = (const unsigned char *) zmq_msg_data (&frame);
        size_t size = zmq_msg_size (&frame);
        if (!zmq_msg_more (&frame) && size > 0 && (data [0] == 0 || data [0] == 1)
        &&  wsis_curve_peer_msg (curve, &frame, &peer) && (peer.role & SUBSCRIBERS)) {
            //  Applies to the connection the subscription came on.
            zmq_setsockopt (xpub, data [0]? ZMQ_SUBSCRIBE: ZMQ_UNSUBSCRIBE, data + 1, size - 1);
            zmq_msg_send (&frame, xsub, ZMQ_DONTWAIT);
        }
        else {
            s_discard_rest (xpub, &frame);
            bus->refused++;
        }
    }
    zmq_msg_close (&frame);
}

//  Subscriptions travel upstream so publishers filter at the source.
static int
s_on_subscribers (zloop_t *loop, zsock_t *xpub, void *arg)
{
    wsis_service_t *service = (wsis_service_t *) arg;
    bus_t *bus = (bus_t *) wsis_service_state (service);
    wsis_curve_t *curve = wsis_service_curve (service);
    if (curve)
        s_forward_subscriptions (bus, curve);
    else
        s_forward (xpub, bus->xsub);
    return 0;
}

int
bus_proxy_start (wsis_service_t *service)
{
    bus_t *bus = (bus_t *) wsis_service_state (service);
    wsis_config_t *config = wsis_service_config (service);
    wsis_curve_t *curve = wsis_service_curve (service);
    int hwm = (int) wsis_config_int (config, "wsis/event_hwm");
    //  What one subscriber that stopped reading makes the bus hold: past
    //  it, events are dropped for that subscriber alone, which catches up
    //  by events.since (docs/protocol.md, "Framing and limits").
    int subscriber_hwm = (int) wsis_config_int (config, "bus/subscriber_hwm");

    bus->xsub = zsock_new (ZMQ_XSUB);
    bus->xpub = zsock_new (ZMQ_XPUB);
    zsock_set_rcvhwm (bus->xsub, hwm);
    zsock_set_sndhwm (bus->xpub, subscriber_hwm);
    zsock_set_rcvhwm (bus->xpub, hwm);
    zsock_set_maxmsgsize (bus->xsub, WSIS_EVENT_LIVE_MAX);
    zsock_set_maxmsgsize (bus->xpub, 64 * 1024);
    zsock_set_linger (bus->xpub, 1000);
    wsis_curve_serve (curve, bus->xsub);
    wsis_curve_serve (curve, bus->xpub);
    if (curve)
        zsock_set_xpub_manual (bus->xpub, 1);

    bus->xsub_endpoint = wsis_config_endpoint (config, "bus", "xsub_port", true);
    bus->xpub_endpoint = wsis_config_endpoint (config, "bus", "xpub_port", true);
    int rc = 0;
    if (zsock_bind (bus->xsub, "%s", bus->xsub_endpoint) == -1) {
        wsis_log_error ("cannot bind %s: %s", bus->xsub_endpoint, zmq_strerror (zmq_errno ()));
        rc = -1;
    }
    else
    if (zsock_bind (bus->xpub, "%s", bus->xpub_endpoint) == -1) {
        wsis_log_error ("cannot bind %s: %s", bus->xpub_endpoint, zmq_strerror (zmq_errno ()));
        rc = -1;
    }
    else {
        wsis_log_info ("proxy: publishers to %s, subscribers to %s",
                       bus->xsub_endpoint, bus->xpub_endpoint);
        zloop_reader (wsis_service_loop (service), bus->xsub, s_on_publishers, service);
        zloop_reader (wsis_service_loop (service), bus->xpub, s_on_subscribers, service);
        //  Journalled events and the bus heartbeat go straight out of XPUB.
        wsis_service_set_publisher (service, bus->xpub);
    }
    return rc;
}

void
bus_proxy_revoked (wsis_service_t *service)
{
    bus_t *bus = (bus_t *) wsis_service_state (service);
    //  Unbinding ends every connection made through that endpoint; the
    //  subscribers reconnect by themselves, through zauth. The listener
    //  closes in libzmq's I/O thread, so the port may take a moment.
    char *bound = zsock_last_endpoint (bus->xpub);
    zsock_unbind (bus->xpub, "%s", bound);
    zstr_free (&bound);
    for (int attempt = 0; zsock_bind (bus->xpub, "%s", bus->xpub_endpoint) == -1; attempt++) {
        if (attempt == 100) {
            wsis_log_error ("cannot bind %s again after a revocation: %s", bus->xpub_endpoint,
                            zmq_strerror (zmq_errno ()));
            return;
        }
        zclock_sleep (10);
    }
    wsis_log_notice ("proxy: a certificate was revoked; subscribers reconnect through zauth");
}

void
bus_proxy_stats (wsis_service_t *service, msgpack_packer *pk)
{
    bus_t *bus = (bus_t *) wsis_service_state (service);
    wsis_pack_str (pk, "proxy");
    msgpack_pack_map (pk, 3);
    wsis_pack_kv_uint (pk, "forwarded", bus->forwarded);
    wsis_pack_kv_uint (pk, "dropped", bus->dropped);
    wsis_pack_kv_uint (pk, "subscriptions_refused", bus->refused);
}

void
bus_proxy_stop (wsis_service_t *service)
{
    bus_t *bus = (bus_t *) wsis_service_state (service);
    zloop_t *loop = wsis_service_loop (service);
    if (bus->xsub)
        zloop_reader_end (loop, bus->xsub);
    if (bus->xpub)
        zloop_reader_end (loop, bus->xpub);
    zsock_destroy (&bus->xsub);
    zsock_destroy (&bus->xpub);
    zstr_free (&bus->xsub_endpoint);
    zstr_free (&bus->xpub_endpoint);
}
