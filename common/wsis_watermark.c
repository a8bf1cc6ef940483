/*  wsis_watermark: the outbox's last committed seq, outside the database. */
#include "wsis_watermark.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  One fixed-width line, so a rewrite in place replaces it whole.
#define WATERMARK_LINE "%020" PRIu64 "\n"
#define WATERMARK_SIZE 21

struct _wsis_watermark_t {
    char *path;
    int fd;
    uint64_t written;           //  the number in the file
    bool found;                 //  the file held a number
    bool failing;               //  the last write failed (logged)
};

static int
s_write (wsis_watermark_t *self, uint64_t committed)
{
    char line [WATERMARK_SIZE + 1];
    snprintf (line, sizeof line, WATERMARK_LINE, committed);
    errno = 0;
    if (pwrite (self->fd, line, WATERMARK_SIZE, 0) != WATERMARK_SIZE) {
        if (!self->failing)
            wsis_log_error ("%s: cannot write: %s (tried again after the next commit)",
                            self->path, strerror (errno? errno: ENOSPC));
        self->failing = true;
        return -1;
    }
    if (self->failing)
        wsis_log_notice ("%s: written again", self->path);
    self->failing = false;
    self->written = committed;
    return 0;
}

//  The number in the file: 0 and *found = false when empty (made and never
//  written before a power cut).
static int
s_read (wsis_watermark_t *self, uint64_t *value, bool *found, char **error)
{
    char line [64] = { 0 };
    ssize_t size = pread (self->fd, line, sizeof line - 1, 0);
    *found = size > 0;
    *value = 0;
    if (size < 0) {
        *error = zsys_sprintf ("%s: cannot read: %s", self->path, strerror (errno));
        return -1;
    }
    if (size == 0)
        return 0;
    char *end = NULL;
    errno = 0;
    *value = strtoull (line, &end, 10);
    if (errno || end == line || *end != '\n') {
        *error = zsys_sprintf ("%s: not a committed seq (damaged?); remove it to accept the "
                               "database as it is", self->path);
        return -1;
    }
    return 0;
}

wsis_watermark_t *
wsis_watermark_open (const char *path, char **error)
{
    *error = NULL;
    wsis_watermark_t *self = (wsis_watermark_t *) zmalloc (sizeof (wsis_watermark_t));
    self->path = wsis_strdup (path);
    self->fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->fd < 0) {
        *error = zsys_sprintf ("%s: cannot open: %s", path, strerror (errno));
        goto failed;
    }
    if (s_read (self, &self->written, &self->found, error))
        goto failed;
    return self;

failed:
    wsis_watermark_destroy (&self);
    return NULL;
}

uint64_t
wsis_watermark_claimed (wsis_watermark_t *self)
{
    return self->written;
}

int
wsis_watermark_check (wsis_watermark_t *self, const char *database, uint64_t committed,
                      char **error)
{
    *error = NULL;
    if (self->written > committed) {
        *error = zsys_sprintf ("%s: events up to seq %" PRIu64 " were committed, but %s has "
                               "them only up to seq %" PRIu64 ": it lost committed writes; "
                               "restore it from a backup, or remove %s to accept it as it is",
                               self->path, self->written, database, committed, self->path);
        return -1;
    }
    if (!self->found || self->written < committed) {
        //  A new file, or one behind (a power cut): brought up to date
        //  and synced before anything is served.
        errno = 0;
        if (s_write (self, committed) || fsync (self->fd)) {
            *error = zsys_sprintf ("%s: cannot write: %s", self->path,
                                   strerror (errno? errno: ENOSPC));
            return -1;
        }
        self->found = true;
    }
    wsis_log_info ("%s: %s has every committed event (up to seq %" PRIu64 ")",
                   self->path, database, committed);
    return 0;
}

void
wsis_watermark_destroy (wsis_watermark_t **self_p)
{
    if (self_p && *self_p) {
        wsis_watermark_t *self = *self_p;
        if (self->fd >= 0) {
            if (fsync (self->fd))
                wsis_log_warning ("%s: cannot sync: %s", self->path, strerror (errno));
            close (self->fd);
        }
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

void
wsis_watermark_note (wsis_watermark_t *self, uint64_t committed)
{
    if (self && committed != self->written)
        s_write (self, committed);
}
