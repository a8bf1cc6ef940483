/*  test_wsis_watermark: the outbox's last committed seq, outside the store.

    A new file claims 0 and is brought up to the store; a store behind the
    file is refused with one line naming the file, the store and both
    numbers; a file behind the store (a power cut) is brought up to it;
    notes are read back after a reopen; a damaged file is refused by name.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wsis_watermark.h"

static char s_dir [] = "/tmp/test_wsis_watermark.XXXXXX";

static char *
s_path (const char *name)
{
    return zsys_sprintf ("%s/%s", s_dir, name);
}

static wsis_watermark_t *
s_open (const char *path)
{
    char *error = NULL;
    wsis_watermark_t *watermark = wsis_watermark_open (path, &error);
    assert_non_null (watermark);
    assert_null (error);
    return watermark;
}

static void
test_new_then_noted_then_checked (void **state)
{
    char *path = s_path ("new.committed");
    char *error = NULL;
    wsis_watermark_t *watermark = s_open (path);
    assert_int_equal (wsis_watermark_claimed (watermark), 0);
    assert_int_equal (wsis_watermark_check (watermark, "x.db", 5, &error), 0);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 07777, 0600);
    wsis_watermark_note (watermark, 9);
    wsis_watermark_destroy (&watermark);

    watermark = s_open (path);
    assert_int_equal (wsis_watermark_claimed (watermark), 9);
    //  The store lost events 8 and 9
    assert_int_equal (wsis_watermark_check (watermark, "x.db", 7, &error), -1);
    assert_non_null (strstr (error, path));
    assert_non_null (strstr (error, "x.db"));
    assert_non_null (strstr (error, "seq 9"));
    assert_non_null (strstr (error, "seq 7"));
    assert_null (strchr (error, '\n'));
    zstr_free (&error);
    //  A store ahead of the file (it was behind after a power cut)
    assert_int_equal (wsis_watermark_check (watermark, "x.db", 12, &error), 0);
    wsis_watermark_destroy (&watermark);
    watermark = s_open (path);
    assert_int_equal (wsis_watermark_claimed (watermark), 12);
    wsis_watermark_destroy (&watermark);
    unlink (path);
    zstr_free (&path);
}

static void
test_damaged_file_is_refused_by_name (void **state)
{
    char *path = s_path ("bad.committed");
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs ("12x\n", file);
    fclose (file);
    char *error = NULL;
    assert_null (wsis_watermark_open (path, &error));
    assert_non_null (strstr (error, path));
    zstr_free (&error);
    unlink (path);
    zstr_free (&path);
}

int
main (void)
{
    assert_non_null (mkdtemp (s_dir));
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_new_then_noted_then_checked),
        cmocka_unit_test (test_damaged_file_is_refused_by_name),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    rmdir (s_dir);
    return rc;
}
