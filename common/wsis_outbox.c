/*  wsis_outbox: events committed with their state change, published after. */
#include "wsis_outbox.h"
#include "wsis_log.h"
#include "wsis_alloc.h"
#include "wsis_event.h"
#include "wsis_pack.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

//  A chunk of the archive stops growing past this many bytes of envelopes
//  (it holds one event at least, however large).
#define CHUNK_BYTES (1024 * 1024)

//  The events.since page buffer is kept from call to call up to this size:
//  a full page of 10,000 ordinary events fits; one grown by large events
//  (up to page_bytes and one event more) is given back after its reply.
#define PAGE_KEEP_BYTES (4 * 1024 * 1024)

//  An event appended and not yet published: its type (NUL-terminated)
//  and then its envelope, at offset in the outbox's pending_bytes.
typedef struct {
    uint64_t seq;
    size_t offset;
    size_t type_size;           //  with its NUL
    size_t size;                //  of the envelope
} pending_t;

struct _wsis_outbox_t {
    wsis_store_t *store;        //  not owned
    zsock_t *socket;            //  not owned
    wsis_archive_t *archive;    //  not owned; NULL: none
    char *source;
    uint64_t last_seq;          //  last appended
    uint64_t committed_seq;     //  last known committed (at start or flush)
    pending_t *pending;         //  appended, not yet published
    size_t pending_count;
    size_t pending_alloc;
    msgpack_sbuffer pending_bytes;  //  their types and envelopes, one after another
    uint64_t published;
    msgpack_sbuffer buffer;
    wsis_outbox_rebuild_fn *rebuild;    //  NULL: every row holds its envelope
    void *rebuild_arg;
    msgpack_sbuffer rebuilt;    //  the last envelope rebuilt from a row
    msgpack_sbuffer rebuilt_body;   //  and its body
    size_t page_bytes;          //  an events.since page ends early past this
    msgpack_sbuffer page;       //  the envelopes of the page being served
    msgpack_packer page_pk;     //  packs into page
};

