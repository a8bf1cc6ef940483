/*  wsis_checkpoint: copies a store's WAL back into its database from a
    thread of its own, so that the service's loop does not wait for it.

    SQLite's auto-checkpoint runs inside the COMMIT that crosses 1,000
    pages of WAL: that commit, and every request that arrives while it
    writes the pages back and fsyncs the database file, wait for it (on
    the vote path, bench/NOTES.md: a checkpoint every ~250 ms under load,
    usually 1-3 ms, sometimes 45-80 ms when the disk is busy). Here a
    CZMQ actor owns a second connection to the same file and runs PASSIVE
    checkpoints when asked: they never take the writer's lock, so the
    loop's transactions go on meanwhile. The store asks from its WAL hook
    (wsis_store.c), once per 1,000 new pages.

    The connection syncs as the store's does (synchronous=FULL): a
    checkpoint fsyncs the WAL before copying and the database after, so
    the WAL is only reused once what it held is on disk in the database.
*/
#ifndef WSIS_CHECKPOINT_H
#define WSIS_CHECKPOINT_H

#include <stdint.h>

typedef struct _wsis_checkpoint_t wsis_checkpoint_t;

//  Starts the thread and its connection to the database at path (which
//  must exist and be in WAL mode). NULL with *error one line (caller
//  frees) when the connection cannot be opened.
wsis_checkpoint_t *wsis_checkpoint_new (const char *path, char **error);

//  Stops the thread (a checkpoint under way finishes first) and closes
//  its connection.
void wsis_checkpoint_destroy (wsis_checkpoint_t **self_p);

//  Asks for a checkpoint and returns at once; asks made while one is
//  already asked for and not started count once.
void wsis_checkpoint_request (wsis_checkpoint_t *self);

//  Checkpoints completed so far (for tests and sys.stats).
uint64_t wsis_checkpoint_done (wsis_checkpoint_t *self);

#endif
