/*  wsis_retry: append-only reply log with an in-memory index.

    The index maps the hash of a key to the row of its reply, 16 bytes a
    slot in an open-addressed table (linear probing, at most 3/4 full):
    21-43 bytes for each reply of the last ttl, where a hash table of
    the keys themselves took 145 (`make chaos`'s minute of journalling,
    1,000,000 publishes, grew wsis-bus by 150 MiB). The key is checked
    against the row, so two keys with one hash only cost a second look.
*/
#include "wsis_retry.h"
#include "wsis_alloc.h"
#include "wsis_hash.h"
#include "wsis_log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;              //  of the key, never 0 (0: the slot is free)
    int64_t rowid;
} s_slot_t;

//  A reply stored in the open transaction: its row, and its key.
typedef struct {
    int64_t rowid;
    char key [];
} s_pending_t;

static void
s_pending_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

#define MIN_SLOTS 1024

struct _wsis_retry_t {
    wsis_store_t *store;        //  not owned
    int64_t ttl;
    s_slot_t *slots;            //  a power of two of them
    size_t mask;                //  slots - 1
    size_t count;               //  slots in use
    zlistx_t *uncommitted;      //  s_pending_t of the open transaction
};

//  The slot hash of a key: FNV-1a, its bits spread (MurmurHash3's
//  finalizer) since the table uses the low ones.
static uint64_t
s_hash (const char *key)
{
    uint64_t hash = wsis_hash (key, strlen (key));
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash? hash: 1;
}

static void
s_place (s_slot_t *slots, size_t mask, uint64_t hash, int64_t rowid)
{
    size_t at = (size_t) hash & mask;
    while (slots [at].hash)
        at = (at + 1) & mask;
    slots [at].hash = hash;
    slots [at].rowid = rowid;
}

static void
s_insert (wsis_retry_t *self, uint64_t hash, int64_t rowid)
{
    if ((self->count + 1) * 4 > (self->mask + 1) * 3) {
        size_t mask = self->mask * 2 + 1;
        s_slot_t *slots = (s_slot_t *) zmalloc ((mask + 1) * sizeof (s_slot_t));
        for (size_t i = 0; i <= self->mask; i++)
            if (self->slots [i].hash)
                s_place (slots, mask, self->slots [i].hash, self->slots [i].rowid);
        free (self->slots);
        self->slots = slots;
        self->mask = mask;
    }
    s_place (self->slots, self->mask, hash, rowid);
    self->count++;
}

//  Takes the slot of (hash, rowid) out, moving back the slots after it
//  that probing would no longer reach (no tombstones to fill the table).
static void
s_remove (wsis_retry_t *self, uint64_t hash, int64_t rowid)
{
    size_t at = (size_t) hash & self->mask;
    while (self->slots [at].hash
    &&    (self->slots [at].hash != hash || self->slots [at].rowid != rowid))
        at = (at + 1) & self->mask;
    if (!self->slots [at].hash)
        return;
    size_t hole = at;
    for (size_t next = (hole + 1) & self->mask; self->slots [next].hash; next = (next + 1) & self->mask) {
        size_t home = (size_t) self->slots [next].hash & self->mask;
        //  The slot stays unless the hole lies between its home and it.
        if (((next - home) & self->mask) >= ((next - hole) & self->mask)) {
            self->slots [hole] = self->slots [next];
            hole = next;
        }
    }
    self->slots [hole].hash = 0;
    self->count--;
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
    self->mask = MIN_SLOTS - 1;
    self->slots = (s_slot_t *) zmalloc (MIN_SLOTS * sizeof (s_slot_t));
    self->uncommitted = zlistx_new ();
    zlistx_set_destructor (self->uncommitted, s_pending_destroy);

    wsis_retry_expire (self, now);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT rowid, key FROM replies");
    if (stmt) {
        while (sqlite3_step (stmt) == SQLITE_ROW)
            s_insert (self, s_hash ((const char *) sqlite3_column_text (stmt, 1)),
                      sqlite3_column_int64 (stmt, 0));
        sqlite3_reset (stmt);
    }
    return self;
}

void
wsis_retry_destroy (wsis_retry_t **self_p)
{
    if (self_p && *self_p) {
        wsis_retry_t *self = *self_p;
        free (self->slots);
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
    uint64_t hash = s_hash (key);
    sqlite3_stmt *stmt = NULL;
    void *reply = NULL;
    for (size_t at = (size_t) hash & self->mask; !reply && self->slots [at].hash;
         at = (at + 1) & self->mask) {
        if (self->slots [at].hash != hash)
            continue;
        if (!stmt)
            stmt = wsis_store_stmt (self->store, "SELECT reply FROM replies WHERE rowid = ? AND key = ?");
        if (!stmt)
            return NULL;
        sqlite3_bind_int64 (stmt, 1, self->slots [at].rowid);
        sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) == SQLITE_ROW) {
            *size = (size_t) sqlite3_column_bytes (stmt, 0);
            reply = zmalloc (*size? *size: 1);
            //  An empty blob comes back from SQLite as NULL
            if (*size)
                memcpy (reply, sqlite3_column_blob (stmt, 0), *size);
        }
        sqlite3_reset (stmt);
    }
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
    size_t length = strlen (key);
    s_pending_t *pending = (s_pending_t *) zmalloc (sizeof (s_pending_t) + length + 1);
    pending->rowid = sqlite3_last_insert_rowid (wsis_store_db (self->store));
    memcpy (pending->key, key, length + 1);
    s_insert (self, s_hash (key), pending->rowid);
    zlistx_add_end (self->uncommitted, pending);
    return 0;
}

bool
wsis_retry_pending (wsis_retry_t *self, const char *key)
{
    for (s_pending_t *pending = (s_pending_t *) zlistx_first (self->uncommitted); pending;
         pending = (s_pending_t *) zlistx_next (self->uncommitted))
        if (streq (pending->key, key))
            return true;
    return false;
}

void
wsis_retry_commit (wsis_retry_t *self)
{
    zlistx_purge (self->uncommitted);
}

void
wsis_retry_abort (wsis_retry_t *self)
{
    for (s_pending_t *pending = (s_pending_t *) zlistx_first (self->uncommitted); pending;
         pending = (s_pending_t *) zlistx_next (self->uncommitted))
        s_remove (self, s_hash (pending->key), pending->rowid);
    zlistx_purge (self->uncommitted);
}

void
wsis_retry_expire (wsis_retry_t *self, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT rowid, key FROM replies WHERE ts < ?");
    if (!stmt)
        return;
    sqlite3_bind_int64 (stmt, 1, now - self->ttl);
    while (sqlite3_step (stmt) == SQLITE_ROW)
        s_remove (self, s_hash ((const char *) sqlite3_column_text (stmt, 1)),
                  sqlite3_column_int64 (stmt, 0));
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
    return self->count;
}
