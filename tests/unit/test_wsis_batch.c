/*  test_wsis_batch: one write transaction of a service, from BEGIN to
    publish (docs/design.md, "No event is lost").

    Over a real store in a temp dir with a real outbox, cursor and retry
    index, and an XPUB the test subscribes to: a step undone leaves no
    rows and its events are forgotten (never published, seq rewound) while
    the other steps of the batch commit; events go out only after the
    commit; a failed commit (a real failed COMMIT, by the store's fault
    file) and an abort roll everything back, memory included, and call the
    rolled_back hook once; a step without a savepoint undone before it
    wrote leaves the batch whole, after it wrote spoils it (its commit
    rolls back and fails); wsis_batch_run commits or aborts on what its
    function returns. The memory checks matter as much as the disk ones: a
    mirror left ahead of the database would publish an event that does not
    exist or skip one that does.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_runtime.h"

typedef struct {
    test_runtime_t runtime;
    int calls;                  //  calls of the function given to run
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture)
        return -1;
    test_runtime_setup (&fixture->runtime, "test_wsis_batch", "voting");
    assert_int_equal (wsis_cursor_follow (fixture->runtime.cursor, "submissions"), 0);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int rc = test_runtime_teardown (&fixture->runtime);
    free (fixture);
    return rc;
}

//  What a request does: a row, and the event that tells of it, {n}.
static void
s_write (fixture_t *fixture, uint64_t number)
{
    test_runtime_insert (&fixture->runtime, number);
    assert_int_equal (test_runtime_emit (&fixture->runtime, number), 0);
}

static int64_t
s_rows (fixture_t *fixture)
{
    return test_runtime_rows (&fixture->runtime);
}

static int64_t
s_sum (fixture_t *fixture)
{
    return test_runtime_sum (&fixture->runtime);
}

//  One step of the open batch that writes number, kept or undone.
static void
s_step (fixture_t *fixture, uint64_t number, bool keep)
{
    assert_int_equal (wsis_batch_step (fixture->runtime.batch), 0);
    s_write (fixture, number);
    if (keep)
        assert_int_equal (wsis_batch_step_keep (fixture->runtime.batch), 0);
    else
        wsis_batch_step_undo (fixture->runtime.batch);
}

//  No batch open, the outbox at seq with nothing pending, rows on disk,
//  and nothing published that the test has not read.
static void
s_expect_settled (fixture_t *fixture, uint64_t seq, int64_t rows)
{
    assert_false (wsis_batch_is_open (fixture->runtime.batch));
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), seq);
    assert_int_equal (wsis_outbox_committed_seq (fixture->runtime.outbox), seq);
    assert_int_equal (s_rows (fixture), rows);
    test_runtime_expect_nothing (&fixture->runtime);
}

//  Whether the retry index has a reply under key.
static bool
s_stored (fixture_t *fixture, const char *key)
{
    size_t size = 0;
    void *reply = wsis_retry_find (fixture->runtime.retry, key, &size);
    bool found = reply != NULL;
    free (reply);
    return found;
}

//  A committed batch the later tests roll back to: row and event 1, the
//  cursor at submissions:1, a stored reply "first".
static void
s_commit_first (fixture_t *fixture)
{
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_write (fixture, 1);
    assert_int_equal (wsis_cursor_advance (fixture->runtime.cursor, "submissions", 1), 0);
    assert_int_equal (wsis_retry_store (fixture->runtime.retry, "first", zclock_time (), "A", 1), 0);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    test_runtime_expect_event (&fixture->runtime, 1, 1);
}

//  Everything a second batch did: row and event 2, the cursor moved to
//  submissions:2, a stored reply "second". Not committed.
static void
s_change_second (fixture_t *fixture)
{
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_write (fixture, 2);
    assert_int_equal (wsis_cursor_advance (fixture->runtime.cursor, "submissions", 2), 0);
    assert_int_equal (wsis_retry_store (fixture->runtime.retry, "second", zclock_time (), "B", 1), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 2);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, "submissions"), 2);
    assert_true (s_stored (fixture, "second"));
}

//  Back where s_commit_first left it, on disk and in every mirror, and
//  nothing of the second batch was published.
static void
s_expect_first_only (fixture_t *fixture)
{
    s_expect_settled (fixture, 1, 1);
    assert_int_equal (s_sum (fixture), 1);
    assert_int_equal (wsis_store_int (fixture->runtime.store, "SELECT max(seq) FROM outbox", -1), 1);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_applied (fixture->runtime.cursor, "submissions"), 1);
    assert_true (s_stored (fixture, "first"));
    assert_false (s_stored (fixture, "second"));
    assert_int_equal (wsis_retry_size (fixture->runtime.retry), 1);
}

//  Transactions committed and rolled back, and the hook called once for
//  each rollback.
static void
s_expect_counts (fixture_t *fixture, uint64_t commits, uint64_t rollbacks)
{
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), commits);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), rollbacks);
    assert_int_equal (fixture->runtime.rolled_back, rollbacks);
}

//  After a rollback the next batch takes seq 2 again and publishes it.
static void
s_expect_recovers (fixture_t *fixture)
{
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_write (fixture, 20);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    test_runtime_expect_event (&fixture->runtime, 2, 20);
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 2);
}


//  --------------------------------------------------------------------------

static void
test_steps (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_false (wsis_batch_is_open (fixture->runtime.batch));
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    assert_true (wsis_batch_is_open (fixture->runtime.batch));

    //  Request 1 succeeds
    s_step (fixture, 1, true);

    //  Request 2 writes two rows and two events, then fails
    assert_int_equal (wsis_batch_step (fixture->runtime.batch), 0);
    s_write (fixture, 2);
    s_write (fixture, 4);
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 3);
    wsis_batch_step_undo (fixture->runtime.batch);
    assert_true (wsis_batch_is_open (fixture->runtime.batch));
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 1);
    assert_int_equal (s_rows (fixture), 1);

    //  Request 3 takes seq 2: no gap where request 2 was
    s_step (fixture, 8, true);
    assert_int_equal (wsis_outbox_last_seq (fixture->runtime.outbox), 2);

    //  Nothing goes out before the commit
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (wsis_outbox_committed_seq (fixture->runtime.outbox), 0);

    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    assert_false (wsis_batch_is_open (fixture->runtime.batch));
    test_runtime_expect_event (&fixture->runtime, 1, 1);
    test_runtime_expect_event (&fixture->runtime, 2, 8);
    test_runtime_expect_nothing (&fixture->runtime);
    assert_int_equal (s_rows (fixture), 2);
    assert_int_equal (s_sum (fixture), 9);
    assert_int_equal (wsis_outbox_committed_seq (fixture->runtime.outbox), 2);
    s_expect_counts (fixture, 1, 0);
}

static void
test_failed_commit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_first (fixture);
    s_change_second (fixture);
    test_runtime_arm_fault (&fixture->runtime);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), -1);
    //  The fault fires once: the file is gone
    assert_int_not_equal (access (fixture->runtime.fault, F_OK), 0);

    s_expect_first_only (fixture);
    s_expect_counts (fixture, 1, 1);
    s_expect_recovers (fixture);
    s_expect_counts (fixture, 2, 1);
}

static void
test_steps_after_commit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_first (fixture);
    //  The first step of a batch undone: its mark is the committed seq,
    //  and a batch with nothing kept publishes nothing
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_step (fixture, 2, false);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    s_expect_settled (fixture, 1, 1);
    s_expect_counts (fixture, 2, 0);

    //  Kept steps are not durable until the commit: a failed commit takes
    //  them back too
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_step (fixture, 2, true);
    s_step (fixture, 4, false);
    test_runtime_arm_fault (&fixture->runtime);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), -1);
    s_expect_settled (fixture, 1, 1);
    s_expect_recovers (fixture);
    s_expect_counts (fixture, 3, 1);
}

static void
test_abort (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_first (fixture);
    s_change_second (fixture);
    wsis_batch_abort (fixture->runtime.batch);
    s_expect_first_only (fixture);
    s_expect_counts (fixture, 1, 1);
    s_expect_recovers (fixture);
}

static int
s_run_write (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    fixture->calls++;
    s_write (fixture, 2);
    return 0;
}

static int
s_run_fail (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    fixture->calls++;
    s_write (fixture, 3);
    return -1;
}

static void
test_run (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_first (fixture);

    //  -1 from the function: aborted, memory included
    assert_int_equal (wsis_batch_run (fixture->runtime.batch, s_run_fail, fixture), -1);
    assert_int_equal (fixture->calls, 1);
    s_expect_counts (fixture, 1, 1);
    s_expect_settled (fixture, 1, 1);

    //  0: committed and published
    assert_int_equal (wsis_batch_run (fixture->runtime.batch, s_run_write, fixture), 0);
    assert_int_equal (fixture->calls, 2);
    assert_false (wsis_batch_is_open (fixture->runtime.batch));
    test_runtime_expect_event (&fixture->runtime, 2, 2);
    assert_int_equal (s_rows (fixture), 2);
    s_expect_counts (fixture, 2, 1);

    //  0 but the commit fails: -1, rolled back
    test_runtime_arm_fault (&fixture->runtime);
    assert_int_equal (wsis_batch_run (fixture->runtime.batch, s_run_write, fixture), -1);
    s_expect_counts (fixture, 2, 2);
    s_expect_settled (fixture, 2, 2);

    //  A batch that cannot begin (one is open already) does not run fn
    //  and leaves the open one alone
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    assert_int_equal (wsis_batch_run (fixture->runtime.batch, s_run_write, fixture), -1);
    assert_int_equal (fixture->calls, 3);
    assert_true (wsis_batch_is_open (fixture->runtime.batch));
    wsis_batch_abort (fixture->runtime.batch);
    s_expect_counts (fixture, 2, 3);
}

static void
test_bare_steps (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_first (fixture);

    //  Bare steps kept and one undone before it wrote: the batch commits
    //  what was kept, with no gap in the seqs
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    assert_int_equal (wsis_batch_step_bare (fixture->runtime.batch), 0);
    s_write (fixture, 2);
    assert_int_equal (wsis_batch_step_keep (fixture->runtime.batch), 0);
    assert_int_equal (wsis_batch_step_bare (fixture->runtime.batch), 0);
    wsis_batch_step_undo (fixture->runtime.batch);
    s_step (fixture, 4, false);         //  a guarded step undone among them
    assert_int_equal (wsis_batch_step_bare (fixture->runtime.batch), 0);
    s_write (fixture, 8);
    assert_int_equal (wsis_batch_step_keep (fixture->runtime.batch), 0);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    test_runtime_expect_event (&fixture->runtime, 2, 2);
    test_runtime_expect_event (&fixture->runtime, 3, 8);
    s_expect_settled (fixture, 3, 3);
    assert_int_equal (s_sum (fixture), 11);
    s_expect_counts (fixture, 2, 0);

    //  A bare step undone after it wrote spoils the batch: the steps kept
    //  before it go too, the commit fails, memory is rolled back
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_step (fixture, 16, true);
    assert_int_equal (wsis_batch_step_bare (fixture->runtime.batch), 0);
    s_write (fixture, 32);
    wsis_batch_step_undo (fixture->runtime.batch);
    assert_true (wsis_batch_is_open (fixture->runtime.batch));
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), -1);
    s_expect_settled (fixture, 3, 3);
    assert_int_equal (s_sum (fixture), 11);
    s_expect_counts (fixture, 2, 1);

    //  The next batch is not spoiled
    assert_int_equal (wsis_batch_begin (fixture->runtime.batch), 0);
    s_write (fixture, 64);
    assert_int_equal (wsis_batch_commit (fixture->runtime.batch), 0);
    test_runtime_expect_event (&fixture->runtime, 4, 64);
    s_expect_settled (fixture, 4, 4);
    s_expect_counts (fixture, 3, 1);
}

static void
test_without_mirrors (void **state)
{
    //  A batch over a store alone (a service without outbox, cursor or
    //  retry index): the same protocol, nothing to tell
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (":memory:", NULL, &error);
    assert_non_null (store);
    assert_int_equal (wsis_store_exec (store, "CREATE TABLE item (n INTEGER)"), 0);
    wsis_batch_t *batch = wsis_batch_new (store, NULL, NULL, NULL);
    assert_non_null (batch);

    assert_int_equal (wsis_batch_begin (batch), 0);
    assert_int_equal (wsis_batch_step (batch), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO item VALUES (1)"), 0);
    wsis_batch_step_undo (batch);
    assert_int_equal (wsis_batch_step (batch), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO item VALUES (2)"), 0);
    assert_int_equal (wsis_batch_step_keep (batch), 0);
    assert_int_equal (wsis_batch_commit (batch), 0);
    assert_int_equal (wsis_store_int (store, "SELECT total(n) FROM item", -1), 2);

    //  No rolled_back hook set: an abort still counts
    assert_int_equal (wsis_batch_begin (batch), 0);
    wsis_batch_abort (batch);
    assert_int_equal (wsis_batch_commits (batch), 1);
    assert_int_equal (wsis_batch_rollbacks (batch), 1);

    wsis_batch_destroy (&batch);
    assert_null (batch);
    wsis_batch_destroy (&batch);
    wsis_batch_destroy (NULL);
    wsis_store_destroy (&store);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_steps, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_failed_commit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_steps_after_commit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_abort, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_run, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bare_steps, s_setup, s_teardown),
        cmocka_unit_test (test_without_mirrors),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
