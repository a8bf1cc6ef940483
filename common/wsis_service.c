/*  wsis_service: a service's parts, composed; its timers; and the
    operations every service answers (docs/protocol.md section 4). */
#include "wsis_service.h"
#include "wsis_alloc.h"
#include "wsis_batch.h"
#include "wsis_consumer.h"
#include "wsis_cursor.h"
#include "wsis_fields.h"
#include "wsis_log.h"
#include "wsis_outbox.h"
#include "wsis_quick_check.h"
#include "wsis_retention.h"
#include "wsis_retry.h"
#include "wsis_server.h"

#include <inttypes.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

struct _wsis_service_t {
    const wsis_service_def_t *def;
    void *state;                //  the service's own, not owned
    wsis_config_t *config;
    wsis_clock_t *clock;
    wsis_calendar_t *calendar;
    wsis_store_t *store;
    wsis_quick_check_t *quick_check;    //  the file's check, until s_open has its verdict
    wsis_outbox_t *outbox;
    wsis_archive_t *archive;    //  the outbox's old events
    wsis_retention_t *retention;
    wsis_watermark_t *watermark;   //  the outbox's last seq, outside the store
    wsis_cursor_t *cursor;
    wsis_retry_t *retry;
    wsis_batch_t *batch;
    wsis_server_t *server;
    wsis_consumer_t *consumer;  //  NULL when the service follows no source
    wsis_curve_t *curve;        //  its keys; NULL in development mode
    zloop_t *loop;
    zsock_t *publisher;         //  owned PUB, unless the service set its own
    char *publisher_endpoint;   //  the bus XSUB it is connected to
    bool has_own_publisher;
    bool started;               //  def->start succeeded: def->stop is owed
    bool clock_changed;         //  sys.clock.set ran: tick after the batch
    int64_t started_at;         //  monotonic ms
    int64_t started_wall;       //  wall-clock ms: what the counters count from
    uint64_t events_ignored;    //  since start
    msgpack_sbuffer event;      //  the body wsis_service_event builds
    msgpack_packer event_pk;
};

void *wsis_service_state (wsis_service_t *self) { return self->state; }
wsis_store_t *wsis_service_store (wsis_service_t *self) { return self->store; }
wsis_config_t *wsis_service_config (wsis_service_t *self) { return self->config; }
wsis_calendar_t *wsis_service_calendar (wsis_service_t *self) { return self->calendar; }
wsis_clock_t *wsis_service_clock (wsis_service_t *self) { return self->clock; }
zloop_t *wsis_service_loop (wsis_service_t *self) { return self->loop; }
wsis_curve_t *wsis_service_curve (wsis_service_t *self) { return self->curve; }
const char *wsis_service_name (wsis_service_t *self) { return self->def->name; }
int64_t wsis_service_now (wsis_service_t *self) { return wsis_clock_now (self->clock); }

int
wsis_service_emit (wsis_service_t *self, const char *type, const void *body, size_t size)
{
    return wsis_outbox_append (self->outbox, type, wsis_clock_now (self->clock), body, size);
}

msgpack_packer *
wsis_service_event (wsis_service_t *self)
{
    msgpack_sbuffer_clear (&self->event);
    return &self->event_pk;
}

int
wsis_service_event_emit (wsis_service_t *self, const char *type)
{
    return wsis_service_emit (self, type, self->event.data, self->event.size);
}

int
wsis_service_event_emit_ref (wsis_service_t *self, const char *type, int64_t ref)
{
    return wsis_outbox_append_ref (self->outbox, type, wsis_clock_now (self->clock),
                                   self->event.data, self->event.size, ref);
}

//  The outbox's rebuild callback: def->rebuild with a packer on body.
static int
s_rebuild (void *arg, const char *type, int64_t ref, msgpack_sbuffer *body)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    return self->def->rebuild (self, type, ref, &pk);
}

int
wsis_service_ignore (wsis_service_t *self, const wsis_event_t *event, const char *why)
{
    self->events_ignored++;
    wsis_log_debug ("%s %s:%llu ignored: %s", event->type, event->source,
                    (unsigned long long) event->seq, why);
    return 0;
}

uint64_t
wsis_service_last_seq (wsis_service_t *self)
{
    return wsis_outbox_last_seq (self->outbox);
}

void
wsis_service_set_limits (wsis_service_t *self, const wsis_msg_limits_t *limits)
{
    wsis_server_set_limits (self->server, limits);
}

