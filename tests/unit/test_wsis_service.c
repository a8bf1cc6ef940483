/*  test_wsis_service: a whole service, composed and run inside the test
    process (docs/design.md, "One thread per service").

    wsis_service_new builds a service from a definition and a
    configuration set in code; wsis_service_actor runs it in a thread of
    its own, and the test talks to it over ZeroMQ as any client would.
    Two services in one process, with CZMQ's zproxy as the bus between
    them, show the parts composed end to end: a producer whose writes are
    on disk before its reply and whose events come back from events.since
    after a restart, and a consumer that applies every one of them exactly
    once, whether it learns of them by catch-up at start or live.

    Covered: the common operations (sys.ping, sys.stats, sys.clock.set
    with the service's tick after it, unknown operations, roles), a write
    that survives destroy and new, a failing write that leaves nothing,
    catch-up at start and live events through the bus, def->stop, and the
    errors of wsis_service_new (a port in use, a missing calendar), which
    take ownership of the configuration all the same.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_actor.h"
#include "wsis_service.h"
#include "test_sockets.h"
#include "test_support.h"

#define CALENDAR_FILE "../../configs/calendar.cfg"

//  The test services: a producer of notes and a consumer that counts them.
static const char s_schema [] =
    "-- version 1\n"
    "CREATE TABLE note (number INTEGER PRIMARY KEY, text TEXT NOT NULL);\n";

//  What a test service keeps in memory; read by the test only once the
//  actor has stopped.
typedef struct {
    uint64_t applied [16];      //  seqs applied by the consumer, in order
    size_t applied_count;
    int64_t ticked_at;          //  the clock seen by the last tick after sys.clock.set
    int stops;
} state_t;

//  note.add {text} -> {number}: a row and a note.added event. "fail" as
//  the text writes the row and then fails, as a handler that meets a
//  broken rule late would.
static int
s_op_note_add (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    const msgpack_object *text = wsis_msg_get (request->body, "text");
    if (!text || text->type != MSGPACK_OBJECT_STR)
        return wsis_reply_fail (reply, "validation", "text", "a string is required");
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "INSERT INTO note (text) VALUES (?)");
    wsis_store_bind_textn (stmt, 1, text->via.str.ptr, text->via.str.size);
    if (wsis_store_run (store, stmt))
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    int64_t number = sqlite3_last_insert_rowid (wsis_store_db (store));
    msgpack_packer *pk = wsis_service_event (service);
    msgpack_pack_map (pk, 1);
    wsis_pack_kv_int (pk, "number", number);
    if (wsis_service_event_emit (service, "note.added"))
        return wsis_reply_fail (reply, "internal", NULL, "the outbox failed");
    if (wsis_msg_str_equals (text, "fail"))
        return wsis_reply_fail (reply, "conflict", "text", "refused after writing");
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_int (&reply->pk, "number", number);
    return 0;
}

//  note.count {} -> {notes}: staff only.
static int
s_op_note_count (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_int (&reply->pk, "notes",
                      wsis_store_int (wsis_service_store (service), "SELECT count(*) FROM note", -1));
    return 0;
}

static const wsis_op_t s_producer_ops [] = {
    { "note.add", s_op_note_add, WSIS_ROLE_PUBLIC, WSIS_OP_WRITES, "text?" },
    { "note.count", s_op_note_count, WSIS_ROLE_STAFF, 0, "text?" },
    { NULL }
};

static void
s_tick (wsis_service_t *service)
{
    state_t *state = (state_t *) wsis_service_state (service);
    state->ticked_at = wsis_service_now (service);
}

static void
s_stop (wsis_service_t *service)
{
    ((state_t *) wsis_service_state (service))->stops++;
}

//  The producer takes the name of a real service so that the option
//  table has its port; the consumer likewise.
static const wsis_service_def_t s_producer = {
    .name = "submissions",
    .version = "test",
    .schema = s_schema,
    .ops = s_producer_ops,
    .tick = s_tick,
    .stop = s_stop,
};

static int
s_apply (wsis_service_t *service, const wsis_event_t *event)
{
    state_t *state = (state_t *) wsis_service_state (service);
    if (state->applied_count < 16)
        state->applied [state->applied_count++] = event->seq;
    return 0;
}

static const char *const s_follows [] = { "submissions", NULL };

static const wsis_service_def_t s_consumer = {
    .name = "reporting",
    .version = "test",
    .follows = s_follows,
    .apply = s_apply,
};

//  -------------------------------------------------------------------------
//  Fixture: a data dir, ports, the bus, and clients

typedef struct {
    char dir [256];
    int ports [4];              //  producer, consumer, bus XSUB, bus XPUB
    zactor_t *bus;
    zsock_t *clients [2];       //  REQ to the producer and to the consumer
} fixture_t;

static void
s_set (wsis_config_t *config, const char *name, const char *value)
{
    char *error = NULL;
    assert_int_equal (wsis_config_set (config, name, value, &error), 0);
    assert_null (error);
}

static void
s_set_port (wsis_config_t *config, const char *name, int port)
{
    char text [16];
    snprintf (text, sizeof text, "%d", port);
    s_set (config, name, text);
}

//  A configuration for the fixture's dir and ports, the clock manual.
static wsis_config_t *
s_config (fixture_t *fixture)
{
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (NULL, &error);
    assert_non_null (config);
    s_set (config, "wsis/data_dir", fixture->dir);
    s_set (config, "wsis/clock", "manual");
    s_set (config, "wsis/calendar", CALENDAR_FILE);
    s_set (config, "wsis/heartbeat_ms", "100");
    s_set_port (config, "submissions/port", fixture->ports [0]);
    s_set_port (config, "reporting/port", fixture->ports [1]);
    s_set_port (config, "bus/xsub_port", fixture->ports [2]);
    s_set_port (config, "bus/xpub_port", fixture->ports [3]);
    return config;
}

static wsis_service_t *
s_new (fixture_t *fixture, const wsis_service_def_t *def, state_t *state)
{
    wsis_config_t *config = s_config (fixture);
    char *error = NULL;
    wsis_service_t *service = wsis_service_new (def, state, &config, &error);
    assert_null (config);
    if (!service)
        fail_msg ("wsis_service_new: %s", error);
    return service;
}

//  The bus: CZMQ's own XSUB/XPUB proxy on the fixture's ports.
static void
s_bus_start (fixture_t *fixture)
{
    fixture->bus = zactor_new (zproxy, NULL);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", fixture->ports [2]);
    zstr_sendx (fixture->bus, "FRONTEND", "XSUB", endpoint, NULL);
    zsock_wait (fixture->bus);
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", fixture->ports [3]);
    zstr_sendx (fixture->bus, "BACKEND", "XPUB", endpoint, NULL);
    zsock_wait (fixture->bus);
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) zmalloc (sizeof (fixture_t));
    assert_int_equal (test_tempdir_make (fixture->dir, sizeof fixture->dir, "test_wsis_service"), 0);
    for (int i = 0; i < 4; i++)
        fixture->ports [i] = test_free_port ();
    for (int i = 0; i < 2; i++) {
        char endpoint [64];
        snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", fixture->ports [i]);
        fixture->clients [i] = zsock_new_req (endpoint);
        zsock_set_rcvtimeo (fixture->clients [i], TEST_DEADLINE_MS);
    }
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    for (int i = 0; i < 2; i++)
        zsock_destroy (&fixture->clients [i]);
    zactor_destroy (&fixture->bus);
    //  The store's folder holds the database and its WAL files.
    int rc = test_tempdir_remove (fixture->dir);
    free (fixture);
    return rc;
}

//  -------------------------------------------------------------------------
//  Requests, as an outside client sends them

//  A reply as received: the unpacked objects point into the frame, so
//  both live until s_reply_destroy.
typedef struct {
    msgpack_sbuffer frame;
    msgpack_unpacked unpacked;
} reply_t;

static void
s_reply_destroy (reply_t *reply)
{
    msgpack_unpacked_destroy (&reply->unpacked);
    msgpack_sbuffer_destroy (&reply->frame);
}

//  Sends {v, id, op, actor: {role}, body} and receives the reply (the
//  caller destroys it). body is packed msgpack or NULL for {}.
static void
s_call (zsock_t *client, const char *op, const char *role, const msgpack_sbuffer *body,
        reply_t *reply)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    wsis_pack_kv_int (&pk, "v", 1);
    wsis_pack_kv_str (&pk, "id", op);
    wsis_pack_kv_str (&pk, "op", op);
    wsis_pack_str (&pk, "actor");
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_str (&pk, "role", role);
    wsis_pack_str (&pk, "body");
    if (body)
        wsis_pack_raw (&pk, body->data, body->size);
    else
        msgpack_pack_map (&pk, 0);
    assert_int_equal (zsock_send (client, "b", buffer.data, buffer.size), 0);
    msgpack_sbuffer_destroy (&buffer);

    zframe_t *frame = zframe_recv (client);
    assert_non_null (frame);
    msgpack_sbuffer_init (&reply->frame);
    msgpack_sbuffer_write (&reply->frame, (const char *) zframe_data (frame), zframe_size (frame));
    zframe_destroy (&frame);
    test_unpack_whole (&reply->unpacked, &reply->frame);
}

//  The body of an ok reply; fails the test on an error reply.
static const msgpack_object *
s_body (const reply_t *reply)
{
    const msgpack_object *ok = wsis_msg_get (&reply->unpacked.data, "ok");
    assert_non_null (ok);
    if (!ok->via.boolean) {
        const msgpack_object *error = wsis_msg_get (&reply->unpacked.data, "error");
        const msgpack_object *message = wsis_msg_get (error, "message");
        fail_msg ("error reply: %.*s", (int) message->via.str.size, message->via.str.ptr);
    }
    return wsis_msg_get (&reply->unpacked.data, "body");
}

//  The error code of an error reply.
static void
s_expect_error (const reply_t *reply, const char *code)
{
    const msgpack_object *ok = wsis_msg_get (&reply->unpacked.data, "ok");
    assert_false (ok->via.boolean);
    const msgpack_object *error = wsis_msg_get (&reply->unpacked.data, "error");
    assert_true (wsis_msg_str_equals (wsis_msg_get (error, "code"), code));
}

static uint64_t
s_uint (const msgpack_object *map, const char *key)
{
    const msgpack_object *value = wsis_msg_get (map, key);
    assert_non_null (value);
    assert_int_equal (value->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    return value->via.u64;
}

//  A body of one string field.
static void
s_body_str (msgpack_sbuffer *body, const char *key, const char *value)
{
    msgpack_sbuffer_init (body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_str (&pk, key, value);
}

//  note.add {text} on the producer; returns the reply's number, or 0 for
//  an error reply with code (which must be given then).
static uint64_t
s_add_note (fixture_t *fixture, const char *text, const char *code)
{
    msgpack_sbuffer body;
    s_body_str (&body, "text", text);
    reply_t reply;
    s_call (fixture->clients [0], "note.add", "public", &body, &reply);
    msgpack_sbuffer_destroy (&body);
    uint64_t number = 0;
    if (code)
        s_expect_error (&reply, code);
    else
        number = s_uint (s_body (&reply), "number");
    s_reply_destroy (&reply);
    return number;
}

//  One uint field of the body of a read-only operation on a service.
static uint64_t
s_read (zsock_t *client, const char *op, const char *role, const char *key)
{
    reply_t reply;
    s_call (client, op, role, NULL, &reply);
    uint64_t value = s_uint (s_body (&reply), key);
    s_reply_destroy (&reply);
    return value;
}

//  -------------------------------------------------------------------------
//  Tests

static void
test_common_operations (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    state_t memory = { 0 };
    wsis_service_t *service = s_new (fixture, &s_producer, &memory);
    zactor_t *running = zactor_new (wsis_service_actor, service);

    reply_t reply;
    s_call (fixture->clients [0], "sys.ping", "public", NULL, &reply);
    const msgpack_object *body = s_body (&reply);
    assert_true (wsis_msg_str_equals (wsis_msg_get (body, "service"), "submissions"));
    assert_true (wsis_msg_str_equals (wsis_msg_get (body, "version"), "test"));
    assert_int_equal (s_uint (body, "last_seq"), 0);
    s_reply_destroy (&reply);

    //  The service's own operations come first, the common ones after;
    //  an operation of neither is unknown; roles are checked.
    s_call (fixture->clients [0], "note.remove", "operator", NULL, &reply);
    s_expect_error (&reply, "unknown_op");
    s_reply_destroy (&reply);
    s_call (fixture->clients [0], "note.count", "stakeholder", NULL, &reply);
    s_expect_error (&reply, "forbidden");
    s_reply_destroy (&reply);
    assert_int_equal (s_read (fixture->clients [0], "note.count", "staff", "notes"), 0);

    //  The manual clock moves, and the service's tick sees it right after
    //  the batch that moved it.
    msgpack_sbuffer now;
    s_body_str (&now, "now", "2022-03-31T21:00:00Z");
    s_call (fixture->clients [0], "sys.clock.set", "operator", &now, &reply);
    assert_true (wsis_msg_str_equals (wsis_msg_get (s_body (&reply), "now"), "2022-03-31T21:00:00Z"));
    s_reply_destroy (&reply);
    msgpack_sbuffer_destroy (&now);
    //  Six requests so far, this one included; two were errors.
    assert_int_equal (s_read (fixture->clients [0], "sys.stats", "public", "requests"), 6);
    assert_int_equal (s_read (fixture->clients [0], "sys.stats", "public", "errors"), 2);

    //  Anyone may read the clock; it says it is manual.
    s_call (fixture->clients [0], "sys.clock.get", "public", NULL, &reply);
    body = s_body (&reply);
    assert_true (wsis_msg_str_equals (wsis_msg_get (body, "now"), "2022-03-31T21:00:00Z"));
    const msgpack_object *manual = wsis_msg_get (body, "manual");
    assert_non_null (manual);
    assert_int_equal (manual->type, MSGPACK_OBJECT_BOOLEAN);
    assert_true (manual->via.boolean);
    s_reply_destroy (&reply);
    //  The counters that restart with the process say from when: the
    //  wall-clock start, not the manual clock's 2022.
    s_call (fixture->clients [0], "sys.stats", "public", NULL, &reply);
    const msgpack_object *since = wsis_msg_get (s_body (&reply), "since");
    assert_non_null (since);
    assert_int_equal (since->type, MSGPACK_OBJECT_STR);
    char since_text [WSIS_TIME_BUFSIZE] = "";
    assert_true (since->via.str.size < sizeof since_text);
    memcpy (since_text, since->via.str.ptr, since->via.str.size);
    int64_t started;
    assert_int_equal (wsis_time_parse (since_text, &started), 0);
    assert_true (started <= zclock_time ());
    assert_true (started > test_utc ("2026-01-01T00:00:00Z"));
    s_reply_destroy (&reply);

    wsis_actor_destroy (&running);
    assert_int_equal (memory.ticked_at, test_utc ("2022-03-31T21:00:00Z"));
    assert_int_equal (memory.stops, 0);
    wsis_service_destroy (&service);
    assert_null (service);
    assert_int_equal (memory.stops, 1);
}

static void
test_writes_survive_a_restart (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    state_t memory = { 0 };
    wsis_service_t *service = s_new (fixture, &s_producer, &memory);
    zactor_t *running = zactor_new (wsis_service_actor, service);
    msgpack_sbuffer now;
    s_body_str (&now, "now", "2027-03-31T20:00:00Z");
    reply_t reply;
    s_call (fixture->clients [0], "sys.clock.set", "operator", &now, &reply);
    s_reply_destroy (&reply);
    msgpack_sbuffer_destroy (&now);
    assert_int_equal (s_add_note (fixture, "first", NULL), 1);
    //  Written, then refused: its row and its event are gone.
    assert_int_equal (s_add_note (fixture, "fail", "conflict"), 0);
    assert_int_equal (s_add_note (fixture, "second", NULL), 2);
    wsis_actor_destroy (&running);
    wsis_service_destroy (&service);

    //  The same data dir, a new service: what was acked is there, and the
    //  events are served by events.since without a gap.
    service = s_new (fixture, &s_producer, &memory);
    running = zactor_new (wsis_service_actor, service);
    assert_int_equal (s_read (fixture->clients [0], "note.count", "staff", "notes"), 2);
    assert_int_equal (s_read (fixture->clients [0], "sys.ping", "public", "last_seq"), 2);
    //  The manual clock goes on from where it was set, not from 1970.
    assert_int_equal (wsis_clock_now (wsis_service_clock (service)), test_utc ("2027-03-31T20:00:00Z"));
    s_call (fixture->clients [0], "events.since", "service", NULL, &reply);
    const msgpack_object *events = wsis_msg_get (s_body (&reply), "events");
    assert_int_equal (events->via.array.size, 2);
    for (uint32_t i = 0; i < 2; i++) {
        const msgpack_object *envelope = &events->via.array.ptr [i];
        assert_int_equal (s_uint (envelope, "seq"), i + 1);
        assert_true (wsis_msg_str_equals (wsis_msg_get (envelope, "type"), "note.added"));
        assert_int_equal (s_uint (wsis_msg_get (envelope, "body"), "number"), i + 1);
    }
    s_reply_destroy (&reply);
    wsis_actor_destroy (&running);
    wsis_service_destroy (&service);
    assert_int_equal (memory.stops, 2);
}

//  What the consumer's sys.stats says of the producer: in the map key of
//  its body, under "submissions" (sources.submissions.applied, lag.submissions).
static uint64_t
s_consumer_stat (fixture_t *fixture, const char *key, const char *field)
{
    reply_t reply;
    s_call (fixture->clients [1], "sys.stats", "public", NULL, &reply);
    const msgpack_object *per_source = wsis_msg_get (s_body (&reply), key);
    uint64_t value = field? s_uint (wsis_msg_get (per_source, "submissions"), field):
                            s_uint (per_source, "submissions");
    s_reply_destroy (&reply);
    return value;
}

//  The consumer's count of applied events of the producer.
static uint64_t
s_applied (fixture_t *fixture)
{
    return s_consumer_stat (fixture, "sources", "applied");
}

static void
test_consumer_applies_each_event_once (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_bus_start (fixture);
    state_t produced = { 0 }, consumed = { 0 };
    wsis_service_t *producer = s_new (fixture, &s_producer, &produced);
    zactor_t *producing = zactor_new (wsis_service_actor, producer);
    //  Before the consumer exists: it learns of these by catch-up.
    assert_int_equal (s_add_note (fixture, "one", NULL), 1);
    assert_int_equal (s_add_note (fixture, "two", NULL), 2);

    wsis_service_t *consumer = s_new (fixture, &s_consumer, &consumed);
    zactor_t *consuming = zactor_new (wsis_service_actor, consumer);
    //  Asked, not slept on: sys.stats until the catch-up has landed, with
    //  the test's deadline.
    int64_t deadline = zclock_mono () + TEST_DEADLINE_MS;
    while (s_applied (fixture) < 2 && zclock_mono () < deadline)
        zclock_sleep (10);
    assert_int_equal (s_applied (fixture), 2);

    //  After: live through the bus, or by catch-up when the heartbeat
    //  shows the consumer behind; either way once.
    assert_int_equal (s_add_note (fixture, "three", NULL), 3);
    assert_int_equal (s_add_note (fixture, "fail", "conflict"), 0);
    assert_int_equal (s_add_note (fixture, "four", NULL), 4);
    deadline = zclock_mono () + TEST_DEADLINE_MS;
    while (s_applied (fixture) < 4 && zclock_mono () < deadline)
        zclock_sleep (10);
    assert_int_equal (s_applied (fixture), 4);
    //  Caught up, and it asked the producer at least once (at start)
    assert_int_equal (s_consumer_stat (fixture, "lag", NULL), 0);
    assert_true (s_consumer_stat (fixture, "catchups", NULL) >= 1);

    wsis_actor_destroy (&consuming);
    wsis_actor_destroy (&producing);
    assert_int_equal (consumed.applied_count, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal (consumed.applied [i], i + 1);
    wsis_service_destroy (&consumer);
    wsis_service_destroy (&producer);
}

static void
test_new_fails_clearly (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    state_t memory = { 0 };
    //  Something else holds the port.
    zsock_t *squatter = zsock_new (ZMQ_ROUTER);
    assert_int_equal (zsock_bind (squatter, "tcp://127.0.0.1:%d", fixture->ports [0]),
                      fixture->ports [0]);
    wsis_config_t *config = s_config (fixture);
    char *error = NULL;
    assert_null (wsis_service_new (&s_producer, &memory, &config, &error));
    assert_null (config);
    assert_non_null (error);
    assert_non_null (strstr (error, "cannot bind"));
    free (error);
    zsock_destroy (&squatter);
    //  start never ran, so neither did stop.
    assert_int_equal (memory.stops, 0);

    //  A calendar that is not there is named in the error.
    config = s_config (fixture);
    s_set (config, "wsis/calendar", "no-such-calendar.cfg");
    error = NULL;
    assert_null (wsis_service_new (&s_producer, &memory, &config, &error));
    assert_null (config);
    assert_non_null (error);
    assert_non_null (strstr (error, "no-such-calendar.cfg"));
    free (error);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_common_operations, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_writes_survive_a_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_consumer_applies_each_event_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_new_fails_clearly, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
