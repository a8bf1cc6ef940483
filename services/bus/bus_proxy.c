/*  bus_proxy: XSUB/XPUB forwarding inside the bus's one loop.

    Not zproxy: that runs in a thread of its own, and the journal must
    publish on the same XPUB from the service thread. Each direction drains
    a bounded number of messages per wake-up so neither can starve the
    journal's ROUTER.
*/
#include "bus.h"
#include "wsis_log.h"

#define DRAIN_MAX 10000

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

static int
s_on_publishers (zloop_t *loop, zsock_t *xsub, void *arg)
{
    bus_t *bus = (bus_t *) wsis_service_state ((wsis_service_t *) arg);
    bus->forwarded += s_forward (xsub, bus->xpub);
    return 0;
}

//  Subscriptions travel upstream so publishers filter at the source.
static int
s_on_subscribers (zloop_t *loop, zsock_t *xpub, void *arg)
{
    bus_t *bus = (bus_t *) wsis_service_state ((wsis_service_t *) arg);
    s_forward (xpub, bus->xsub);
    return 0;
}

int
bus_proxy_start (wsis_service_t *service)
{
    bus_t *bus = (bus_t *) wsis_service_state (service);
    wsis_config_t *config = wsis_service_config (service);
    int hwm = (int) wsis_config_int (config, "wsis/event_hwm");

    bus->xsub = zsock_new (ZMQ_XSUB);
    bus->xpub = zsock_new (ZMQ_XPUB);
    zsock_set_rcvhwm (bus->xsub, hwm);
    zsock_set_sndhwm (bus->xpub, hwm);
    zsock_set_rcvhwm (bus->xpub, hwm);
    zsock_set_maxmsgsize (bus->xsub, 16 * 1024 * 1024);
    zsock_set_linger (bus->xpub, 1000);

    char *xsub = wsis_config_endpoint (config, "bus", "xsub_port", true);
    char *xpub = wsis_config_endpoint (config, "bus", "xpub_port", true);
    int rc = 0;
    if (zsock_bind (bus->xsub, "%s", xsub) == -1) {
        wsis_log_error ("cannot bind %s: %s", xsub, zmq_strerror (zmq_errno ()));
        rc = -1;
    }
    else
    if (zsock_bind (bus->xpub, "%s", xpub) == -1) {
        wsis_log_error ("cannot bind %s: %s", xpub, zmq_strerror (zmq_errno ()));
        rc = -1;
    }
    else {
        wsis_log_info ("proxy: publishers to %s, subscribers to %s", xsub, xpub);
        zloop_reader (wsis_service_loop (service), bus->xsub, s_on_publishers, service);
        zloop_reader (wsis_service_loop (service), bus->xpub, s_on_subscribers, service);
        //  Journalled events and the bus heartbeat go straight out of XPUB.
        wsis_service_set_publisher (service, bus->xpub);
    }
    zstr_free (&xsub);
    zstr_free (&xpub);
    return rc;
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
}