void
wsis_service_set_publisher (wsis_service_t *self, zsock_t *socket)
{
    self->has_own_publisher = true;
    wsis_outbox_set_socket (self->outbox, socket);
}

typedef struct {
    wsis_service_t *service;
    int (*fn) (wsis_service_t *service, void *arg);
    void *arg;
} transaction_t;

static int
s_transaction (void *arg)
{
    transaction_t *transaction = (transaction_t *) arg;
    return transaction->fn (transaction->service, transaction->arg);
}

int
wsis_service_transact (wsis_service_t *self,
                       int (*fn) (wsis_service_t *service, void *arg), void *arg)
{
    transaction_t transaction = { self, fn, arg };
    return wsis_batch_run (self->batch, s_transaction, &transaction);
}

bool
wsis_service_handle (wsis_service_t *self, const void *frame, size_t size, msgpack_sbuffer *reply)
{
    return wsis_server_handle (self->server, NULL, frame, size, reply);
}

//  -------------------------------------------------------------------------
//  Hooks the parts call, passed on to the service's definition

//  The manual clock as the store has it (the epoch until it was set).
static void
s_load_clock (wsis_service_t *self)
{
    if (wsis_clock_manual (self->clock))
        wsis_clock_set (self->clock, wsis_store_int (self->store,
                                                     "SELECT now FROM manual_clock WHERE id = 1", 0));
}

static void
s_rolled_back (void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    //  A sys.clock.set whose commit failed answered `unavailable`: its time
    //  must not stay in force either.
    s_load_clock (self);
    if (self->def->rolled_back)
        self->def->rolled_back (self);
}

static int
s_apply (void *arg, const wsis_event_t *event)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    return self->def->apply? self->def->apply (self, event): 0;
}

//  After each batch of requests: a clock that moved may have closed a
//  phase, and the service acts on that in its tick, outside the batch.
static void
s_after_batch (void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    if (self->clock_changed) {
        self->clock_changed = false;
        if (self->def->tick)
            self->def->tick (self);
    }
}

static int
s_on_heartbeat (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    wsis_outbox_heartbeat (self->outbox, wsis_clock_now (self->clock));
    return 0;
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    //  A certificate removed from the allow-list: its messages are dropped
    //  from now on; sockets that cannot check each message are told.
    if (self->curve && wsis_curve_refresh (self->curve) && self->def->revoked)
        self->def->revoked (self);
    //  The bus's key rotated (its certificate replaced, the bus restarted
    //  with the new secret): libzmq would reconnect with the old one for
    //  ever. Events published meanwhile are caught up from the outbox.
    if (self->publisher)
        wsis_curve_reconnect (self->curve, self->publisher, "bus", self->publisher_endpoint);
    if (self->consumer)
        wsis_consumer_tick (self->consumer);
    if (self->def->tick)
        self->def->tick (self);
    return 0;
}

static int
s_expire (void *arg)
{
    wsis_retry_expire ((wsis_retry_t *) arg, zclock_time ());
    return 0;
}

static int
s_on_expire (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    wsis_batch_run (self->batch, s_expire, self->retry);
    return 0;
}

//  -------------------------------------------------------------------------
//  The common operations (docs/protocol.md section 4)

static int
s_op_ping (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    char now [WSIS_TIME_BUFSIZE];
    wsis_time_format (wsis_clock_now (self->clock), now);
    msgpack_pack_map (&reply->pk, 5);
    wsis_pack_kv_str (&reply->pk, "service", self->def->name);
    wsis_pack_kv_str (&reply->pk, "version", self->def->version);
    wsis_pack_kv_int (&reply->pk, "uptime_ms", zclock_mono () - self->started_at);
    wsis_pack_kv_uint (&reply->pk, "last_seq", wsis_outbox_committed_seq (self->outbox));
    wsis_pack_kv_str (&reply->pk, "now", now);
    return 0;
}

