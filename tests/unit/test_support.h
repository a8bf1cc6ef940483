/*  test_support: helpers shared by the unit tests in tests/unit.

    A test that needs real files works in a folder of its own under /tmp,
    made with mkdtemp and removed with everything in it at the end, so two
    runs side by side, or a run after one that crashed, never open each
    other's databases. Tests about deadlines write their instants as
    RFC 3339 text and turn them into milliseconds here.

    A test of a module that keeps its state in a store (the cursor, the
    outbox, the stored replies) embeds a test_store_t as the first member
    of its own fixture: the store, in memory or in a file of that folder,
    opened and closed around the module the way a service does it, and
    reopened to check what survives a restart.

    A test of a module that writes a format for other programs runs one
    of those programs on what it wrote (test_spawn) and reads the verdict
    from its exit status.

    Everything is static inline: each test is one .c file linked on its
    own against libwsis, with no test library beside it.
*/
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "wsis_time.h"
#include "wsis_store.h"

//  Makes a new empty folder /tmp/<name>_XXXXXX and writes its path into
//  buffer. Returns 0, or -1 (buffer then empty) when the path does not
//  fit or the folder cannot be made.
static inline int
test_tempdir_make (char *buffer, size_t size, const char *name)
{
    if (size == 0)
        return -1;
    int length = snprintf (buffer, size, "/tmp/%s_XXXXXX", name);
    if (length < 0 || (size_t) length >= size || !mkdtemp (buffer)) {
        buffer [0] = 0;
        return -1;
    }
    return 0;
}

//  Removes the files in dir (a database and the -wal and -shm files SQLite
//  leaves beside it), then dir itself. Folders inside are not descended
//  into: a test that makes one removes it. Returns 0, or -1 when dir could
//  not be removed.
static inline int
test_tempdir_remove (const char *dir)
{
    DIR *handle = opendir (dir);
    if (handle) {
        struct dirent *entry;
        while ((entry = readdir (handle))) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
                continue;
            char path [512];
            snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
            unlink (path);
        }
        closedir (handle);
    }
    return rmdir (dir);
}

//  Parses a UTC instant the test itself wrote, so it must parse.
static inline int64_t
test_utc (const char *text)
{
    int64_t ms = -1;
    assert_int_equal (wsis_time_parse (text, &ms), 0);
    return ms;
}

//  The TZ variable as it is (NULL if unset), for a test that sets TZ to
//  put back with test_tz_restore, which frees the copy.
static inline char *
test_tz_save (void)
{
    return getenv ("TZ")? strdup (getenv ("TZ")): NULL;
}

static inline void
test_tz_restore (char **saved_p)
{
    if (*saved_p)
        setenv ("TZ", *saved_p, 1);
    else
        unsetenv ("TZ");
    tzset ();
    free (*saved_p);
    *saved_p = NULL;
}

