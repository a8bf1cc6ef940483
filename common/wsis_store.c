/*  wsis_store: SQLite open, migrations, statement cache, transactions, and
    the statement helpers every service's store uses. */
#include "wsis_store.h"
#include "wsis_alloc.h"
#include "wsis_checkpoint.h"
#include "wsis_log.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Pages of WAL between two checkpoint requests (SQLite's own default for
//  its auto-checkpoint), and the size at which the store's connection
//  checkpoints itself: the thread's checkpoints cannot reset the WAL while
//  commits keep coming (SQLite starts it over only once every frame is
//  back in the database), so under a steady load this one finishes the
//  job, with little left to copy.
#define CHECKPOINT_PAGES 1000
#define WAL_PAGES_MAX    8000

//  Statements last found, by the address of their SQL text (a power of 2).
#define RECENT_STATEMENTS 64

typedef struct {
    const char *sql;            //  the caller's pointer, compared first
    sqlite3_stmt *stmt;
} recent_t;

struct _wsis_store_t {
    sqlite3 *db;
    zhashx_t *statements;       //  sql text -> sqlite3_stmt
    recent_t recent [RECENT_STATEMENTS];
    char *fault_file;           //  test fault injection, or NULL
    int lock_fd;                //  the file's flock, or -1 (":memory:")
    wsis_checkpoint_t *checkpoint;  //  NULL: SQLite's auto-checkpoint
    int wal_asked;              //  WAL pages when a checkpoint was last asked for
};

static void
s_finalize (void **item)
{
    sqlite3_finalize ((sqlite3_stmt *) *item);
    *item = NULL;
}

int
wsis_store_exec (wsis_store_t *self, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        wsis_log_error ("sqlite: %s (in: %.80s)", message? message: sqlite3_errmsg (self->db), sql);
        sqlite3_free (message);
        return -1;
    }
    return 0;
}

//  Applies every "-- version N" section above user_version, each in one
//  transaction with its user_version, so a crash mid-migration leaves the
//  database at the previous version, never between two.
int
wsis_store_migrate (wsis_store_t *self, const char *schema, char **error)
{
    int64_t current = wsis_store_int (self, "PRAGMA user_version", 0);
    const char *marker = "-- version ";
    const char *cursor = strstr (schema, marker);
    while (cursor) {
        long version = strtol (cursor + strlen (marker), NULL, 10);
        const char *section = strchr (cursor, '\n');
        if (!section || version <= 0) {
            *error = wsis_strdup ("schema: malformed '-- version N' line");
            return -1;
        }
        const char *next = strstr (section, marker);
        size_t len = next? (size_t) (next - section): strlen (section);
        if (version > current) {
            char *sql = zsys_sprintf ("BEGIN IMMEDIATE;\n%.*s\nPRAGMA user_version = %ld;\nCOMMIT;",
                                      (int) len, section, version);
            int rc = wsis_store_exec (self, sql);
            zstr_free (&sql);
            if (rc) {
                //  The cause, before the ROLLBACK replaces it with "not an error"
                char *cause = wsis_strdup (sqlite3_errmsg (self->db));
                if (!sqlite3_get_autocommit (self->db))
                    wsis_store_exec (self, "ROLLBACK");
                *error = zsys_sprintf ("schema: migration to version %ld failed: %s",
                                       version, cause);
                free (cause);
                return -1;
            }
            current = version;
        }
        cursor = next;
    }
    return 0;
}

//  After every commit (the commit is durable by then): asks the thread for
//  a checkpoint every CHECKPOINT_PAGES new pages of WAL.
static int
s_wal_hook (void *arg, sqlite3 *db, const char *name, int pages)
{
    wsis_store_t *self = (wsis_store_t *) arg;
    if (pages < self->wal_asked)
        self->wal_asked = 0;            //  the WAL started over
    if (pages - self->wal_asked >= CHECKPOINT_PAGES) {
        wsis_checkpoint_request (self->checkpoint);
        self->wal_asked = pages;
    }
    //  PASSIVE: BUSY at once, not a wait, while the thread is at it.
    if (pages >= WAL_PAGES_MAX)
        sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

//  One process per file: two writers of one outbox would break the
//  gap-free seq. flock, not SQLite's exclusive locking mode, which would
//  shut out the checkpoint thread's connection too. A lock on its own
//  descriptor of the database file, closed only after SQLite's (closing
//  any descriptor of a file drops the POSIX locks SQLite holds on it).
static int
s_lock (wsis_store_t *self, const char *path, char **error)
{
    self->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd == -1) {
        *error = zsys_sprintf ("%s: cannot open database: %s", path, strerror (errno));
        return -1;
    }
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB)) {
        *error = zsys_sprintf ("%s: cannot use database: it is locked%s", path,
                               errno == EWOULDBLOCK? " (is another process using it?)": "");
        return -1;
    }
    return 0;
}