static int
s_op_stats (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    msgpack_packer *pk = &reply->pk;
    size_t sources = wsis_cursor_size (self->cursor);
    //  requests, batches, errors, events_published, events_ignored, catchups (and
    //  the bus's proxy counters) count from the start of this process,
    //  which `since` says; events_applied, sources and last_seq are kept
    //  in the store and count from the first event.
    char since [WSIS_TIME_BUFSIZE];
    wsis_time_format (self->started_wall, since);
    msgpack_pack_map (pk, 16 + (self->curve? 1: 0) + (self->def->stats? 1: 0));
    wsis_pack_kv_str (pk, "service", self->def->name);
    wsis_pack_kv_str (pk, "since", since);
    wsis_pack_kv_uint (pk, "requests", wsis_server_requests (self->server));
    wsis_pack_kv_uint (pk, "batches", wsis_server_batches (self->server));
    wsis_pack_kv_uint (pk, "errors", wsis_server_errors (self->server));
    wsis_server_pack_backlog (self->server, pk);
    wsis_pack_kv_uint (pk, "events_published", wsis_outbox_published (self->outbox));
    wsis_pack_kv_uint (pk, "events_applied", wsis_cursor_applied_total (self->cursor));
    wsis_pack_kv_uint (pk, "events_ignored", self->events_ignored);
    wsis_pack_kv_uint (pk, "last_seq", wsis_outbox_committed_seq (self->outbox));
    wsis_pack_str (pk, "lag");
    msgpack_pack_map (pk, sources);
    for (size_t i = 0; i < sources; i++) {
        const char *source = wsis_cursor_source (self->cursor, i);
        wsis_pack_kv_uint (pk, source, wsis_cursor_lag (self->cursor, source));
    }
    //  events.since sent per source: what a forged head pushed into the
    //  bus costs the source shows here, a handful, not one per forgery.
    //  (A cursor follows only what the consumer follows: no source, no
    //  consumer, no call.)
    wsis_pack_str (pk, "catchups");
    msgpack_pack_map (pk, sources);
    for (size_t i = 0; i < sources; i++) {
        const char *source = wsis_cursor_source (self->cursor, i);
        wsis_pack_kv_uint (pk, source, wsis_consumer_catchups (self->consumer, source));
    }
    //  Per source: applied count and position, so an operator (and the
    //  no-loss tests) can see exactly-once at a glance.
    wsis_pack_str (pk, "sources");
    msgpack_pack_map (pk, sources);
    for (size_t i = 0; i < sources; i++) {
        const char *source = wsis_cursor_source (self->cursor, i);
        wsis_pack_str (pk, source);
        msgpack_pack_map (pk, 2);
        wsis_pack_kv_uint (pk, "last_seq", wsis_cursor_last_seq (self->cursor, source));
        wsis_pack_kv_uint (pk, "applied", wsis_cursor_applied (self->cursor, source));
    }
    wsis_retention_pack_stats (self->retention, self->archive, pk);
    if (self->curve) {
        //  The allow-list: a removal is in force once `checked` has moved
        //  on since it was made (docs/protocol.md, Roles).
        wsis_pack_str (pk, "keys");
        msgpack_pack_map (pk, 3);
        wsis_pack_kv_uint (pk, "allowed", wsis_curve_allowed (self->curve));
        wsis_pack_kv_uint (pk, "checked", wsis_curve_checked (self->curve));
        wsis_pack_kv_uint (pk, "read", wsis_curve_read (self->curve));
    }
    if (self->def->stats)
        self->def->stats (self, pk);
    return 0;
}

static int
s_op_clock_set (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    if (!wsis_clock_manual (self->clock))
        return wsis_reply_fail (reply, "forbidden", NULL,
                                "the clock can only be set when the service runs with WSIS_CLOCK=manual");
    if (self->curve && request->role != WSIS_ROLE_OPERATOR)
        return wsis_reply_fail (reply, "forbidden", NULL,
                                "only an operator certificate may set the clock");
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char text [64];
    int64_t now;
    if (wsis_fields_text (&body, "now", WSIS_REQUIRED, 1, 40, text, sizeof text))
        return -1;
    if (wsis_time_parse (text, &now))
        return wsis_fields_fail (&body, "now", "must be an ISO 8601 instant like 2022-01-21T21:59:59Z");
    //  The time is kept with the service's data, so a rehearsal stopped and
    //  started again goes on from where its clock was (docs/protocol.md
    //  section 4), and it is on disk with the reply like any change.
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "INSERT OR REPLACE INTO manual_clock (id, now) VALUES (1, ?)");
    if (!stmt)
        return wsis_reply_fail (reply, "internal", NULL, "the clock could not be kept");
    sqlite3_bind_int64 (stmt, 1, now);
    if (wsis_store_run (self->store, stmt))
        return wsis_reply_fail (reply, "internal", NULL, "the clock could not be kept");
    wsis_clock_set (self->clock, now);
    self->clock_changed = true;
    char formatted [WSIS_TIME_BUFSIZE];
    wsis_time_format (now, formatted);
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_str (&reply->pk, "now", formatted);
    return 0;
}

