/*  wsis-bus: the event proxy and the journal of external events.

    XSUB (5550) <- every publisher; XPUB (5551) -> every subscriber; a
    stateless forwarder in the service loop. The journal (ROUTER 5552)
    takes `publish` from external systems, stores each event in the bus's
    own outbox (source "bus") and publishes it, so it can be replayed with
    events.since like any internal event. The bus never holds the only copy
    of an internal event: those live in their producers' outboxes.
*/
#ifndef BUS_H
#define BUS_H

#include "wsis_service.h"

typedef struct {
    zsock_t *xsub;
    zsock_t *xpub;
    char *xsub_endpoint;
    char *xpub_endpoint;
    uint64_t forwarded;         //  messages passed from XSUB to XPUB
    uint64_t dropped;           //  events whose sender may not speak for their source
    uint64_t refused;           //  subscriptions from roles that may not read events
} bus_t;

//  bus_proxy.c: binds XSUB/XPUB and forwards in the loop.
int bus_proxy_start (wsis_service_t *service);
void bus_proxy_stop (wsis_service_t *service);
//  A certificate was revoked: every subscriber reconnects through zauth.
void bus_proxy_revoked (wsis_service_t *service);
//  sys.stats: proxy {forwarded, dropped, subscriptions_refused}.
void bus_proxy_stats (wsis_service_t *service, msgpack_packer *pk);

//  bus_ops.c: the journal's operations.
extern const wsis_op_t bus_ops [];

#endif
