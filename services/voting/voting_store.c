/*  voting_store: every SQL statement of wsis-voting.

    The hot path writes one row at the end of the vote log and bumps one
    candidate row (a page that stays in the cache and is dirtied once per
    batch); nothing it writes lands on a random index page.
*/
#include "voting.h"
#include "wsis_log.h"

#include <string.h>

int
voting_store_version (wsis_store_t *store)
{
    return (int) wsis_store_int (store, "PRAGMA user_version", 0);
}

//  A blob of exactly size bytes from the first row of sql: 0 found, 1
//  none, -1 failure (or a blob of another size: damaged).
static int
s_blob (wsis_store_t *store, const char *sql, void *out, size_t size)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, sql);
    if (!stmt)
        return -1;
    int rc = wsis_store_row (store, stmt);
    if (rc == 1 && (size_t) sqlite3_column_bytes (stmt, 0) != size) {
        wsis_log_error ("voting store: %s: not %zu bytes", sql, size);
        rc = -1;
    }
    if (rc == 1)
        memcpy (out, sqlite3_column_blob (stmt, 0), size);
    return wsis_store_done (stmt, rc < 0? -1: rc == 1? 0: 1);
}

int
voting_store_old_secret (wsis_store_t *store, unsigned char secret [VOTING_KEY_HALF])
{
    return s_blob (store, "SELECT key FROM secret WHERE id = 1", secret, VOTING_KEY_HALF);
}

int
voting_store_key_check (wsis_store_t *store, unsigned char check [VOTING_MAC_SIZE])
{
    return s_blob (store, "SELECT fingerprint FROM key_check WHERE id = 1", check, VOTING_MAC_SIZE);
}

//  -------------------------------------------------------------------------
//  The SQL functions of the migration to version 2 (schema.sql): the keys
//  are the function's user data. A NULL argument gives NULL, which the
//  migration's NOT NULL columns refuse: a vote without its voter row
//  stops the migration rather than vanish.

static const unsigned char *
s_text (sqlite3_value *value, size_t *len)
{
    const unsigned char *text = sqlite3_value_text (value);
    *len = text? (size_t) sqlite3_value_bytes (value): 0;
    return text;
}

static void
s_fn_pseudonym (sqlite3_context *context, int argc, sqlite3_value **argv)
{
    size_t len;
    const unsigned char *voter_id = s_text (argv [0], &len);
    if (!voter_id) {
        sqlite3_result_null (context);
        return;
    }
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    voting_key_pseudonym ((const voting_keys_t *) sqlite3_user_data (context),
                          (const char *) voter_id, len, pseudonym);
    sqlite3_result_blob (context, pseudonym, sizeof pseudonym, SQLITE_TRANSIENT);
}

static void
s_fn_request (sqlite3_context *context, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type (argv [0]) == SQLITE_NULL) {
        sqlite3_result_null (context);
        return;
    }
    uint64_t hash = (uint64_t) sqlite3_value_int64 (argv [0]);
    uint64_t keyed = voting_key_request ((const voting_keys_t *) sqlite3_user_data (context), hash);
    sqlite3_result_int64 (context, (sqlite3_int64) keyed);
}

//  voting_receipt_mac (call, category, submission_id, voter_id): the HMAC
//  of the receipt a vote got before version 2.
static void
s_fn_receipt_mac (sqlite3_context *context, int argc, sqlite3_value **argv)
{
    size_t lens [4];
    const unsigned char *texts [4];
    for (int i = 0; i < 4; i++)
        if (!(texts [i] = s_text (argv [i], &lens [i]))) {
            sqlite3_result_null (context);
            return;
        }
    const voting_keys_t *keys = (const voting_keys_t *) sqlite3_user_data (context);
    unsigned char mac [VOTING_MAC_SIZE];
    voting_receipt_mac (&keys->receipt, (const char *) texts [0], (const char *) texts [1],
                        (const char *) texts [2], lens [2], texts [3], lens [3], mac);
    sqlite3_result_blob (context, mac, sizeof mac, SQLITE_TRANSIENT);
}

