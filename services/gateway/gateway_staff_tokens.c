/*  gateway_staff_tokens: the file of staff tokens the staff listener
    accepts (gateway/staff_tokens; docs/protocol.md, "wsis-gateway
    (HTTP)").

    One token a line, as `<name> <SHA-256 of the token, 64 hex digits>`;
    blank lines and lines starting with # are skipped. The name says which
    staff tool acted: it is the actor.id of what the tool asks. Only the
    hashes are kept, so the file tells nobody a token (scripts/make-keys.sh
    writes the token itself for the tool, and its line here).

    A file that cannot be read whole is refused whole, with one line
    naming the file and the line: a listener that took half a file could
    keep a token someone meant to remove.
*/
#include "gateway.h"

#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>

#define LINE_MAX_       1024
#define TOKENS_MAX      1000
#define TOKEN_TEXT_MAX  256     //  a presented token longer than this is no token

typedef struct {
    char name [GATEWAY_ID_MAX + 1];
    unsigned char hash [crypto_hash_sha256_BYTES];
    int line;
} staff_token_t;

struct _gateway_staff_tokens_t {
    staff_token_t *tokens;
    size_t size;
    size_t alloc;
};

//  A name: 1-64 of letters, digits, '.', '_', '-' (an actor.id the
//  services store as it is).
static bool
s_name_ok (const char *name)
{
    size_t length = strlen (name);
    return length > 0 && length <= GATEWAY_ID_MAX
        && strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == length;
}

//  64 hex digits into hash; -1 when it is not that.
static int
s_hash_parse (const char *hex, unsigned char *hash)
{
    size_t length = 0;
    if (strlen (hex) != 2 * crypto_hash_sha256_BYTES
    ||  sodium_hex2bin (hash, crypto_hash_sha256_BYTES, hex, strlen (hex), NULL, &length, NULL)
    ||  length != crypto_hash_sha256_BYTES)
        return -1;
    return 0;
}

//  One line (its newline gone) into self: 0, or -1 with *error.
static int
s_line (gateway_staff_tokens_t *self, const char *file, int number, char *line, char **error)
{
    char *rest = NULL;
    char *name = strtok_r (line, " \t\r", &rest);
    if (!name || *name == '#')
        return 0;               //  blank or a comment
    char *hex = strtok_r (NULL, " \t\r", &rest);
    staff_token_t token = { .line = number };
    if (!hex || strtok_r (NULL, " \t\r", &rest) || !s_name_ok (name) || s_hash_parse (hex, token.hash)) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s line %d: expected '<name> <SHA-256 of the "
                               "token in hex>', the name 1-64 letters, digits, '.', '_' or '-' "
                               "(scripts/make-keys.sh --staff-token NAME writes one)", file, number);
        return -1;
    }
    snprintf (token.name, sizeof token.name, "%s", name);
    for (size_t i = 0; i < self->size; i++) {
        bool same_name = streq (self->tokens [i].name, token.name);
        if (same_name || sodium_memcmp (self->tokens [i].hash, token.hash, sizeof token.hash) == 0) {
            *error = zsys_sprintf ("gateway/staff_tokens: %s line %d: %s is on line %d already",
                                   file, number, same_name? "the name": "the token",
                                   self->tokens [i].line);
            return -1;
        }
    }
    if (self->size == TOKENS_MAX) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s line %d: more than %d tokens",
                               file, number, TOKENS_MAX);
        return -1;
    }
    if (self->size == self->alloc) {
        size_t alloc = self->alloc? 2 * self->alloc: 8;
        staff_token_t *grown = (staff_token_t *) realloc (self->tokens, alloc * sizeof (staff_token_t));
        if (!grown) {
            *error = zsys_sprintf ("gateway/staff_tokens: %s line %d: out of memory", file, number);
            return -1;
        }
        self->tokens = grown;
        self->alloc = alloc;
    }
    self->tokens [self->size++] = token;
    return 0;
}

static int
s_read (gateway_staff_tokens_t *self, const char *file, FILE *handle, char **error)
{
    char *line = NULL;
    size_t alloc = 0;
    ssize_t length;
    int number = 0, rc = 0;
    errno = 0;
    while (rc == 0 && (length = getline (&line, &alloc, handle)) >= 0) {
        number++;
        if (length && line [length - 1] == '\n')
            line [--length] = 0;
        if (length > LINE_MAX_ || strlen (line) != (size_t) length) {
            *error = zsys_sprintf ("gateway/staff_tokens: %s line %d: %s", file, number,
                                   length > LINE_MAX_? "too long": "holds a NUL byte");
            rc = -1;
        }
        else
            rc = s_line (self, file, number, line, error);
    }
    free (line);
    if (rc == 0 && ferror (handle)) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s: cannot read it (%s)", file, strerror (errno));
        rc = -1;
    }
    if (rc == 0 && self->size == 0) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s holds no token "
                               "(scripts/make-keys.sh --staff-token NAME writes one)", file);
        rc = -1;
    }
    return rc;
}

gateway_staff_tokens_t *
gateway_staff_tokens_read (const char *file, char **error)
{
    FILE *handle = fopen (file, "r");
    struct stat status;
    if (!handle || fstat (fileno (handle), &status)) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s: cannot read it (%s)", file, strerror (errno));
        if (handle)
            fclose (handle);
        return NULL;
    }
    //  Whoever may write the file may make themselves staff.
    if (!S_ISREG (status.st_mode) || (status.st_mode & (S_IWGRP | S_IWOTH))) {
        *error = zsys_sprintf ("gateway/staff_tokens: %s is %s: chmod 600 it", file,
                               S_ISREG (status.st_mode)? "writable by group or others": "not a file");
        fclose (handle);
        return NULL;
    }
    gateway_staff_tokens_t *self = (gateway_staff_tokens_t *) zmalloc (sizeof (gateway_staff_tokens_t));
    int rc = s_read (self, file, handle, error);
    fclose (handle);
    if (rc)
        gateway_staff_tokens_destroy (&self);
    return self;
}

void
gateway_staff_tokens_destroy (gateway_staff_tokens_t **self_p)
{
    if (self_p && *self_p) {
        free ((*self_p)->tokens);
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
gateway_staff_tokens_find (gateway_staff_tokens_t *self, const char *token)
{
    if (!self || !token || !*token || strlen (token) > TOKEN_TEXT_MAX)
        return NULL;
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) token, strlen (token));
    for (size_t i = 0; i < self->size; i++)
        if (sodium_memcmp (self->tokens [i].hash, hash, sizeof hash) == 0)
            return self->tokens [i].name;
    return NULL;
}

size_t
gateway_staff_tokens_size (gateway_staff_tokens_t *self)
{
    return self? self->size: 0;
}
