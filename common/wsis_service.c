/*  wsis_service: lifecycle, timers and the common operations of a service. */
#include "wsis_service_private.h"
#include "wsis_log.h"

#include <getopt.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

void *wsis_service_state (wsis_service_t *self) { return self->state; }
wsis_store_t *wsis_service_store (wsis_service_t *self) { return self->store; }
wsis_config_t *wsis_service_config (wsis_service_t *self) { return self->config; }
wsis_calendar_t *wsis_service_calendar (wsis_service_t *self) { return self->calendar; }
wsis_clock_t *wsis_service_clock (wsis_service_t *self) { return self->clock; }
zloop_t *wsis_service_loop (wsis_service_t *self) { return self->loop; }
const char *wsis_service_name (wsis_service_t *self) { return self->def->name; }
int64_t wsis_service_now (wsis_service_t *self) { return wsis_clock_now (self->clock); }

int
wsis_service_emit (wsis_service_t *self, const char *type, const void *body, size_t size)
{
    return wsis_outbox_append (self->outbox, type, wsis_clock_now (self->clock), body, size);
}

uint64_t
wsis_service_last_seq (wsis_service_t *self)
{
    return wsis_outbox_last_seq (self->outbox);
}

void
wsis_service_set_limits (wsis_service_t *self, const wsis_msg_limits_t *limits)
{
    self->limits = *limits;
}

void
wsis_service_set_publisher (wsis_service_t *self, zsock_t *socket)
{
    self->publisher_override = socket;
    wsis_outbox_set_socket (self->outbox, socket);
}

int
wsis_service_finish (wsis_service_t *self, bool commit)
{
    if (commit && wsis_store_commit (self->store) == 0) {
        //  Durable now: publish, and the in-memory mirrors of cursor and
        //  stored replies may count on it.
        wsis_outbox_flush (self->outbox);
        wsis_cursor_commit (self->cursor);
        wsis_replies_commit (self->replies);
        return 0;
    }
    wsis_store_rollback (self->store);
    wsis_outbox_abort (self->outbox);
    wsis_cursor_abort (self->cursor);
    wsis_replies_abort (self->replies);
    if (self->def->rolled_back)
        self->def->rolled_back (self);
    return -1;
}

int
wsis_service_transact (wsis_service_t *self,
                       int (*fn) (wsis_service_t *service, void *arg), void *arg)
{
    if (wsis_store_begin (self->store))
        return -1;
    int rc = fn (self, arg);
    return wsis_service_finish (self, rc == 0);
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
    wsis_consumer_tick (self);
    if (self->def->tick)
        self->def->tick (self);
    return 0;
}

static int
s_on_expire (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *self = (wsis_service_t *) arg;
    if (wsis_store_begin (self->store) == 0) {
        wsis_replies_expire (self->replies, zclock_time ());
        wsis_service_finish (self, true);
    }
    return 0;
}

static void
s_usage (const char *program)
{
    fprintf (stderr,
        "usage: %s [-c FILE]\n"
        "  -c FILE   configuration (default $WSIS_CONFIG, else configs/wsis.cfg)\n"
        "  -h        this help\n\n", program);
    wsis_config_print_help (stderr);
}

//  Everything a service holds, in the order it is built; destroyed in reverse.
static void
s_destroy (wsis_service_t *self)
{
    wsis_consumer_stop (self);
    wsis_server_stop (self);
    zsock_destroy (&self->publisher);
    zloop_destroy (&self->loop);
    wsis_replies_destroy (&self->replies);
    wsis_cursor_destroy (&self->cursor);
    wsis_outbox_destroy (&self->outbox);
    wsis_store_destroy (&self->store);
    wsis_calendar_destroy (&self->calendar);
    wsis_clock_destroy (&self->clock);
    wsis_config_destroy (&self->config);
}

