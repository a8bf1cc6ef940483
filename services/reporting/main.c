/*  wsis-reporting: read models built from every event, and the reports
    the public, the press and the secretariat read (see reporting.h).

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once. Its store is derived from those
    events alone, so `wsis-reporting --rebuild` may throw it away and
    build it again.
*/
#include "reporting.h"
#include "wsis_main.h"

extern const char reporting_schema_sql [];

//  Sources whose events this service learns from (docs/design.md,
//  "Services": no service reads another's database).
static const char *const s_follows [] = {
    "bus", "submissions", "nominations", "voting", "notifications", NULL
};

static const wsis_service_def_t s_service = {
    .name = "reporting",
    .version = WSIS_VERSION,
    .schema = reporting_schema_sql,     //  linked in from schema.sql (see the Makefile)
    .ops = reporting_ops,
    .follows = s_follows,
    .apply = reporting_events_apply,
    .rebuildable = true,
};

int
main (int argc, char *argv [])
{
    reporting_t reporting = { 0 };
    return wsis_main (&s_service, &reporting, argc, argv);
}
