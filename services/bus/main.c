/*  wsis-bus: event proxy (XSUB/XPUB) and journal of external events. */
#include "bus.h"
#include "wsis_main.h"

static int
s_start (wsis_service_t *service)
{
    return bus_proxy_start (service);
}

static void
s_stop (wsis_service_t *service)
{
    bus_proxy_stop (service);
}

static const wsis_service_def_t s_service = {
    .name = "bus",
    .version = WSIS_VERSION,
    .ops = bus_ops,
    .start = s_start,
    .stop = s_stop,
    .revoked = bus_proxy_revoked,
    .stats = bus_proxy_stats,
};

int
main (int argc, char *argv [])
{
    bus_t bus = { 0 };
    return wsis_main (&s_service, &bus, argc, argv);
}
