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

//  Before the migrations: the key file, which the migration to version 2
//  rehashes the votes with (voting_keyfile.c).
static int
s_prepare (wsis_service_t *service, char **error)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (voting_receipt_init ()) {
        *error = zsys_sprintf ("libsodium cannot be initialised");
        return -1;
    }
    char *path = voting_keyfile_path (wsis_service_config (service));
    int rc = voting_keyfile_prepare (wsis_service_store (service), path, &self->keys,
                                     &self->schema_before, error);
    zstr_free (&path);
    return rc;
}

static int
s_start (wsis_service_t *service)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (voting_keyfile_migrated (wsis_service_store (service), self->schema_before))
        return -1;
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
    voting_t *self = (voting_t *) wsis_service_state (service);
    voting_state_reset (self);
    sodium_memzero (&self->keys, sizeof self->keys);
}

static const wsis_service_def_t s_service = {
    .name = "voting",
    .version = WSIS_VERSION,
    .schema = voting_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = voting_ops,
    .follows = s_follows,
    .prepare = s_prepare,
    .start = s_start,
    .apply = voting_events_apply,
    .tick = voting_tally_tick,
    .rolled_back = s_rolled_back,
    .stop = s_stop,
    .rebuild = voting_ops_rebuild,
    .ignores = s_ignores,
};

int
main (int argc, char *argv [])
{
    voting_t voting = { 0 };
    return wsis_main (&s_service, &voting, argc, argv);
}
