/*  test_support: helpers shared by the unit tests in tests/unit.

    A test that needs real files works in a folder of its own under /tmp,
    made with mkdtemp and removed with everything in it at the end, so two
    runs side by side, or a run after one that crashed, never open each
    other's databases. Tests about deadlines write their instants as
    RFC 3339 text and turn them into milliseconds here.

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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "wsis_clock.h"

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

#endif
