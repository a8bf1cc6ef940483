/*  wsis_retry: append-only reply log with an in-memory index. */
#include "wsis_retry.h"
#include "wsis_alloc.h"
#include "wsis_hash.h"
#include "wsis_log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct _wsis_retry_t {
    wsis_store_t *store;        //  not owned
    int64_t ttl;
    zhashx_t *index;            //  key -> rowid (as a pointer-sized integer)
    zlistx_t *uncommitted;      //  keys stored in the open transaction
};

static void *
s_duplicate (const void *key)
{
    return wsis_strdup ((const char *) key);
}

static int
s_compare (const void *key, const void *other)
{
    return strcmp ((const char *) key, (const char *) other);
}

wsis_retry_t *
wsis_retry_new (wsis_store_t *store, int64_t now, int64_t ttl_ms)
{
    if (wsis_store_exec (store,
            "CREATE TABLE IF NOT EXISTS replies ("
            "  rowid INTEGER PRIMARY KEY,"
            "  key TEXT NOT NULL,"
            "  ts INTEGER NOT NULL,"
            "  reply BLOB NOT NULL);"
            //  ts grows with rowid, so this index is appended to, never
            //  split in the middle.
            "CREATE INDEX IF NOT EXISTS replies_ts ON replies (ts);"))
        return NULL;
    wsis_retry_t *self = (wsis_retry_t *) zmalloc (sizeof (wsis_retry_t));
    self->store = store;
    self->ttl = ttl_ms;
    self->index = zhashx_new ();
    self->uncommitted = zlistx_new ();
    zlistx_set_destructor (self->uncommitted, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_duplicator (self->uncommitted, s_duplicate);
    zlistx_set_comparator (self->uncommitted, s_compare);

    wsis_retry_expire (self, now);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT rowid, key FROM replies");
    if (stmt) {
        while (sqlite3_step (stmt) == SQLITE_ROW)
            zhashx_update (self->index, (const char *) sqlite3_column_text (stmt, 1),
                           (void *) (intptr_t) sqlite3_column_int64 (stmt, 0));
        sqlite3_reset (stmt);
    }
    return self;
}

void
wsis_retry_destroy (wsis_retry_t **self_p)
{
    if (self_p && *self_p) {
        wsis_retry_t *self = *self_p;
        zhashx_destroy (&self->index);
        zlistx_destroy (&self->uncommitted);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_retry_key (char *buffer, const char *role, const char *actor_id,
                  const char *request_id, const void *frame, size_t frame_size)
{
    //  FNV-1a over the frame: not a defence against an attacker (who can
    //  only collide with their own requests, the actor being part of the
    //  key), just a way to tell a resend from a different request.
    uint64_t hash = wsis_hash (frame, frame_size);
    snprintf (buffer, WSIS_RETRY_KEY_MAX, "%s:%.128s\n%.64s\n%016llx",
              role, actor_id, request_id, (unsigned long long) hash);
}

void *
wsis_retry_find (wsis_retry_t *self, const char *key, size_t *size)
{
    intptr_t rowid = (intptr_t) zhashx_lookup (self->index, key);
    if (!rowid)
        return NULL;
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT reply FROM replies WHERE rowid = ? AND key = ?");
    if (!stmt)
        return NULL;
    sqlite3_bind_int64 (stmt, 1, rowid);
    sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
    void *reply = NULL;
    if (sqlite3_step (stmt) == SQLITE_ROW) {
        *size = (size_t) sqlite3_column_bytes (stmt, 0);
        reply = zmalloc (*size? *size: 1);
        //  An empty blob comes back from SQLite as NULL
        if (*size)
            memcpy (reply, sqlite3_column_blob (stmt, 0), *size);
    }
    sqlite3_reset (stmt);
    return reply;
}

int
wsis_retry_store (wsis_retry_t *self, const char *key, int64_t now,
                    const void *reply, size_t size)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "INSERT INTO replies (key, ts, reply) VALUES (?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, now);
    sqlite3_bind_blob (stmt, 3, reply, (int) size, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE)
        return -1;
    zhashx_update (self->index, key,
                   (void *) (intptr_t) sqlite3_last_insert_rowid (wsis_store_db (self->store)));
    zlistx_add_end (self->uncommitted, (void *) key);
    return 0;
}

bool
wsis_retry_pending (wsis_retry_t *self, const char *key)
{
    return zlistx_find (self->uncommitted, (void *) key) != NULL;
}

void
wsis_retry_commit (wsis_retry_t *self)
{
    zlistx_purge (self->uncommitted);
}

void
wsis_retry_abort (wsis_retry_t *self)
{
    for (char *key = (char *) zlistx_first (self->uncommitted); key;
         key = (char *) zlistx_next (self->uncommitted))
        zhashx_delete (self->index, key);
    zlistx_purge (self->uncommitted);
}

void
wsis_retry_expire (wsis_retry_t *self, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT key FROM replies WHERE ts < ?");
    if (!stmt)
        return;
    sqlite3_bind_int64 (stmt, 1, now - self->ttl);
    while (sqlite3_step (stmt) == SQLITE_ROW)
        zhashx_delete (self->index, (const char *) sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);

    stmt = wsis_store_stmt (self->store, "DELETE FROM replies WHERE ts < ?");
    if (!stmt)
        return;
    sqlite3_bind_int64 (stmt, 1, now - self->ttl);
    if (sqlite3_step (stmt) != SQLITE_DONE)
        wsis_log_warning ("replies: cannot expire: %s", sqlite3_errmsg (wsis_store_db (self->store)));
    sqlite3_reset (stmt);
}

size_t
wsis_retry_size (wsis_retry_t *self)
{
    return zhashx_size (self->index);
}
