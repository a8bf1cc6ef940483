/*  wsis-submissions: stakeholders, WSIS Prizes projects, Stocktaking entries, Photo Contest entries and Open Consultation inputs.

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once.
*/
#include "wsis_service.h"

//  Sources whose events this service learns from (DESIGN.md: no service
//  reads another's database).
static const char *const s_follows [] = { "nominations", NULL };

static const wsis_service_def_t s_service = {
    .name = "submissions",
    .version = WSIS_VERSION,
    .follows = s_follows,
};

int
main (int argc, char *argv [])
{
    return wsis_service_main (&s_service, NULL, argc, argv);
}