static int
s_op_clock_get (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    char now [WSIS_TIME_BUFSIZE];
    wsis_time_format (wsis_clock_now (self->clock), now);
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "now", now);
    wsis_pack_kv_bool (&reply->pk, "manual", wsis_clock_manual (self->clock));
    return 0;
}

static int
s_op_events_since (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    uint64_t after = 0, limit = 1000;
    if (wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, UINT64_MAX, &after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, 10000, &limit) < 0)
        return -1;
    if (wsis_outbox_since (self->outbox, after, (int) limit, &reply->pk))
        return wsis_reply_fail (reply, "internal", NULL, "the outbox could not be read");
    return 0;
}

//  sys.ops {} -> {ops: [{op, roles, writes, fields}]}: what this service
//  offers, from the same tables the server dispatches with.
static int
s_op_ops (wsis_service_t *self, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_server_pack_ops (self->server, &reply->pk);
    return 0;
}

static const wsis_op_t s_common_ops [] = {
    { "sys.ping", s_op_ping, WSIS_ROLE_PUBLIC, 0, NULL },
    { "sys.stats", s_op_stats, WSIS_ROLE_PUBLIC, 0, NULL },
    { "sys.clock.get", s_op_clock_get, WSIS_ROLE_PUBLIC, 0, NULL },
    { "sys.clock.set", s_op_clock_set, WSIS_ROLE_PUBLIC, WSIS_OP_WRITES, "now" },
    { "sys.ops", s_op_ops, WSIS_ROLE_PUBLIC, 0, NULL },
    //  Events carry names, e-mail addresses and genders: the services that
    //  follow a source (wsis-gateway's certificate has the gateway role),
    //  and operators, read them; nobody else. The same roles as may
    //  subscribe to the bus.
    { "events.since", s_op_events_since, WSIS_ROLE_SERVICE | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY, 0,
      "after? limit?" },
    { NULL }
};

//  -------------------------------------------------------------------------
//  Building and destroying

//  Stakeholders' names and addresses, ballots and keys are in the data
//  folder: nobody but the service's own user may read it, whatever the
//  umask of whoever started it.
static void
s_lock_down (const char *path, mode_t mode)
{
    if (chmod (path, mode))
        wsis_log_warning ("%s: cannot set mode %04o: %s", path, (unsigned) mode, strerror (errno));
}

//  "<name>.committed" next to "<name>.db" (wsis_watermark.h), read
//  before the store is opened: a database that is missing while its WAL,
//  or a claim of committed events, is there is refused before SQLite
//  makes a new, empty one (and resets the WAL).
static int
s_open_watermark (wsis_service_t *self, const char *data_dir, const char *path, char **error)
{
    char *file = zsys_sprintf ("%s/%s.committed", data_dir, self->def->name);
    char *wal = zsys_sprintf ("%s-wal", path);
    self->watermark = wsis_watermark_open (file, error);
    if (self->watermark && !zsys_file_exists (path)) {
        uint64_t claimed = wsis_watermark_claimed (self->watermark);
        if (zsys_file_exists (wal))
            *error = zsys_sprintf ("%s is missing but its WAL %s is there: restore the "
                                   "database from a backup (nothing was changed)", path, wal);
        else
        if (claimed > 0)
            *error = zsys_sprintf ("%s is missing but %s says events up to seq %" PRIu64
                                   " were committed: restore it from a backup, or remove %s "
                                   "to start empty", path, file, claimed, file);
    }
    zstr_free (&wal);
    zstr_free (&file);
    return self->watermark && !*error? 0: -1;
}

