/*  wsis_store: a service's own SQLite database.

    One connection per process for its work, used from the service thread
    only (the checkpoint thread has its own, wsis_checkpoint). WAL with
    synchronous=FULL (an ok reply must survive a power cut; batching keeps
    that fast), an flock on the file so a second process on it fails at
    start instead of corrupting assumptions, BEGIN IMMEDIATE for every
    write transaction, and prepared statements cached for the life of the
    process. The WAL is checkpointed by a thread with a connection of its
    own (wsis_checkpoint), not inside a COMMIT of the service's loop.

    Migrations: the service's schema.sql is split by lines "-- version N";
    each section with N above PRAGMA user_version runs in one transaction
    that also sets user_version = N.
*/
#ifndef WSIS_STORE_H
#define WSIS_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _wsis_store_t wsis_store_t;

//  Opens (creating) the database at path and applies the migrations in
//  schema (may be NULL). NULL on failure with *error one line (caller
//  frees). ":memory:" works for tests.
wsis_store_t *wsis_store_open (const char *path, const char *schema, char **error);
void wsis_store_destroy (wsis_store_t **self_p);

//  WAL checkpoints the store's thread has completed (0 for ":memory:").
uint64_t wsis_store_checkpoints (wsis_store_t *self);

//  Applies the migrations of schema above PRAGMA user_version (what open
//  does when given a schema), for a caller that opens with a NULL schema
//  and must act between the two. 0, or -1 with *error one line (caller
//  frees).
int wsis_store_migrate (wsis_store_t *self, const char *schema, char **error);

sqlite3 *wsis_store_db (wsis_store_t *self);

//  The cached statement for sql (a string literal: cached by its text),
//  reset and with bindings cleared. NULL if it does not prepare (logged).
//  The store owns it; callers reset it when done (wsis_store_done).
sqlite3_stmt *wsis_store_stmt (wsis_store_t *self, const char *sql);

//  Resets a statement after use and returns rc unchanged, so a caller can
//  write `return wsis_store_done (stmt, rc)`.
int wsis_store_done (sqlite3_stmt *stmt, int rc);

//  Runs SQL without results (schema, pragmas). 0 or -1 (logged).
int wsis_store_exec (wsis_store_t *self, const char *sql);

//  Test fault injection: while path is set, a COMMIT that finds that file
//  removes it and fails as a full disk would (rolled back, -1), so tests
//  can prove a failed commit answers `unavailable` and leaves nothing
//  behind, in memory or on disk. NULL turns it off (the default).
void wsis_store_set_fault_file (wsis_store_t *self, const char *path);

//  Transactions. begin is BEGIN IMMEDIATE. 0 or -1 (logged).
int wsis_store_begin (wsis_store_t *self);
int wsis_store_commit (wsis_store_t *self);
int wsis_store_rollback (wsis_store_t *self);
bool wsis_store_in_transaction (wsis_store_t *self);

//  Rows inserted, updated or deleted on this connection since it opened
//  (sqlite3_total_changes64): equal before and after, nothing was written.
int64_t wsis_store_changes (wsis_store_t *self);

//  A savepoint around one request inside a batch, so a request that fails
//  half-way leaves nothing behind while the batch goes on.
int wsis_store_savepoint (wsis_store_t *self);
int wsis_store_savepoint_keep (wsis_store_t *self);
int wsis_store_savepoint_undo (wsis_store_t *self);

//  Single-value helpers: the first column of the first row as int64 (or
//  fallback when no row).
int64_t wsis_store_int (wsis_store_t *self, const char *sql, int64_t fallback);

//  -------------------------------------------------------------------------
//  Statement helpers for the services' *_store.c files. stmt is one
//  wsis_store_stmt returned (the store owns it); parameters count from 1,
//  columns from 0. A failure is logged here, with the SQLite error and the
//  statement's SQL, so callers only pass the -1 on.

//  Binds text, or SQL NULL when text is NULL. SQLite copies the text
//  (SQLITE_TRANSIENT), so the caller's buffer may go away before the step.
//  bind_textn binds len bytes of text, which need not be NUL-terminated.
void wsis_store_bind_text (sqlite3_stmt *stmt, int index, const char *text);
void wsis_store_bind_textn (sqlite3_stmt *stmt, int index, const char *text, size_t len);

//  The text of a column of the current row, or NULL for SQL NULL. SQLite
//  owns it; it lives until the statement steps again or is reset.
const char *wsis_store_text (sqlite3_stmt *stmt, int column);

//  Runs a write (a statement without rows) to its end and resets it.
//  0, or -1 when it failed (logged) or stmt is NULL (a statement that did
//  not prepare, already logged by wsis_store_stmt).
int wsis_store_run (wsis_store_t *self, sqlite3_stmt *stmt);

//  Steps a lookup once: 1 a row (its columns are readable), 0 no more
//  rows, -1 failed (logged) or stmt NULL. Does not reset: the caller reads
//  the row, then resets (`return wsis_store_done (stmt, rc)`).
int wsis_store_row (wsis_store_t *self, sqlite3_stmt *stmt);

//  Whether a lookup yields a row: 1 one, 0 none, -1 failed (logged) or
//  stmt NULL. Resets the statement.
int wsis_store_exists (wsis_store_t *self, sqlite3_stmt *stmt);

#endif