static bool
s_on_disk (const char *path)
{
    return *path && !streq (path, ":memory:");
}

//  Before SQLite's first use in the process: no memory statistics (nothing
//  reads them, and keeping them takes a mutex around every allocation
//  SQLite makes, several per statement on the vote path).
static pthread_once_t s_configured = PTHREAD_ONCE_INIT;

static void
s_configure (void)
{
    sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
}

wsis_store_t *
wsis_store_open (const char *path, const char *schema, char **error)
{
    *error = NULL;
    pthread_once (&s_configured, s_configure);
    wsis_store_t *self = (wsis_store_t *) zmalloc (sizeof (wsis_store_t));
    self->statements = zhashx_new ();
    zhashx_set_destructor (self->statements, s_finalize);
    self->lock_fd = -1;
    if (s_on_disk (path) && s_lock (self, path, error))
        goto failed;

    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                         | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        *error = zsys_sprintf ("%s: cannot open database: %s", path,
                               self->db? sqlite3_errmsg (self->db): "out of memory");
        goto failed;
    }
    sqlite3_busy_timeout (self->db, 5000);
    if (wsis_store_exec (self, "PRAGMA journal_mode = WAL")
    ||  wsis_store_exec (self, "PRAGMA synchronous = FULL")
    ||  wsis_store_exec (self, "PRAGMA foreign_keys = ON")
    ||  wsis_store_exec (self, "BEGIN IMMEDIATE; COMMIT;")) {
        int code = sqlite3_errcode (self->db);
        *error = zsys_sprintf ("%s: cannot use database: %s%s", path, sqlite3_errmsg (self->db),
                               code == SQLITE_CORRUPT || code == SQLITE_NOTADB
                               ? " (damaged: restore it from a backup)"
                               : code == SQLITE_BUSY || code == SQLITE_LOCKED
                               ? " (is another process using it?)": "");
        goto failed;
    }
    if (schema && wsis_store_migrate (self, schema, error)) {
        char *prefixed = zsys_sprintf ("%s: %s", path, *error);
        free (*error);
        *error = prefixed;
        goto failed;
    }
    //  Checkpoints off the service's loop (wsis_checkpoint.h), for a file
    //  in WAL mode; the hook replaces SQLite's auto-checkpoint.
    if (s_on_disk (path)) {
        if (!(self->checkpoint = wsis_checkpoint_new (path, error)))
            goto failed;
        sqlite3_wal_hook (self->db, s_wal_hook, self);
    }
    return self;

failed:
    wsis_store_destroy (&self);
    return NULL;
}

void
wsis_store_destroy (wsis_store_t **self_p)
{
    if (self_p && *self_p) {
        wsis_store_t *self = *self_p;
        //  The thread's connection first: the last one to close
        //  checkpoints and removes the WAL, as before.
        wsis_checkpoint_destroy (&self->checkpoint);
        zhashx_destroy (&self->statements);
        free (self->fault_file);
        if (self->db)
            sqlite3_close (self->db);
        if (self->lock_fd != -1)
            close (self->lock_fd);
        free (self);
        *self_p = NULL;
    }
}

uint64_t
wsis_store_checkpoints (wsis_store_t *self)
{
    return self->checkpoint? wsis_checkpoint_done (self->checkpoint): 0;
}

sqlite3 *
wsis_store_db (wsis_store_t *self)
{
    return self->db;
}

//  The statements of the hot paths are asked for with the same string
//  literal every time: found by its address first (the text compared
//  still, since a caller may pass text it built in memory that is reused),
//  they skip hashing the whole SQL text, which cost a vote ~900
//  instructions per statement.
sqlite3_stmt *
wsis_store_stmt (wsis_store_t *self, const char *sql)
{
    recent_t *recent = &self->recent [((uintptr_t) sql >> 3) & (RECENT_STATEMENTS - 1)];
    sqlite3_stmt *stmt = recent->sql == sql? recent->stmt: NULL;
    if (stmt && strcmp (sqlite3_sql (stmt), sql) != 0)
        stmt = NULL;
    if (!stmt)
        stmt = (sqlite3_stmt *) zhashx_lookup (self->statements, sql);
    if (stmt) {
        sqlite3_reset (stmt);
        sqlite3_clear_bindings (stmt);
    }
    else {
        if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
            wsis_log_error ("sqlite: cannot prepare: %s (in: %.80s)", sqlite3_errmsg (self->db), sql);
            return NULL;
        }
        zhashx_insert (self->statements, sql, stmt);
    }
    recent->sql = sql;
    recent->stmt = stmt;
    return stmt;
}