wsis_outbox_t *
wsis_outbox_new (wsis_store_t *store, const char *source)
{
    if (wsis_store_exec (store,
            "CREATE TABLE IF NOT EXISTS outbox ("
            "  seq INTEGER PRIMARY KEY,"
            "  type TEXT NOT NULL,"
            "  ts INTEGER NOT NULL,"
            "  envelope BLOB NOT NULL,"
            "  ref INTEGER)"))
        return NULL;
    //  An outbox made before events could be stored by reference.
    if (wsis_store_int (store, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'ref'", -1) == 0
    &&  wsis_store_exec (store, "ALTER TABLE outbox ADD COLUMN ref INTEGER"))
        return NULL;
    wsis_outbox_t *self = (wsis_outbox_t *) zmalloc (sizeof (wsis_outbox_t));
    self->store = store;
    self->source = wsis_strdup (source);
    self->last_seq = (uint64_t) wsis_store_int (store, "SELECT max(seq) FROM outbox", 0);
    self->committed_seq = self->last_seq;
    msgpack_sbuffer_init (&self->buffer);
    msgpack_sbuffer_init (&self->pending_bytes);
    msgpack_sbuffer_init (&self->rebuilt);
    msgpack_sbuffer_init (&self->rebuilt_body);
    msgpack_sbuffer_init (&self->page);
    msgpack_packer_init (&self->page_pk, &self->page, msgpack_sbuffer_write);
    self->page_bytes = 16 * 1024 * 1024;
    return self;
}

void
wsis_outbox_set_page_bytes (wsis_outbox_t *self, size_t bytes)
{
    self->page_bytes = bytes;
}

static void
s_forget_pending (wsis_outbox_t *self, size_t keep)
{
    if (keep < self->pending_count)
        self->pending_bytes.size = self->pending [keep].offset;
    self->pending_count = keep;
    //  The bytes are kept for the next batch, unless large events grew
    //  them past an archive chunk's worth.
    if (keep == 0 && self->pending_bytes.alloc > CHUNK_BYTES) {
        msgpack_sbuffer_destroy (&self->pending_bytes);
        msgpack_sbuffer_init (&self->pending_bytes);
    }
}

void
wsis_outbox_destroy (wsis_outbox_t **self_p)
{
    if (self_p && *self_p) {
        wsis_outbox_t *self = *self_p;
        s_forget_pending (self, 0);
        free (self->pending);
        free (self->source);
        msgpack_sbuffer_destroy (&self->buffer);
        msgpack_sbuffer_destroy (&self->pending_bytes);
        msgpack_sbuffer_destroy (&self->rebuilt);
        msgpack_sbuffer_destroy (&self->rebuilt_body);
        msgpack_sbuffer_destroy (&self->page);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_outbox_set_socket (wsis_outbox_t *self, zsock_t *socket)
{
    self->socket = socket;
}

void
wsis_outbox_set_archive (wsis_outbox_t *self, wsis_archive_t *archive)
{
    assert (self->pending_count == 0);
    self->archive = archive;
    uint64_t archived = archive? wsis_archive_last_seq (archive): 0;
    if (archived > self->last_seq)
        self->last_seq = self->committed_seq = archived;
}

void
wsis_outbox_set_rebuild (wsis_outbox_t *self, wsis_outbox_rebuild_fn *rebuild, void *arg)
{
    self->rebuild = rebuild;
    self->rebuild_arg = arg;
}

//  The envelope of the row stmt stands on, whose columns from `column` on
//  are seq, type, ts, envelope, ref: the stored one, or one rebuilt from
//  ref when the row holds none (wsis_outbox_append_ref). NULL when it
//  cannot be rebuilt (logged).
static const void *
s_row_envelope (wsis_outbox_t *self, sqlite3_stmt *stmt, int column, size_t *size)
{
    *size = (size_t) sqlite3_column_bytes (stmt, column + 3);
    if (*size > 0 || sqlite3_column_type (stmt, column + 4) == SQLITE_NULL)
        return *size? sqlite3_column_blob (stmt, column + 3): NULL;
    uint64_t seq = (uint64_t) sqlite3_column_int64 (stmt, column);
    const char *type = (const char *) sqlite3_column_text (stmt, column + 1);
    int64_t ref = sqlite3_column_int64 (stmt, column + 4);
    msgpack_sbuffer *body = &self->rebuilt_body;
    msgpack_sbuffer_clear (body);
    if (!self->rebuild || !type || self->rebuild (self->rebuild_arg, type, ref, body)) {
        wsis_log_error ("outbox: event %llu (%s, ref %lld) cannot be rebuilt",
                        (unsigned long long) seq, type? type: "?", (long long) ref);
        return NULL;
    }
    msgpack_sbuffer_clear (&self->rebuilt);
    wsis_event_encode (&self->rebuilt, self->source, seq, type,
                       sqlite3_column_int64 (stmt, column + 2), body->data, body->size);
    *size = self->rebuilt.size;
    return self->rebuilt.data;
}

//  "2027-03", the UTC month of ts, but never before the archive's last
//  chunk: a clock set back must not send events to an earlier file.
static void
s_month (wsis_outbox_t *self, int64_t ts, char *month)
{
    time_t seconds = (time_t) (ts / 1000);
    struct tm tm;
    if (ts < 0 || !gmtime_r (&seconds, &tm) || strftime (month, 8, "%Y-%m", &tm) != 7)
        strcpy (month, "1970-01");
    const char *last = wsis_archive_last_month (self->archive);
    if (strcmp (month, last) < 0)
        strcpy (month, last);
}

//  Reads the next chunk to archive into buffer: rows after the archive's
//  last seq, while seq <= through, ts < before, in one month, within the
//  chunk's bounds. Its last seq (0: nothing), its month in month.
static uint64_t
s_next_chunk (wsis_outbox_t *self, uint64_t through, int64_t before, size_t max_events,
              msgpack_sbuffer *buffer, char *month)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT seq, type, ts, envelope, ref FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!stmt)
        return 0;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) wsis_archive_last_seq (self->archive));
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) max_events);
    uint64_t last = 0;
    while (wsis_store_row (self->store, stmt) == 1) {
        uint64_t seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
        int64_t ts = sqlite3_column_int64 (stmt, 2);
        char row_month [8];
        s_month (self, ts, row_month);
        if (seq > through || ts >= before
        ||  (last && (strcmp (row_month, month) || buffer->size >= CHUNK_BYTES)))
            break;
        size_t size;
        const void *envelope = s_row_envelope (self, stmt, 0, &size);
        if (!envelope) {
            last = 0;           //  nothing moves while one cannot be rebuilt
            break;
        }
        if (!last)
            strcpy (month, row_month);
        msgpack_sbuffer_write (buffer, envelope, size);
        last = seq;
    }
    wsis_store_done (stmt, 0);
    return last;
}

