/*  test_runtime: the parts of a service that the runtime tests
    (test_wsis_batch, test_wsis_server, test_wsis_consumer) build on.

    A store in a temp dir of its own with one table, item (n), standing
    for whatever a service writes; an outbox that publishes on an XPUB the
    test subscribes to; a cursor; a retry index; a batch over all of them
    that counts its rolled_back calls; and the store's fault file, whose
    presence makes the next COMMIT fail as a full disk would. All real, so
    the tests see what SQLite and ZeroMQ really do.

    Everything is static inline, like test_support.h.
*/
#ifndef TEST_RUNTIME_H
#define TEST_RUNTIME_H

#include "test_support.h"
#include "test_sockets.h"

#include "wsis_batch.h"
#include "wsis_pack.h"

#define TEST_RETRY_TTL_MS (24LL * 3600 * 1000)

typedef struct {
    char dir [64];
    char path [128];
    char fault [128];
    char source [32];           //  the outbox's name in its envelopes, "" for none
    wsis_store_t *store;
    wsis_outbox_t *outbox;      //  NULL when there is no source
    wsis_cursor_t *cursor;
    wsis_retry_t *retry;
    wsis_batch_t *batch;
    zsock_t *publisher;         //  XPUB the outbox publishes on
    zsock_t *subscriber;        //  what the test reads
    int rolled_back;            //  calls of the batch's rolled_back hook
} test_runtime_t;

static inline void
test_runtime_on_rolled_back (void *arg)
{
    ((test_runtime_t *) arg)->rolled_back++;
}

//  Opens the store in runtime->dir and the parts over it (again, after a
//  close: what was committed is there).
static inline void
test_runtime_open (test_runtime_t *runtime)
{
    char *error = NULL;
    runtime->store = wsis_store_open (runtime->path, NULL, &error);
    if (!runtime->store)
        print_error ("%s\n", error);
    assert_non_null (runtime->store);
    assert_int_equal (wsis_store_exec (runtime->store,
        "CREATE TABLE IF NOT EXISTS item (n INTEGER NOT NULL)"), 0);
    wsis_store_set_fault_file (runtime->store, runtime->fault);
    if (runtime->source [0]) {
        runtime->outbox = wsis_outbox_new (runtime->store, runtime->source);
        assert_non_null (runtime->outbox);
        wsis_outbox_set_socket (runtime->outbox, runtime->publisher);
    }
    runtime->cursor = wsis_cursor_new (runtime->store);
    runtime->retry = wsis_retry_new (runtime->store, zclock_time (), TEST_RETRY_TTL_MS);
    assert_true (runtime->cursor && runtime->retry);
    runtime->batch = wsis_batch_new (runtime->store, runtime->outbox, runtime->cursor,
                                     runtime->retry);
    wsis_batch_set_rolled_back (runtime->batch, test_runtime_on_rolled_back, runtime);
}

//  Destroys the parts and the store, not the files.
static inline void
test_runtime_close (test_runtime_t *runtime)
{
    wsis_batch_destroy (&runtime->batch);
    wsis_retry_destroy (&runtime->retry);
    wsis_cursor_destroy (&runtime->cursor);
    wsis_outbox_destroy (&runtime->outbox);
    wsis_store_destroy (&runtime->store);
}

//  A new temp dir /tmp/<name>_XXXXXX and everything in it; source names
//  the outbox (NULL: a service that publishes nothing, no bus).
static inline void
test_runtime_setup (test_runtime_t *runtime, const char *name, const char *source)
{
    static int endpoints;
    memset (runtime, 0, sizeof *runtime);
    assert_int_equal (test_tempdir_make (runtime->dir, sizeof runtime->dir, name), 0);
    snprintf (runtime->path, sizeof runtime->path, "%s/service.db", runtime->dir);
    snprintf (runtime->fault, sizeof runtime->fault, "%s/fault", runtime->dir);
    if (source) {
        snprintf (runtime->source, sizeof runtime->source, "%s", source);
        char endpoint [64];
        snprintf (endpoint, sizeof endpoint, "inproc://%s-%d", name, endpoints++);
        test_bus_pair (&runtime->publisher, &runtime->subscriber, endpoint);
    }
    test_runtime_open (runtime);
}

//  Destroys everything and removes the temp dir: 0, or -1 if it stayed.
static inline int
test_runtime_teardown (test_runtime_t *runtime)
{
    test_runtime_close (runtime);
    zsock_destroy (&runtime->subscriber);
    zsock_destroy (&runtime->publisher);
    return test_tempdir_remove (runtime->dir);
}

//  The next COMMIT fails as a full disk would.
static inline void
test_runtime_arm_fault (test_runtime_t *runtime)
{
    FILE *file = fopen (runtime->fault, "w");
    assert_non_null (file);
    fclose (file);
}

//  What a request or an event does: one row.
static inline void
test_runtime_insert (test_runtime_t *runtime, uint64_t number)
{
    sqlite3_stmt *stmt = wsis_store_stmt (runtime->store, "INSERT INTO item (n) VALUES (?)");
    assert_non_null (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) number);
    assert_int_equal (wsis_store_run (runtime->store, stmt), 0);
}

//  A body of one pair, {key: value} ({n: seq} in every test event,
//  {last_seq} in a heartbeat), packed into body, which the caller
//  destroys.
static inline void
test_pack_uint (msgpack_sbuffer *body, const char *key, uint64_t value)
{
    msgpack_sbuffer_init (body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_uint (&pk, key, value);
}

//  Appends item.added {n} to the outbox in the open transaction: 0 or -1.
static inline int
test_runtime_emit (test_runtime_t *runtime, uint64_t number)
{
    msgpack_sbuffer body;
    test_pack_uint (&body, "n", number);
    int rc = wsis_outbox_append (runtime->outbox, "item.added", 1000, body.data, body.size);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

//  Rows on disk (as this connection sees them), and the sum of their n,
//  which tells which ones they are.
static inline int64_t
test_runtime_rows (test_runtime_t *runtime)
{
    return wsis_store_int (runtime->store, "SELECT count(*) FROM item", -1);
}

static inline int64_t
test_runtime_sum (test_runtime_t *runtime)
{
    return wsis_store_int (runtime->store, "SELECT total(n) FROM item", -1);
}

//  The next event published is item.added seq with {n: number}.
static inline void
test_runtime_expect_event (test_runtime_t *runtime, uint64_t seq, uint64_t number)
{
    assert_int_equal (test_bus_receive (runtime->subscriber, runtime->source, "item.added", seq),
                      number);
}

//  Nothing was published that the test has not read.
static inline void
test_runtime_expect_nothing (test_runtime_t *runtime)
{
    test_bus_expect_nothing (runtime->publisher, runtime->subscriber);
}

#endif