static int
s_open (wsis_service_t *self, const char *config_path, char **error)
{
    self->config = wsis_config_load (config_path, error);
    if (!self->config)
        return -1;
    self->clock = wsis_clock_new (streq (wsis_config_str (self->config, "wsis/clock"), "manual"));
    self->calendar = wsis_calendar_load (wsis_config_str (self->config, "wsis/calendar"), error);
    if (!self->calendar)
        return -1;

    const char *data_dir = wsis_config_str (self->config, "wsis/data_dir");
    //  Several services may create the same folder at the same moment:
    //  the folder being there is what counts.
    int mode = zsys_dir_create ("%s", data_dir)? zsys_file_mode (data_dir): S_IFDIR;
    if (mode == -1 || !(mode & S_IFDIR)) {
        *error = zsys_sprintf ("%s: cannot create the data folder", data_dir);
        return -1;
    }
    char *path = zsys_sprintf ("%s/%s.db", data_dir, self->def->name);
    self->store = wsis_store_open (path, self->def->schema, error);
    zstr_free (&path);
    if (!self->store)
        return -1;
    //  WSIS_FAULT_INJECTION=1 (tests only): a file "<name>.fail-commit" in
    //  the data folder makes the next commit fail.
    const char *faults = getenv ("WSIS_FAULT_INJECTION");
    if (faults && streq (faults, "1")) {
        char *fault_file = zsys_sprintf ("%s/%s.fail-commit", data_dir, self->def->name);
        wsis_store_set_fault_file (self->store, fault_file);
        wsis_log_warning ("fault injection is on: %s fails the next commit", fault_file);
        zstr_free (&fault_file);
    }
    self->outbox = wsis_outbox_new (self->store, self->def->name);
    self->cursor = wsis_cursor_new (self->store);
    self->replies = wsis_replies_new (self->store, zclock_time (),
                                      wsis_config_int (self->config, "wsis/replies_ttl_s") * 1000);
    if (!self->outbox || !self->cursor || !self->replies) {
        *error = strdup ("cannot create the outbox, cursor or replies tables");
        return -1;
    }
    self->limits = wsis_msg_default_limits;
    self->max_request = (size_t) wsis_config_int (self->config, "wsis/max_request");
    self->batch_max = (size_t) wsis_config_int (self->config, "wsis/batch_max");
    self->loop = zloop_new ();
    self->started = zclock_mono ();

    if (wsis_server_start (self, error))
        return -1;
    if (self->def->start && self->def->start (self)) {
        *error = strdup ("start-up failed (see above)");
        return -1;
    }
    if (!self->publisher_override) {
        char *endpoint = wsis_config_endpoint (self->config, "bus", "xsub_port", false);
        self->publisher = zsock_new (ZMQ_PUB);
        //  libzmq's default of 1,000 drops part of a burst after a batch
        //  commit; catch-up would repair it, but it should be rare.
        zsock_set_sndhwm (self->publisher, (int) wsis_config_int (self->config, "wsis/event_hwm"));
        zsock_set_linger (self->publisher, 1000);
        int rc = zsock_connect (self->publisher, "%s", endpoint);
        zstr_free (&endpoint);
        if (rc) {
            *error = strdup ("cannot connect the event publisher to the bus");
            return -1;
        }
        wsis_outbox_set_socket (self->outbox, self->publisher);
    }
    if (wsis_consumer_start (self, error))
        return -1;

    zloop_timer (self->loop, (size_t) wsis_config_int (self->config, "wsis/heartbeat_ms"), 0,
                 s_on_heartbeat, self);
    zloop_timer (self->loop, 1000, 0, s_on_tick, self);
    zloop_timer (self->loop, 60 * 1000, 0, s_on_expire, self);
    return 0;
}

int
wsis_service_main (const wsis_service_def_t *def, void *state, int argc, char *argv [])
{
    char program [64];
    snprintf (program, sizeof program, "wsis-%s", def->name);
    const char *config_path = getenv ("WSIS_CONFIG");
    bool explicit_config = config_path != NULL;
    int option;
    while ((option = getopt (argc, argv, "c:hv")) != -1) {
        if (option == 'c') {
            config_path = optarg;
            explicit_config = true;
        }
        else
        if (option == 'v') {
            printf ("%s %s\n", program, def->version);
            return 0;
        }
        else {
            s_usage (program);
            return option == 'h'? 0: 2;
        }
    }
    if (!config_path)
        config_path = "configs/wsis.cfg";
    if (!explicit_config && !zsys_file_exists (config_path))
        config_path = NULL;     //  defaults and environment only

    zsys_init ();
    wsis_log_init (program);
    zsys_set_linger (0);

    wsis_service_t service = { 0 };
    wsis_service_t *self = &service;
    self->def = def;
    self->state = state;
    char *error = NULL;
    if (s_open (self, config_path, &error)) {
        fprintf (stderr, "%s: %s\n", program, error? error: "cannot start");
        free (error);
        s_destroy (self);
        return 1;
    }
    char *endpoint = wsis_config_endpoint (self->config, def->name, "port", true);
    wsis_log_info ("%s %s listening on %s, data in %s, clock %s", program, def->version, endpoint,
                   wsis_config_str (self->config, "wsis/data_dir"),
                   wsis_clock_manual (self->clock)? "manual": "real");
    zstr_free (&endpoint);
    wsis_log_notice ("development mode: no CURVE keys configured, roles are taken from actor.role");

    //  zloop returns when SIGINT/SIGTERM set zsys_interrupted; the batch in
    //  hand has been committed and answered by then (handlers run whole).
    zloop_start (self->loop);
    wsis_log_info ("%s stopping", program);
    if (def->stop)
        def->stop (self);
    s_destroy (self);
    return 0;
}
