/*  wsis_archive: events moved out of the outbox, a gzip file per month. */
#include "wsis_archive.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MONTH_SIZE 8                //  "2027-03" and its NUL

struct _wsis_archive_t {
    wsis_store_t *store;            //  not owned
    char *dir;
    uint64_t last_seq;
    uint64_t events;
    uint64_t files;
    uint64_t bytes;
    char last_month [MONTH_SIZE];
};

//  One row per chunk: its events first_seq..last_seq are `size` bytes of
//  envelopes, deflated into the gzip member at offset (length bytes) of
//  <month>.events.gz.
static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS outbox_archive ("
    "  first_seq INTEGER PRIMARY KEY,"
    "  last_seq INTEGER NOT NULL,"
    "  month TEXT NOT NULL,"
    "  offset INTEGER NOT NULL,"
    "  length INTEGER NOT NULL,"
    "  size INTEGER NOT NULL)";

static void
s_load_totals (wsis_archive_t *self)
{
    self->last_seq = self->events = self->files = self->bytes = 0;
    self->last_month [0] = 0;
    //  One statement: the aggregates, and the month of the last chunk.
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT max(last_seq), sum(last_seq - first_seq + 1), count(DISTINCT month), sum(length),"
        "  (SELECT month FROM outbox_archive ORDER BY first_seq DESC LIMIT 1)"
        " FROM outbox_archive");
    if (wsis_store_row (self->store, stmt) == 1) {
        self->last_seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
        self->events = (uint64_t) sqlite3_column_int64 (stmt, 1);
        self->files = (uint64_t) sqlite3_column_int64 (stmt, 2);
        self->bytes = (uint64_t) sqlite3_column_int64 (stmt, 3);
        const char *month = wsis_store_text (stmt, 4);
        snprintf (self->last_month, sizeof self->last_month, "%s", month? month: "");
    }
    wsis_store_done (stmt, 0);
}

wsis_archive_t *
wsis_archive_new (wsis_store_t *store, const char *dir)
{
    if (wsis_store_exec (store, s_schema))
        return NULL;
    wsis_archive_t *self = (wsis_archive_t *) zmalloc (sizeof (wsis_archive_t));
    self->store = store;
    self->dir = wsis_strdup (dir);
    s_load_totals (self);
    return self;
}

void
wsis_archive_reload (wsis_archive_t *self)
{
    s_load_totals (self);
}

void
wsis_archive_destroy (wsis_archive_t **self_p)
{
    if (self_p && *self_p) {
        wsis_archive_t *self = *self_p;
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

uint64_t
wsis_archive_last_seq (wsis_archive_t *self)
{
    return self->last_seq;
}

uint64_t
wsis_archive_events (wsis_archive_t *self)
{
    return self->events;
}

uint64_t
wsis_archive_files (wsis_archive_t *self)
{
    return self->files;
}

uint64_t
wsis_archive_bytes (wsis_archive_t *self)
{
    return self->bytes;
}

const char *
wsis_archive_last_month (wsis_archive_t *self)
{
    return self->last_month;
}

static char *
s_path (wsis_archive_t *self, const char *month)
{
    return zsys_sprintf ("%s/%s.events.gz", self->dir, month);
}

//  Where the month's indexed chunks end: what the file is cut back to
//  before an append (bytes past it are a chunk whose commit never came).
static int64_t
s_indexed_end (wsis_archive_t *self, const char *month)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT max(offset + length) FROM outbox_archive WHERE month = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, month);
    int rc = wsis_store_row (self->store, stmt);
    int64_t end = rc == 1? sqlite3_column_int64 (stmt, 0): 0;
    wsis_store_done (stmt, 0);
    return rc < 0? -1: end;
}

