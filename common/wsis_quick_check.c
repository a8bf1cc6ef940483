/*  wsis_quick_check: the database's structure checked on a thread of its
    own (wsis_quick_check.h). */
#include "wsis_quick_check.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>

struct _wsis_quick_check_t {
    pthread_t thread;
    char *path;
    char *complaint;            //  SQLite's first, or NULL: well formed
    int64_t pages;
    int64_t took_ms;
};

//  The first complaint of quick_check on one line: SQLite starts some
//  with "*** in database main ***" and a newline.
static char *
s_one_line (const char *text)
{
    const char *marker = "*** in database main ***";
    if (strncmp (text, marker, strlen (marker)) == 0)
        text += strlen (marker);
    while (*text == '\n' || *text == ' ')
        text++;
    char *line = wsis_strdup (text);
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return line;
}

static void *
s_check (void *arg)
{
    wsis_quick_check_t *self = (wsis_quick_check_t *) arg;
    int64_t started = zclock_usecs ();
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        self->complaint = s_one_line (db? sqlite3_errmsg (db): "out of memory");
    else {
        sqlite3_busy_timeout (db, 5000);
        if (sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK
        ||  sqlite3_step (stmt) != SQLITE_ROW)
            self->complaint = s_one_line (sqlite3_errmsg (db));
        else
        if (strcmp ((const char *) sqlite3_column_text (stmt, 0), "ok") != 0)
            self->complaint = s_one_line ((const char *) sqlite3_column_text (stmt, 0));
        sqlite3_finalize (stmt);
        stmt = NULL;
        if (!self->complaint
        &&  sqlite3_prepare_v2 (db, "PRAGMA page_count", -1, &stmt, NULL) == SQLITE_OK
        &&  sqlite3_step (stmt) == SQLITE_ROW)
            self->pages = sqlite3_column_int64 (stmt, 0);
        sqlite3_finalize (stmt);
    }
    sqlite3_close (db);
    self->took_ms = (zclock_usecs () - started) / 1000;
    return NULL;
}

wsis_quick_check_t *
wsis_quick_check_start (const char *path, char **error)
{
    wsis_quick_check_t *self = (wsis_quick_check_t *) wsis_calloc (1, sizeof (wsis_quick_check_t));
    self->path = wsis_strdup (path);
    int rc = pthread_create (&self->thread, NULL, s_check, self);
    if (rc) {
        *error = zsys_sprintf ("%s: cannot start its quick_check: %s", path, strerror (rc));
        free (self->path);
        free (self);
        return NULL;
    }
    return self;
}

int
wsis_quick_check_finish (wsis_quick_check_t **self_p, char **error)
{
    wsis_quick_check_t *self = *self_p;
    if (!self)
        return 0;
    pthread_join (self->thread, NULL);
    int rc = 0;
    if (self->complaint) {
        *error = zsys_sprintf ("%s: damaged (SQLite's quick_check: %s); restore it from a backup",
                               self->path, self->complaint);
        rc = -1;
    }
    else
        wsis_log_info ("%s: quick_check ok (%" PRId64 " pages, every b-tree well formed, in %" PRId64 " ms)",
                       self->path, self->pages, self->took_ms);
    free (self->complaint);
    free (self->path);
    free (self);
    *self_p = NULL;
    return rc;
}