int
wsis_outbox_archive (wsis_outbox_t *self, uint64_t through, int64_t before, size_t max_events)
{
    assert (!wsis_store_in_transaction (self->store));
    if (!self->archive || self->committed_seq == 0 || max_events == 0)
        return 0;
    if (through >= self->committed_seq)
        through = self->committed_seq - 1;
    uint64_t first = wsis_archive_last_seq (self->archive) + 1;
    if (through < first)
        return 0;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    char month [8] = "";
    uint64_t last = s_next_chunk (self, through, before, max_events, &buffer, month);
    int rc = 0;
    if (last) {
        sqlite3_stmt *stmt = NULL;
        rc = wsis_store_begin (self->store)
          || wsis_archive_append (self->archive, month, first, last, buffer.data, buffer.size)
          || !(stmt = wsis_store_stmt (self->store, "DELETE FROM outbox WHERE seq <= ?"))? -1: 0;
        if (rc == 0) {
            sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) last);
            rc = wsis_store_run (self->store, stmt) || wsis_store_commit (self->store)? -1: 0;
        }
        if (rc) {
            if (wsis_store_in_transaction (self->store))
                wsis_store_rollback (self->store);
            wsis_archive_reload (self->archive);
        }
    }
    msgpack_sbuffer_destroy (&buffer);
    return rc? -1: (int) (last? last - first + 1: 0);
}

//  The row of an event: its envelope, or none and the ref it is rebuilt
//  from (by_ref).
static int
s_append (wsis_outbox_t *self, const char *type, int64_t ts, const void *body,
          size_t body_size, bool by_ref, int64_t ref)
{
    uint64_t seq = self->last_seq + 1;
    msgpack_sbuffer_clear (&self->buffer);
    wsis_event_encode (&self->buffer, self->source, seq, type, ts, body, body_size);

    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "INSERT INTO outbox (seq, type, ts, envelope, ref) VALUES (?, ?, ?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) seq);
    sqlite3_bind_text (stmt, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, ts);
    if (by_ref) {
        sqlite3_bind_zeroblob (stmt, 4, 0);
        sqlite3_bind_int64 (stmt, 5, ref);
    }
    else {
        sqlite3_bind_blob (stmt, 4, self->buffer.data, (int) self->buffer.size, SQLITE_STATIC);
        sqlite3_bind_null (stmt, 5);
    }
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        wsis_log_error ("outbox: cannot append %s: %s", type, sqlite3_errmsg (wsis_store_db (self->store)));
        return -1;
    }
    if (self->pending_count == self->pending_alloc) {
        size_t alloc = self->pending_alloc? self->pending_alloc * 2: 64;
        pending_t *grown = (pending_t *) realloc (self->pending, alloc * sizeof (pending_t));
        if (!grown)
            return -1;
        self->pending = grown;
        self->pending_alloc = alloc;
    }
    //  Into bytes kept from batch to batch: no allocation per event.
    pending_t *event = &self->pending [self->pending_count];
    event->seq = seq;
    event->offset = self->pending_bytes.size;
    event->type_size = strlen (type) + 1;
    event->size = self->buffer.size;
    if (msgpack_sbuffer_write (&self->pending_bytes, type, event->type_size)
    ||  msgpack_sbuffer_write (&self->pending_bytes, self->buffer.data, self->buffer.size)) {
        self->pending_bytes.size = event->offset;
        return -1;
    }
    self->pending_count++;
    self->last_seq = seq;
    return 0;
}

int
wsis_outbox_append (wsis_outbox_t *self, const char *type, int64_t ts,
                    const void *body, size_t body_size)
{
    return s_append (self, type, ts, body, body_size, false, 0);
}

int
wsis_outbox_append_ref (wsis_outbox_t *self, const char *type, int64_t ts,
                        const void *body, size_t body_size, int64_t ref)
{
    assert (self->rebuild);
    return s_append (self, type, ts, body, body_size, true, ref);
}

uint64_t
wsis_outbox_last_seq (wsis_outbox_t *self)
{
    return self->last_seq;
}

uint64_t
wsis_outbox_committed_seq (wsis_outbox_t *self)
{
    return self->committed_seq;
}

uint64_t
wsis_outbox_mark (wsis_outbox_t *self)
{
    return self->last_seq;
}

void
wsis_outbox_rewind (wsis_outbox_t *self, uint64_t mark)
{
    size_t keep = self->pending_count;
    while (keep > 0 && self->pending [keep - 1].seq > mark)
        keep--;
    s_forget_pending (self, keep);
    self->last_seq = mark;
}