int
wsis_store_done (sqlite3_stmt *stmt, int rc)
{
    if (stmt)
        sqlite3_reset (stmt);
    return rc;
}

int
wsis_store_begin (wsis_store_t *self)
{
    return wsis_store_exec (self, "BEGIN IMMEDIATE");
}

void
wsis_store_set_fault_file (wsis_store_t *self, const char *path)
{
    free (self->fault_file);
    self->fault_file = wsis_strdup (path);
}

//  Test fault injection: the file's presence makes this COMMIT fail like
//  a full disk would (the file is removed, so only one fails).
static bool
s_fault (wsis_store_t *self)
{
    if (!self->fault_file || unlink (self->fault_file) != 0)
        return false;
    wsis_log_warning ("fault injection: COMMIT refused (%s)", self->fault_file);
    return true;
}

int
wsis_store_commit (wsis_store_t *self)
{
    if (s_fault (self) || wsis_store_exec (self, "COMMIT")) {
        //  A failed COMMIT (disk full, I/O error) may leave the
        //  transaction open; roll it back so the next batch starts clean.
        if (!sqlite3_get_autocommit (self->db))
            wsis_store_exec (self, "ROLLBACK");
        return -1;
    }
    return 0;
}

int
wsis_store_rollback (wsis_store_t *self)
{
    if (sqlite3_get_autocommit (self->db))
        return 0;
    return wsis_store_exec (self, "ROLLBACK");
}

bool
wsis_store_in_transaction (wsis_store_t *self)
{
    return !sqlite3_get_autocommit (self->db);
}

//  A statement without results from the cache: the savepoint around each
//  request of a batch is taken and released per request, and parsing it
//  every time cost about a twentieth of a vote.
static int
s_step (wsis_store_t *self, const char *sql)
{
    return wsis_store_run (self, wsis_store_stmt (self, sql));
}

int64_t
wsis_store_changes (wsis_store_t *self)
{
    return (int64_t) sqlite3_total_changes64 (self->db);
}

int
wsis_store_savepoint (wsis_store_t *self)
{
    return s_step (self, "SAVEPOINT request");
}

int
wsis_store_savepoint_keep (wsis_store_t *self)
{
    return s_step (self, "RELEASE request");
}

int
wsis_store_savepoint_undo (wsis_store_t *self)
{
    return wsis_store_exec (self, "ROLLBACK TO request; RELEASE request");
}

int64_t
wsis_store_int (wsis_store_t *self, const char *sql, int64_t fallback)
{
    sqlite3_stmt *stmt = wsis_store_stmt (self, sql);
    if (!stmt)
        return fallback;
    int64_t value = fallback;
    if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        value = sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    return value;
}

void
wsis_store_bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null (stmt, index);
}

void
wsis_store_bind_textn (sqlite3_stmt *stmt, int index, const char *text, size_t len)
{
    if (text)
        sqlite3_bind_text64 (stmt, index, text, (sqlite3_uint64) len, SQLITE_TRANSIENT, SQLITE_UTF8);
    else
        sqlite3_bind_null (stmt, index);
}

const char *
wsis_store_text (sqlite3_stmt *stmt, int column)
{
    return (const char *) sqlite3_column_text (stmt, column);
}

//  The message is read before any reset: the step's error is the one the
//  log must show.
static int
s_failed (wsis_store_t *self, sqlite3_stmt *stmt)
{
    wsis_log_error ("sqlite: %s (in: %s)", sqlite3_errmsg (self->db), sqlite3_sql (stmt));
    return -1;
}

int
wsis_store_run (wsis_store_t *self, sqlite3_stmt *stmt)
{
    if (!stmt)
        return -1;
    int rc = sqlite3_step (stmt) == SQLITE_DONE? 0: s_failed (self, stmt);
    sqlite3_reset (stmt);
    return rc;
}

int
wsis_store_row (wsis_store_t *self, sqlite3_stmt *stmt)
{
    if (!stmt)
        return -1;
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return s_failed (self, stmt);
}

int
wsis_store_exists (wsis_store_t *self, sqlite3_stmt *stmt)
{
    return wsis_store_done (stmt, wsis_store_row (self, stmt));
}
