/*  test_wsis_quick_check: the start-up check of a database file on a
    thread of its own, while the store that opened the file is in use: a
    well-formed file passes (and the store works meanwhile), a damaged
    page and a file that is no database are refused with one line naming
    the file, and finishing a check that never started does nothing.
    Each test in its own folder made with mkdtemp.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_log.h"
#include "wsis_quick_check.h"
#include "wsis_store.h"
#include "test_support.h"

typedef struct {
    char dir [256];
    char path [300];
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture || test_tempdir_make (fixture->dir, sizeof fixture->dir, "test_wsis_quick_check"))
        return -1;
    snprintf (fixture->path, sizeof fixture->path, "%s/test.db", fixture->dir);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int rc = test_tempdir_remove (fixture->dir);
    free (fixture);
    return rc;
}

//  A store at path with a table of rows rows, each of 500 bytes, so the
//  file has many pages.
static wsis_store_t *
s_store_with_rows (const char *path, int rows)
{
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (path, NULL, &error);
    assert_non_null (store);
    assert_int_equal (wsis_store_exec (store, "CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)"), 0);
    char sql [256];
    snprintf (sql, sizeof sql, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < %d)"
              " INSERT INTO t SELECT n, printf('%%.500c', 'x') FROM c", rows);
    assert_int_equal (wsis_store_exec (store, sql), 0);
    return store;
}

static void
test_a_well_formed_file_passes_while_the_store_works (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_store_t *store = s_store_with_rows (fixture->path, 2000);
    char *error = NULL;
    wsis_quick_check_t *check = wsis_quick_check_start (fixture->path, &error);
    assert_non_null (check);
    //  The store writes while the check reads its snapshot
    assert_int_equal (wsis_store_exec (store, "INSERT INTO t VALUES (5000, 'more')"), 0);
    assert_int_equal (wsis_quick_check_finish (&check, &error), 0);
    assert_null (check);
    assert_null (error);
    assert_int_equal (wsis_store_int (store, "SELECT count(*) FROM t", -1), 2001);
    wsis_store_destroy (&store);
}

static void
test_a_damaged_page_is_refused_naming_the_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_store_t *store = s_store_with_rows (fixture->path, 2000);
    wsis_store_destroy (&store);            //  every page in the file, the WAL gone
    FILE *file = fopen (fixture->path, "r+b");
    assert_non_null (file);
    assert_int_equal (fseek (file, 0, SEEK_END), 0);
    long pages = ftell (file) / 4096;
    assert_true (pages > 100);
    char junk [4096];
    memset (junk, 0xff, sizeof junk);
    assert_int_equal (fseek (file, (pages / 2) * 4096, SEEK_SET), 0);
    assert_int_equal (fwrite (junk, 1, sizeof junk, file), sizeof junk);
    fclose (file);

    char *error = NULL;
    store = wsis_store_open (fixture->path, NULL, &error);
    assert_non_null (store);                //  the header is sound: SQLite opens it
    wsis_quick_check_t *check = wsis_quick_check_start (fixture->path, &error);
    assert_non_null (check);
    assert_int_equal (wsis_quick_check_finish (&check, &error), -1);
    assert_null (check);
    assert_non_null (error);
    assert_non_null (strstr (error, fixture->path));
    assert_non_null (strstr (error, "damaged (SQLite's quick_check: "));
    assert_non_null (strstr (error, "restore it from a backup"));
    assert_null (strchr (error, '\n'));
    free (error);
    wsis_store_destroy (&store);
}

static void
test_a_file_that_is_no_database_is_refused (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    FILE *file = fopen (fixture->path, "wb");
    assert_non_null (file);
    for (int i = 0; i < 1000; i++)
        fputs ("this is not a database. ", file);
    fclose (file);
    char *error = NULL;
    wsis_quick_check_t *check = wsis_quick_check_start (fixture->path, &error);
    assert_non_null (check);
    assert_int_equal (wsis_quick_check_finish (&check, &error), -1);
    assert_non_null (strstr (error, "test.db: damaged"));
    free (error);
}

static void
test_finishing_nothing_does_nothing (void **state)
{
    wsis_quick_check_t *check = NULL;
    char *error = NULL;
    assert_int_equal (wsis_quick_check_finish (&check, &error), 0);
    assert_null (error);
}

int
main (void)
{
    wsis_log_init ("test_wsis_quick_check");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_a_well_formed_file_passes_while_the_store_works, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_damaged_page_is_refused_naming_the_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_file_that_is_no_database_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_finishing_nothing_does_nothing, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
