/*  wsis-nominations: staff review decisions, nominated lists, HLTF and
    Gender Trendsetter nominations, expert scores and winners.

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once.
*/
#include "nominations.h"
#include "wsis_main.h"

extern const char nominations_schema_sql [];

//  Sources whose events this service learns from (docs/design.md, "Services": no service
//  reads another's database).
static const char *const s_follows [] = { "submissions", "voting", NULL };

static int
s_start (wsis_service_t *service)
{
    nominations_t *self = (nominations_t *) wsis_service_state (service);
    self->max_nominated = wsis_config_int (wsis_service_config (service), "nominations/max_nominated");
    return 0;
}

static const wsis_service_def_t s_service = {
    .name = "nominations",
    .version = WSIS_VERSION,
    .schema = nominations_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = nominations_ops,
    .follows = s_follows,
    .start = s_start,
    .apply = nominations_events_apply,
};

int
main (int argc, char *argv [])
{
    nominations_t nominations = { 0 };
    return wsis_main (&s_service, &nominations, argc, argv);
}
