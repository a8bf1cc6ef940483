/*  test_wsis_secret: a secret file is 0600 or it is refused.

    Created files are 0600 whatever the umask; a file open to group or
    others, a missing file and a file of the wrong length are refused with
    one line naming the file; an existing secret is never replaced.
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

#include "wsis_secret.h"

static char s_dir [] = "/tmp/test_wsis_secret.XXXXXX";

static char *
s_path (const char *name)
{
    return zsys_sprintf ("%s/%s", s_dir, name);
}

static void
test_created_0600_under_a_loose_umask (void **state)
{
    mode_t old = umask (0);
    char *path = s_path ("key");
    char *error = NULL;
    assert_int_equal (wsis_secret_create (path, "0123456789abcdef", 16, &error), 0);
    umask (old);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 07777, 0600);
    unsigned char data [16];
    assert_int_equal (wsis_secret_read (path, data, sizeof data, &error), 0);
    assert_memory_equal (data, "0123456789abcdef", 16);
    //  Never replaced
    assert_int_equal (wsis_secret_create (path, "XXXXXXXXXXXXXXXX", 16, &error), -1);
    assert_non_null (strstr (error, path));
    zstr_free (&error);
    assert_int_equal (wsis_secret_read (path, data, sizeof data, &error), 0);
    assert_memory_equal (data, "0123456789abcdef", 16);
    unlink (path);
    zstr_free (&path);
}

static void
test_open_to_others_is_refused_by_name (void **state)
{
    char *path = s_path ("loose");
    char *error = NULL;
    assert_int_equal (wsis_secret_create (path, "abcd", 4, &error), 0);
    assert_int_equal (chmod (path, 0644), 0);
    assert_int_equal (wsis_secret_check (path, &error), -1);
    assert_non_null (strstr (error, path));
    assert_non_null (strstr (error, "0644"));
    zstr_free (&error);
    assert_int_equal (chmod (path, 0640), 0);
    assert_int_equal (wsis_secret_check (path, &error), -1);
    zstr_free (&error);
    assert_int_equal (chmod (path, 0400), 0);
    assert_int_equal (wsis_secret_check (path, &error), 0);
    unlink (path);
    zstr_free (&path);
}

static void
test_missing_or_wrong_length (void **state)
{
    char *path = s_path ("short");
    char *error = NULL;
    assert_int_equal (wsis_secret_check (path, &error), -1);
    assert_non_null (strstr (error, path));
    zstr_free (&error);
    assert_int_equal (wsis_secret_create (path, "abc", 3, &error), 0);
    unsigned char data [4];
    assert_int_equal (wsis_secret_read (path, data, 4, &error), -1);
    assert_non_null (strstr (error, "exactly 4 bytes"));
    zstr_free (&error);
    assert_int_equal (wsis_secret_read (path, data, 2, &error), -1);
    zstr_free (&error);
    assert_int_equal (wsis_secret_read (path, data, 3, &error), 0);
    unlink (path);
    zstr_free (&path);
    //  A folder is not a secret
    assert_int_equal (wsis_secret_check (s_dir, &error), -1);
    assert_non_null (strstr (error, "not a regular file"));
    zstr_free (&error);
}

int
main (void)
{
    assert_non_null (mkdtemp (s_dir));
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_created_0600_under_a_loose_umask),
        cmocka_unit_test (test_open_to_others_is_refused_by_name),
        cmocka_unit_test (test_missing_or_wrong_length),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    rmdir (s_dir);
    return rc;
}
