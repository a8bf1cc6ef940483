/*  wsis_secret: files that hold secrets (a certificate's secret key, the
    voting keys, a webhook's shared secret).

    A secret lives in a file of its own with mode 0600, never in the
    config file or the environment. Like ssh, a program refuses a secret
    that group or others may read, naming the file: a key that leaked
    through a loose mode is no longer a secret.

        if (wsis_secret_check ("var/keys/secret/voting.cert_secret", &error))
            ...one line in error: "...: mode 0644, must not be readable by group or others"
*/
#ifndef WSIS_SECRET_H
#define WSIS_SECRET_H

#include <stddef.h>

//  0 when path is a regular file that only its owner may read or write;
//  -1 with *error one line naming the file (caller frees) when it is
//  missing, not a regular file, or open to group or others.
int wsis_secret_check (const char *path, char **error);

//  Reads a secret file of exactly size bytes into data, after
//  wsis_secret_check. 0, or -1 with *error (caller frees).
int wsis_secret_read (const char *path, void *data, size_t size, char **error);

//  Creates path (which must not exist) holding size bytes of data, mode
//  0600 whatever the umask, written to a temporary file, synced and
//  linked, then the folder synced, so a crash leaves the whole secret or
//  none, and a secret a caller was told exists survives a power cut.
//  0, or -1 with *error (caller frees).
int wsis_secret_create (const char *path, const void *data, size_t size, char **error);

#endif