static void
s_fn_key_check (sqlite3_context *context, int argc, sqlite3_value **argv)
{
    const voting_keys_t *keys = (const voting_keys_t *) sqlite3_user_data (context);
    sqlite3_result_blob (context, keys->check, VOTING_MAC_SIZE, SQLITE_TRANSIENT);
}

int
voting_store_prepare (wsis_store_t *store, const voting_keys_t *keys)
{
    //  What is deleted (by the migration: the receipt secret, the voter
    //  numbers of the log) is overwritten, not left in free pages. Most
    //  builds of SQLite do so by default, not all.
    if (wsis_store_exec (store, "PRAGMA secure_delete = ON"))
        return -1;
    static const struct {
        const char *name;
        int args;
        void (*fn) (sqlite3_context *, int, sqlite3_value **);
    } functions [] = {
        { "voting_pseudonym", 1, s_fn_pseudonym },
        { "voting_request", 1, s_fn_request },
        { "voting_receipt_mac", 4, s_fn_receipt_mac },
        { "voting_key_check", 0, s_fn_key_check },
    };
    //  DIRECTONLY: callable from the service's own SQL, never from a
    //  trigger or view someone put in the file.
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
    for (size_t i = 0; i < sizeof functions / sizeof functions [0]; i++)
        if (sqlite3_create_function (wsis_store_db (store), functions [i].name, functions [i].args,
                                     flags, (void *) keys, functions [i].fn, NULL, NULL) != SQLITE_OK) {
            wsis_log_error ("voting store: cannot add the function %s: %s", functions [i].name,
                            sqlite3_errmsg (wsis_store_db (store)));
            return -1;
        }
    return 0;
}

int
voting_store_checkpoint (wsis_store_t *store)
{
    return wsis_store_exec (store, "PRAGMA wal_checkpoint (TRUNCATE)");
}

int
voting_store_voter_add (wsis_store_t *store, uint32_t voter_no, const char *id, size_t len)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO voter (voter_no, stakeholder_id) VALUES (?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, voter_no);
    wsis_store_bind_textn (stmt, 2, id, len);
    return wsis_store_run (store, stmt);
}

int
voting_store_voters_each (wsis_store_t *store,
                          int (*fn) (void *arg, uint32_t voter_no, const char *id, size_t len),
                          void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT voter_no, stakeholder_id FROM voter ORDER BY voter_no");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        if (fn (arg, (uint32_t) sqlite3_column_int64 (stmt, 0),
                wsis_store_text (stmt, 1),
                (size_t) sqlite3_column_bytes (stmt, 1)))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}

int
voting_store_poll_published (wsis_store_t *store, const char *call, int64_t ts)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO poll (call, published_at) VALUES (?1, ?2)"
        " ON CONFLICT (call) DO UPDATE SET published_at = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    sqlite3_bind_int64 (stmt, 2, ts);
    return wsis_store_run (store, stmt);
}

int
voting_store_poll_closed (wsis_store_t *store, const char *call, int64_t ts, const char *by,
                          const void *result, size_t size)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO poll (call, closed_at, closed_by, result) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (call) DO UPDATE SET closed_at = ?2, closed_by = ?3, result = ?4");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    sqlite3_bind_int64 (stmt, 2, ts);
    wsis_store_bind_text (stmt, 3, by);
    sqlite3_bind_blob (stmt, 4, result, (int) size, SQLITE_STATIC);
    return wsis_store_run (store, stmt);
}

int
voting_store_polls_each (wsis_store_t *store,
                         int (*fn) (void *arg, const char *call, bool published, bool closed),
                         void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT call, published_at IS NOT NULL, closed_at IS NOT NULL FROM poll");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        if (fn (arg, wsis_store_text (stmt, 0),
                sqlite3_column_int (stmt, 1) != 0, sqlite3_column_int (stmt, 2) != 0))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}

