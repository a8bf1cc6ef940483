/*  test_wsis_log: every line names the service and its level. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wsis_log.h"

//  Runs the logging calls with stderr sent to a temp file, returns its text.
static void
s_capture (char *text, size_t size)
{
    char path [] = "/tmp/test_wsis_log_XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    assert_true (dup2 (fd, STDERR_FILENO) >= 0);

    wsis_log_init ("wsis-test");
    wsis_log_info ("listening on %s", "tcp://*:5560");
    wsis_log_warning ("catch-up: %s did not answer", "voting");
    wsis_log_error ("sqlite: %d", 13);
    fflush (stderr);

    dup2 (saved, STDERR_FILENO);
    close (saved);
    wsis_log_init ("test_wsis_log");
    FILE *file = fdopen (fd, "r");
    assert_non_null (file);
    rewind (file);
    size_t got = fread (text, 1, size - 1, file);
    text [got] = 0;
    fclose (file);
    unlink (path);
}

static void
test_lines_carry_service_and_level (void **state)
{
    char text [4096];
    s_capture (text, sizeof text);
    assert_non_null (strstr (text, "I: (wsis-test)"));
    assert_non_null (strstr (text, "listening on tcp://*:5560"));
    assert_non_null (strstr (text, "W: (wsis-test)"));
    assert_non_null (strstr (text, "catch-up: voting did not answer"));
    assert_non_null (strstr (text, "E: (wsis-test)"));
    assert_non_null (strstr (text, "sqlite: 13"));
    //  One line per call: nothing on stdout, three lines here.
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal (lines, 3);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_lines_carry_service_and_level),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