//  The store in the data folder, with the tables of the no-loss design.
static int
s_open_store (wsis_service_t *self, char **error)
{
    const char *data_dir = wsis_config_str (self->config, "wsis/data_dir");
    //  Several services may create the same folder at the same moment:
    //  the folder being there is what counts.
    int mode = zsys_dir_create ("%s", data_dir)? zsys_file_mode (data_dir): S_IFDIR;
    if (mode == -1 || !(mode & S_IFDIR)) {
        *error = zsys_sprintf ("%s: cannot create the data folder", data_dir);
        return -1;
    }
    s_lock_down (data_dir, 0700);
    char *path = zsys_sprintf ("%s/%s.db", data_dir, self->def->name);
    if (s_open_watermark (self, data_dir, path, error)) {
        zstr_free (&path);
        return -1;
    }
    self->store = wsis_store_open (path, NULL, error);
    //  The file's check runs beside the rest of the start (s_open waits
    //  for it before anything is served).
    int rc = -1;
    if (self->store && (self->quick_check = wsis_quick_check_start (path, error)))
        rc = 0;
    //  Files of an earlier run under a looser umask are closed up too.
    const char *suffixes [] = { "", "-wal", "-shm" };
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        char *file = zsys_sprintf ("%s%s", path, suffixes [i]);
        if (zsys_file_exists (file))
            s_lock_down (file, 0600);
        zstr_free (&file);
    }
    if (rc == 0 && self->def->prepare)
        rc = self->def->prepare (self, error);
    if (rc == 0 && self->def->schema && wsis_store_migrate (self->store, self->def->schema, error)) {
        char *prefixed = zsys_sprintf ("%s: %s", path, *error);
        free (*error);
        *error = prefixed;
        rc = -1;
    }
    zstr_free (&path);
    if (rc)
        return -1;
#ifdef WSIS_FAULT_INJECTION
    //  WSIS_FAULT_INJECTION=1 (tests only, and only in binaries built with
    //  the hook: never the released image): a file "<name>.fail-commit" in
    //  the data folder makes the next commit fail.
    const char *faults = getenv ("WSIS_FAULT_INJECTION");
    if (faults && streq (faults, "1")) {
        char *fault_file = zsys_sprintf ("%s/%s.fail-commit", data_dir, self->def->name);
        wsis_store_set_fault_file (self->store, fault_file);
        wsis_log_warning ("fault injection is on: %s fails the next commit", fault_file);
        zstr_free (&fault_file);
    }
#endif
    self->outbox = wsis_outbox_new (self->store, self->def->name);
    char *archive = zsys_sprintf ("%s/%s-archive", data_dir, self->def->name);
    self->archive = wsis_archive_new (self->store, archive);
    zstr_free (&archive);
    if (self->outbox && self->archive)
        wsis_outbox_set_archive (self->outbox, self->archive);
    if (self->outbox && self->def->rebuild)
        wsis_outbox_set_rebuild (self->outbox, s_rebuild, self);
    self->cursor = wsis_cursor_new (self->store);
    self->retry = wsis_retry_new (self->store, zclock_time (),
                                  wsis_config_int (self->config, "wsis/replies_ttl_s") * 1000);
    if (!self->outbox || !self->archive || !self->cursor || !self->retry) {
        *error = wsis_strdup ("cannot create the outbox, archive, cursor or replies tables");
        return -1;
    }
    char *database = zsys_sprintf ("%s.db", self->def->name);
    int checked = wsis_watermark_check (self->watermark, database,
                                        wsis_outbox_committed_seq (self->outbox), error);
    zstr_free (&database);
    if (checked)
        return -1;
    self->batch = wsis_batch_new (self->store, self->outbox, self->cursor, self->retry);
    wsis_batch_set_rolled_back (self->batch, s_rolled_back, self);
    wsis_batch_set_watermark (self->batch, self->watermark);
    //  A manual clock goes on from the time it was last set.
    if (wsis_store_exec (self->store,
            "CREATE TABLE IF NOT EXISTS manual_clock ("
            "  id INTEGER PRIMARY KEY CHECK (id = 1), now INTEGER NOT NULL)")) {
        *error = wsis_strdup ("cannot create the manual_clock table");
        return -1;
    }
    s_load_clock (self);
    return 0;
}

