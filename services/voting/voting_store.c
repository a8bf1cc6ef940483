/*  voting_store: every SQL statement of wsis-voting.

    The hot path writes one row at the end of the vote log and bumps one
    candidate row (a page that stays in the cache and is dirtied once per
    batch); nothing it writes lands on a random index page.
*/
#include "voting.h"
#include "wsis_log.h"

#include <string.h>

//  The receipt secret, made at first start (its own transaction: start
//  runs before the loop, outside any batch).
int
voting_store_secret (wsis_store_t *store, unsigned char secret [VOTING_SECRET_SIZE])
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT key FROM secret WHERE id = 1");
    if (!stmt)
        return -1;
    int rc = wsis_store_row (store, stmt);
    if (rc == 1 && sqlite3_column_bytes (stmt, 0) == VOTING_SECRET_SIZE) {
        memcpy (secret, sqlite3_column_blob (stmt, 0), VOTING_SECRET_SIZE);
        sqlite3_reset (stmt);
        return 0;
    }
    sqlite3_reset (stmt);
    if (rc == 1) {
        wsis_log_error ("voting store: the receipt secret is damaged");
        return -1;
    }
    if (rc < 0)
        return -1;

    voting_receipt_new_secret (secret);
    if (wsis_store_begin (store))
        return -1;
    stmt = wsis_store_stmt (store, "INSERT INTO secret (id, key) VALUES (1, ?)");
    if (!stmt) {
        wsis_store_rollback (store);
        return -1;
    }
    sqlite3_bind_blob (stmt, 1, secret, VOTING_SECRET_SIZE, SQLITE_STATIC);
    if (wsis_store_run (store, stmt)) {
        wsis_store_rollback (store);
        return -1;
    }
    return wsis_store_commit (store);
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
        "SELECT candidate_no, call, category, submission_id, position,"
        " votes_cast, last_cast, votes_complete, last_complete"
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
            .votes_cast = (uint64_t) sqlite3_column_int64 (stmt, 5),
            .last_cast = (uint64_t) sqlite3_column_int64 (stmt, 6),
            .votes_complete = (uint64_t) sqlite3_column_int64 (stmt, 7),
            .last_complete = (uint64_t) sqlite3_column_int64 (stmt, 8),
        };
        if (fn (arg, &row))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}

int
voting_store_count_cast (wsis_store_t *store, int64_t candidate_no, uint64_t vote_no)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE candidate SET votes_cast = votes_cast + 1, last_cast = ?"
        " WHERE candidate_no = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    sqlite3_bind_int64 (stmt, 2, candidate_no);
    return wsis_store_run (store, stmt);
}

int
voting_store_count_complete (wsis_store_t *store, int64_t candidate_no, uint64_t vote_no)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE candidate SET votes_complete = votes_complete + 1, last_complete = ?"
        " WHERE candidate_no = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    sqlite3_bind_int64 (stmt, 2, candidate_no);
    return wsis_store_run (store, stmt);
}

int
voting_store_counts_set (wsis_store_t *store, const voting_candidate_t *candidate)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE candidate SET votes_cast = ?, last_cast = ?, votes_complete = ?, last_complete = ?"
        " WHERE candidate_no = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) candidate->votes_cast);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) candidate->last_cast);
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) candidate->votes_complete);
    sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) candidate->last_complete);
    sqlite3_bind_int64 (stmt, 5, candidate->candidate_no);
    return wsis_store_run (store, stmt);
}

int
voting_store_vote_add (wsis_store_t *store, uint64_t vote_no, uint32_t voter_no,
                       int64_t candidate_no, uint64_t request)
{
    //  vote_no is the last one plus one: the row goes at the end of the
    //  table's B-tree, the cheapest insert SQLite has.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO vote (vote_no, voter_no, candidate_no, request) VALUES (?, ?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    sqlite3_bind_int64 (stmt, 2, voter_no);
    sqlite3_bind_int64 (stmt, 3, candidate_no);
    sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) request);
    return wsis_store_run (store, stmt);
}

int
voting_store_vote_get (wsis_store_t *store, uint64_t vote_no, uint32_t *voter_no,
                       int64_t *candidate_no, uint64_t *request)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT voter_no, candidate_no, request FROM vote WHERE vote_no = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) vote_no);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1) {
        *voter_no = (uint32_t) sqlite3_column_int64 (stmt, 0);
        *candidate_no = sqlite3_column_int64 (stmt, 1);
        *request = (uint64_t) sqlite3_column_int64 (stmt, 2);
    }
    //  0 found, 1 not found (voting.h): the other way round from the row.
    return wsis_store_done (stmt, rc < 0? -1: rc == 1? 0: 1);
}

int
voting_store_votes_each (wsis_store_t *store,
                         int (*fn) (void *arg, uint64_t vote_no, uint32_t voter_no,
                                    int64_t candidate_no),
                         void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT vote_no, voter_no, candidate_no FROM vote ORDER BY vote_no");
    if (!stmt)
        return -1;
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        if (fn (arg, (uint64_t) sqlite3_column_int64 (stmt, 0),
                (uint32_t) sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2)))
            return wsis_store_done (stmt, -1);
    }
    return wsis_store_done (stmt, rc);
}
