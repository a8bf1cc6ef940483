/*  test_wsis_store: opening, migrating and using a service's SQLite file.

    Each test works in :memory: or in its own folder made with mkdtemp and
    removed at the end. Besides the happy path: a migration that fails half
    way, a second process on a file that is in use, a folder that does not
    exist, a database that is full, a COMMIT that fails, and the statement
    helpers on a constraint that fails, a step that fails at run time and
    a statement that did not prepare.
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
#include <sys/stat.h>

#include "wsis_log.h"
#include "wsis_store.h"
#include "test_support.h"


//  --------------------------------------------------------------------------
//  A temp folder per test, with path = dir/test.db in it. The fixture's
//  own store stays closed: each test opens stores on path itself, since
//  opening them is what it tests.

static const test_store_def_t s_fixture = {
    "test_wsis_store", sizeof (test_store_t), NULL, NULL
};

static int
s_setup (void **state)
{
    *state = test_store_new (&s_fixture, "test.db");
    return *state? 0: -1;
}

static wsis_store_t *
s_open (const char *path, const char *schema)
{
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (path, schema, &error);
    if (!store)
        print_error ("cannot open %s: %s\n", path, error? error: "(no error)");
    assert_non_null (store);
    assert_null (error);
    return store;
}

//  Opening must fail; returns the error (caller frees)
static char *
s_open_fails (const char *path, const char *schema)
{
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (path, schema, &error);
    assert_null (store);
    assert_non_null (error);
    assert_null (strchr (error, '\n'));         //  one line
    return error;
}

static bool
s_table_exists (wsis_store_t *store, const char *name)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    assert_non_null (stmt);
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
    bool exists = sqlite3_column_int (stmt, 0) > 0;
    wsis_store_done (stmt, 0);
    return exists;
}


//  --------------------------------------------------------------------------

static void
test_open_memory (void **state)
{
    wsis_store_t *store = s_open (":memory:", NULL);
    assert_non_null (wsis_store_db (store));
    assert_false (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_exec (store, "CREATE TABLE t (x INTEGER)"), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (1), (2)"), 0);
    assert_int_equal (wsis_store_int (store, "SELECT sum(x) FROM t", -1), 3);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 0);
    //  Foreign keys are enforced
    assert_int_equal (wsis_store_int (store, "PRAGMA foreign_keys", -1), 1);
    //  Bad SQL is an error, not a crash
    assert_int_equal (wsis_store_exec (store, "CREATE TABLE"), -1);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO missing VALUES (1)"), -1);
    wsis_store_destroy (&store);
    assert_null (store);
    //  Destroying nothing is fine
    wsis_store_destroy (&store);
    wsis_store_destroy (NULL);
}

static void
test_open_file (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, NULL);
    struct stat info;
    assert_int_equal (stat (fixture->path, &info), 0);

    //  WAL, synchronous=FULL (2), normal locking (the checkpoint thread has
    //  a connection of its own; an flock keeps other processes out)
    sqlite3_stmt *stmt = wsis_store_stmt (store, "PRAGMA journal_mode");
    assert_non_null (stmt);
    assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
    assert_string_equal ((const char *) sqlite3_column_text (stmt, 0), "wal");
    wsis_store_done (stmt, 0);
    assert_int_equal (wsis_store_int (store, "PRAGMA synchronous", -1), 2);
    stmt = wsis_store_stmt (store, "PRAGMA locking_mode");
    assert_non_null (stmt);
    assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
    assert_string_equal ((const char *) sqlite3_column_text (stmt, 0), "normal");
    wsis_store_done (stmt, 0);

    assert_int_equal (wsis_store_exec (store, "CREATE TABLE t (x); INSERT INTO t VALUES (42)"), 0);
    wsis_store_destroy (&store);

    //  The data is there on reopening
    store = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (store, "SELECT x FROM t", -1), 42);
    wsis_store_destroy (&store);
}

#define SCHEMA_V2 \
    "-- version 1\n" \
    "CREATE TABLE stakeholder (id TEXT PRIMARY KEY, email TEXT NOT NULL);\n" \
    "-- version 2: an index\n" \
    "CREATE TABLE submission (id TEXT PRIMARY KEY,\n" \
    "    stakeholder_id TEXT NOT NULL REFERENCES stakeholder (id));\n"

//  If a section ran twice, its CREATE TABLE would fail: reopening proves
//  each section runs once
#define SCHEMA_V3 SCHEMA_V2 \
    "-- version 3\n" \
    "CREATE TABLE vote (id INTEGER PRIMARY KEY);\n" \
    "INSERT INTO stakeholder VALUES ('s-1', 'a@b.org');\n"

static void
test_migrations (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, SCHEMA_V2);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 2);
    assert_true (s_table_exists (store, "stakeholder"));
    assert_true (s_table_exists (store, "submission"));
    assert_false (s_table_exists (store, "vote"));
    wsis_store_destroy (&store);

    //  The same schema again changes nothing
    store = s_open (fixture->path, SCHEMA_V2);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 2);
    wsis_store_destroy (&store);

    //  Only version 3 runs
    store = s_open (fixture->path, SCHEMA_V3);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 3);
    assert_true (s_table_exists (store, "vote"));
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM stakeholder", -1), 1);
    wsis_store_destroy (&store);

    store = s_open (fixture->path, SCHEMA_V3);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM stakeholder", -1), 1);
    wsis_store_destroy (&store);

    //  An older binary (schema up to 2) on a newer file runs nothing
    store = s_open (fixture->path, SCHEMA_V2);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 3);
    wsis_store_destroy (&store);

    //  In memory, every section runs in order
    store = s_open (":memory:", SCHEMA_V3);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 3);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM stakeholder", -1), 1);
    wsis_store_destroy (&store);

    //  A schema without any section is nothing to do
    store = s_open (":memory:", "CREATE TABLE ignored (x);\n");
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 0);
    assert_false (s_table_exists (store, "ignored"));
    wsis_store_destroy (&store);
}

static void
test_migration_fails (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, SCHEMA_V2);
    wsis_store_destroy (&store);

    //  Version 3 creates a table, then fails: nothing of it stays
    const char *broken = SCHEMA_V2
        "-- version 3\n"
        "CREATE TABLE vote (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO no_such_table VALUES (1);\n"
        "-- version 4\n"
        "CREATE TABLE later (x);\n";
    char *error = s_open_fails (fixture->path, broken);
    assert_non_null (strstr (error, fixture->path));
    assert_non_null (strstr (error, "version 3"));
    assert_non_null (strstr (error, "no_such_table"));
    free (error);

    store = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 2);
    assert_false (s_table_exists (store, "vote"));
    assert_false (s_table_exists (store, "later"));
    assert_false (wsis_store_in_transaction (store));
    wsis_store_destroy (&store);

    //  A fresh file failing at version 2 stays at version 1
    char path [160];
    test_store_file (fixture, path, sizeof path, "version1-only.db");
    error = s_open_fails (path,
        "-- version 1\nCREATE TABLE a (x);\n"
        "-- version 2\nCREATE TABLE b (x);\nCREATE TABLE a (x);\n");
    assert_non_null (strstr (error, "version 2"));
    free (error);
    store = s_open (path, NULL);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", -1), 1);
    assert_true (s_table_exists (store, "a"));
    assert_false (s_table_exists (store, "b"));
    wsis_store_destroy (&store);

    //  Malformed markers
    error = s_open_fails (":memory:", "-- version x\nCREATE TABLE a (x);\n");
    assert_non_null (strstr (error, "malformed"));
    free (error);
    error = s_open_fails (":memory:", "-- version 0\nCREATE TABLE a (x);\n");
    assert_non_null (strstr (error, "malformed"));
    free (error);
    error = s_open_fails (":memory:", "-- version 1");
    assert_non_null (strstr (error, "malformed"));
    free (error);
}

static void
test_statement_cache (void **state)
{
    wsis_store_t *store = s_open (":memory:", NULL);
    assert_int_equal (wsis_store_exec (store,
        "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)"), 0);

    const char *sql = "SELECT x FROM t WHERE x >= ? ORDER BY x";
    sqlite3_stmt *stmt = wsis_store_stmt (store, sql);
    assert_non_null (stmt);
    sqlite3_bind_int (stmt, 1, 2);
    assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
    assert_int_equal (sqlite3_column_int (stmt, 0), 2);
    //  Left in the middle of its rows and with a binding...

    //  ...the same statement comes back, reset and with bindings cleared
    //  (the cache is keyed by the text, not by the pointer)
    char copy [128];
    snprintf (copy, sizeof copy, "%s", sql);
    sqlite3_stmt *again = wsis_store_stmt (store, copy);
    assert_ptr_equal (again, stmt);
    assert_int_equal (sqlite3_step (again), SQLITE_DONE);      //  x >= NULL: no row
    sqlite3_stmt *third = wsis_store_stmt (store, sql);
    assert_ptr_equal (third, stmt);
    sqlite3_bind_int (third, 1, 0);
    assert_int_equal (sqlite3_step (third), SQLITE_ROW);
    assert_int_equal (sqlite3_column_int (third, 0), 1);       //  from the first row
    assert_int_equal (wsis_store_done (third, 7), 7);

    //  Another text, another statement
    sqlite3_stmt *other = wsis_store_stmt (store, "SELECT count(*) FROM t");
    assert_non_null (other);
    assert_ptr_not_equal (other, stmt);

    //  A buffer that held one text and now holds another finds the other
    //  one's statement, not the one last found at its address
    snprintf (copy, sizeof copy, "%s", "SELECT count(*) FROM t");
    assert_ptr_equal (wsis_store_stmt (store, copy), other);
    snprintf (copy, sizeof copy, "%s", sql);
    assert_ptr_equal (wsis_store_stmt (store, copy), stmt);
    snprintf (copy, sizeof copy, "%s", "SELECT x + 1 FROM t");
    sqlite3_stmt *fresh = wsis_store_stmt (store, copy);
    assert_non_null (fresh);
    assert_ptr_not_equal (fresh, stmt);
    assert_ptr_not_equal (fresh, other);
    assert_ptr_equal (wsis_store_stmt (store, "SELECT x + 1 FROM t"), fresh);

    //  SQL that does not prepare
    assert_null (wsis_store_stmt (store, "SELECT FROM WHERE"));
    assert_null (wsis_store_stmt (store, "SELECT * FROM no_such_table"));
    assert_int_equal (wsis_store_done (NULL, -1), -1);

    //  A statement left mid-step does not keep a write transaction from
    //  committing after it is reset
    stmt = wsis_store_stmt (store, sql);
    sqlite3_bind_int (stmt, 1, 1);
    assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
    wsis_store_done (stmt, 0);
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (4)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    wsis_store_destroy (&store);
}

static void
test_transactions (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, "-- version 1\nCREATE TABLE t (x INTEGER);\n");

    assert_int_equal (wsis_store_begin (store), 0);
    assert_true (wsis_store_in_transaction (store));
    //  BEGIN inside a transaction is an error
    assert_int_equal (wsis_store_begin (store), -1);
    assert_true (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (1)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    assert_false (wsis_store_in_transaction (store));

    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (2)"), 0);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2);
    assert_int_equal (wsis_store_rollback (store), 0);
    assert_false (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 1);

    //  Rollback without a transaction is harmless; commit is an error
    assert_int_equal (wsis_store_rollback (store), 0);
    assert_int_equal (wsis_store_commit (store), -1);
    wsis_store_destroy (&store);

    //  Committed work survives reopening; work left open does not
    store = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 1);
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (3)"), 0);
    wsis_store_destroy (&store);
    store = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 1);
    wsis_store_destroy (&store);
}

static void
test_savepoints (void **state)
{
    wsis_store_t *store = s_open (":memory:", "-- version 1\nCREATE TABLE t (x INTEGER);\n");
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (1)"), 0);

    //  A request that fails half-way leaves nothing behind...
    assert_int_equal (wsis_store_savepoint (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (2)"), 0);
    assert_int_equal (wsis_store_savepoint_undo (store), 0);
    //  ...and the batch goes on, with what came before it
    assert_true (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_int (store, "SELECT group_concat (x) FROM t", -1), 1);

    //  A request that succeeds is kept
    assert_int_equal (wsis_store_savepoint (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (3)"), 0);
    assert_int_equal (wsis_store_savepoint_keep (store), 0);

    //  And one more that fails
    assert_int_equal (wsis_store_savepoint (store), 0);
    assert_int_equal (wsis_store_exec (store, "DELETE FROM t"), 0);
    assert_int_equal (wsis_store_savepoint_undo (store), 0);

    assert_int_equal (wsis_store_commit (store), 0);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2);
    assert_int_equal (wsis_store_int (store, "SELECT sum(x) FROM t", -1), 4);

    //  Release or roll back a savepoint that is not there: an error
    assert_int_equal (wsis_store_savepoint_keep (store), -1);
    assert_int_equal (wsis_store_savepoint_undo (store), -1);

    //  A whole-batch rollback takes the released savepoints with it
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_savepoint (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (5)"), 0);
    assert_int_equal (wsis_store_savepoint_keep (store), 0);
    assert_int_equal (wsis_store_rollback (store), 0);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2);
    wsis_store_destroy (&store);
}

static void
test_locked (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *first = s_open (fixture->path, "-- version 1\nCREATE TABLE t (x);\n");

    //  A second connection on the same file fails while the first is open
    //  (after SQLite's busy timeout), with one line naming the file
    char *error = s_open_fails (fixture->path, NULL);
    assert_non_null (strstr (error, fixture->path));
    assert_non_null (strstr (error, "locked"));
    free (error);

    //  The first one is unharmed
    assert_int_equal (wsis_store_exec (first, "INSERT INTO t VALUES (1)"), 0);
    wsis_store_destroy (&first);

    //  Once it is closed, the file opens again
    wsis_store_t *second = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (second, "SELECT count(*) FROM t", -1), 1);
    wsis_store_destroy (&second);
}

//  The WAL goes back into the database from the store's thread: once
//  enough pages were committed, a checkpoint completes there, with
//  nothing asked of the store's own connection, and every row stays.
static void
test_checkpoint_thread (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, "-- version 1\nCREATE TABLE t (x BLOB);\n");
    assert_int_equal (wsis_store_checkpoints (store), 0);
    //  A commit per row of a page and more: over 1,000 pages of WAL
    for (int row = 0; row < 600; row++)
        assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (zeroblob (5000))"), 0);
    for (int waited = 0; waited < 1000 && wsis_store_checkpoints (store) == 0; waited++)
        usleep (10 * 1000);
    assert_true (wsis_store_checkpoints (store) >= 1);
    //  The store writes on meanwhile and after
    for (int row = 0; row < 100; row++)
        assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (x'01')"), 0);
    wsis_store_destroy (&store);

    store = s_open (fixture->path, NULL);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 700);
    wsis_store_destroy (&store);

    //  None for a database in memory
    store = s_open (":memory:", NULL);
    assert_int_equal (wsis_store_checkpoints (store), 0);
    wsis_store_destroy (&store);
}

static void
test_missing_folder (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    char path [200];
    test_store_file (fixture, path, sizeof path, "no/such/folder/test.db");
    char *error = s_open_fails (path, "-- version 1\nCREATE TABLE t (x);\n");
    assert_non_null (strstr (error, path));
    assert_non_null (strstr (error, "cannot open"));
    free (error);

    //  A folder where the file should be
    error = s_open_fails (fixture->dir, NULL);
    assert_non_null (strstr (error, fixture->dir));
    free (error);
}

static void
test_full (void **state)
{
    wsis_store_t *store = s_open (":memory:", "-- version 1\nCREATE TABLE t (x BLOB);\n");
    //  A database that cannot grow: the insert fails, the rollback works,
    //  and the store is usable afterwards
    assert_int_equal (wsis_store_exec (store, "PRAGMA max_page_count = 8"), 0);
    assert_int_equal (wsis_store_begin (store), 0);
    int rc = 0;
    for (int index = 0; index < 100 && rc == 0; index++)
        rc = wsis_store_exec (store, "INSERT INTO t VALUES (zeroblob (4000))");
    assert_int_equal (rc, -1);
    assert_int_equal (sqlite3_errcode (wsis_store_db (store)), SQLITE_FULL);
    assert_int_equal (wsis_store_rollback (store), 0);
    assert_false (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (x'00')"), 0);
    wsis_store_destroy (&store);
}

static void
test_commit_fails (void **state)
{
    //  A deferred foreign key makes COMMIT itself fail: the transaction
    //  must not stay open, so the next batch starts clean
    wsis_store_t *store = s_open (":memory:",
        "-- version 1\n"
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)"
        " DEFERRABLE INITIALLY DEFERRED);\n");
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO child VALUES (99)"), 0);
    assert_int_equal (wsis_store_commit (store), -1);
    assert_false (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM child", -1), 0);

    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO parent VALUES (99)"), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO child VALUES (99)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM child", -1), 1);
    wsis_store_destroy (&store);
}

//  The fault file fails exactly one COMMIT, which rolls back, and is gone.
static void
test_fault_injection (void **state)
{
    test_store_t *fixture = (test_store_t *) *state;
    wsis_store_t *store = s_open (fixture->path, "-- version 1\nCREATE TABLE t (x INTEGER);\n");
    char fault [600];
    test_store_file (fixture, fault, sizeof fault, "fail-commit");
    wsis_store_set_fault_file (store, fault);

    //  No file: commits as usual.
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (1)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);

    FILE *file = fopen (fault, "w");
    assert_non_null (file);
    fclose (file);
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (2)"), 0);
    assert_int_equal (wsis_store_commit (store), -1);
    assert_false (wsis_store_in_transaction (store));
    assert_int_equal (access (fault, F_OK), -1);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 1);

    //  Used up: the next commit goes through; NULL turns it off.
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (3)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    wsis_store_set_fault_file (store, NULL);
    file = fopen (fault, "w");
    assert_non_null (file);
    fclose (file);
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (4)"), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 3);
    wsis_store_destroy (&store);
}

static void
test_int_fallback (void **state)
{
    wsis_store_t *store = s_open (":memory:",
        "-- version 1\nCREATE TABLE t (x INTEGER);\nINSERT INTO t VALUES (NULL), (5);\n");
    assert_int_equal (wsis_store_int (store, "SELECT x FROM t WHERE x = 5", -1), 5);
    //  No row
    assert_int_equal (wsis_store_int (store, "SELECT x FROM t WHERE x = 6", -7), -7);
    //  A NULL
    assert_int_equal (wsis_store_int (store, "SELECT x FROM t WHERE x IS NULL", -8), -8);
    assert_int_equal (wsis_store_int (store, "SELECT max(x) FROM t WHERE x > 100", 0), 0);
    //  SQL that does not prepare
    assert_int_equal (wsis_store_int (store, "SELECT nonsense FROM nowhere", 9), 9);
    //  Large values
    assert_true (wsis_store_int (store, "SELECT 9223372036854775807", 0) == INT64_MAX);
    assert_true (wsis_store_int (store, "SELECT -9223372036854775808", 0) == INT64_MIN);
    //  The same statement twice: reset between uses
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2);
    wsis_store_destroy (&store);
}


//  --------------------------------------------------------------------------
//  Statement helpers (the ones every service's store uses)

#define SCHEMA_PEOPLE \
    "-- version 1\n" \
    "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT);\n"

#define INSERT_PERSON "INSERT INTO person (name, note) VALUES (?1, ?2)"

//  stderr goes to a temp file between start and stop, so a test can read
//  what a helper logged.
typedef struct {
    char path [64];
    int fd;
    int saved;
} capture_t;

static void
s_capture_start (capture_t *capture)
{
    wsis_log_init ("test_wsis_store");
    snprintf (capture->path, sizeof capture->path, "/tmp/test_wsis_store_log_XXXXXX");
    capture->fd = mkstemp (capture->path);
    assert_true (capture->fd >= 0);
    fflush (stderr);
    capture->saved = dup (STDERR_FILENO);
    assert_true (capture->saved >= 0);
    assert_true (dup2 (capture->fd, STDERR_FILENO) >= 0);
}

//  Returns what was logged since start (into text, truncated to fit).
static void
s_capture_stop (capture_t *capture, char *text, size_t size)
{
    fflush (stderr);
    dup2 (capture->saved, STDERR_FILENO);
    close (capture->saved);
    FILE *file = fdopen (capture->fd, "r");
    assert_non_null (file);
    rewind (file);
    size_t got = fread (text, 1, size - 1, file);
    text [got] = 0;
    fclose (file);
    unlink (capture->path);
}

static int64_t
s_count (wsis_store_t *store, const char *sql)
{
    return wsis_store_int (store, sql, -1);
}

static void
test_bind_text (void **state)
{
    wsis_store_t *store = s_open (":memory:", SCHEMA_PEOPLE);

    //  SQLite copies the text at bind: the buffer may change before the step
    char name [16] = "ada";
    sqlite3_stmt *stmt = wsis_store_stmt (store, INSERT_PERSON);
    assert_non_null (stmt);
    wsis_store_bind_text (stmt, 1, name);
    wsis_store_bind_text (stmt, 2, NULL);
    snprintf (name, sizeof name, "grace");
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_int_equal (s_count (store,
        "SELECT count(*) FROM person WHERE name = 'ada' AND note IS NULL"), 1);
    assert_int_equal (s_count (store, "SELECT count(*) FROM person WHERE name = 'grace'"), 0);

    //  An empty string is text, not NULL
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, "barbara");
    wsis_store_bind_text (stmt, 2, "");
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_int_equal (s_count (store,
        "SELECT count(*) FROM person WHERE name = 'barbara' AND note = ''"), 1);

    //  textn binds len bytes of text that goes on (a msgpack string)
    char field [16] = "grace hopper";
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_textn (stmt, 1, field, 5);
    wsis_store_bind_textn (stmt, 2, field + 6, 6);
    memset (field, 'x', sizeof field - 1);
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_int_equal (s_count (store,
        "SELECT count(*) FROM person WHERE name = 'grace' AND note = 'hopper'"), 1);

    //  NULL is SQL NULL whatever the length; length 0 is ''
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_textn (stmt, 1, "linus", 5);
    wsis_store_bind_textn (stmt, 2, NULL, 3);
    assert_int_equal (wsis_store_run (store, stmt), 0);
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_textn (stmt, 1, "margaret", 8);
    wsis_store_bind_textn (stmt, 2, "ignored", 0);
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_int_equal (s_count (store,
        "SELECT count(*) FROM person WHERE name = 'linus' AND note IS NULL"), 1);
    assert_int_equal (s_count (store,
        "SELECT count(*) FROM person WHERE name = 'margaret' AND note = ''"), 1);
    wsis_store_destroy (&store);
}

static void
test_text (void **state)
{
    wsis_store_t *store = s_open (":memory:", SCHEMA_PEOPLE
        "INSERT INTO person (name, note) VALUES ('ada', NULL), ('grace', ''), ('linus', 'git');\n");
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT name, note, id FROM person ORDER BY id");
    assert_non_null (stmt);
    assert_int_equal (wsis_store_row (store, stmt), 1);
    assert_string_equal (wsis_store_text (stmt, 0), "ada");
    assert_null (wsis_store_text (stmt, 1));                    //  SQL NULL
    assert_int_equal (wsis_store_row (store, stmt), 1);
    assert_non_null (wsis_store_text (stmt, 1));                //  '' is not NULL
    assert_string_equal (wsis_store_text (stmt, 1), "");
    assert_int_equal (wsis_store_row (store, stmt), 1);
    assert_string_equal (wsis_store_text (stmt, 1), "git");
    assert_string_equal (wsis_store_text (stmt, 2), "3");       //  a number reads as text
    assert_int_equal (wsis_store_row (store, stmt), 0);
    wsis_store_done (stmt, 0);
    wsis_store_destroy (&store);
}

static void
test_run (void **state)
{
    wsis_store_t *store = s_open (":memory:", SCHEMA_PEOPLE);
    sqlite3_stmt *stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, "ada");
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_false (sqlite3_stmt_busy (stmt));

    //  A constraint fails: -1, the statement reset, the error and the SQL
    //  logged, and the store goes on
    capture_t capture;
    s_capture_start (&capture);
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, "ada");
    int rc = wsis_store_run (store, stmt);
    char logged [2048];
    s_capture_stop (&capture, logged, sizeof logged);
    assert_int_equal (rc, -1);
    assert_false (sqlite3_stmt_busy (stmt));
    assert_non_null (strstr (logged, "UNIQUE constraint failed: person.name"));
    assert_non_null (strstr (logged, INSERT_PERSON));

    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, NULL);                       //  NOT NULL
    assert_int_equal (wsis_store_run (store, stmt), -1);
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, "grace");
    assert_int_equal (wsis_store_run (store, stmt), 0);
    assert_int_equal (s_count (store, "SELECT count(*) FROM person"), 2);

    //  Inside a transaction a failed write leaves the transaction open
    //  (the caller decides: a savepoint rollback, or the batch's)
    assert_int_equal (wsis_store_begin (store), 0);
    stmt = wsis_store_stmt (store, INSERT_PERSON);
    wsis_store_bind_text (stmt, 1, "grace");
    assert_int_equal (wsis_store_run (store, stmt), -1);
    assert_true (wsis_store_in_transaction (store));
    assert_int_equal (wsis_store_commit (store), 0);

    //  A statement that did not prepare (already logged) is a failure
    assert_int_equal (wsis_store_run (store, NULL), -1);
    assert_int_equal (wsis_store_run (store,
        wsis_store_stmt (store, "INSERT INTO nowhere VALUES (1)")), -1);

    //  A statement that yields a row is not a write
    stmt = wsis_store_stmt (store, "SELECT 1");
    assert_int_equal (wsis_store_run (store, stmt), -1);
    assert_false (sqlite3_stmt_busy (stmt));
    wsis_store_destroy (&store);
}

static void
test_row (void **state)
{
    wsis_store_t *store = s_open (":memory:", SCHEMA_PEOPLE
        "INSERT INTO person (name) VALUES ('ada'), ('grace');\n");
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT name FROM person ORDER BY id");
    assert_int_equal (wsis_store_row (store, stmt), 1);
    //  Not reset: the row stays readable until the caller resets
    assert_true (sqlite3_stmt_busy (stmt));
    assert_string_equal (wsis_store_text (stmt, 0), "ada");
    assert_int_equal (wsis_store_row (store, stmt), 1);
    assert_string_equal (wsis_store_text (stmt, 0), "grace");
    assert_int_equal (wsis_store_row (store, stmt), 0);
    assert_int_equal (wsis_store_done (stmt, 0), 0);

    //  One row read, then reset by the caller
    stmt = wsis_store_stmt (store, "SELECT id FROM person WHERE name = ?1");
    wsis_store_bind_text (stmt, 1, "grace");
    assert_int_equal (wsis_store_row (store, stmt), 1);
    assert_int_equal (sqlite3_column_int64 (stmt, 0), 2);
    wsis_store_done (stmt, 0);
    assert_false (sqlite3_stmt_busy (stmt));

    //  No row
    stmt = wsis_store_stmt (store, "SELECT id FROM person WHERE name = ?1");
    wsis_store_bind_text (stmt, 1, "nobody");
    assert_int_equal (wsis_store_row (store, stmt), 0);
    wsis_store_done (stmt, 0);

    //  A step that fails (an error at run time, not at prepare): -1, logged
    capture_t capture;
    s_capture_start (&capture);
    stmt = wsis_store_stmt (store, "SELECT abs (?1)");
    sqlite3_bind_int64 (stmt, 1, INT64_MIN);
    int rc = wsis_store_row (store, stmt);
    char logged [2048];
    s_capture_stop (&capture, logged, sizeof logged);
    assert_int_equal (rc, -1);
    assert_non_null (strstr (logged, "integer overflow"));
    assert_non_null (strstr (logged, "SELECT abs (?1)"));
    wsis_store_done (stmt, 0);

    assert_int_equal (wsis_store_row (store, NULL), -1);
    assert_int_equal (s_count (store, "SELECT count(*) FROM person"), 2);
    wsis_store_destroy (&store);
}

static void
test_exists (void **state)
{
    wsis_store_t *store = s_open (":memory:", SCHEMA_PEOPLE
        "INSERT INTO person (name) VALUES ('ada'), ('grace');\n");
    const char *sql = "SELECT 1 FROM person WHERE name = ?1";
    sqlite3_stmt *stmt = wsis_store_stmt (store, sql);
    wsis_store_bind_text (stmt, 1, "ada");
    assert_int_equal (wsis_store_exists (store, stmt), 1);
    assert_false (sqlite3_stmt_busy (stmt));                    //  reset
    stmt = wsis_store_stmt (store, sql);
    wsis_store_bind_text (stmt, 1, "nobody");
    assert_int_equal (wsis_store_exists (store, stmt), 0);
    assert_false (sqlite3_stmt_busy (stmt));

    //  More than one row is still "exists", and still reset
    stmt = wsis_store_stmt (store, "SELECT 1 FROM person");
    assert_int_equal (wsis_store_exists (store, stmt), 1);
    assert_false (sqlite3_stmt_busy (stmt));

    //  A step that fails, and a statement that did not prepare
    stmt = wsis_store_stmt (store, "SELECT abs (?1)");
    sqlite3_bind_int64 (stmt, 1, INT64_MIN);
    assert_int_equal (wsis_store_exists (store, stmt), -1);
    assert_false (sqlite3_stmt_busy (stmt));
    assert_int_equal (wsis_store_exists (store, NULL), -1);
    assert_int_equal (wsis_store_exists (store, wsis_store_stmt (store, "SELECT 1 FROM nowhere")), -1);
    wsis_store_destroy (&store);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_open_memory),
        cmocka_unit_test_setup_teardown (test_open_file, s_setup, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_checkpoint_thread, s_setup, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_migrations, s_setup, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_migration_fails, s_setup, test_store_teardown),
        cmocka_unit_test (test_statement_cache),
        cmocka_unit_test_setup_teardown (test_transactions, s_setup, test_store_teardown),
        cmocka_unit_test (test_savepoints),
        cmocka_unit_test_setup_teardown (test_locked, s_setup, test_store_teardown),
        cmocka_unit_test_setup_teardown (test_missing_folder, s_setup, test_store_teardown),
        cmocka_unit_test (test_full),
        cmocka_unit_test (test_commit_fails),
        cmocka_unit_test_setup_teardown (test_fault_injection, s_setup, test_store_teardown),
        cmocka_unit_test (test_int_fallback),
        cmocka_unit_test (test_bind_text),
        cmocka_unit_test (test_text),
        cmocka_unit_test (test_run),
        cmocka_unit_test (test_row),
        cmocka_unit_test (test_exists),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
