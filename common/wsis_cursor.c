/*  wsis_cursor: per-source last_seq, kept with the effects of each event. */
#include "wsis_cursor.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 16

typedef struct {
    char *name;
    uint64_t last_seq;          //  as in the open transaction
    uint64_t applied;
    uint64_t committed_seq;     //  as last committed
    uint64_t committed_applied;
    uint64_t head;
} source_t;

struct _wsis_cursor_t {
    wsis_store_t *store;        //  not owned
    source_t sources [MAX_SOURCES];
    size_t count;
};

wsis_cursor_t *
wsis_cursor_new (wsis_store_t *store)
{
    if (wsis_store_exec (store,
            "CREATE TABLE IF NOT EXISTS cursor ("
            "  source TEXT PRIMARY KEY,"
            "  last_seq INTEGER NOT NULL,"
            "  applied INTEGER NOT NULL)"))
        return NULL;
    wsis_cursor_t *self = (wsis_cursor_t *) zmalloc (sizeof (wsis_cursor_t));
    self->store = store;
    return self;
}

void
wsis_cursor_destroy (wsis_cursor_t **self_p)
{
    if (self_p && *self_p) {
        wsis_cursor_t *self = *self_p;
        for (size_t i = 0; i < self->count; i++)
            free (self->sources [i].name);
        free (self);
        *self_p = NULL;
    }
}

static source_t *
s_source (wsis_cursor_t *self, const char *name)
{
    for (size_t i = 0; i < self->count; i++)
        if (streq (self->sources [i].name, name))
            return &self->sources [i];
    return NULL;
}

int
wsis_cursor_follow (wsis_cursor_t *self, const char *name)
{
    if (s_source (self, name))
        return 0;
    if (self->count == MAX_SOURCES)
        return -1;
    source_t *source = &self->sources [self->count];
    memset (source, 0, sizeof *source);
    source->name = wsis_strdup (name);
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "SELECT last_seq, applied FROM cursor WHERE source = ?");
    if (!stmt) {
        free (source->name);
        return -1;
    }
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step (stmt) == SQLITE_ROW) {
        source->last_seq = (uint64_t) sqlite3_column_int64 (stmt, 0);
        source->applied = (uint64_t) sqlite3_column_int64 (stmt, 1);
    }
    sqlite3_reset (stmt);
    source->committed_seq = source->last_seq;
    source->committed_applied = source->applied;
    source->head = source->last_seq;
    self->count++;
    return 0;
}

size_t
wsis_cursor_size (wsis_cursor_t *self)
{
    return self->count;
}

const char *
wsis_cursor_source (wsis_cursor_t *self, size_t index)
{
    return index < self->count? self->sources [index].name: NULL;
}

wsis_cursor_verdict_t
wsis_cursor_check (wsis_cursor_t *self, const char *name, uint64_t seq)
{
    source_t *source = s_source (self, name);
    if (!source)
        return WSIS_CURSOR_FOREIGN;
    if (seq <= source->last_seq)
        return WSIS_CURSOR_SEEN;
    if (seq > source->last_seq + 1)
        return WSIS_CURSOR_GAP;
    return WSIS_CURSOR_NEXT;
}

int
wsis_cursor_advance (wsis_cursor_t *self, const char *name, uint64_t seq)
{
    source_t *source = s_source (self, name);
    if (!source || seq != source->last_seq + 1)
        return -1;              //  only ever one step: the gap-free promise
    sqlite3_stmt *stmt = wsis_store_stmt (self->store,
        "INSERT INTO cursor (source, last_seq, applied) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (source) DO UPDATE SET last_seq = ?2, applied = ?3");
    if (!stmt)
        return -1;
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) seq);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) (source->applied + 1));
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        wsis_log_error ("cursor: cannot advance %s: %s", name,
                        sqlite3_errmsg (wsis_store_db (self->store)));
        return -1;
    }
    source->last_seq = seq;
    source->applied++;
    if (source->head < seq)
        source->head = seq;
    return 0;
}

void
wsis_cursor_abort (wsis_cursor_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        self->sources [i].last_seq = self->sources [i].committed_seq;
        self->sources [i].applied = self->sources [i].committed_applied;
    }
}

void
wsis_cursor_commit (wsis_cursor_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        self->sources [i].committed_seq = self->sources [i].last_seq;
        self->sources [i].committed_applied = self->sources [i].applied;
    }
}

uint64_t
wsis_cursor_last_seq (wsis_cursor_t *self, const char *name)
{
    source_t *source = s_source (self, name);
    return source? source->last_seq: 0;
}

void
wsis_cursor_note_head (wsis_cursor_t *self, const char *name, uint64_t head)
{
    source_t *source = s_source (self, name);
    if (source && head > source->head)
        source->head = head;
}

void
wsis_cursor_confirm_head (wsis_cursor_t *self, const char *name, uint64_t head)
{
    //  Below last_seq too (a source whose answer lags what we applied
    //  live): lag counts only what lies ahead of last_seq, never below.
    source_t *source = s_source (self, name);
    if (source)
        source->head = head;
}

uint64_t
wsis_cursor_lag (wsis_cursor_t *self, const char *name)
{
    source_t *source = s_source (self, name);
    if (!source || source->head <= source->last_seq)
        return 0;
    return source->head - source->last_seq;
}

uint64_t
wsis_cursor_applied (wsis_cursor_t *self, const char *name)
{
    source_t *source = s_source (self, name);
    return source? source->applied: 0;
}

uint64_t
wsis_cursor_applied_total (wsis_cursor_t *self)
{
    uint64_t total = 0;
    for (size_t i = 0; i < self->count; i++)
        total += self->sources [i].applied;
    return total;
}
