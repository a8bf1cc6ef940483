/*  wsis_checkpoint: PASSIVE WAL checkpoints from a CZMQ actor with its own
    SQLite connection (see wsis_checkpoint.h for why). */
#include "wsis_checkpoint.h"
#include "wsis_actor.h"
#include "wsis_log.h"

#include <czmq.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

struct _wsis_checkpoint_t {
    zactor_t *actor;
    sqlite3 *db;                //  used by the actor's thread only
    atomic_bool asked;          //  a request is waiting for the actor
    atomic_uint_fast64_t done;
    int last_failure;           //  SQLite's code, logged once until it changes
};

static void
s_checkpoint (wsis_checkpoint_t *self)
{
    //  Cleared before the checkpoint starts: a request made while it runs
    //  is for frames it may not see, and gets a checkpoint of its own.
    atomic_store (&self->asked, false);
    int rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc == SQLITE_OK) {
        atomic_fetch_add (&self->done, 1);
        self->last_failure = 0;
    }
    else
    //  BUSY: the store's own connection is checkpointing (its WAL hook
    //  does when the WAL has grown past what this thread keeps up with).
    if (rc != SQLITE_BUSY && rc != self->last_failure) {
        //  A full disk, say: the WAL keeps the pages meanwhile, and the
        //  next request tries again.
        wsis_log_warning ("checkpoint: %s", sqlite3_errmsg (self->db));
        self->last_failure = rc;
    }
}

static void
s_actor (zsock_t *pipe, void *arg)
{
    wsis_checkpoint_t *self = (wsis_checkpoint_t *) arg;
    zsock_signal (pipe, 0);
    while (true) {
        char *command = zstr_recv (pipe);
        if (!command)
            break;              //  interrupted
        bool stop = streq (command, "$TERM");
        zstr_free (&command);
        if (stop)
            break;
        s_checkpoint (self);
    }
}

wsis_checkpoint_t *
wsis_checkpoint_new (const char *path, char **error)
{
    *error = NULL;
    wsis_checkpoint_t *self = (wsis_checkpoint_t *) zmalloc (sizeof (wsis_checkpoint_t));
    atomic_init (&self->asked, false);
    atomic_init (&self->done, 0);
    char *message = NULL;
    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK
    ||  sqlite3_exec (self->db, "PRAGMA synchronous = FULL", NULL, NULL, &message) != SQLITE_OK) {
        *error = zsys_sprintf ("%s: cannot open the checkpoint connection: %s", path,
                               message? message: self->db? sqlite3_errmsg (self->db): "out of memory");
        sqlite3_free (message);
        sqlite3_close (self->db);
        free (self);
        return NULL;
    }
    self->actor = zactor_new (s_actor, self);
    return self;
}

void
wsis_checkpoint_destroy (wsis_checkpoint_t **self_p)
{
    if (self_p && *self_p) {
        wsis_checkpoint_t *self = *self_p;
        wsis_actor_destroy (&self->actor);  //  $TERM, and waits for the thread
        sqlite3_close (self->db);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_checkpoint_request (wsis_checkpoint_t *self)
{
    if (atomic_exchange (&self->asked, true))
        return;                 //  one is waiting already
    //  Never blocks the loop: the pipe holds at most one request.
    if (zstr_send (self->actor, "CHECKPOINT"))
        atomic_store (&self->asked, false);
}

uint64_t
wsis_checkpoint_done (wsis_checkpoint_t *self)
{
    return (uint64_t) atomic_load (&self->done);
}
