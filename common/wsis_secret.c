/*  wsis_secret: secret files, 0600 or refused. */
#include "wsis_secret.h"
#include "wsis_alloc.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
wsis_secret_check (const char *path, char **error)
{
    struct stat st;
    if (stat (path, &st)) {
        *error = zsys_sprintf ("%s: %s", path, strerror (errno));
        return -1;
    }
    if (!S_ISREG (st.st_mode)) {
        *error = zsys_sprintf ("%s: not a regular file", path);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        *error = zsys_sprintf ("%s: mode %04o, a secret must not be open to group or others "
                               "(chmod 600 %s)", path, (unsigned) (st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int
wsis_secret_read (const char *path, void *data, size_t size, char **error)
{
    if (wsis_secret_check (path, error))
        return -1;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        *error = zsys_sprintf ("%s: %s", path, strerror (errno));
        return -1;
    }
    unsigned char extra;
    ssize_t got = read (fd, data, size);
    ssize_t more = got == (ssize_t) size? read (fd, &extra, 1): 0;
    close (fd);
    if (got != (ssize_t) size || more != 0) {
        *error = zsys_sprintf ("%s: must hold exactly %zu bytes", path, size);
        return -1;
    }
    return 0;
}

//  Syncs the folder of path, so that the name of a file just linked there
//  survives a power cut with its bytes (fsync of the file keeps the bytes
//  only). 0 or -1 with errno.
static int
s_sync_folder (const char *path)
{
    char *folder = wsis_strdup (path);
    char *slash = strrchr (folder, '/');
    if (slash)
        slash [slash == folder? 1: 0] = 0;
    int fd = open (slash? folder: ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd == -1? -1: fsync (fd);
    if (fd != -1)
        close (fd);
    free (folder);
    return rc;
}

int
wsis_secret_create (const char *path, const void *data, size_t size, char **error)
{
    char *temporary = zsys_sprintf ("%s.new", path);
    int fd = open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd == -1)
        *error = zsys_sprintf ("%s: %s", temporary, strerror (errno));
    else
    if (fchmod (fd, 0600)
    ||  write (fd, data, size) != (ssize_t) size
    ||  fsync (fd))
        *error = zsys_sprintf ("%s: %s", temporary, strerror (errno));
    else
    if (link (temporary, path))
        //  link, not rename: an existing secret is never replaced.
        *error = zsys_sprintf ("%s: %s", path, strerror (errno));
    else
    if (s_sync_folder (path))
        *error = zsys_sprintf ("%s: %s", path, strerror (errno));
    else
        rc = 0;
    if (fd != -1)
        close (fd);
    unlink (temporary);
    zstr_free (&temporary);
    return rc;
}
