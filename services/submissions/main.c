/*  wsis-submissions: stakeholders, WSIS Prizes projects, Stocktaking entries, Photo Contest entries and Open Consultation inputs.

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once.
*/
#include "submissions.h"
#include "wsis_main.h"

//  Sources whose events this service learns from (docs/design.md, "Services": no service
//  reads another's database): nominations tells which projects were
//  nominated and which won (a winner may not enter a later call), voting
//  which became champions (a record's contest_status).
static const char *const s_follows [] = { "nominations", "voting", NULL };

static int
s_start (wsis_service_t *service)
{
    //  A photo's image may be up to 4 MiB; the decoder's own bin limit is
    //  raised to the frame limit so that an image over 4 MiB is answered
    //  `validation` on `image` by the photo rules, not `bad_request`.
    wsis_msg_limits_t limits = wsis_msg_default_limits;
    limits.max_bin = (size_t) wsis_config_int (wsis_service_config (service), "wsis/max_request");
    wsis_service_set_limits (service, &limits);
    return submissions_winners_load (service);
}

static int
s_apply (wsis_service_t *service, const wsis_event_t *event)
{
    if (streq (event->source, "nominations")
    &&  submissions_winners_apply (service, event))
        return -1;
    return submissions_contest_apply (service, event);
}

static const wsis_service_def_t s_service = {
    .name = "submissions",
    .version = WSIS_VERSION,
    .schema = submissions_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = submissions_ops,
    .follows = s_follows,
    .start = s_start,
    .apply = s_apply,
};

int
main (int argc, char *argv [])
{
    return wsis_main (&s_service, NULL, argc, argv);
}
