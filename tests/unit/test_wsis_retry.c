/*  test_wsis_retry: stored replies that make retries safe (docs/protocol.md section 2).

    A resend (same actor, same id, same frame) must find the first reply,
    during the batch that stored it and after its commit, and after a
    restart; anything else (another frame under the same id, another
    actor) must not. A rolled back batch leaves nothing to find, and
    replies older than the time to live are forgotten.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_retry.h"
#include "wsis_store.h"
#include "test_support.h"

#define TTL_MS  (24LL * 3600 * 1000)
#define T0      1646092800000LL         //  2022-03-01T00:00:00Z

typedef struct {
    test_store_t base;          //  first: the store the replies are kept in
    wsis_retry_t *replies;
    int64_t now;                //  when the replies are loaded: T0, or a restart's time
} fixture_t;

//  The index is rebuilt from the table on each opening of the store, as a
//  service does at start, and forgets what is older than the ttl then
static void
s_open (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    fixture->replies = wsis_retry_new (base->store, fixture->now, TTL_MS);
    assert_non_null (fixture->replies);
}

static void
s_close (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    wsis_retry_destroy (&fixture->replies);
    assert_null (fixture->replies);
}

static const test_store_def_t s_fixture = {
    "test_wsis_retry", sizeof (fixture_t), s_open, s_close
};

//  The store in memory, or in a file of its temp folder; first opened at T0
static int
s_setup (void **state, const char *file)
{
    fixture_t *fixture = (fixture_t *) test_store_new (&s_fixture, file);
    if (!fixture)
        return -1;
    *state = fixture;
    fixture->now = T0;
    test_store_open (&fixture->base);
    return 0;
}

static int
s_setup_memory (void **state)
{
    return s_setup (state, NULL);
}

static int
s_setup_file (void **state)
{
    return s_setup (state, "replies.db");
}

//  The process stops and starts again at now
static void
s_restart (fixture_t *fixture, int64_t now)
{
    fixture->now = now;
    test_store_reopen (&fixture->base);
}

//  The key of a request frame given as a string
static void
s_key (char *key, const char *role, const char *actor, const char *id, const char *frame)
{
    wsis_retry_key (key, role, actor, id, frame, strlen (frame));
}

//  The key and reply of the index-th request in a batch of numbered ones
static void
s_numbered (int index, char *key, char *reply, size_t reply_size)
{
    char id [16];
    snprintf (id, sizeof id, "r-%d", index);
    snprintf (reply, reply_size, "reply %d", index);
    s_key (key, "public", "", id, "frame");
}

//  find() returns exactly these bytes
static void
s_expect_bytes (fixture_t *fixture, const char *key, const void *reply, size_t reply_size)
{
    size_t size = 12345;
    void *found = wsis_retry_find (fixture->replies, key, &size);
    assert_non_null (found);
    assert_int_equal (size, reply_size);
    assert_memory_equal (found, reply, size);
    free (found);
}

//  find() returns exactly this reply
static void
s_expect_reply (fixture_t *fixture, const char *key, const char *reply)
{
    s_expect_bytes (fixture, key, reply, strlen (reply));
}

static void
s_expect_none (fixture_t *fixture, const char *key)
{
    size_t size = 0;
    void *found = wsis_retry_find (fixture->replies, key, &size);
    assert_null (found);
}

//  The rows in the replies table, which the index must agree with
static int64_t
s_rows (fixture_t *fixture)
{
    return wsis_store_int (fixture->base.store, "SELECT count(*) FROM replies", -1);
}

//  Commits the batch: the store first, then the index keeps what the
//  batch stored
static void
s_commit (fixture_t *fixture)
{
    assert_int_equal (wsis_store_commit (fixture->base.store), 0);
    wsis_retry_commit (fixture->replies);
}

//  Rolls the batch back: the index forgets what the batch stored
static void
s_rollback (fixture_t *fixture)
{
    assert_int_equal (wsis_store_rollback (fixture->base.store), 0);
    wsis_retry_abort (fixture->replies);
}

//  Stores a reply of size bytes in its own committed transaction
static void
s_store_bytes_committed (fixture_t *fixture, const char *key, int64_t now,
                         const void *reply, size_t size)
{
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, key, now, reply, size), 0);
    s_commit (fixture);
}

//  Stores a reply in its own committed transaction
static void
s_store_committed (fixture_t *fixture, const char *key, int64_t now, const char *reply)
{
    s_store_bytes_committed (fixture, key, now, reply, strlen (reply));
}


//  --------------------------------------------------------------------------

static void
test_key (void **state)
{
    char base [WSIS_RETRY_KEY_MAX], other [WSIS_RETRY_KEY_MAX];
    s_key (base, "stakeholder", "stk-1", "req-1", "frame bytes");

    //  The same request gives the same key
    s_key (other, "stakeholder", "stk-1", "req-1", "frame bytes");
    assert_string_equal (base, other);
    assert_non_null (strstr (base, "req-1"));
    assert_non_null (strstr (base, "stk-1"));

    //  The frame differs (one byte, one byte more, one byte less)
    s_key (other, "stakeholder", "stk-1", "req-1", "frame bytez");
    assert_string_not_equal (base, other);
    s_key (other, "stakeholder", "stk-1", "req-1", "frame bytes ");
    assert_string_not_equal (base, other);
    s_key (other, "stakeholder", "stk-1", "req-1", "frame byte");
    assert_string_not_equal (base, other);
    //  The actor differs
    s_key (other, "stakeholder", "stk-2", "req-1", "frame bytes");
    assert_string_not_equal (base, other);
    s_key (other, "gateway", "stk-1", "req-1", "frame bytes");
    assert_string_not_equal (base, other);
    s_key (other, "stakeholder", "", "req-1", "frame bytes");
    assert_string_not_equal (base, other);
    //  The id differs
    s_key (other, "stakeholder", "stk-1", "req-2", "frame bytes");
    assert_string_not_equal (base, other);

    //  Binary frames: bytes after a NUL count
    char first [WSIS_RETRY_KEY_MAX], second [WSIS_RETRY_KEY_MAX];
    wsis_retry_key (first, "public", "", "r", "\x00\x01", 2);
    wsis_retry_key (second, "public", "", "r", "\x00\x02", 2);
    assert_string_not_equal (first, second);
    wsis_retry_key (second, "public", "", "r", "\x00", 1);
    assert_string_not_equal (first, second);
    wsis_retry_key (second, "public", "", "r", NULL, 0);
    assert_string_not_equal (first, second);

    //  The longest actor and id fit in the buffer, and still differ
    char actor [129], id [65];
    memset (actor, 'a', sizeof actor - 1);
    actor [sizeof actor - 1] = 0;
    memset (id, 'i', sizeof id - 1);
    id [sizeof id - 1] = 0;
    s_key (first, "stakeholder", actor, id, "frame");
    assert_true (strlen (first) < WSIS_RETRY_KEY_MAX);
    id [63] = 'j';
    s_key (second, "stakeholder", actor, id, "frame");
    assert_string_not_equal (first, second);
    actor [127] = 'b';
    s_key (second, "stakeholder", actor, id, "frame");
    assert_string_not_equal (first, second);
}

static void
test_store_find (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char key [WSIS_RETRY_KEY_MAX], other [WSIS_RETRY_KEY_MAX];
    s_key (key, "stakeholder", "stk-1", "req-1", "vote.cast frame");
    s_key (other, "stakeholder", "stk-1", "req-1", "another frame");
    assert_int_equal (wsis_retry_size (fixture->replies), 0);
    s_expect_none (fixture, key);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    const char reply [] = "\x84\xa1v\x01\xa2id\xa5req-1\xa2ok\xc3\xa4" "body\x80";
    assert_int_equal (wsis_retry_store (fixture->replies, key, T0, reply, sizeof reply - 1), 0);
    //  Within the same batch: a resend in the same drain finds it, and
    //  is told it is not durable yet
    s_expect_bytes (fixture, key, reply, sizeof reply - 1);
    assert_true (wsis_retry_pending (fixture->replies, key));
    //  A different frame under the same id does not
    s_expect_none (fixture, other);
    assert_false (wsis_retry_pending (fixture->replies, other));
    s_commit (fixture);

    //  After the commit
    s_expect_bytes (fixture, key, reply, sizeof reply - 1);
    assert_false (wsis_retry_pending (fixture->replies, key));
    assert_int_equal (wsis_retry_size (fixture->replies), 1);
    s_expect_none (fixture, other);

    //  Several in one batch
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    for (int index = 0; index < 10; index++) {
        char text [32];
        s_numbered (index, other, text, sizeof text);
        assert_int_equal (wsis_retry_store (fixture->replies, other, T0 + index, text, strlen (text)), 0);
    }
    s_commit (fixture);
    assert_int_equal (wsis_retry_size (fixture->replies), 11);
    for (int index = 0; index < 10; index++) {
        char text [32];
        s_numbered (index, other, text, sizeof text);
        s_expect_reply (fixture, other, text);
    }
}

static void
test_abort (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char kept [WSIS_RETRY_KEY_MAX], dropped [WSIS_RETRY_KEY_MAX], again [WSIS_RETRY_KEY_MAX];
    s_key (kept, "stakeholder", "stk-1", "req-1", "frame 1");
    s_key (dropped, "stakeholder", "stk-1", "req-2", "frame 2");
    s_key (again, "stakeholder", "stk-1", "req-3", "frame 3");
    s_store_committed (fixture, kept, T0, "first reply");

    //  A batch that fails: what it stored is forgotten, what was
    //  committed before is not
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, dropped, T0, "lost", 4), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, again, T0, "lost too", 8), 0);
    s_expect_reply (fixture, dropped, "lost");
    assert_true (wsis_retry_pending (fixture->replies, again));
    assert_false (wsis_retry_pending (fixture->replies, kept));
    assert_int_equal (wsis_retry_size (fixture->replies), 3);
    s_rollback (fixture);
    assert_false (wsis_retry_pending (fixture->replies, again));

    s_expect_none (fixture, dropped);
    s_expect_none (fixture, again);
    s_expect_reply (fixture, kept, "first reply");
    assert_int_equal (wsis_retry_size (fixture->replies), 1);
    assert_int_equal (s_rows (fixture), 1);

    //  The retried batch stores them for real; the rowids freed by the
    //  rollback are reused without confusion
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, again, T0, "third", 5), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, dropped, T0, "second", 6), 0);
    s_commit (fixture);
    s_expect_reply (fixture, dropped, "second");
    s_expect_reply (fixture, again, "third");

    //  Abort after a commit forgets nothing
    wsis_retry_abort (fixture->replies);
    assert_int_equal (wsis_retry_size (fixture->replies), 3);
    s_expect_reply (fixture, dropped, "second");
}

static void
test_expire (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char old [WSIS_RETRY_KEY_MAX], edge [WSIS_RETRY_KEY_MAX], young [WSIS_RETRY_KEY_MAX];
    s_key (old, "public", "", "old", "f");
    s_key (edge, "public", "", "edge", "f");
    s_key (young, "public", "", "young", "f");
    s_store_committed (fixture, old, T0, "old reply");
    s_store_committed (fixture, edge, T0 + 1000, "edge reply");
    s_store_committed (fixture, young, T0 + 5000, "young reply");

    //  Nothing is old yet
    wsis_retry_expire (fixture->replies, T0 + 1000);
    assert_int_equal (wsis_retry_size (fixture->replies), 3);

    //  At T0 + 1000 + ttl: older than the ttl goes; exactly the ttl stays
    wsis_retry_expire (fixture->replies, T0 + 1000 + TTL_MS);
    s_expect_none (fixture, old);
    s_expect_reply (fixture, edge, "edge reply");
    s_expect_reply (fixture, young, "young reply");
    assert_int_equal (wsis_retry_size (fixture->replies), 2);
    assert_int_equal (s_rows (fixture), 2);

    wsis_retry_expire (fixture->replies, T0 + 1001 + TTL_MS);
    s_expect_none (fixture, edge);
    s_expect_reply (fixture, young, "young reply");

    wsis_retry_expire (fixture->replies, T0 + 10 * TTL_MS);
    s_expect_none (fixture, young);
    assert_int_equal (wsis_retry_size (fixture->replies), 0);
    assert_int_equal (s_rows (fixture), 0);

    //  An expired request sent again is a new request: stored afresh
    s_store_committed (fixture, old, T0 + 10 * TTL_MS, "new reply");
    s_expect_reply (fixture, old, "new reply");
}

static void
test_reopen (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char first [WSIS_RETRY_KEY_MAX], second [WSIS_RETRY_KEY_MAX], open [WSIS_RETRY_KEY_MAX];
    s_key (first, "stakeholder", "stk-1", "req-1", "frame 1");
    s_key (second, "gateway", "gw", "req-2", "frame 2");
    s_key (open, "gateway", "gw", "req-3", "frame 3");
    s_store_committed (fixture, first, T0, "reply 1");
    s_store_committed (fixture, second, T0 + 60000, "reply 2");
    //  Stored, never committed: the process stops mid-batch
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, open, T0, "reply 3", 7), 0);

    //  Within the ttl: the index is rebuilt from the table
    s_restart (fixture, T0 + 1000);
    assert_int_equal (wsis_retry_size (fixture->replies), 2);
    s_expect_reply (fixture, first, "reply 1");
    s_expect_reply (fixture, second, "reply 2");
    s_expect_none (fixture, open);

    //  Reopened a day later: the first has expired on load, and is deleted
    s_restart (fixture, T0 + TTL_MS + 1);
    assert_int_equal (wsis_retry_size (fixture->replies), 1);
    s_expect_none (fixture, first);
    s_expect_reply (fixture, second, "reply 2");
    assert_int_equal (s_rows (fixture), 1);

    s_restart (fixture, T0 + TTL_MS + 1);
    assert_int_equal (wsis_retry_size (fixture->replies), 1);
    s_expect_reply (fixture, second, "reply 2");
}

static void
test_binary_reply (void **state)
{
    //  Replies are msgpack: NUL bytes and all
    fixture_t *fixture = (fixture_t *) *state;
    char key [WSIS_RETRY_KEY_MAX];
    s_key (key, "public", "", "bin", "f");
    unsigned char reply [300];
    for (size_t index = 0; index < sizeof reply; index++)
        reply [index] = (unsigned char) (index * 7);
    s_store_bytes_committed (fixture, key, T0, reply, sizeof reply);
    s_expect_bytes (fixture, key, reply, sizeof reply);
}

static void
test_store_fails (void **state)
{
    //  The insert is refused (a full database): store fails and the key
    //  is not indexed
    fixture_t *fixture = (fixture_t *) *state;
    char key [WSIS_RETRY_KEY_MAX];
    s_key (key, "public", "", "full", "f");
    assert_int_equal (wsis_store_exec (fixture->base.store,
        "CREATE TRIGGER refuse BEFORE INSERT ON replies"
        " BEGIN SELECT RAISE (ABORT, 'database or disk is full'); END"), 0);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_retry_store (fixture->replies, key, T0, "r", 1), -1);
    s_expect_none (fixture, key);
    assert_int_equal (wsis_retry_size (fixture->replies), 0);
    s_rollback (fixture);
    assert_int_equal (wsis_store_exec (fixture->base.store, "DROP TRIGGER refuse"), 0);

    //  A row that vanished behind the index's back is not found either
    s_store_committed (fixture, key, T0, "r");
    assert_int_equal (wsis_store_exec (fixture->base.store, "DELETE FROM replies"), 0);
    s_expect_none (fixture, key);
}

//  Many replies: the index grows past its first table several times, and
//  replies taken out (expired, rolled back) leave every other one found.
#define MANY 5000

static void
test_many (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char key [WSIS_RETRY_KEY_MAX], reply [32];
    //  Odd ones early (to expire), even ones later, in batches of 100
    for (int first = 0; first < MANY; first += 100) {
        assert_int_equal (wsis_store_begin (fixture->base.store), 0);
        for (int i = first; i < first + 100; i++) {
            s_numbered (i, key, reply, sizeof reply);
            assert_int_equal (wsis_retry_store (fixture->replies, key, i % 2? T0: T0 + TTL_MS / 2,
                                                reply, strlen (reply)), 0);
        }
        s_commit (fixture);
    }
    //  A batch of 1000 more, rolled back
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    for (int i = MANY; i < MANY + 1000; i++) {
        s_numbered (i, key, reply, sizeof reply);
        assert_int_equal (wsis_retry_store (fixture->replies, key, T0, reply, strlen (reply)), 0);
    }
    assert_int_equal (wsis_retry_size (fixture->replies), MANY + 1000);
    s_rollback (fixture);
    assert_int_equal (wsis_retry_size (fixture->replies), MANY);
    for (int i = 0; i < MANY + 1000; i++) {
        s_numbered (i, key, reply, sizeof reply);
        if (i < MANY)
            s_expect_reply (fixture, key, reply);
        else
            s_expect_none (fixture, key);
    }
    //  The odd ones expire
    wsis_retry_expire (fixture->replies, T0 + TTL_MS + 1);
    assert_int_equal (wsis_retry_size (fixture->replies), MANY / 2);
    assert_int_equal (s_rows (fixture), MANY / 2);
    for (int i = 0; i < MANY; i++) {
        s_numbered (i, key, reply, sizeof reply);
        if (i % 2)
            s_expect_none (fixture, key);
        else
            s_expect_reply (fixture, key, reply);
    }
}

static void
test_destroy (void **state)
{
    wsis_retry_t *replies = NULL;
    wsis_retry_destroy (&replies);
    wsis_retry_destroy (NULL);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_key),
        cmocka_unit_test_setup_teardown (test_store_find, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_abort, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_expire, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_reopen, s_setup_file, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_binary_reply, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_store_fails, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_many, s_setup_memory, test_store_teardown),
        cmocka_unit_test (test_destroy),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
