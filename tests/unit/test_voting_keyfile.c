/*  test_voting_keyfile: the voting key file against voting.db, and the
    migration that moved the receipt secret out of voting.db.

    A store is started here the way wsis-voting starts it: opened without
    its schema, voting_keyfile_prepare, the migrations, then
    voting_keyfile_migrated. The rules under test are those that keep a
    vote from being cast twice or a receipt from failing: only a voting.db
    without votes gets a new key; a key that is missing, another one, or
    readable by others stops the start, with one line naming the file; a
    voting.db of version 1 (the receipt secret in table secret, the log
    keyed by voter_no) becomes one whose log names voters by pseudonym,
    whose old receipts keep verifying, and whose file and WAL hold neither
    the secret nor a voter_no of the log any more.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "test_support.h"
#include "voting.h"
#include "wsis_secret.h"

extern const char voting_schema_sql [];

typedef struct {
    char dir [64];
    char db [128];
    char key [160];
    wsis_store_t *store;
    voting_keys_t keys;
} fixture_t;

static int
s_setup (void **state)
{
    if (sodium_init () < 0)
        return -1;
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self || test_tempdir_make (self->dir, sizeof self->dir, "test_voting_keyfile")) {
        free (self);
        return -1;
    }
    snprintf (self->db, sizeof self->db, "%s/voting.db", self->dir);
    snprintf (self->key, sizeof self->key, "%s/voting.key", self->dir);
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    wsis_store_destroy (&self->store);
    char path [256];
    snprintf (path, sizeof path, "%s/keys/secret/voting.key", self->dir);
    unlink (path);
    snprintf (path, sizeof path, "%s/keys/secret", self->dir);
    rmdir (path);
    snprintf (path, sizeof path, "%s/keys", self->dir);
    rmdir (path);
    int rc = test_tempdir_remove (self->dir);
    free (self);
    return rc;
}

//  Starts the store as the service does; -1 with *error when the key is
//  refused (the store is then closed).
static int
s_start (fixture_t *self, char **error)
{
    wsis_store_destroy (&self->store);
    self->store = wsis_store_open (self->db, NULL, error);
    assert_non_null (self->store);
    int version;
    if (voting_keyfile_prepare (self->store, self->key, &self->keys, &version, error)) {
        assert_non_null (*error);
        wsis_store_destroy (&self->store);
        return -1;
    }
    assert_int_equal (wsis_store_migrate (self->store, voting_schema_sql, error), 0);
    assert_int_equal (voting_keyfile_migrated (self->store, version), 0);
    return 0;
}

static void
s_start_ok (fixture_t *self)
{
    char *error = NULL;
    if (s_start (self, &error)) {
        print_error ("refused: %s\n", error);
        fail ();
    }
}

//  Starts and expects a refusal: one line that names the file and says
//  why (each of words)
static void
s_start_refused (fixture_t *self, const char *file, const char *why)
{
    char *error = NULL;
    assert_int_equal (s_start (self, &error), -1);
    assert_non_null (strstr (error, file));
    if (!strstr (error, why)) {
        print_error ("'%s' does not say '%s'\n", error, why);
        fail ();
    }
    assert_null (strchr (error, '\n'));
    free (error);
}

static void
s_read (const char *path, unsigned char *data, size_t size)
{
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    assert_int_equal (fread (data, 1, size, file), size);
    assert_int_equal (fgetc (file), EOF);
    fclose (file);
}

static void
s_write_key (const char *path, const unsigned char *data, size_t size)
{
    char *error = NULL;
    unlink (path);
    assert_int_equal (wsis_secret_create (path, data, size, &error), 0);
}

//  The keys started with are those of the file's bytes, and the file still
//  holds them
static void
s_expect_key (fixture_t *self, const unsigned char file [VOTING_KEY_SIZE])
{
    voting_keys_t expected;
    voting_key_derive (&expected, file);
    assert_memory_equal (self->keys.check, expected.check, VOTING_MAC_SIZE);
    unsigned char kept [VOTING_KEY_SIZE];
    s_read (self->key, kept, sizeof kept);
    assert_memory_equal (kept, file, VOTING_KEY_SIZE);
}

static int64_t
s_int (fixture_t *self, const char *sql)
{
    return wsis_store_int (self->store, sql, -1);
}

//  Whether bytes occur in the store's file or its WAL
static bool
s_on_disk (fixture_t *self, const void *bytes, size_t size)
{
    const char *suffixes [] = { "", "-wal" };
    for (int i = 0; i < 2; i++) {
        char path [160];
        snprintf (path, sizeof path, "%s%s", self->db, suffixes [i]);
        FILE *file = fopen (path, "rb");
        if (!file)
            continue;
        static unsigned char content [1 << 20];
        size_t got = fread (content, 1, sizeof content, file);
        assert_true (got < sizeof content);
        fclose (file);
        if (memmem (content, got, bytes, size))
            return true;
    }
    return false;
}

//  --------------------------------------------------------------------------

static void
test_path (void **state)
{
    unsetenv ("WSIS_KEYS");
    unsetenv ("WSIS_VOTING_KEY");
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (NULL, &error);
    assert_non_null (config);
    assert_int_equal (wsis_config_set (config, "wsis/data_dir", "/srv/wsis", &error), 0);
    char *path = voting_keyfile_path (config);
    assert_string_equal (path, "/srv/wsis/voting.key");
    free (path);
    //  With the deployment's CURVE keys, beside them
    assert_int_equal (wsis_config_set (config, "wsis/keys", "/etc/wsis/keys", &error), 0);
    path = voting_keyfile_path (config);
    assert_string_equal (path, "/etc/wsis/keys/secret/voting.key");
    free (path);
    //  Named, wherever it is
    assert_int_equal (wsis_config_set (config, "voting/key_file", "/run/secrets/vk", &error), 0);
    path = voting_keyfile_path (config);
    assert_string_equal (path, "/run/secrets/vk");
    free (path);
    wsis_config_destroy (&config);
}

static void
test_a_new_store_makes_its_key (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  In the secret/ folder of a keys folder that has none yet
    char keys [128];
    snprintf (keys, sizeof keys, "%s/keys", self->dir);
    assert_int_equal (mkdir (keys, 0755), 0);
    snprintf (self->key, sizeof self->key, "%s/secret/voting.key", keys);

    mode_t umask_before = umask (022);
    s_start_ok (self);
    umask (umask_before);
    struct stat info;
    assert_int_equal (stat (self->key, &info), 0);
    assert_int_equal (info.st_mode & 07777, 0600);
    assert_int_equal (info.st_size, VOTING_KEY_SIZE);
    snprintf (keys, sizeof keys, "%s/keys/secret", self->dir);
    assert_int_equal (stat (keys, &info), 0);
    assert_int_equal (info.st_mode & 07777, 0700);

    //  The keys are the file's, and voting.db has their fingerprint only
    unsigned char file [VOTING_KEY_SIZE];
    s_read (self->key, file, sizeof file);
    s_expect_key (self, file);
    assert_int_equal (s_int (self, "PRAGMA user_version"), 3);
    assert_int_equal (s_int (self, "SELECT count(*) FROM key_check"), 1);
    wsis_store_destroy (&self->store);
    assert_false (s_on_disk (self, file, VOTING_KEY_HALF));
    assert_false (s_on_disk (self, file + VOTING_KEY_HALF, VOTING_KEY_HALF));
    assert_true (s_on_disk (self, self->keys.check, VOTING_MAC_SIZE));

    //  Started again, the same key
    s_start_ok (self);
    s_expect_key (self, file);
}

static void
test_a_new_store_takes_the_key_there (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    unsigned char file [VOTING_KEY_SIZE];
    randombytes_buf (file, sizeof file);
    s_write_key (self->key, file, sizeof file);
    s_start_ok (self);
    s_expect_key (self, file);
}

static void
test_a_missing_key_is_not_made_again (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_start_ok (self);
    wsis_store_destroy (&self->store);
    assert_int_equal (unlink (self->key), 0);
    s_start_refused (self, self->key, "is missing; the votes cannot be checked without it");
    struct stat info;
    assert_int_equal (stat (self->key, &info), -1);
}

static void
test_another_key_is_refused (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_start_ok (self);
    unsigned char file [VOTING_KEY_SIZE];
    s_read (self->key, file, sizeof file);
    wsis_store_destroy (&self->store);

    //  Either half changed is another key
    for (size_t i = 0; i < VOTING_KEY_SIZE; i += VOTING_KEY_HALF) {
        file [i] ^= 1;
        s_write_key (self->key, file, sizeof file);
        s_start_refused (self, self->key, "is not the key of this voting.db");
        file [i] ^= 1;
    }
    //  A file of another size is no key at all
    s_write_key (self->key, file, VOTING_KEY_HALF);
    s_start_refused (self, self->key, "exactly 64 bytes");
    s_write_key (self->key, file, sizeof file);
    s_start_ok (self);
}

static void
test_a_key_open_to_others_is_refused (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_start_ok (self);
    wsis_store_destroy (&self->store);
    assert_int_equal (chmod (self->key, 0644), 0);
    s_start_refused (self, self->key, "mode 0644");
    //  Not even a new store takes it
    assert_int_equal (unlink (self->db), 0);
    char wal [160];
    snprintf (wal, sizeof wal, "%s-wal", self->db);
    unlink (wal);
    s_start_refused (self, self->key, "mode 0644");
    assert_int_equal (chmod (self->key, 0600), 0);
    s_start_ok (self);
}

//  --------------------------------------------------------------------------
//  A voting.db of version 1, as the code before the key file left it

static const unsigned char s_old_secret [VOTING_KEY_HALF] = {
    0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0x90,
    0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0
};

//  The votes of the old log: vote_no, voter, candidate, request hash
typedef struct {
    int vote_no;
    const char *voter;
    int candidate_no;
    const char *category;
    const char *submission_id;
    uint64_t request;
} old_vote_t;

static const old_vote_t s_old_votes [] = {
    { 1, "stk-1", 1, "C1", "sub-C1-1", UINT64_C (0x1111111111111111) },
    { 2, "stk-2", 1, "C1", "sub-C1-1", UINT64_C (0xf222222222222222) },
    { 3, "stk-1", 3, "C2", "sub-C2-1", UINT64_C (0x3333333333333333) },
    { 4, "stk-10", 2, "C1", "sub-C1-2", UINT64_C (0x4444444444444444) },
};
#define OLD_VOTES (sizeof s_old_votes / sizeof s_old_votes [0])

static void
s_exec (wsis_store_t *store, const char *sql)
{
    assert_int_equal (wsis_store_exec (store, sql), 0);
}

static void
s_make_version_1 (fixture_t *self)
{
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (self->db, NULL, &error);
    assert_non_null (store);
    const char *cut = strstr (voting_schema_sql, "-- version 2");
    assert_non_null (cut);
    char *version_1 = strndup (voting_schema_sql, (size_t) (cut - voting_schema_sql));
    assert_int_equal (wsis_store_migrate (store, version_1, &error), 0);
    free (version_1);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", 0), 1);

    sqlite3_stmt *stmt = NULL;
    assert_int_equal (sqlite3_prepare_v2 (wsis_store_db (store),
        "INSERT INTO secret (id, key) VALUES (1, ?)", -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_blob (stmt, 1, s_old_secret, sizeof s_old_secret, SQLITE_STATIC);
    assert_int_equal (sqlite3_step (stmt), SQLITE_DONE);
    sqlite3_finalize (stmt);
    s_exec (store,
        "INSERT INTO voter (voter_no, stakeholder_id) VALUES (1, 'stk-1'), (2, 'stk-2'), (3, 'stk-10');"
        "INSERT INTO candidate (candidate_no, call, category, submission_id, position) VALUES"
        "  (1, 'prizes-2022', 'C1', 'sub-C1-1', 0), (2, 'prizes-2022', 'C1', 'sub-C1-2', 1),"
        "  (3, 'prizes-2022', 'C2', 'sub-C2-1', 0);");
    assert_int_equal (sqlite3_prepare_v2 (wsis_store_db (store),
        "INSERT INTO vote (vote_no, voter_no, candidate_no, request)"
        " VALUES (?, (SELECT voter_no FROM voter WHERE stakeholder_id = ?), ?, ?)",
        -1, &stmt, NULL), SQLITE_OK);
    for (size_t i = 0; i < OLD_VOTES; i++) {
        sqlite3_bind_int (stmt, 1, s_old_votes [i].vote_no);
        sqlite3_bind_text (stmt, 2, s_old_votes [i].voter, -1, SQLITE_STATIC);
        sqlite3_bind_int (stmt, 3, s_old_votes [i].candidate_no);
        sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) s_old_votes [i].request);
        assert_int_equal (sqlite3_step (stmt), SQLITE_DONE);
        sqlite3_reset (stmt);
    }
    sqlite3_finalize (stmt);
    wsis_store_destroy (&store);
    assert_true (s_on_disk (self, s_old_secret, sizeof s_old_secret));
}

//  The receipt the old code gave: HMAC-SHA256 (secret, call \0 category
//  \0 submission_id \0 voter_id), made here without the code under test
static void
s_old_receipt (const old_vote_t *vote, unsigned char mac [VOTING_MAC_SIZE])
{
    char text [128];
    int len = snprintf (text, sizeof text, "prizes-2022%c%s%c%s%c%s", 0, vote->category, 0,
                        vote->submission_id, 0, vote->voter);
    crypto_auth_hmacsha256 (mac, (const unsigned char *) text, (size_t) len, s_old_secret);
}

static void
test_version_1_is_migrated (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_make_version_1 (self);
    s_start_ok (self);

    //  The key file holds the old secret as its receipt key
    unsigned char file [VOTING_KEY_SIZE];
    s_read (self->key, file, sizeof file);
    assert_memory_equal (file + VOTING_KEY_HALF, s_old_secret, sizeof s_old_secret);

    //  No secret, no voter_no in the log; the voters stay (who may vote)
    assert_int_equal (s_int (self, "PRAGMA user_version"), 3);
    assert_int_equal (s_int (self, "SELECT count(*) FROM sqlite_schema WHERE name = 'secret'"), 0);
    assert_int_equal (s_int (self, "SELECT count(*) FROM pragma_table_info ('vote')"
                                   " WHERE name NOT IN ('vote_no', 'pseudonym', 'candidate_no',"
                                   " 'request', 'receipt')"), 0);
    assert_int_equal (s_int (self, "SELECT count(*) FROM voter"), 3);
    assert_int_equal (s_int (self, "SELECT count(*) FROM vote"), OLD_VOTES);

    //  Every vote: its voter's pseudonym, its request keyed, and the
    //  receipt it was given
    sqlite3_stmt *stmt = NULL;
    assert_int_equal (sqlite3_prepare_v2 (wsis_store_db (self->store),
        "SELECT vote_no, pseudonym, candidate_no, request, receipt FROM vote ORDER BY vote_no",
        -1, &stmt, NULL), SQLITE_OK);
    for (size_t i = 0; i < OLD_VOTES; i++) {
        const old_vote_t *vote = &s_old_votes [i];
        assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
        assert_int_equal (sqlite3_column_int (stmt, 0), vote->vote_no);
        unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
        voting_key_pseudonym (&self->keys, vote->voter, strlen (vote->voter), pseudonym);
        assert_int_equal (sqlite3_column_bytes (stmt, 1), VOTING_PSEUDONYM_SIZE);
        assert_memory_equal (sqlite3_column_blob (stmt, 1), pseudonym, sizeof pseudonym);
        assert_int_equal (sqlite3_column_int (stmt, 2), vote->candidate_no);
        assert_true ((uint64_t) sqlite3_column_int64 (stmt, 3)
                     == voting_key_request (&self->keys, vote->request));
        unsigned char mac [VOTING_MAC_SIZE];
        s_old_receipt (vote, mac);
        assert_int_equal (sqlite3_column_bytes (stmt, 4), VOTING_MAC_SIZE);
        assert_memory_equal (sqlite3_column_blob (stmt, 4), mac, sizeof mac);
    }
    assert_int_equal (sqlite3_step (stmt), SQLITE_DONE);
    sqlite3_finalize (stmt);

    //  And the store reads them so
    voting_store_vote_t row;
    assert_int_equal (voting_store_vote_get (self->store, 3, &row), 0);
    assert_true (row.has_receipt);
    assert_int_equal (row.candidate_no, 3);
    assert_int_equal (voting_store_vote_get (self->store, 5, &row), 1);

    //  Neither the secret nor the key is left in the file or its WAL,
    //  while the service runs and after
    for (int closed = 0; closed < 2; closed++) {
        if (closed)
            wsis_store_destroy (&self->store);
        assert_false (s_on_disk (self, s_old_secret, sizeof s_old_secret));
        assert_false (s_on_disk (self, s_old_secret, 8));
        assert_false (s_on_disk (self, file, VOTING_KEY_HALF));
    }

    //  Later starts check the key as for any store of version 2
    s_start_ok (self);
    wsis_store_destroy (&self->store);
    assert_int_equal (unlink (self->key), 0);
    s_start_refused (self, self->key, "is missing");
}

static void
test_version_1_with_a_key_file_there (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_make_version_1 (self);
    //  Another installation's key: refused, voting.db not migrated
    unsigned char file [VOTING_KEY_SIZE];
    randombytes_buf (file, sizeof file);
    s_write_key (self->key, file, sizeof file);
    s_start_refused (self, self->key, "does not hold the receipt key of this voting.db");
    wsis_store_t *store = NULL;
    char *error = NULL;
    store = wsis_store_open (self->db, NULL, &error);
    assert_int_equal (wsis_store_int (store, "PRAGMA user_version", 0), 1);
    wsis_store_destroy (&store);

    //  The one a start made before it stopped short of migrating: taken
    memcpy (file + VOTING_KEY_HALF, s_old_secret, sizeof s_old_secret);
    s_write_key (self->key, file, sizeof file);
    s_start_ok (self);
    s_expect_key (self, file);
    assert_int_equal (s_int (self, "PRAGMA user_version"), 3);
}

//  Every test but test_path gets a temp folder of its own
#define WITH_FOLDER(test) cmocka_unit_test_setup_teardown (test, s_setup, s_teardown)

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_path),
        WITH_FOLDER (test_a_new_store_makes_its_key),
        WITH_FOLDER (test_a_new_store_takes_the_key_there),
        WITH_FOLDER (test_a_missing_key_is_not_made_again),
        WITH_FOLDER (test_another_key_is_refused),
        WITH_FOLDER (test_a_key_open_to_others_is_refused),
        WITH_FOLDER (test_version_1_is_migrated),
        WITH_FOLDER (test_version_1_with_a_key_file_there),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
