/*  test_wsis_cursor: the consumer half of "no event is lost" (docs/design.md).

    The verdicts that make applying idempotent (SEEN), ordered (NEXT only
    one step at a time) and complete (GAP sends a consumer to catch up),
    the transaction discipline (abort forgets, commit keeps), the lag that
    announced heads make and confirmed ones undo, and what survives a
    restart, on :memory: and on a temp file.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "wsis_cursor.h"
#include "wsis_store.h"
#include "test_support.h"


typedef struct {
    test_store_t base;          //  first: the store the cursor keeps its rows in
    wsis_cursor_t *cursor;
} fixture_t;

//  A cursor is made on each opening of the store, as a service makes one
//  at start: it knows nothing until its sources are followed again
static void
s_open (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    fixture->cursor = wsis_cursor_new (base->store);
    assert_non_null (fixture->cursor);
}

static void
s_close (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    wsis_cursor_destroy (&fixture->cursor);
    assert_null (fixture->cursor);
}

static const test_store_def_t s_fixture = {
    "test_wsis_cursor", sizeof (fixture_t), s_open, s_close
};

static int
s_setup_memory (void **state)
{
    return test_store_setup (state, &s_fixture, NULL);
}

static int
s_setup_file (void **state)
{
    return test_store_setup (state, &s_fixture, "cursor.db");
}

//  Applies seq of source in its own transaction, as a consumer does
static void
s_apply (fixture_t *fixture, const char *source, uint64_t seq)
{
    assert_int_equal (wsis_cursor_check (fixture->cursor, source, seq), WSIS_CURSOR_NEXT);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, source, seq), 0);
    assert_int_equal (wsis_store_commit (fixture->base.store), 0);
    wsis_cursor_commit (fixture->cursor);
}

//  Rolls back the open batch, as a consumer does when applying fails: the
//  store first, then the cursor forgets what the batch advanced
static void
s_rollback (fixture_t *fixture)
{
    assert_int_equal (wsis_store_rollback (fixture->base.store), 0);
    wsis_cursor_abort (fixture->cursor);
}


//  --------------------------------------------------------------------------

static void
test_follow (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_size (fixture->cursor), 0);
    assert_null (wsis_cursor_source (fixture->cursor, 0));
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "nominations"), 0);
    //  Following twice is once
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_size (fixture->cursor), 2);
    assert_string_equal (wsis_cursor_source (fixture->cursor, 0), "submissions");
    assert_string_equal (wsis_cursor_source (fixture->cursor, 1), "nominations");
    assert_null (wsis_cursor_source (fixture->cursor, 2));
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 0);

    //  There is a bound on sources; beyond it follow fails, cleanly
    int rc = 0;
    size_t followed = 2;
    for (int index = 0; index < 100 && rc == 0; index++) {
        char name [32];
        snprintf (name, sizeof name, "source-%d", index);
        rc = wsis_cursor_follow (fixture->cursor, name);
        if (rc == 0)
            followed++;
    }
    assert_int_equal (rc, -1);
    assert_int_equal (wsis_cursor_size (fixture->cursor), followed);
    //  Already followed ones still answer 0
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "nominations"), 0);
}

static void
test_verdicts (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);

    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 1), WSIS_CURSOR_NEXT);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 2), WSIS_CURSOR_GAP);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", UINT32_MAX), WSIS_CURSOR_GAP);
    //  seq 0 is a heartbeat's: never applied
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 0), WSIS_CURSOR_SEEN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "voting", 1), WSIS_CURSOR_FOREIGN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "", 1), WSIS_CURSOR_FOREIGN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submission", 1), WSIS_CURSOR_FOREIGN);

    s_apply (fixture, "submissions", 1);
    s_apply (fixture, "submissions", 2);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 2);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 1), WSIS_CURSOR_SEEN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 2), WSIS_CURSOR_SEEN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 3), WSIS_CURSOR_NEXT);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 4), WSIS_CURSOR_GAP);
}

static void
test_advance_one_step (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "voting"), 0);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);

    //  Past a gap, backwards, the same one twice, a foreign source: refused
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 2), -1);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 0), -1);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "nowhere", 1), -1);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "voting"), 0);

    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 1), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 1), -1);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 3), -1);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 2), 0);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "voting"), 2);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "voting"), 2);

    //  The row is written in the open transaction
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT last_seq FROM cursor WHERE source = 'voting'", -1), 2);
    assert_int_equal (wsis_store_commit (fixture->base.store), 0);
    wsis_cursor_commit (fixture->cursor);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT applied FROM cursor WHERE source = 'voting'", -1), 2);
}

static void
test_abort (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "nominations"), 0);
    s_apply (fixture, "submissions", 1);

    //  A batch that moves both sources, then fails
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "submissions", 2), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "submissions", 3), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "nominations", 1), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 4);
    s_rollback (fixture);

    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "nominations"), 0);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "nominations"), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 1);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 2), WSIS_CURSOR_NEXT);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "nominations", 1), WSIS_CURSOR_NEXT);
    //  The database agrees
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT last_seq FROM cursor WHERE source = 'submissions'", -1), 1);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT count(*) FROM cursor WHERE source = 'nominations'", -1), 0);

    //  The same events apply again, once
    s_apply (fixture, "submissions", 2);
    s_apply (fixture, "nominations", 1);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 3);

    //  Abort right after a commit changes nothing
    wsis_cursor_abort (fixture->cursor);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 2);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 3);
}

static void
test_persistence (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "voting"), 0);
    for (uint64_t seq = 1; seq <= 5; seq++)
        s_apply (fixture, "submissions", seq);
    s_apply (fixture, "voting", 1);

    //  Applied but never committed when the process stops
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "voting", 2), 0);
    test_store_reopen (&fixture->base);

    //  Nothing is known before following
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 6), WSIS_CURSOR_FOREIGN);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "voting"), 0);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "reporting"), 0);

    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 5);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "submissions"), 5);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "voting"), 1);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "voting"), 1);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "reporting"), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 6);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 5), WSIS_CURSOR_SEEN);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 6), WSIS_CURSOR_NEXT);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "voting", 2), WSIS_CURSOR_NEXT);
    //  Freshly loaded values are the committed ones: abort keeps them
    wsis_cursor_abort (fixture->cursor);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 5);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "voting"), 1);

    s_apply (fixture, "voting", 2);
    test_store_reopen (&fixture->base);
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "voting"), 0);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "voting"), 2);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "voting"), 2);
}

static void
test_lag (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "unknown"), 0);

    //  A heartbeat says the producer is at 10
    wsis_cursor_note_head (fixture->cursor, "submissions", 10);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 10);
    //  note_head only ever raises it (an old heartbeat arriving late)
    wsis_cursor_note_head (fixture->cursor, "submissions", 4);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 10);
    //  Unknown sources are ignored
    wsis_cursor_note_head (fixture->cursor, "unknown", 99);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "unknown"), 0);

    for (uint64_t seq = 1; seq <= 3; seq++)
        s_apply (fixture, "submissions", seq);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 7);

    //  Applying past the announced head moves the head along: no negative lag
    for (uint64_t seq = 4; seq <= 12; seq++)
        s_apply (fixture, "submissions", seq);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    wsis_cursor_note_head (fixture->cursor, "submissions", 12);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    wsis_cursor_note_head (fixture->cursor, "submissions", 13);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 1);

    //  A rolled back batch lags again
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "submissions", 13), 0);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    s_rollback (fixture);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 1);
}

static void
test_confirm_head (void **state)
{
    //  Anyone can push a heartbeat into the bus: what it announces counts
    //  as lag only until the source's own answer to events.since says
    //  where it is
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_apply (fixture, "submissions", seq);
    wsis_cursor_note_head (fixture->cursor, "submissions", UINT64_MAX);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), UINT64_MAX - 3);

    //  Confirmed lower: set, not raised, so the lag is gone
    wsis_cursor_confirm_head (fixture->cursor, "submissions", 3);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    //  A later announcement counts again, until confirmed in its turn
    wsis_cursor_note_head (fixture->cursor, "submissions", 1000000);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 1000000 - 3);
    wsis_cursor_confirm_head (fixture->cursor, "submissions", 5);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 2);

    //  A confirmed head below what was applied (an answer written before
    //  the live events we took since) is no lag, never a negative one
    wsis_cursor_confirm_head (fixture->cursor, "submissions", 1);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 3);
    s_apply (fixture, "submissions", 4);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 0);

    //  A rolled back batch past the confirmed head still lags
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "submissions", 5), 0);
    s_rollback (fixture);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "submissions"), 1);

    //  Unknown sources are ignored
    wsis_cursor_confirm_head (fixture->cursor, "unknown", 99);
    assert_int_equal (wsis_cursor_lag (fixture->cursor, "unknown"), 0);
}

static void
test_applied_total (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const char *sources [] = { "submissions", "nominations", "voting" };
    for (size_t index = 0; index < 3; index++)
        assert_int_equal (wsis_cursor_follow (fixture->cursor, sources [index]), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 0);
    for (size_t index = 0; index < 3; index++)
        for (uint64_t seq = 1; seq <= index + 1; seq++)
            s_apply (fixture, sources [index], seq);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "nominations"), 2);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "voting"), 3);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "unknown"), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->cursor), 6);
}

static void
test_advance_fails (void **state)
{
    //  The store refuses the write (a full database): advance fails and
    //  the cursor does not move
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_cursor_follow (fixture->cursor, "submissions"), 0);
    s_apply (fixture, "submissions", 1);
    assert_int_equal (wsis_store_exec (fixture->base.store,
        "CREATE TRIGGER refuse BEFORE UPDATE ON cursor"
        " BEGIN SELECT RAISE (ABORT, 'database is full'); END"), 0);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_cursor_advance (fixture->cursor, "submissions", 2), -1);
    assert_int_equal (wsis_cursor_last_seq (fixture->cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_applied (fixture->cursor, "submissions"), 1);
    assert_int_equal (wsis_cursor_check (fixture->cursor, "submissions", 2), WSIS_CURSOR_NEXT);
    s_rollback (fixture);
    assert_int_equal (wsis_store_exec (fixture->base.store, "DROP TRIGGER refuse"), 0);
    s_apply (fixture, "submissions", 2);
}

static void
test_destroy (void **state)
{
    wsis_cursor_t *cursor = NULL;
    wsis_cursor_destroy (&cursor);
    wsis_cursor_destroy (NULL);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_follow, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_verdicts, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_advance_one_step, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_abort, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_persistence, s_setup_file, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_lag, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_confirm_head, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_applied_total, s_setup_memory, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_advance_fails, s_setup_memory, test_store_teardown),
        cmocka_unit_test (test_destroy),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
