/*  wsis-notifications: the calendar of deadlines, subscriptions and the notification outbox.

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once.
*/
#include "wsis_service.h"
#include "wsis_main.h"

//  Sources whose events this service learns from (docs/design.md, "Services": no service
//  reads another's database).
static const char *const s_follows [] = { "bus", "submissions", "nominations", "voting", NULL };

static const wsis_service_def_t s_service = {
    .name = "notifications",
    .version = WSIS_VERSION,
    .follows = s_follows,
};

int
main (int argc, char *argv [])
{
    return wsis_main (&s_service, NULL, argc, argv);
}