static int
s_open_server (wsis_service_t *self, char **error)
{
    self->server = wsis_server_new (self->batch, self->retry, self);
    wsis_server_add_ops (self->server, self->def->ops);
    wsis_server_add_ops (self->server, s_common_ops);
    wsis_server_set_batch_max (self->server, (size_t) wsis_config_int (self->config, "wsis/batch_max"));
    wsis_server_set_max_request (self->server,
                                 (size_t) wsis_config_int (self->config, "wsis/max_request"));
    wsis_server_set_reply_backlog (self->server,
                                   (size_t) wsis_config_int (self->config, "wsis/reply_backlog"));
    wsis_server_set_after_batch (self->server, s_after_batch, self);
    wsis_server_set_curve (self->server, self->curve);
    char *endpoint = wsis_config_endpoint (self->config, self->def->name, "port", true);
    int rc = wsis_server_bind (self->server, endpoint, error);
    zstr_free (&endpoint);
    if (rc == 0)
        wsis_server_attach (self->server, self->loop);
    return rc;
}

static int
s_open_publisher (wsis_service_t *self, char **error)
{
    if (self->has_own_publisher)
        return 0;
    char *endpoint = wsis_config_endpoint (self->config, "bus", "xsub_port", false);
    self->publisher_endpoint = endpoint;
    self->publisher = zsock_new (ZMQ_PUB);
    //  libzmq's default of 1,000 drops part of a burst after a batch
    //  commit; catch-up would repair it, but it should be rare.
    zsock_set_sndhwm (self->publisher, (int) wsis_config_int (self->config, "wsis/event_hwm"));
    zsock_set_linger (self->publisher, 1000);
    int rc = wsis_curve_connect_to (self->curve, self->publisher, "bus", error);
    if (rc == 0 && (rc = zsock_connect (self->publisher, "%s", endpoint)))
        *error = zsys_sprintf ("cannot connect the event publisher to the bus at %s", endpoint);
    else
        wsis_outbox_set_socket (self->outbox, self->publisher);
    return rc;
}

static int
s_open_consumer (wsis_service_t *self, char **error)
{
    const char *const *follows = self->def->follows;
    if (!follows || !follows [0])
        return 0;
    self->consumer = wsis_consumer_new (self->batch, self->cursor, self->def->name);
    wsis_consumer_set_apply (self->consumer, s_apply, self);
    wsis_consumer_set_ignores (self->consumer, self->def->ignores);
    wsis_consumer_set_topics (self->consumer, self->def->topics);
    wsis_consumer_set_curve (self->consumer, self->curve);
    wsis_consumer_set_batch_max (self->consumer,
                                 (size_t) wsis_config_int (self->config, "wsis/batch_max"));
    wsis_consumer_set_catchup (self->consumer,
                               (size_t) wsis_config_int (self->config, "wsis/catchup_page"),
                               wsis_config_int (self->config, "wsis/catchup_timeout_ms"));
    //  Ten heartbeats of the bus missed in a row
    wsis_consumer_set_silence (self->consumer, 10 * wsis_config_int (self->config, "wsis/heartbeat_ms"));
    for (; *follows; follows++) {
        char *endpoint = wsis_config_endpoint (self->config, *follows, "port", false);
        int rc = wsis_consumer_follow (self->consumer, *follows, endpoint, error);
        zstr_free (&endpoint);
        if (rc)
            return -1;
    }
    char *endpoint = wsis_config_endpoint (self->config, "bus", "xpub_port", false);
    int rc = wsis_consumer_connect (self->consumer, endpoint,
                                    (int) wsis_config_int (self->config, "wsis/event_hwm"), error);
    zstr_free (&endpoint);
    if (rc == 0)
        wsis_consumer_attach (self->consumer, self->loop);
    return rc;
}

//  The keys, before anything listens: with keys every socket is CURVE and
//  zauth runs before the first bind; without them the service listens on
//  loopback only, unless told it may be exposed.
static int
s_open_keys (wsis_service_t *self, char **error)
{
    if (wsis_config_check_exposure (self->config, error)
    ||  wsis_curve_load (wsis_config_str (self->config, "wsis/keys"), self->def->name,
                         &self->curve, error))
        return -1;
    return self->curve? wsis_curve_authenticate (self->curve, error): 0;
}