int
voting_store_candidate_add (wsis_store_t *store, const char *call, const char *category,
                            const char *submission_id, uint32_t position, int64_t *candidate_no)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO candidate (call, category, submission_id, position) VALUES (?, ?, ?, ?)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    wsis_store_bind_text (stmt, 3, submission_id);
    sqlite3_bind_int64 (stmt, 4, position);
    if (wsis_store_run (store, stmt))
        return -1;
    *candidate_no = sqlite3_last_insert_rowid (wsis_store_db (store));
    return 0;
}

int
voting_store_candidates_each (wsis_store_t *store,
                              int (*fn) (void *arg, const voting_store_candidate_t *row),
                              void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT candidate_no, call, category, submission_id, position"
        " FROM candidate ORDER BY candidate_no");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        voting_store_candidate_t row = {
            .candidate_no = sqlite3_column_int64 (stmt, 0),
            .call = wsis_store_text (stmt, 1),
            .category = wsis_store_text (stmt, 2),
            .submission_id = wsis_store_text (stmt, 3),
            .position = (uint32_t) sqlite3_column_int64 (stmt, 4),
        };
        if (fn (arg, &row))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}

int
voting_store_vote_add (wsis_store_t *store, uint64_t vote_no,
                       const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE],
                       int64_t candidate_no, uint64_t request)
{
    //  vote_no is the last one plus one: the row goes at the end of the
    //  table's B-tree, the cheapest insert SQLite has.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO vote (vote_no, pseudonym, candidate_no, request) VALUES (?, ?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    sqlite3_bind_blob (stmt, 2, pseudonym, VOTING_PSEUDONYM_SIZE, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, candidate_no);
    sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) request);
    return wsis_store_run (store, stmt);
}

int
voting_store_vote_get (wsis_store_t *store, uint64_t vote_no, voting_store_vote_t *row)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT pseudonym, candidate_no, request, receipt FROM vote WHERE vote_no = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1) {
        int receipt_size = sqlite3_column_bytes (stmt, 3);
        row->has_receipt = sqlite3_column_type (stmt, 3) != SQLITE_NULL;
        if (sqlite3_column_bytes (stmt, 0) != VOTING_PSEUDONYM_SIZE
        ||  (row->has_receipt && receipt_size != VOTING_MAC_SIZE)) {
            wsis_log_error ("voting store: vote %llu is damaged", (unsigned long long) vote_no);
            return wsis_store_done (stmt, -1);
        }
        memcpy (row->pseudonym, sqlite3_column_blob (stmt, 0), VOTING_PSEUDONYM_SIZE);
        row->candidate_no = sqlite3_column_int64 (stmt, 1);
        row->request = (uint64_t) sqlite3_column_int64 (stmt, 2);
        if (row->has_receipt)
            memcpy (row->receipt, sqlite3_column_blob (stmt, 3), VOTING_MAC_SIZE);
    }
    //  0 found, 1 not found (voting.h): the other way round from the row.
    return wsis_store_done (stmt, rc < 0? -1: rc == 1? 0: 1);
}

int64_t
voting_store_last_vote_no (wsis_store_t *store)
{
    return wsis_store_int (store, "SELECT coalesce (max (vote_no), 0) FROM vote", 0);
}

int64_t
voting_store_last_voter_no (wsis_store_t *store)
{
    return wsis_store_int (store, "SELECT coalesce (max (voter_no), 0) FROM voter", 0);
}

int
voting_store_votes_each (wsis_store_t *store,
                         int (*fn) (void *arg, uint64_t vote_no,
                                    const unsigned char *pseudonym, size_t size,
                                    int64_t candidate_no),
                         void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT vote_no, pseudonym, candidate_no FROM vote ORDER BY vote_no");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        if (fn (arg, (uint64_t) sqlite3_column_int64 (stmt, 0),
                (const unsigned char *) sqlite3_column_blob (stmt, 1),
                (size_t) sqlite3_column_bytes (stmt, 1), sqlite3_column_int64 (stmt, 2)))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}
