/*  test_wsis_alloc: allocations that are always there, or end the process.

    Nobody checks for NULL after wsis_strdup or wsis_calloc, so the two
    promises the callers rely on are tested here: what comes back is
    usable (a distinct copy; zeroed memory, even for an empty array), and
    out-of-memory never returns at all but aborts with a line naming the
    place that asked.

    The abort is watched from outside: the test runs itself again in a
    child process that only makes an impossible allocation. The child is
    a fresh exec, not just a fork, so that under AddressSanitizer it can
    be told to let calloc return NULL (allocator_may_return_null) in its
    own environment, without changing how the sanitizer treats anything
    else; otherwise ASan would report the overflow itself and wsis_alloc's
    own path would never run.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"
#include "wsis_alloc.h"

//  The argument that makes this program the child that runs out of memory
#define OUT_OF_MEMORY_ARG "--out-of-memory"

//  --------------------------------------------------------------------------
//  Copies

static void
test_copy (void **state)
{
    assert_null (wsis_strdup (NULL));

    const char *text = "stakeholder stk-42";
    char *copy = wsis_strdup (text);
    assert_non_null (copy);
    assert_ptr_not_equal (copy, text);
    assert_string_equal (copy, text);
    //  The copy is its own: changing it leaves the original alone
    copy [0] = 'S';
    assert_string_equal (text, "stakeholder stk-42");
    free (copy);

    char *empty = wsis_strdup ("");
    assert_non_null (empty);
    assert_string_equal (empty, "");
    free (empty);
}

//  --------------------------------------------------------------------------
//  Zeroed arrays

//  All size bytes of memory are zero
static void
s_expect_zeroed (const unsigned char *memory, size_t size)
{
    for (size_t index = 0; index < size; index++)
        if (memory [index]) {
            print_error ("byte %zu of %zu is 0x%02x\n", index, size, memory [index]);
            fail ();
        }
}

static void
test_zeroed (void **state)
{
    //  Dirty a block and free it first, so the allocator hands the same
    //  memory back (a size glibc keeps in its per-thread cache): only a
    //  real zeroing passes then. Written through volatile, or the
    //  compiler drops stores to memory that is freed right after.
    size_t count = 100;
    volatile unsigned char *dirty = (volatile unsigned char *) malloc (count * sizeof (uint64_t));
    assert_non_null (dirty);
    for (size_t index = 0; index < count * sizeof (uint64_t); index++)
        dirty [index] = 0xa5;
    free ((void *) dirty);

    uint64_t *array = (uint64_t *) wsis_calloc (count, sizeof (uint64_t));
    assert_non_null (array);
    s_expect_zeroed ((const unsigned char *) array, count * sizeof (uint64_t));
    //  All of it is ours to write (ASan would see an overflow)
    for (size_t index = 0; index < count; index++)
        array [index] = index;
    free (array);

    //  An empty array is still not NULL: NULL would mean out of memory
    void *empty = wsis_calloc (0, sizeof (uint64_t));
    assert_non_null (empty);
    free (empty);
    empty = wsis_calloc (16, 0);
    assert_non_null (empty);
    free (empty);
    empty = wsis_calloc (0, 0);
    assert_non_null (empty);
    free (empty);
}

//  --------------------------------------------------------------------------
//  Out of memory

//  What the child does: an array whose size overflows size_t, which no
//  calloc can give. Never returns.
static void
s_run_out_of_memory (void)
{
    void *memory = wsis_calloc (SIZE_MAX / 2, 4);
    //  Reached only when wsis_calloc returned: the test then sees exit 0
    free (memory);
    exit (0);
}

static void
test_out_of_memory (void **state)
{
    int output [2];
    assert_int_equal (pipe (output), 0);
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        dup2 (output [1], STDERR_FILENO);
        close (output [0]);
        close (output [1]);
        //  Only this child's sanitizer may return NULL from calloc; the
        //  options the tests run with are kept before it.
        const char *options = getenv ("ASAN_OPTIONS");
        char child_options [512];
        snprintf (child_options, sizeof child_options, "%s%sallocator_may_return_null=1",
                  options? options: "", options && *options? ":": "");
        setenv ("ASAN_OPTIONS", child_options, 1);
        execl ("/proc/self/exe", "test_wsis_alloc", OUT_OF_MEMORY_ARG, (char *) NULL);
        _exit (127);
    }
    close (output [1]);
    char report [4096];
    size_t size = 0;
    ssize_t got;
    while ((got = read (output [0], report + size, sizeof report - 1 - size)) > 0)
        size += (size_t) got;
    report [size] = 0;
    close (output [0]);

    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGABRT)
        print_error ("child status 0x%x, said: %s\n", status, report);
    assert_true (WIFSIGNALED (status));
    assert_int_equal (WTERMSIG (status), SIGABRT);
    //  One line that says what happened and where it was asked for
    assert_non_null (strstr (report, "FATAL: out of memory at "));
    assert_non_null (strstr (report, "test_wsis_alloc.c:"));
}


int
main (int argc, char *argv [])
{
    if (argc == 2 && strcmp (argv [1], OUT_OF_MEMORY_ARG) == 0)
        s_run_out_of_memory ();

    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_copy),
        cmocka_unit_test (test_zeroed),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