//  Two frames, topic then envelope. DONTWAIT: a PUB never blocks, and if
//  the high-water mark is reached the event is dropped here, which
//  consumers repair with catch-up; the row in the outbox is what counts.
//  An envelope over WSIS_EVENT_LIVE_MAX is not sent at all: it would cut
//  the bus off from this publisher, or a consumer off from the bus, for
//  good; the next event or heartbeat shows it missing, and it is read by
//  events.since.
static void
s_publish (zsock_t *socket, const char *type, const void *envelope, size_t size)
{
    if (size > WSIS_EVENT_LIVE_MAX)
        return;
    void *handle = zsock_resolve (socket);
    if (zmq_send (handle, type, strlen (type), ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
        return;
    zmq_send (handle, envelope, size, ZMQ_DONTWAIT);
}

void
wsis_outbox_flush (wsis_outbox_t *self)
{
    for (size_t i = 0; i < self->pending_count; i++) {
        const pending_t *event = &self->pending [i];
        const char *type = self->pending_bytes.data + event->offset;
        if (self->socket)
            s_publish (self->socket, type, type + event->type_size, event->size);
        self->published++;
    }
    s_forget_pending (self, 0);
    self->committed_seq = self->last_seq;
}

void
wsis_outbox_abort (wsis_outbox_t *self)
{
    s_forget_pending (self, 0);
    self->last_seq = self->committed_seq;
}

void
wsis_outbox_heartbeat (wsis_outbox_t *self, int64_t ts)
{
    if (!self->socket)
        return;
    char body [32];
    msgpack_sbuffer body_buffer = { 0 };
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body_buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_uint (&pk, "last_seq", self->committed_seq);
    memcpy (body, body_buffer.data, body_buffer.size);
    size_t body_size = body_buffer.size;
    msgpack_sbuffer_destroy (&body_buffer);

    msgpack_sbuffer_clear (&self->buffer);
    wsis_event_encode (&self->buffer, self->source, 0, "sys.heartbeat", ts, body, body_size);
    s_publish (self->socket, "sys.heartbeat", self->buffer.data, self->buffer.size);
}

//  Once the page being served holds page_bytes of events it ends there,
//  with one event at least, wherever its events come from (the archive or
//  the table), and the consumer, still behind, asks at once from where it
//  ended.
static bool
s_page_full (wsis_outbox_t *self)
{
    return self->page.size > 0 && self->page.size >= self->page_bytes;
}

//  Adds an envelope to the page; non-zero once it is full (the archive
//  stops reading there).
static int
s_page_add (void *arg, const void *envelope, size_t size)
{
    wsis_outbox_t *self = (wsis_outbox_t *) arg;
    wsis_pack_raw (&self->page_pk, envelope, size);
    return s_page_full (self);
}

int
wsis_outbox_since (wsis_outbox_t *self, uint64_t after, int limit, msgpack_packer *pk)
{
    //  Only committed events: the caller runs inside a batch transaction
    //  that may already hold rows appended by earlier requests of the same
    //  batch; they are not durable until the commit, so they are not served.
    uint64_t last = self->committed_seq;
    if (after >= last)
        limit = 0;
    else
    if ((uint64_t) limit > last - after)
        limit = (int) (last - after);

    //  The events are packed apart first, so that the array says how many
    //  came. A page that fills up ends early: limit becomes what it holds,
    //  and a page is served only when it has limit events, so a hole
    //  anywhere before its end refuses it.
    msgpack_sbuffer_clear (&self->page);
    int rows = 0;
    int rc = -1;
    //  The oldest may have moved to the archive (slower: a chunk is
    //  inflated for them); the rest follow from the table.
    uint64_t archived = self->archive? wsis_archive_last_seq (self->archive): 0;
    if (limit > 0 && after < archived) {
        rows = wsis_archive_read (self->archive, after, (size_t) limit, s_page_add, self);
        if (rows < 0)
            goto done;
        if (s_page_full (self))
            limit = rows;
        after += (uint64_t) rows;
    }
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT seq, type, ts, envelope, ref FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!stmt)
        goto done;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) after);
    sqlite3_bind_int (stmt, 2, limit - rows);
    while (rows < limit) {
        //  Rows are gap-free from after+1 to committed_seq: one missing
        //  means a corrupt outbox, and the reply fails
        size_t size;
        const void *envelope = sqlite3_step (stmt) == SQLITE_ROW
                            && (uint64_t) sqlite3_column_int64 (stmt, 0) == ++after?
                               s_row_envelope (self, stmt, 0, &size): NULL;
        if (!envelope)
            break;
        rows++;
        if (s_page_add (self, envelope, size))
            limit = rows;
    }
    sqlite3_reset (stmt);
    if (rows == limit) {
        msgpack_pack_map (pk, 2);
        wsis_pack_str (pk, "events");
        msgpack_pack_array (pk, (size_t) rows);
        wsis_pack_raw (pk, self->page.data, self->page.size);
        wsis_pack_kv_uint (pk, "last_seq", last);
        rc = 0;
    }
done:
    //  Kept for the next page, unless large events grew it.
    if (self->page.alloc > PAGE_KEEP_BYTES) {
        msgpack_sbuffer_destroy (&self->page);
        msgpack_sbuffer_init (&self->page);
    }
    return rc;
}

uint64_t
wsis_outbox_published (wsis_outbox_t *self)
{
    return self->published;
}
