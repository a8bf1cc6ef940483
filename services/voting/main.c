/*  wsis-voting: eligible voters, ballots, tallies and champions of the public online vote.

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once. See voting.h for how the vote is
    stored for the deadline rush.
*/
#include "voting.h"
#include "wsis_main.h"
#include "wsis_log.h"

//  Sources whose events this service learns from (docs/design.md, "Services": no service
//  reads another's database).
static const char *const s_follows [] = { "submissions", "nominations", NULL };

//  Its own events, which the bus sends back: one vote.cast per vote.
static const char *const s_ignores [] = { "vote.cast", "voting.closed", NULL };

extern const char voting_schema_sql [];

static int
s_start (wsis_service_t *service)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (voting_receipt_init ()) {
        wsis_log_error ("voting: libsodium cannot be initialised");
        return -1;
    }
    if (voting_store_secret (wsis_service_store (service), self->secret))
        return -1;
    voting_receipt_key (&self->keyed, self->secret);
    return voting_state_load (self, service);
}

//  Memory ran ahead of a transaction that was rolled back: rebuild it from
//  what is committed.
static void
s_rolled_back (wsis_service_t *service)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (voting_state_load (self, service))
        wsis_log_error ("voting: the state could not be reloaded after a rollback");
}

static void
s_stop (wsis_service_t *service)
{
    voting_state_reset ((voting_t *) wsis_service_state (service));
}

static const wsis_service_def_t s_service = {
    .name = "voting",
    .version = WSIS_VERSION,
    .schema = voting_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = voting_ops,
    .follows = s_follows,
    .start = s_start,
    .apply = voting_events_apply,
    .tick = voting_tally_tick,
    .rolled_back = s_rolled_back,
    .stop = s_stop,
    .ignores = s_ignores,
};

int
main (int argc, char *argv [])
{
    voting_t voting = { 0 };
    return wsis_main (&s_service, &voting, argc, argv);
}
