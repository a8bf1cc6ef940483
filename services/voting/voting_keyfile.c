/*  voting_keyfile: the voting key file, outside voting.db.

    A copy of voting.db alone must not tell how anyone voted, so the key
    its pseudonyms and receipts are made with lives in a file of its own,
    0600 (wsis_secret), next to the deployment's CURVE keys when there are
    some: <wsis/keys>/secret/voting.key, else <wsis/data_dir>/voting.key,
    unless voting/key_file names another place.

    The key is read before the migrations run, because the migration to
    version 2 rehashes the votes with it. Only a voting.db without votes
    may get a new key: under a new key every voter has a new pseudonym, so
    everyone could vote again and no receipt would verify. Hence:

      - version 0 (a new voting.db): the file is read, or made;
      - version 1 (before the key file existed): the file is made holding
        the receipt secret of voting.db, so old receipts still verify, or
        read when a start that made it stopped before migrating, and then
        it must hold that secret;
      - version 2 and later: the file must be there, and match the
        fingerprint voting.db keeps of it. A missing or different key stops
        the service, naming the file.
*/
#include "voting.h"
#include "wsis_log.h"
#include "wsis_secret.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

char *
voting_keyfile_path (wsis_config_t *config)
{
    const char *file = wsis_config_str (config, "voting/key_file");
    const char *keys = wsis_config_str (config, "wsis/keys");
    if (*file)
        return zsys_sprintf ("%s", file);
    if (*keys)
        return zsys_sprintf ("%s/secret/voting.key", keys);
    return zsys_sprintf ("%s/voting.key", wsis_config_str (config, "wsis/data_dir"));
}

//  The folder of the key file, made 0700 when it is missing (the secret/
//  folder of a new keys folder); its own parent must exist.
static int
s_make_folder (const char *path, char **error)
{
    const char *slash = strrchr (path, '/');
    if (!slash || slash == path)
        return 0;
    char *folder = zsys_sprintf ("%.*s", (int) (slash - path), path);
    int rc = 0;
    if (mkdir (folder, 0700) && errno != EEXIST) {
        *error = zsys_sprintf ("%s: cannot make the folder of the voting key: %s", folder,
                               strerror (errno));
        rc = -1;
    }
    zstr_free (&folder);
    return rc;
}

//  Makes the key file of a store at version 0 or 1: a random master key,
//  and the receipt secret of voting.db when it has one (old, found).
static int
s_make (const char *path, const unsigned char old [VOTING_KEY_HALF], bool found, char **error)
{
    unsigned char file [VOTING_KEY_SIZE];
    //  getrandom(2): the kernel's CSPRNG, as /dev/urandom.
    randombytes_buf (file, sizeof file);
    if (found)
        memcpy (file + VOTING_KEY_HALF, old, VOTING_KEY_HALF);
    int rc = s_make_folder (path, error) || wsis_secret_create (path, file, sizeof file, error);
    sodium_memzero (file, sizeof file);
    if (rc == 0)
        wsis_log_notice ("voting: made the voting key %s%s", path,
                         found? ", holding the receipt secret of voting.db": "");
    return rc? -1: 0;
}

//  Whether the key read belongs to this store.
static int
s_check (wsis_store_t *store, int version, const char *path, const voting_keys_t *keys,
         const unsigned char file [VOTING_KEY_SIZE],
         const unsigned char old [VOTING_KEY_HALF], bool found, char **error)
{
    if (version == 1 && found && sodium_memcmp (old, file + VOTING_KEY_HALF, VOTING_KEY_HALF)) {
        *error = zsys_sprintf ("%s does not hold the receipt key of this voting.db; "
                               "move it away to have one made from voting.db", path);
        return -1;
    }
    if (version < 2)
        return 0;
    unsigned char check [VOTING_MAC_SIZE];
    int rc = voting_store_key_check (store, check);
    if (rc < 0) {
        *error = zsys_sprintf ("voting.db: cannot read the fingerprint of the voting key");
        return -1;
    }
    if (rc == 1 || sodium_memcmp (check, keys->check, VOTING_MAC_SIZE)) {
        *error = zsys_sprintf ("%s is not the key of this voting.db (the fingerprint differs); "
                               "the votes cannot be checked with it", path);
        return -1;
    }
    return 0;
}

//  Reads (or, for a voting.db that may have a new one, makes) the key at
//  path for a store at schema version, and checks it against the store.
static int
s_open (wsis_store_t *store, int version, const char *path, voting_keys_t *keys, char **error)
{
    unsigned char old [VOTING_KEY_HALF] = { 0 };
    unsigned char file [VOTING_KEY_SIZE] = { 0 };
    int found = version == 1? voting_store_old_secret (store, old): 1;
    if (found < 0) {
        *error = zsys_sprintf ("voting.db: cannot read its receipt secret");
        return -1;
    }
    int rc = -1;
    struct stat info;
    if (stat (path, &info) && errno == ENOENT) {
        //  A new key for a voting.db with votes would let everyone vote
        //  again: refuse, rather than make one.
        if (version >= 2) {
            *error = zsys_sprintf ("%s is missing; the votes cannot be checked without it "
                                   "(restore it from a backup: a new key would let everyone "
                                   "vote again)", path);
            goto cleanup;
        }
        if (s_make (path, old, found == 0, error))
            goto cleanup;
    }
    if (wsis_secret_read (path, file, sizeof file, error))
        goto cleanup;
    voting_key_derive (keys, file);
    rc = s_check (store, version, path, keys, file, old, found == 0, error);

cleanup:
    sodium_memzero (file, sizeof file);
    sodium_memzero (old, sizeof old);
    return rc;
}

int
voting_keyfile_prepare (wsis_store_t *store, const char *path, voting_keys_t *keys,
                        int *version, char **error)
{
    *error = NULL;
    *version = voting_store_version (store);
    int rc = s_open (store, *version, path, keys, error);
    if (rc == 0)
        rc = voting_store_prepare (store, keys);
    if (rc && !*error)
        *error = zsys_sprintf ("voting.db: cannot prepare its migrations");
    return rc;
}

int
voting_keyfile_migrated (wsis_store_t *store, int version)
{
    if (version != 1)
        return 0;
    //  Until a checkpoint, the file still has the pages the migration
    //  overwrote in the WAL: move them into the file, and empty the WAL,
    //  which may hold older copies of them too.
    if (voting_store_checkpoint (store))
        return -1;
    wsis_log_notice ("voting: voting.db migrated: the receipt secret moved to the key file, "
                     "the vote log keyed by pseudonyms");
    return 0;
}