//  One gzip member holding data; *out (caller frees) and its length.
static int
s_deflate (const void *data, size_t size, unsigned char **out, size_t *out_size)
{
    z_stream stream = { 0 };
    if (deflateInit2 (&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                      Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound (&stream, (uLong) size) + 32;
    *out = (unsigned char *) malloc (bound);
    if (!*out) {
        deflateEnd (&stream);
        return -1;
    }
    stream.next_in = (Bytef *) data;
    stream.avail_in = (uInt) size;
    stream.next_out = *out;
    stream.avail_out = (uInt) bound;
    int rc = deflate (&stream, Z_FINISH);
    *out_size = stream.total_out;
    deflateEnd (&stream);
    if (rc != Z_STREAM_END) {
        free (*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static int
s_sync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

//  Cuts the file back to `end`, appends the member and syncs it (and the
//  folder, for a new file). 0 or -1 with errno.
static int
s_write_member (const char *path, const char *dir, int64_t end,
                const unsigned char *member, size_t length)
{
    bool existed = access (path, F_OK) == 0;
    int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = ftruncate (fd, (off_t) end);
    size_t written = 0;
    while (rc == 0 && written < length) {
        ssize_t n = pwrite (fd, member + written, length - written, (off_t) end + (off_t) written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1;
        else
            written += (size_t) n;
    }
    if (rc == 0)
        rc = fdatasync (fd);
    int saved = errno;
    close (fd);
    if (rc == 0 && !existed)
        rc = s_sync_dir (dir);
    errno = rc? saved: 0;
    return rc;
}

int
wsis_archive_append (wsis_archive_t *self, const char *month,
                     uint64_t first, uint64_t last, const void *data, size_t size)
{
    assert (first <= last && strlen (month) == MONTH_SIZE - 1);
    if (zsys_dir_create ("%s", self->dir)) {
        wsis_log_error ("archive: cannot create %s: %s", self->dir, strerror (errno));
        return -1;
    }
    chmod (self->dir, 0700);
    int64_t end = s_indexed_end (self, month);
    unsigned char *member = NULL;
    size_t length = 0;
    if (end < 0 || s_deflate (data, size, &member, &length)) {
        wsis_log_error ("archive: cannot compress events %llu-%llu",
                        (unsigned long long) first, (unsigned long long) last);
        return -1;
    }
    char *path = s_path (self, month);
    int rc = s_write_member (path, self->dir, end, member, length);
    if (rc)
        wsis_log_error ("archive: cannot write %s: %s", path, strerror (errno));
    free (member);
    zstr_free (&path);
    if (rc)
        return -1;

    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "INSERT INTO outbox_archive (first_seq, last_seq, month, offset, length, size)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) first);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) last);
    wsis_store_bind_text (stmt, 3, month);
    sqlite3_bind_int64 (stmt, 4, end);
    sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) length);
    sqlite3_bind_int64 (stmt, 6, (sqlite3_int64) size);
    if (wsis_store_run (self->store, stmt))
        return -1;
    //  Counted now; a rollback of the caller's transaction reloads them.
    if (end == 0)
        self->files++;
    self->last_seq = last;
    self->events += last - first + 1;
    self->bytes += length;
    snprintf (self->last_month, sizeof self->last_month, "%s", month);
    return 0;
}

//  The chunk's envelopes, inflated: *data (caller frees), exactly size
//  bytes, or -1.
static int
s_inflate_chunk (const char *path, int64_t offset, size_t length, size_t size,
                 unsigned char **data)
{
    unsigned char *member = (unsigned char *) malloc (length? length: 1);
    *data = (unsigned char *) malloc (size? size: 1);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    int rc = member && *data && fd >= 0
          && pread (fd, member, length, (off_t) offset) == (ssize_t) length? 0: -1;
    if (fd >= 0)
        close (fd);
    z_stream stream = { 0 };
    if (rc == 0 && inflateInit2 (&stream, 15 + 16) == Z_OK) {
        stream.next_in = member;
        stream.avail_in = (uInt) length;
        stream.next_out = *data;
        stream.avail_out = (uInt) size;
        //  Z_STREAM_END only when the member is whole and its CRC right.
        int z = inflate (&stream, Z_FINISH);
        rc = z == Z_STREAM_END && stream.total_out == size && stream.avail_in == 0? 0: -1;
        inflateEnd (&stream);
    }
    else
        rc = -1;
    free (member);
    if (rc) {
        free (*data);
        *data = NULL;
    }
    return rc;
}

//  Walks the envelopes of one chunk (seq first, first+1, ...), giving fn
//  those after `after` while *given < limit. 0, 1 when fn stopped, or -1
//  when the chunk does not hold last - first + 1 whole values.
static int
s_walk (const unsigned char *data, size_t size, uint64_t first, uint64_t last,
        uint64_t after, size_t limit, size_t *given, wsis_archive_fn *fn, void *arg)
{
    msgpack_unpacked value;
    msgpack_unpacked_init (&value);
    size_t offset = 0;
    uint64_t seq = first;
    int rc = 0;
    while (offset < size && *given < limit) {
        size_t start = offset;
        if (msgpack_unpack_next (&value, (const char *) data, size, &offset) != MSGPACK_UNPACK_SUCCESS
        ||  seq > last) {
            rc = -1;
            break;
        }
        if (seq > after) {
            (*given)++;
            if (fn (arg, data + start, offset - start)) {
                rc = 1;
                break;
            }
        }
        seq++;
    }
    msgpack_unpacked_destroy (&value);
    if (rc == 0 && *given < limit && (offset != size || seq != last + 1))
        rc = -1;
    return rc;
}

int
wsis_archive_read (wsis_archive_t *self, uint64_t after, size_t limit,
                   wsis_archive_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT first_seq, last_seq, month, offset, length, size FROM outbox_archive"
        " WHERE last_seq > ? ORDER BY first_seq");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) after);
    size_t given = 0;
    uint64_t expected = after + 1;
    int rc = 0;
    while (rc == 0 && given < limit && wsis_store_row (self->store, stmt) == 1) {
        uint64_t first = (uint64_t) sqlite3_column_int64 (stmt, 0);
        uint64_t last = (uint64_t) sqlite3_column_int64 (stmt, 1);
        const char *month = wsis_store_text (stmt, 2);
        char *path = s_path (self, month? month: "?");
        unsigned char *data = NULL;
        size_t size = (size_t) sqlite3_column_int64 (stmt, 5);
        if (first > expected
        ||  s_inflate_chunk (path, sqlite3_column_int64 (stmt, 3),
                             (size_t) sqlite3_column_int64 (stmt, 4), size, &data)
        ||  (rc = s_walk (data, size, first, last, after, limit, &given, fn, arg)) < 0) {
            wsis_log_error ("archive: %s is damaged or missing (events %llu-%llu)",
                            path, (unsigned long long) first, (unsigned long long) last);
            rc = -1;
        }
        expected = last + 1;
        free (data);
        zstr_free (&path);
    }
    wsis_store_done (stmt, 0);
    return rc < 0? -1: (int) given;
}
