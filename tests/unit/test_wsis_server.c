/*  test_wsis_server: the command endpoint (docs/protocol.md sections 1, 2
    and 6).

    A real wsis_server_t over a real store, outbox, retry index and batch,
    driven from DEALERs in the test thread; replies are decoded with
    msgpack-c. The test's own operations (a write that emits an event and
    can fail after writing, a read, a write with its own retry safety, a
    staff-only write) run as handlers with the fixture as their context.

    Batching is what the server is for, so most tests bind it on inproc:
    there a request is readable by the ROUTER as soon as the DEALER's send
    returns, so "N requests ready at once" is exact and the batch counts
    are deterministic. Routing, where the transport matters, is tested
    over tcp://127.0.0.1 with the server attached to a zloop that runs
    until every request is answered. Covered: one commit per batch and
    batch_max, a failing request under its savepoint while the rest of
    the batch commits with gap-free events, a request without a savepoint
    failing before it wrote (the batch goes on) and after (the batch is
    rolled back as by a failed commit), a failed commit (every write
    answers `unavailable`, nothing on disk, nothing published), a store
    that cannot begin, the role check, stored replies and what must not
    be stored, too_large, malformed frames, routing frames, the
    after_batch hook and the counters, and one request run in-process
    in the caller's batch (wsis_server_handle).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_backlog.h"
#include "wsis_server.h"
#include "test_runtime.h"

typedef struct {
    test_runtime_t runtime;     //  store, outbox "items", retry, batch
    wsis_server_t *server;
    zloop_t *loop;              //  outlives the server, which ends its reader
    zsock_t *client;            //  a DEALER connected to the server
    char endpoint [64];
    int adds;                   //  handler runs
    int votes;
    int counts;
    int batches;                //  after_batch calls
    bool open_after_batch;      //  a transaction was open in after_batch
    uint64_t answered;          //  what the zloop waits for (requests)
} fixture_t;

//  A reply as the client sees it.
typedef struct {
    char id [80];
    bool ok;
    char code [32];             //  error.code, "" when ok
    char field [64];            //  error.field, "" when none
    uint64_t n;                 //  body.n, body.count or UINT64_MAX
    uint64_t seq;               //  body.seq or UINT64_MAX
    unsigned char raw [512];    //  the whole reply frame
    size_t raw_size;
} answer_t;


//  --------------------------------------------------------------------------
//  The operations under test. The context is the fixture.

//  The n of the request body, or 0 when there is none.
static uint64_t
s_body_n (const wsis_request_t *request)
{
    const msgpack_object *number = wsis_msg_get (request->body, "n");
    return number && number->type == MSGPACK_OBJECT_POSITIVE_INTEGER? number->via.u64: 0;
}

//  Writes a row and emits item.added {n}; n = 0 is refused only after
//  both, so the savepoint has something to take back.
static int
s_op_add (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    fixture_t *fixture = (fixture_t *) service;
    fixture->adds++;
    uint64_t number = s_body_n (request);
    test_runtime_insert (&fixture->runtime, number);
    if (test_runtime_emit (&fixture->runtime, number))
        return wsis_reply_fail (reply, "internal", NULL, "outbox");
    if (number == 0)
        return wsis_reply_fail (reply, "validation", "n", "n must be positive");
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_uint (&reply->pk, "n", number);
    wsis_pack_kv_uint (&reply->pk, "seq", wsis_outbox_last_seq (fixture->runtime.outbox));
    return 0;
}

//  Writes a row and fails without saying why: `internal`.
static int
s_op_crash (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    test_runtime_insert (&((fixture_t *) service)->runtime, 99);
    return -1;
}

//  Naturally idempotent in a real service; here it only counts.
static int
s_op_vote (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    fixture_t *fixture = (fixture_t *) service;
    fixture->votes++;
    test_runtime_insert (&fixture->runtime, s_body_n (request));
    return 0;
}

//  Without a savepoint (WSIS_OP_NO_SAVEPOINT): n = 0 is refused before
//  writing, n = 13 after (as a store failure would be), else as item.add.
static int
s_op_bare (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    fixture_t *fixture = (fixture_t *) service;
    uint64_t number = s_body_n (request);
    if (number == 0)
        return wsis_reply_fail (reply, "validation", "n", "n must be positive");
    test_runtime_insert (&fixture->runtime, number);
    if (number == 13 || test_runtime_emit (&fixture->runtime, number))
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_uint (&reply->pk, "n", number);
    wsis_pack_kv_uint (&reply->pk, "seq", wsis_outbox_last_seq (fixture->runtime.outbox));
    return 0;
}

static int
s_op_count (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    fixture_t *fixture = (fixture_t *) service;
    fixture->counts++;
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_int (&reply->pk, "n", test_runtime_rows (&fixture->runtime));
    return 0;
}

static int
s_op_purge (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    fixture_t *fixture = (fixture_t *) service;
    return wsis_store_exec (fixture->runtime.store, "DELETE FROM item")?
           wsis_reply_fail (reply, "internal", NULL, "delete"): 0;
}

static int
s_op_refuse (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    return wsis_reply_fail (reply, "conflict", NULL, "not this table's operation");
}

static const wsis_op_t s_ops [] = {
    { "item.add", s_op_add, WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_STAFF, WSIS_OP_WRITES, "n?" },
    { "item.crash", s_op_crash, WSIS_ROLE_PUBLIC, WSIS_OP_WRITES, "n?" },
    { "item.vote", s_op_vote, WSIS_ROLE_STAKEHOLDER, WSIS_OP_WRITES | WSIS_OP_OWN_RETRY, "n?" },
    { "item.count", s_op_count, WSIS_ROLE_PUBLIC, 0, "n?" },
    { "item.bare", s_op_bare, WSIS_ROLE_PUBLIC,
      WSIS_OP_WRITES | WSIS_OP_OWN_RETRY | WSIS_OP_NO_SAVEPOINT, "n?" },
    { "item.purge", s_op_purge, WSIS_ROLE_STAFF, WSIS_OP_WRITES, NULL },
    { NULL }
};

//  A second table, as the common operations are added after a service's
//  own: its item.count must never be found, its item.other must.
static const wsis_op_t s_other_ops [] = {
    { "item.count", s_op_refuse, WSIS_ROLE_PUBLIC, 0, "n?" },
    { "item.other", s_op_count, WSIS_ROLE_PUBLIC, 0, "n?" },
    { NULL }
};


//  --------------------------------------------------------------------------
//  Fixture

static int s_endpoint_count;

static void
s_on_after_batch (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    fixture->batches++;
    if (wsis_batch_is_open (fixture->runtime.batch))
        fixture->open_after_batch = true;
}

//  A DEALER connected to the server, as a REQ-like client.
static zsock_t *
s_client_new (fixture_t *fixture)
{
    zsock_t *client = zsock_new (ZMQ_DEALER);
    assert_non_null (client);
    zsock_set_rcvtimeo (client, TEST_DEADLINE_MS);
    zsock_set_linger (client, 0);
    assert_int_equal (zsock_connect (client, "%s", fixture->endpoint), 0);
    return client;
}

//  Everything but the endpoint, which decides the transport.
static int
s_setup_at (void **state, bool tcp)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture)
        return -1;
    test_runtime_setup (&fixture->runtime, "test_wsis_server", "items");
    if (tcp)
        snprintf (fixture->endpoint, sizeof fixture->endpoint, "tcp://127.0.0.1:%d", test_free_port ());
    else
        snprintf (fixture->endpoint, sizeof fixture->endpoint, "inproc://test-server-%d",
                  s_endpoint_count++);
    fixture->server = wsis_server_new (fixture->runtime.batch, fixture->runtime.retry,
                                       (wsis_service_t *) fixture);
    assert_int_equal (wsis_server_add_ops (fixture->server, s_ops), 0);
    wsis_server_set_after_batch (fixture->server, s_on_after_batch, fixture);
    char *error = NULL;
    if (wsis_server_bind (fixture->server, fixture->endpoint, &error))
        print_error ("%s\n", error);
    assert_null (error);
    fixture->loop = zloop_new ();
    wsis_server_attach (fixture->server, fixture->loop);
    fixture->client = s_client_new (fixture);
    *state = fixture;
    return 0;
}

static int
s_setup (void **state)
{
    return s_setup_at (state, false);
}

static int
s_setup_tcp (void **state)
{
    return s_setup_at (state, true);
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_destroy (&fixture->client);
    wsis_server_destroy (&fixture->server);
    zloop_destroy (&fixture->loop);
    int rc = test_runtime_teardown (&fixture->runtime);
    free (fixture);
    return rc;
}


//  --------------------------------------------------------------------------
//  Requests and replies

//  A request frame {v, id, op, actor?: {id, role}, body?: {n}}: no actor
//  when role and actor_id are both NULL, no body when number < 0.
static void
s_pack_request (msgpack_sbuffer *out, const char *id, const char *op,
                const char *role, const char *actor_id, int64_t number)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    bool actor = role || actor_id;
    msgpack_pack_map (&pk, 3 + (actor? 1: 0) + (number >= 0? 1: 0));
    wsis_pack_kv_int (&pk, "v", 1);
    wsis_pack_kv_str (&pk, "id", id);
    wsis_pack_kv_str (&pk, "op", op);
    if (actor) {
        wsis_pack_str (&pk, "actor");
        msgpack_pack_map (&pk, (role? 1: 0) + (actor_id? 1: 0));
        if (actor_id)
            wsis_pack_kv_str (&pk, "id", actor_id);
        if (role)
            wsis_pack_kv_str (&pk, "role", role);
    }
    if (number >= 0) {
        wsis_pack_str (&pk, "body");
        msgpack_pack_map (&pk, 1);
        wsis_pack_kv_int (&pk, "n", number);
    }
}

//  Sends a frame as a REQ socket would: the empty delimiter, then it.
static void
s_send_frame (zsock_t *client, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, data, size);
    assert_int_equal (zmsg_send (&msg, client), 0);
}

static void
s_send_from (zsock_t *client, const char *id, const char *op, const char *role,
             const char *actor_id, int64_t number)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, id, op, role, actor_id, number);
    s_send_frame (client, frame.data, frame.size);
    msgpack_sbuffer_destroy (&frame);
}

//  The fixture's client asks, as a stakeholder for itself unless role
//  says otherwise.
static void
s_send (fixture_t *fixture, const char *id, const char *op, const char *role, int64_t number)
{
    s_send_from (fixture->client, id, op, role, role? "stk-1": NULL, number);
}

//  The text of a str, or "" when obj is not one.
static void
s_copy_text (char *buffer, size_t size, const msgpack_object *obj)
{
    if (obj && obj->type == MSGPACK_OBJECT_STR)
        snprintf (buffer, size, "%.*s", (int) obj->via.str.size, obj->via.str.ptr);
    else
        buffer [0] = 0;
}

static uint64_t
s_uint (const msgpack_object *map, const char *key)
{
    const msgpack_object *value = wsis_msg_get (map, key);
    return value && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER? value->via.u64: UINT64_MAX;
}

//  Decodes a reply frame {v: 1, id, ok, body | error} with msgpack-c.
static void
s_decode (answer_t *answer, zframe_t *frame)
{
    memset (answer, 0, sizeof *answer);
    assert_true (zframe_size (frame) <= sizeof answer->raw);
    answer->raw_size = zframe_size (frame);
    memcpy (answer->raw, zframe_data (frame), answer->raw_size);
    msgpack_sbuffer buffer = { answer->raw_size, (char *) answer->raw, answer->raw_size };
    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &buffer);
    const msgpack_object *root = &unpacked.data;
    assert_int_equal (s_uint (root, "v"), 1);
    s_copy_text (answer->id, sizeof answer->id, wsis_msg_get (root, "id"));
    const msgpack_object *ok = wsis_msg_get (root, "ok");
    assert_non_null (ok);
    assert_int_equal (ok->type, MSGPACK_OBJECT_BOOLEAN);
    answer->ok = ok->via.boolean;
    const msgpack_object *body = wsis_msg_get (root, "body");
    const msgpack_object *error = wsis_msg_get (root, "error");
    //  Exactly one of the two
    assert_true (answer->ok? body && !error: error && !body);
    if (answer->ok) {
        assert_int_equal (body->type, MSGPACK_OBJECT_MAP);
        answer->n = s_uint (body, "n");
        answer->seq = s_uint (body, "seq");
    }
    else {
        s_copy_text (answer->code, sizeof answer->code, wsis_msg_get (error, "code"));
        s_copy_text (answer->field, sizeof answer->field, wsis_msg_get (error, "field"));
        assert_non_null (wsis_msg_get (error, "message"));
    }
    msgpack_unpacked_destroy (&unpacked);
}

//  Receives the next reply on client: the delimiter, then the frame.
static void
s_receive_on (zsock_t *client, answer_t *answer)
{
    zmsg_t *msg = zmsg_recv (client);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    assert_int_equal (zframe_size (zmsg_first (msg)), 0);
    s_decode (answer, zmsg_last (msg));
    zmsg_destroy (&msg);
}

//  The next reply is ok, for id; returns it.
static answer_t
s_expect_ok (fixture_t *fixture, const char *id)
{
    answer_t answer;
    s_receive_on (fixture->client, &answer);
    assert_string_equal (answer.id, id);
    if (!answer.ok)
        print_error ("%s: %s on %s\n", id, answer.code, answer.field);
    assert_true (answer.ok);
    return answer;
}

//  The next reply is the error code (about field, "" for none), echoing id.
static void
s_expect_error (fixture_t *fixture, const char *id, const char *code, const char *field)
{
    answer_t answer;
    s_receive_on (fixture->client, &answer);
    assert_string_equal (answer.id, id);
    assert_false (answer.ok);
    assert_string_equal (answer.code, code);
    assert_string_equal (answer.field, field);
}

//  Runs one batch of what is ready and checks how many it answered.
static void
s_process (fixture_t *fixture, size_t expected)
{
    assert_int_equal (wsis_server_process (fixture->server), expected);
}

static int64_t
s_rows (fixture_t *fixture)
{
    return test_runtime_rows (&fixture->runtime);
}

static void
s_expect_counters (fixture_t *fixture, uint64_t requests, uint64_t errors)
{
    assert_int_equal (wsis_server_requests (fixture->server), requests);
    assert_int_equal (wsis_server_errors (fixture->server), errors);
}


//  --------------------------------------------------------------------------
//  Batches

static void
test_one_batch (void **state)
{
    //  Requests ready at once: one transaction, one commit, then every
    //  reply and every event
    fixture_t *fixture = (fixture_t *) *state;
    char id [16];
    for (int index = 1; index <= 5; index++) {
        snprintf (id, sizeof id, "r%d", index);
        s_send (fixture, id, "item.add", "stakeholder", index * 10);
    }
    s_process (fixture, 5);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 1);
    assert_int_equal (fixture->batches, 1);
    assert_false (fixture->open_after_batch);
    for (uint64_t index = 1; index <= 5; index++) {
        snprintf (id, sizeof id, "r%d", (int) index);
        answer_t answer = s_expect_ok (fixture, id);
        assert_int_equal (answer.n, index * 10);
        assert_int_equal (answer.seq, index);
    }
    for (uint64_t seq = 1; seq <= 5; seq++)
        test_runtime_expect_event (&fixture->runtime, seq, seq * 10);
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 5);
    assert_int_equal (fixture->adds, 5);
    s_expect_counters (fixture, 5, 0);

    //  Nothing ready: no batch at all
    s_process (fixture, 0);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 1);
    assert_int_equal (fixture->batches, 1);
}

static void
test_batch_max (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_server_set_batch_max (fixture->server, 2);
    char id [16];
    for (int index = 1; index <= 5; index++) {
        snprintf (id, sizeof id, "r%d", index);
        s_send (fixture, id, "item.add", "stakeholder", index);
    }
    s_process (fixture, 2);
    s_process (fixture, 2);
    s_process (fixture, 1);
    s_process (fixture, 0);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 3);
    assert_int_equal (fixture->batches, 3);
    for (int index = 1; index <= 5; index++) {
        snprintf (id, sizeof id, "r%d", index);
        assert_int_equal (s_expect_ok (fixture, id).seq, index);
    }
    for (uint64_t seq = 1; seq <= 5; seq++)
        test_runtime_expect_event (&fixture->runtime, seq, seq);
    test_runtime_expect_nothing (&fixture->runtime);
    s_expect_counters (fixture, 5, 0);
}

static void
test_savepoints (void **state)
{
    //  A request that fails after writing a row and emitting an event, in
    //  the middle of a batch: its row and its event are gone, the others
    //  commit, and their events follow each other without a gap
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "a", "item.add", "stakeholder", 1);
    s_send (fixture, "b", "item.add", "stakeholder", 0);
    s_send (fixture, "c", "item.crash", NULL, -1);
    s_send (fixture, "d", "item.add", "stakeholder", 4);
    s_process (fixture, 4);
    assert_int_equal (s_expect_ok (fixture, "a").seq, 1);
    s_expect_error (fixture, "b", "validation", "n");
    s_expect_error (fixture, "c", "internal", "");
    assert_int_equal (s_expect_ok (fixture, "d").seq, 2);
    test_runtime_expect_event (&fixture->runtime, 1, 1);
    test_runtime_expect_event (&fixture->runtime, 2, 4);
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 2);
    assert_int_equal (test_runtime_sum (&fixture->runtime), 5);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 1);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), 0);
    //  Only what committed is stored for a resend
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 2);
    s_expect_counters (fixture, 4, 2);
}

static void
test_without_savepoint (void **state)
{
    //  A request without a savepoint refused before it wrote leaves the
    //  batch whole, its events without a gap
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "a", "item.add", "stakeholder", 1);
    s_send (fixture, "b", "item.bare", NULL, 0);
    s_send (fixture, "c", "item.bare", NULL, 2);
    s_send (fixture, "d", "item.add", "stakeholder", 4);
    s_process (fixture, 4);
    assert_int_equal (s_expect_ok (fixture, "a").seq, 1);
    s_expect_error (fixture, "b", "validation", "n");
    assert_int_equal (s_expect_ok (fixture, "c").seq, 2);
    assert_int_equal (s_expect_ok (fixture, "d").seq, 3);
    test_runtime_expect_event (&fixture->runtime, 1, 1);
    test_runtime_expect_event (&fixture->runtime, 2, 2);
    test_runtime_expect_event (&fixture->runtime, 3, 4);
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 3);

    //  One that fails after writing cannot be taken back alone: the batch
    //  is rolled back, every write of it is told so, reads keep their
    //  answers, nothing is published
    s_send (fixture, "read", "item.count", NULL, -1);
    s_send (fixture, "e", "item.add", "stakeholder", 8);
    s_send (fixture, "f", "item.bare", NULL, 13);
    s_send (fixture, "g", "item.bare", NULL, 16);
    s_process (fixture, 4);
    assert_int_equal (s_expect_ok (fixture, "read").n, 3);
    s_expect_error (fixture, "e", "unavailable", "");
    s_expect_error (fixture, "f", "internal", "");
    s_expect_error (fixture, "g", "unavailable", "");
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 3);
    assert_int_equal (test_runtime_sum (&fixture->runtime), 7);
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 3);
    assert_int_equal (fixture->runtime.rolled_back, 1);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 1);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), 1);

    //  The next batch commits
    s_send (fixture, "h", "item.bare", NULL, 32);
    s_process (fixture, 1);
    assert_int_equal (s_expect_ok (fixture, "h").seq, 4);
    test_runtime_expect_event (&fixture->runtime, 4, 32);
}

static void
test_failed_commit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "w1", "item.add", "stakeholder", 1);
    s_process (fixture, 1);
    s_expect_ok (fixture, "w1");
    test_runtime_expect_event (&fixture->runtime, 1, 1);

    test_runtime_arm_fault (&fixture->runtime);
    s_send (fixture, "read", "item.count", NULL, -1);
    s_send (fixture, "w2", "item.add", "stakeholder", 2);
    s_send (fixture, "w0", "item.add", "stakeholder", 0);
    s_send (fixture, "w3", "item.add", "staff", 3);
    s_process (fixture, 4);
    //  The read keeps its answer, each write is told its change is not
    //  there, a request that failed anyway keeps its own error
    assert_int_equal (s_expect_ok (fixture, "read").n, 1);
    s_expect_error (fixture, "w2", "unavailable", "");
    s_expect_error (fixture, "w0", "validation", "n");
    s_expect_error (fixture, "w3", "unavailable", "");
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 1);
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 1);
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 1);
    assert_int_equal (fixture->runtime.rolled_back, 1);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), 1);
    assert_int_equal (fixture->batches, 2);
    s_expect_counters (fixture, 5, 3);

    //  The same request again runs again, since nothing of it is stored
    s_send (fixture, "w2", "item.add", "stakeholder", 2);
    s_process (fixture, 1);
    assert_int_equal (s_expect_ok (fixture, "w2").seq, 2);
    test_runtime_expect_event (&fixture->runtime, 2, 2);
    assert_int_equal (fixture->adds, 5);
}

static void
test_begin_fails (void **state)
{
    //  A store that cannot start a write: every request is unavailable
    //  and no handler runs
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_store_begin (fixture->runtime.store), 0);
    s_send (fixture, "w1", "item.add", "stakeholder", 1);
    s_send (fixture, "r1", "item.count", NULL, -1);
    s_process (fixture, 2);
    //  Each still echoes its own id
    s_expect_error (fixture, "w1", "unavailable", "");
    s_expect_error (fixture, "r1", "unavailable", "");
    assert_int_equal (fixture->adds + fixture->counts, 0);
    s_expect_counters (fixture, 2, 2);
    assert_int_equal (fixture->batches, 1);
    assert_int_equal (wsis_store_rollback (fixture->runtime.store), 0);

    s_send (fixture, "w1", "item.add", "stakeholder", 1);
    s_process (fixture, 1);
    s_expect_ok (fixture, "w1");
}


//  --------------------------------------------------------------------------
//  Who may call what

static void
test_roles (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  A staff operation
    s_send (fixture, "p1", "item.purge", "stakeholder", -1);
    s_send (fixture, "p2", "item.purge", NULL, -1);
    s_send_from (fixture->client, "p3", "item.purge", NULL, "staff-1", -1);
    s_send (fixture, "p4", "item.purge", "staff", -1);
    //  A public one, open to every role
    s_send (fixture, "c1", "item.count", "stakeholder", -1);
    s_send (fixture, "c2", "item.count", "expert", -1);
    s_send (fixture, "c3", "item.count", NULL, -1);
    s_send (fixture, "c4", "item.count", "publisher", -1);
    //  A role the table does not list for an operation that has others
    s_send (fixture, "v1", "item.vote", "staff", 1);
    s_send (fixture, "v2", "item.vote", "stakeholder", 1);
    //  What is not an operation, or not a role
    s_send (fixture, "u1", "item.nope", "staff", -1);
    s_send (fixture, "k1", "item.count", "king", -1);
    s_process (fixture, 12);

    s_expect_error (fixture, "p1", "forbidden", "");
    s_expect_error (fixture, "p2", "forbidden", "");
    //  An actor without a role is the public
    s_expect_error (fixture, "p3", "forbidden", "");
    s_expect_ok (fixture, "p4");
    for (int index = 1; index <= 4; index++) {
        char id [16];
        snprintf (id, sizeof id, "c%d", index);
        s_expect_ok (fixture, id);
    }
    s_expect_error (fixture, "v1", "forbidden", "");
    s_expect_ok (fixture, "v2");
    s_expect_error (fixture, "u1", "unknown_op", "op");
    s_expect_error (fixture, "k1", "bad_request", "actor.role");
    assert_int_equal (fixture->counts, 4);
    assert_int_equal (fixture->votes, 1);
    s_expect_counters (fixture, 12, 6);
}

//  A body field the operation does not declare is refused before the
//  handler runs: nothing is written, nothing is stored for a resend.
static void
test_undeclared_fields (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "a1", "item.add", "stakeholder", 3);
    s_process (fixture, 1);
    s_expect_ok (fixture, "a1");
    assert_int_equal (s_rows (fixture), 1);
    //  item.purge takes no fields; item.add takes n
    s_send (fixture, "p1", "item.purge", "staff", 1);
    s_send (fixture, "p1", "item.purge", "staff", 1);
    s_process (fixture, 2);
    s_expect_error (fixture, "p1", "validation", "n");
    s_expect_error (fixture, "p1", "validation", "n");
    assert_int_equal (s_rows (fixture), 1);
    //  The same request without the field runs
    s_send (fixture, "p2", "item.purge", "staff", -1);
    s_process (fixture, 1);
    s_expect_ok (fixture, "p2");
    s_expect_counters (fixture, 4, 2);
}

static void
test_tables (void **state)
{
    //  Tables are searched in the order they were added
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_server_add_ops (fixture->server, s_other_ops), 0);
    s_send (fixture, "c", "item.count", NULL, -1);
    s_send (fixture, "o", "item.other", NULL, -1);
    s_process (fixture, 2);
    s_expect_ok (fixture, "c");
    s_expect_ok (fixture, "o");
    assert_int_equal (fixture->counts, 2);

    assert_int_equal (wsis_server_add_ops (fixture->server, s_other_ops), 0);
    assert_int_equal (wsis_server_add_ops (fixture->server, s_other_ops), 0);
    assert_int_equal (wsis_server_add_ops (fixture->server, s_other_ops), -1);
}


//  --------------------------------------------------------------------------
//  Stored replies

//  An add from actor_id as a stakeholder, alone in its batch; returns its
//  ok reply.
static answer_t
s_add_alone (fixture_t *fixture, const char *id, const char *actor_id, int64_t number)
{
    s_send_from (fixture->client, id, "item.add", "stakeholder", actor_id, number);
    s_process (fixture, 1);
    return s_expect_ok (fixture, id);
}

static void
test_stored_replies (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    answer_t first = s_add_alone (fixture, "r1", "stk-1", 5);
    test_runtime_expect_event (&fixture->runtime, 1, 5);

    //  A resend: the same bytes back, and nothing runs or is published
    answer_t again = s_add_alone (fixture, "r1", "stk-1", 5);
    assert_int_equal (again.raw_size, first.raw_size);
    assert_memory_equal (again.raw, first.raw, first.raw_size);
    assert_int_equal (fixture->adds, 1);
    assert_int_equal (s_rows (fixture), 1);
    test_runtime_expect_nothing (&fixture->runtime);

    //  The same id with another body, or from another actor, is another
    //  request
    assert_int_equal (s_add_alone (fixture, "r1", "stk-1", 6).seq, 2);
    assert_int_equal (s_add_alone (fixture, "r1", "stk-2", 5).seq, 3);
    assert_int_equal (fixture->adds, 3);
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 3);

    //  An operation that makes resends safe itself is not stored, nor is
    //  a read
    for (int round = 0; round < 2; round++) {
        s_send (fixture, "v", "item.vote", "stakeholder", 1);
        s_send (fixture, "c", "item.count", "stakeholder", -1);
        s_process (fixture, 2);
        s_expect_ok (fixture, "v");
        s_expect_ok (fixture, "c");
    }
    assert_int_equal (fixture->votes, 2);
    assert_int_equal (fixture->counts, 2);
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 3);
}

static void
test_resend_in_batch (void **state)
{
    //  A resend that arrives in the same batch as the first: the handler
    //  runs once and both get the same reply
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "r1", "item.add", "stakeholder", 5);
    s_send (fixture, "r1", "item.add", "stakeholder", 5);
    s_process (fixture, 2);
    answer_t first = s_expect_ok (fixture, "r1");
    answer_t again = s_expect_ok (fixture, "r1");
    assert_memory_equal (again.raw, first.raw, first.raw_size);
    assert_int_equal (fixture->adds, 1);
    assert_int_equal (s_rows (fixture), 1);
}

static void
test_resend_in_failed_batch (void **state)
{
    //  The same, and the commit fails: the resend was answered from a
    //  reply that is not on disk either, so it must not say ok
    fixture_t *fixture = (fixture_t *) *state;
    test_runtime_arm_fault (&fixture->runtime);
    s_send (fixture, "r1", "item.add", "stakeholder", 5);
    s_send (fixture, "r1", "item.add", "stakeholder", 5);
    s_process (fixture, 2);
    s_expect_error (fixture, "r1", "unavailable", "");
    s_expect_error (fixture, "r1", "unavailable", "");
    assert_int_equal (s_rows (fixture), 0);

    //  A reply stored by an earlier batch is durable: a resend keeps it
    //  even when its own batch fails
    answer_t first = s_add_alone (fixture, "r2", "stk-1", 6);
    test_runtime_arm_fault (&fixture->runtime);
    s_send (fixture, "r2", "item.add", "stakeholder", 6);
    s_send (fixture, "w", "item.add", "stakeholder", 7);
    s_process (fixture, 2);
    answer_t again = s_expect_ok (fixture, "r2");
    assert_memory_equal (again.raw, first.raw, first.raw_size);
    s_expect_error (fixture, "w", "unavailable", "");
    assert_int_equal (s_rows (fixture), 1);
}


//  --------------------------------------------------------------------------
//  Frames

static void
test_too_large (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, "big", "item.count", NULL, NULL, -1);
    wsis_server_set_max_request (fixture->server, frame.size);
    //  At the limit: answered
    s_send_frame (fixture->client, frame.data, frame.size);
    //  One byte over: too_large, with no id since none was read
    msgpack_sbuffer_clear (&frame);
    s_pack_request (&frame, "bigg", "item.count", NULL, NULL, -1);
    s_send_frame (fixture->client, frame.data, frame.size);
    msgpack_sbuffer_destroy (&frame);
    s_process (fixture, 2);
    s_expect_ok (fixture, "big");
    s_expect_error (fixture, "", "too_large", "");
    assert_int_equal (fixture->counts, 1);
    s_expect_counters (fixture, 2, 1);
}

static void
test_malformed (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  Not msgpack, not a map, no id, an id that is not a string
    s_send_frame (fixture->client, "\xc1", 1);
    s_send_frame (fixture->client, "\x93\x01\x02\x03", 4);
    s_send_frame (fixture->client, "\x81\xa2op\xa1x", 6);
    s_send_frame (fixture->client, "\x81\xa2id\x07", 5);
    //  An id, then something wrong: the id is echoed
    s_send_frame (fixture->client, "\x82\xa2id\xa2m5\xa2op\xa1x", 12);
    //  Truncated: a request less its last byte
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, "m6", "item.count", NULL, NULL, -1);
    s_send_frame (fixture->client, frame.data, frame.size - 1);
    msgpack_sbuffer_destroy (&frame);
    //  Too many routing frames to be a client: dropped without a reply
    zmsg_t *msg = zmsg_new ();
    for (int index = 0; index < 20; index++)
        zmsg_addstr (msg, "hop");
    assert_int_equal (zmsg_send (&msg, fixture->client), 0);
    s_send (fixture, "fine", "item.count", NULL, -1);
    s_process (fixture, 7);

    s_expect_error (fixture, "", "bad_request", "");
    s_expect_error (fixture, "", "bad_request", "");
    s_expect_error (fixture, "", "bad_request", "id");
    s_expect_error (fixture, "", "bad_request", "id");
    s_expect_error (fixture, "m5", "bad_request", "v");
    s_expect_error (fixture, "", "bad_request", "");
    s_expect_ok (fixture, "fine");
    assert_int_equal (fixture->counts, 1);
    s_expect_counters (fixture, 7, 6);
    //  Nothing was written, so the batch committed nothing but the read
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 0);
}

//  Sends a request behind routing frames of its own (as a proxy would)
//  and returns nothing; the reply must come back behind the same ones.
static void
s_send_routed (zsock_t *client, const char *id)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, id, "item.count", NULL, NULL, -1);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "hop-1");
    zmsg_addstr (msg, "hop-2");
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, frame.data, frame.size);
    msgpack_sbuffer_destroy (&frame);
    assert_int_equal (zmsg_send (&msg, client), 0);
}

static bool
s_answered_all (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    return wsis_server_requests (fixture->server) >= fixture->answered;
}

//  Runs the loop the server is attached to until it answered count
//  requests in all.
static void
s_serve (fixture_t *fixture, uint64_t count)
{
    fixture->answered = count;
    test_loop_until (fixture->loop, s_answered_all, fixture);
}

static void
s_expect_ok_on (zsock_t *client, const char *id)
{
    answer_t answer;
    s_receive_on (client, &answer);
    assert_string_equal (answer.id, id);
    assert_true (answer.ok);
}

//  Sends a request behind hops routing frames of its own.
static void
s_send_behind (zsock_t *client, const char *id, int hops)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, id, "item.count", NULL, NULL, -1);
    zmsg_t *msg = zmsg_new ();
    for (int hop = 0; hop < hops; hop++)
        zmsg_addstrf (msg, "hop-%d", hop);
    zmsg_addmem (msg, frame.data, frame.size);
    msgpack_sbuffer_destroy (&frame);
    assert_int_equal (zmsg_send (&msg, client), 0);
}

static void
test_routing_frames_at_the_limit (void **state)
{
    //  Sixteen routing frames at the ROUTER (the client's id and fifteen
    //  of its own) are the most a request may have: those come back as
    //  they were; one more, or very many more, and it is dropped, and
    //  what follows is served.
    fixture_t *fixture = (fixture_t *) *state;
    s_send_behind (fixture->client, "most", 15);
    s_send_behind (fixture->client, "one-too-many", 16);
    s_send_behind (fixture->client, "far-too-many", 500);
    s_send_from (fixture->client, "after", "item.count", NULL, NULL, -1);
    s_process (fixture, 2);
    zmsg_t *msg = zmsg_recv (fixture->client);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 16);
    zframe_t *frame = zmsg_first (msg);
    for (int hop = 0; hop < 15; hop++) {
        char expected [16];
        snprintf (expected, sizeof expected, "hop-%d", hop);
        assert_true (zframe_streq (frame, expected));
        frame = zmsg_next (msg);
    }
    answer_t answer;
    s_decode (&answer, frame);
    assert_string_equal (answer.id, "most");
    zmsg_destroy (&msg);
    s_expect_ok (fixture, "after");
    s_expect_counters (fixture, 2, 0);
}

//  A client that pipelines more requests than libzmq queues replies for
//  has the rest wait in the backlog; replies made while some wait go
//  behind them: it reads every reply, in the order it asked.
static void
test_replies_behind_a_backlog_keep_their_order (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  A client whose own queue takes one reply (set before it connects)
    zsock_t *client = zsock_new (ZMQ_DEALER);
    zsock_set_rcvhwm (client, 1);
    zsock_set_rcvtimeo (client, TEST_DEADLINE_MS);
    zsock_set_linger (client, 0);
    assert_int_equal (zsock_connect (client, "%s", fixture->endpoint), 0);
    int first = WSIS_BACKLOG_PEER_HWM + 100, later = 10;
    char id [32];
    for (int n = 0; n < first; n++) {
        snprintf (id, sizeof id, "r%d", n);
        s_send_from (client, id, "item.count", NULL, NULL, -1);
    }
    while (wsis_server_requests (fixture->server) < (uint64_t) first)
        assert_true (wsis_server_process (fixture->server) > 0);
    //  Nothing read yet: the queue to the client is full, some wait
    msgpack_sbuffer stats;
    msgpack_sbuffer_init (&stats);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &stats, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    wsis_server_pack_backlog (fixture->server, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, stats.data, stats.size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    uint64_t waiting = s_uint (&unpacked.data, "replies_waiting_bytes");
    assert_true (waiting > 0 && waiting != UINT64_MAX);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&stats);

    //  The client reads what libzmq holds for it: there is room there
    //  now, but what the next batch answers still goes behind what waits.
    int n = 0;
    for (; zsock_events (client) & ZMQ_POLLIN; n++) {
        snprintf (id, sizeof id, "r%d", n);
        s_expect_ok_on (client, id);
    }
    assert_true (n > WSIS_BACKLOG_PEER_HWM && n < first);
    for (int index = 0; index < later; index++) {
        snprintf (id, sizeof id, "later-%d", index);
        s_send_from (client, id, "item.count", NULL, NULL, -1);
    }
    s_process (fixture, (size_t) later);
    //  The client reads while the server tries what waits.
    int64_t deadline = zclock_mono () + TEST_DEADLINE_MS;
    for (; n < first + later; n++) {
        while (!(zsock_events (client) & ZMQ_POLLIN)) {
            assert_true (zclock_mono () < deadline);
            wsis_server_process (fixture->server);
        }
        if (n < first)
            snprintf (id, sizeof id, "r%d", n);
        else
            snprintf (id, sizeof id, "later-%d", n - first);
        s_expect_ok_on (client, id);
    }
    zsock_destroy (&client);
}

static void
test_routing (void **state)
{
    //  Two clients over TCP, and a third behind routing frames: each gets
    //  its own replies, in order, behind the frames it sent
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *other = s_client_new (fixture);
    zsock_t *proxied = s_client_new (fixture);
    s_send_from (fixture->client, "a1", "item.count", NULL, NULL, -1);
    s_send_from (other, "b1", "item.count", NULL, NULL, -1);
    s_send_from (fixture->client, "a2", "item.count", NULL, NULL, -1);
    s_send_from (other, "b2", "item.count", NULL, NULL, -1);
    s_send_routed (proxied, "c1");
    s_serve (fixture, 5);

    s_expect_ok (fixture, "a1");
    s_expect_ok (fixture, "a2");
    s_expect_ok_on (other, "b1");
    s_expect_ok_on (other, "b2");
    zmsg_t *msg = zmsg_recv (proxied);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    assert_true (zframe_streq (zmsg_first (msg), "hop-1"));
    assert_true (zframe_streq (zmsg_next (msg), "hop-2"));
    assert_int_equal (zframe_size (zmsg_next (msg)), 0);
    answer_t answer;
    s_decode (&answer, zmsg_last (msg));
    assert_string_equal (answer.id, "c1");
    zmsg_destroy (&msg);

    //  Nothing more for anyone: a last round trip each comes back first
    s_send_from (fixture->client, "a3", "item.count", NULL, NULL, -1);
    s_send_from (other, "b3", "item.count", NULL, NULL, -1);
    s_serve (fixture, 7);
    s_expect_ok (fixture, "a3");
    s_expect_ok_on (other, "b3");
    zsock_destroy (&other);
    zsock_destroy (&proxied);
}

static void
test_tcp_writes (void **state)
{
    //  The whole path over TCP: a write, its event after the commit, and
    //  a resend answered from the stored reply
    fixture_t *fixture = (fixture_t *) *state;
    s_send (fixture, "w1", "item.add", "stakeholder", 3);
    s_serve (fixture, 1);
    answer_t first = s_expect_ok (fixture, "w1");
    test_runtime_expect_event (&fixture->runtime, 1, 3);
    s_send (fixture, "w1", "item.add", "stakeholder", 3);
    s_serve (fixture, 2);
    answer_t again = s_expect_ok (fixture, "w1");
    assert_memory_equal (again.raw, first.raw, first.raw_size);
    assert_int_equal (fixture->adds, 1);
    test_runtime_expect_nothing (&fixture->runtime);
}


//  --------------------------------------------------------------------------
//  One request in-process (wsis_server_handle)

//  Runs one request in the open batch and decodes its reply; returns
//  whether it wrote. reply keeps its buffer between calls, as a caller's.
static bool
s_handle (fixture_t *fixture, msgpack_sbuffer *reply, answer_t *answer, const char *id,
          const char *op, const char *role, int64_t number)
{
    msgpack_sbuffer frame;
    msgpack_sbuffer_init (&frame);
    s_pack_request (&frame, id, op, role, role? "stk-1": NULL, number);
    bool wrote = wsis_server_handle (fixture->server, NULL, frame.data, frame.size, reply);
    msgpack_sbuffer_destroy (&frame);
    zframe_t *answered = zframe_new (reply->data, reply->size);
    s_decode (answer, answered);
    zframe_destroy (&answered);
    return wrote;
}

static void
test_handle (void **state)
{
    //  The same path as a request from a socket, in the caller's batch:
    //  the reply is packed, the change rides on the caller's commit
    fixture_t *fixture = (fixture_t *) *state;
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    msgpack_sbuffer_write (&reply, "left over", 9);
    answer_t answer;
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    assert_true (s_handle (fixture, &reply, &answer, "h1", "item.add", "stakeholder", 4));
    assert_true (answer.ok);
    assert_string_equal (answer.id, "h1");
    assert_int_equal (answer.n, 4);
    //  A read writes nothing, and sees the write before it
    assert_false (s_handle (fixture, &reply, &answer, "h2", "item.count", NULL, -1));
    assert_true (answer.ok);
    assert_int_equal (answer.n, 1);
    //  Every check before the handler answers as it does for a socket
    assert_false (s_handle (fixture, &reply, &answer, "h3", "item.nope", "staff", -1));
    assert_string_equal (answer.code, "unknown_op");
    assert_false (s_handle (fixture, &reply, &answer, "h4", "item.purge", "stakeholder", -1));
    assert_string_equal (answer.code, "forbidden");
    assert_false (s_handle (fixture, &reply, &answer, "h5", "item.purge", "staff", 1));
    assert_string_equal (answer.code, "validation");
    assert_string_equal (answer.field, "n");
    //  A handler that fails after writing leaves nothing behind, and the
    //  batch goes on
    assert_false (s_handle (fixture, &reply, &answer, "h6", "item.add", "stakeholder", 0));
    assert_string_equal (answer.code, "validation");
    assert_int_equal (s_rows (fixture), 1);
    //  A resend: the stored reply, the handler not run again
    assert_true (s_handle (fixture, &reply, &answer, "h1", "item.add", "stakeholder", 4));
    assert_true (answer.ok);
    assert_int_equal (fixture->adds, 2);
    //  Not msgpack: bad_request
    assert_false (wsis_server_handle (fixture->server, NULL, "\xc1", 1, &reply));
    zframe_t *answered = zframe_new (reply.data, reply.size);
    s_decode (&answer, answered);
    zframe_destroy (&answered);
    assert_string_equal (answer.code, "bad_request");
    s_expect_counters (fixture, 8, 5);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    assert_int_equal (s_rows (fixture), 1);
    test_runtime_expect_event (&fixture->runtime, 1, 4);

    //  Rolled back by the caller: nothing of it stays
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    assert_true (s_handle (fixture, &reply, &answer, "h7", "item.add", "stakeholder", 5));
    assert_true (answer.ok);
    wsis_batch_abort (fixture->runtime.batch);
    assert_int_equal (s_rows (fixture), 1);
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 1);
    test_runtime_expect_nothing (&fixture->runtime);
    msgpack_sbuffer_destroy (&reply);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_one_batch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_batch_max, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_savepoints, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_without_savepoint, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_failed_commit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_begin_fails, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_undeclared_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_roles, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_tables, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_stored_replies, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_resend_in_batch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_resend_in_failed_batch, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_too_large, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_malformed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_routing, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_routing_frames_at_the_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replies_behind_a_backlog_keep_their_order,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_tcp_writes, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_handle, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