//  Unpacks a whole encoded frame with msgpack-c's own unpacker and asserts
//  it is exactly one map, so a test does not trust the codec under test
//  to check itself. The caller destroys unpacked.
static inline void
test_unpack_whole (msgpack_unpacked *unpacked, const msgpack_sbuffer *buffer)
{
    msgpack_unpacked_init (unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (unpacked, buffer->data, buffer->size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (offset, buffer->size);
    assert_int_equal (unpacked->data.type, MSGPACK_OBJECT_MAP);
}

//  --------------------------------------------------------------------------
//  A store for a test, in memory or in a file of its own temp folder

typedef struct _test_store_t test_store_t;

//  Opens or closes what a test keeps on the store (the module under test).
//  self is the test's own fixture, whose first member is the test_store_t.
typedef void (test_store_fn) (test_store_t *self);

//  What a test's fixture is, beyond the store: one constant per test file
typedef struct {
    const char *name;           //  the temp folder is /tmp/<name>_XXXXXX
    size_t size;                //  sizeof the test's fixture
    test_store_fn *on_open;     //  called after the store opens, or NULL
    test_store_fn *on_close;    //  called before the store closes, or NULL
} test_store_def_t;

struct _test_store_t {
    const test_store_def_t *def;
    char dir [64];              //  the temp folder; empty for :memory:
    char path [128];            //  dir/file, the store's file; empty for :memory:
    wsis_store_t *store;        //  NULL while closed
};

//  Writes the path of name in the fixture's temp folder into buffer and
//  returns buffer. The test chose the name, so it must fit.
static inline char *
test_store_file (const test_store_t *self, char *buffer, size_t size, const char *name)
{
    int length = snprintf (buffer, size, "%s/%s", self->dir, name);
    assert_true (length > 0 && (size_t) length < size);
    return buffer;
}

//  Makes a test's fixture of def->size bytes, zeroed. With a file name it
//  gets a temp folder of its own and its store will be path = dir/file;
//  without, the store will be in memory. The store is not open yet, so
//  the test can first set what on_open reads, or open stores of its own
//  on path. NULL when the folder cannot be made. Destroy with
//  test_store_destroy.
static inline test_store_t *
test_store_new (const test_store_def_t *def, const char *file)
{
    assert_true (def->size >= sizeof (test_store_t));
    test_store_t *self = (test_store_t *) calloc (1, def->size);
    if (!self)
        return NULL;
    self->def = def;
    if (file) {
        if (test_tempdir_make (self->dir, sizeof self->dir, def->name)) {
            free (self);
            return NULL;
        }
        test_store_file (self, self->path, sizeof self->path, file);
    }
    return self;
}

//  Opens the store (no schema: each module makes its own tables), then
//  what the test keeps on it
static inline void
test_store_open (test_store_t *self)
{
    char *error = NULL;
    self->store = wsis_store_open (self->dir [0]? self->path: ":memory:", NULL, &error);
    if (!self->store) {
        print_error ("cannot open the store: %s\n", error? error: "(no error)");
        free (error);
        fail ();
    }
    assert_null (error);
    if (self->def->on_open)
        self->def->on_open (self);
}

//  Closes what the test keeps on the store first, since a module holds a
//  pointer to the store, then the store. A transaction left open is
//  rolled back, as when a process stops. Closing what is closed does
//  nothing, if on_close accepts that too.
static inline void
test_store_close (test_store_t *self)
{
    if (self->def->on_close)
        self->def->on_close (self);
    wsis_store_destroy (&self->store);
}

//  Closes and opens again on the same file, as a restart does, so a test
//  can check what was committed is found and what was not is gone. A
//  store in memory would come back empty: only a store in a file reopens.
static inline void
test_store_reopen (test_store_t *self)
{
    assert_true (self->dir [0]);
    test_store_close (self);
    test_store_open (self);
}

//  Closes, removes the temp folder and what SQLite left in it, frees the
//  fixture and nulls *self_p. Returns 0, or -1 when the folder could not
//  be removed.
static inline int
test_store_destroy (test_store_t **self_p)
{
    int rc = 0;
    if (self_p && *self_p) {
        test_store_t *self = *self_p;
        test_store_close (self);
        if (self->dir [0])
            rc = test_tempdir_remove (self->dir);
        free (self);
        *self_p = NULL;
    }
    return rc;
}

//  For a cmocka setup: a new fixture with its store open, in memory when
//  file is NULL, else in that file of its temp folder
static inline int
test_store_setup (void **state, const test_store_def_t *def, const char *file)
{
    test_store_t *self = test_store_new (def, file);
    if (!self)
        return -1;
    *state = self;
    test_store_open (self);
    return 0;
}

//  A cmocka teardown for any fixture made by test_store_new
static inline int
test_store_teardown (void **state)
{
    test_store_t *self = (test_store_t *) *state;
    *state = NULL;
    return test_store_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Other programs as judges

//  Runs argv [0], looked up in PATH, with argv, and waits for it. Its
//  output goes to the file log, or where the test's goes when log is
//  NULL. Returns its exit status, or -1 when it could not be waited for
//  or did not exit by itself (127: it could not be started). A module
//  that writes a format for other programs (a CSV file, an SVG picture,
//  an HTML page) is judged by one of those programs, Python's parsers,
//  rsvg-convert or Chromium, never by a reader of the test's own that
//  could share its mistakes.
static inline int
test_spawn_logged (const char *const argv [], const char *log)
{
    //  What stdio holds would otherwise be written twice, once by the child
    fflush (NULL);
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (log && !freopen (log, "w", stdout))
            _exit (126);
        if (log && dup2 (fileno (stdout), fileno (stderr)) < 0)
            _exit (126);
        execvp (argv [0], (char *const *) argv);
        _exit (127);
    }
    int status = 0;
    while (waitpid (pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static inline int
test_spawn (const char *const argv [])
{
    return test_spawn_logged (argv, NULL);
}

//  Writes size bytes of data into path; the test's own folder, so it must
//  succeed.
static inline void
test_file_write (const char *path, const void *data, size_t size)
{
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (data, 1, size, file), size);
    assert_int_equal (fclose (file), 0);
}

//  The width and height of the PNG image at path, from its IHDR chunk.
//  Returns 0, or -1 when there is no such file or it is no PNG image.
static inline int
test_png_size (const char *path, uint32_t *width, uint32_t *height)
{
    unsigned char head [24];
    FILE *file = fopen (path, "rb");
    if (!file)
        return -1;
    size_t size = fread (head, 1, sizeof head, file);
    fclose (file);
    //  The signature, then IHDR first, its width and height big-endian
    if (size < sizeof head || memcmp (head, "\x89PNG\r\n\x1a\n", 8) || memcmp (head + 12, "IHDR", 4))
        return -1;
    *width = (uint32_t) head [16] << 24 | (uint32_t) head [17] << 16 | (uint32_t) head [18] << 8 | head [19];
    *height = (uint32_t) head [20] << 24 | (uint32_t) head [21] << 16 | (uint32_t) head [22] << 8 | head [23];
    return 0;
}

#endif