//  In the order that matters: the keys first (a bad key stops the service
//  before it touches anything), the store next (everything else keeps its
//  state there; its file's quick_check runs on a thread meanwhile, and its
//  verdict is awaited before anything else), the endpoint before start (a
//  port in use stops the service before it loads anything), start before
//  the publisher (the bus publishes on its own XPUB), the consumer last
//  (its catch-up applies events through the service's hooks, which need
//  what start loaded).
static int
s_open (wsis_service_t *self, char **error)
{
    self->clock = wsis_clock_new (streq (wsis_config_str (self->config, "wsis/clock"), "manual"));
    self->calendar = wsis_calendar_load (wsis_config_str (self->config, "wsis/calendar"), error);
    if (!self->calendar)
        return -1;
    self->loop = zloop_new ();
    self->started_at = zclock_mono ();
    self->started_wall = zclock_time ();
    if (s_open_keys (self, error))
        return -1;
    int rc = s_open_store (self, error) || s_open_server (self, error);
    if (rc == 0 && self->def->start && self->def->start (self)) {
        *error = wsis_strdup ("start-up failed (see above)");
        rc = -1;
    }
    else
    if (rc == 0)
        self->started = true;
    //  Nothing is served before the file's verdict; a damaged file
    //  explains a failure above better than the failure does.
    char *damaged = NULL;
    if (wsis_quick_check_finish (&self->quick_check, &damaged)) {
        zstr_free (error);
        *error = damaged;
        rc = -1;
    }
    if (rc)
        return -1;
    if (s_open_publisher (self, error) || s_open_consumer (self, error))
        return -1;
    zloop_timer (self->loop, (size_t) wsis_config_int (self->config, "wsis/heartbeat_ms"), 0,
                 s_on_heartbeat, self);
    zloop_timer (self->loop, 1000, 0, s_on_tick, self);
    zloop_timer (self->loop, 60 * 1000, 0, s_on_expire, self);
    self->retention = wsis_retention_new (self->outbox, self->config, self->clock, self->curve,
                                          self->def->name);
    wsis_retention_attach (self->retention, self->loop);
    return 0;
}

wsis_service_t *
wsis_service_new (const wsis_service_def_t *def, void *state,
                  wsis_config_t **config_p, char **error)
{
    *error = NULL;
    wsis_service_t *self = (wsis_service_t *) zmalloc (sizeof (wsis_service_t));
    self->def = def;
    self->state = state;
    self->config = *config_p;
    *config_p = NULL;
    msgpack_sbuffer_init (&self->event);
    msgpack_packer_init (&self->event_pk, &self->event, msgpack_sbuffer_write);
    if (s_open (self, error)) {
        if (!*error)
            *error = wsis_strdup ("cannot start");
        wsis_service_destroy (&self);
    }
    return self;
}

//  Everything in the reverse order of s_open: the parts that use the store
//  go before it.
void
wsis_service_destroy (wsis_service_t **self_p)
{
    if (self_p && *self_p) {
        wsis_service_t *self = *self_p;
        wsis_retention_destroy (&self->retention);
        wsis_consumer_destroy (&self->consumer);
        zsock_destroy (&self->publisher);
        zstr_free (&self->publisher_endpoint);
        if (self->started && self->def->stop)
            self->def->stop (self);
        wsis_server_destroy (&self->server);
        wsis_batch_destroy (&self->batch);
        wsis_retry_destroy (&self->retry);
        wsis_cursor_destroy (&self->cursor);
        wsis_watermark_destroy (&self->watermark);
        wsis_outbox_destroy (&self->outbox);
        wsis_archive_destroy (&self->archive);
        char *unheard = NULL;           //  a start that failed before the verdict
        wsis_quick_check_finish (&self->quick_check, &unheard);
        zstr_free (&unheard);
        wsis_store_destroy (&self->store);
        zloop_destroy (&self->loop);
        wsis_calendar_destroy (&self->calendar);
        wsis_clock_destroy (&self->clock);
        //  After every socket: authentication ends last.
        wsis_curve_destroy (&self->curve);
        wsis_config_destroy (&self->config);
        msgpack_sbuffer_destroy (&self->event);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_service_run (wsis_service_t *self)
{
    //  zloop returns when SIGINT/SIGTERM set zsys_interrupted; the batch in
    //  hand has been committed and answered by then.
    zloop_start (self->loop);
}

//  $TERM from zactor_destroy ends the loop.
static int
s_on_pipe (zloop_t *loop, zsock_t *pipe, void *arg)
{
    char *command = zstr_recv (pipe);
    bool terminate = !command || streq (command, "$TERM");
    zstr_free (&command);
    return terminate? -1: 0;
}

void
wsis_service_actor (zsock_t *pipe, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    zloop_reader (self->loop, pipe, s_on_pipe, self);
    zsock_signal (pipe, 0);
    zloop_start (self->loop);
    zloop_reader_end (self->loop, pipe);
}
