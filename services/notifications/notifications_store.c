/*  notifications_store: every SQL statement of wsis-notifications.

    Notifications are found by status and due through one index
    (status, due, rank, key), which is also the order they go out in; a
    reminder that is due is found by that index when the clock has passed
    the earliest due the service keeps in memory, never by polling.
*/
#include "notifications.h"

#include <string.h>

//  A notification ready whose message was never handed to a channel: it
//  has reached nobody, and the calendar may still remake or drop it.
#define UNHANDED "(status = 'ready' AND handed = 0)"

//  The columns every read of a notification selects, in notify_row_t order.
#define ROW_COLUMNS \
    "key, kind, call, phase, moment, due, expires, rank, channel, recipient," \
    " recipient_name, vars, unsubscribe_token, status, late, attempts, next_attempt," \
    " last_error, created_at, sent_at"

static void
s_read_row (sqlite3_stmt *stmt, notify_row_t *row)
{
    memset (row, 0, sizeof *row);
    row->key = wsis_store_text (stmt, 0);
    row->kind = wsis_store_text (stmt, 1);
    row->call = wsis_store_text (stmt, 2);
    row->phase = wsis_store_text (stmt, 3);
    row->moment = wsis_store_text (stmt, 4);
    row->due = sqlite3_column_int64 (stmt, 5);
    row->expires = sqlite3_column_type (stmt, 6) == SQLITE_NULL?
                   INT64_MAX: sqlite3_column_int64 (stmt, 6);
    row->rank = sqlite3_column_int64 (stmt, 7);
    row->channel = wsis_store_text (stmt, 8);
    row->recipient = wsis_store_text (stmt, 9);
    row->recipient_name = wsis_store_text (stmt, 10);
    row->vars = sqlite3_column_blob (stmt, 11);
    row->vars_size = (size_t) sqlite3_column_bytes (stmt, 11);
    row->unsubscribe_token = wsis_store_text (stmt, 12);
    row->status = wsis_store_text (stmt, 13);
    row->late = sqlite3_column_int (stmt, 14) != 0;
    row->attempts = sqlite3_column_int64 (stmt, 15);
    row->next_attempt = sqlite3_column_int64 (stmt, 16);
    row->last_error = wsis_store_text (stmt, 17);
    row->created_at = sqlite3_column_int64 (stmt, 18);
    row->sent_at = sqlite3_column_int64 (stmt, 19);
}

//  Steps a query of rows through fn; the count, or -1 (a store failure,
//  or fn asked to stop).
static int
s_each_row (wsis_store_t *store, sqlite3_stmt *stmt, notify_row_fn *fn, void *arg)
{
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        notify_row_t row;
        s_read_row (stmt, &row);
        if (fn && fn (&row, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

//  Runs a statement whose one parameter is text: 0 or -1.
static int
s_run_with_text (wsis_store_t *store, const char *sql, const char *text)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, sql);
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, text);
    return wsis_store_run (store, stmt);
}

//  The first column of the first row as int64, or fallback (none, NULL).
static int64_t
s_int (wsis_store_t *store, sqlite3_stmt *stmt, int64_t fallback)
{
    int64_t value = fallback;
    if (wsis_store_row (store, stmt) == 1 && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        value = sqlite3_column_int64 (stmt, 0);
    wsis_store_done (stmt, 0);
    return value;
}

static void
s_bind_time (sqlite3_stmt *stmt, int index, int64_t value, int64_t none)
{
    if (value == none)
        sqlite3_bind_null (stmt, index);
    else
        sqlite3_bind_int64 (stmt, index, value);
}

int
notify_store_add (wsis_store_t *store, const notify_row_t *row)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR IGNORE INTO notification (key, kind, call, phase, moment, due, expires,"
        "  rank, channel, recipient, recipient_name, vars, unsubscribe_token, status, late,"
        "  last_error, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, row->key);
    wsis_store_bind_text (stmt, 2, row->kind);
    wsis_store_bind_text (stmt, 3, row->call);
    wsis_store_bind_text (stmt, 4, row->phase);
    wsis_store_bind_text (stmt, 5, row->moment);
    sqlite3_bind_int64 (stmt, 6, row->due);
    s_bind_time (stmt, 7, row->expires, INT64_MAX);
    sqlite3_bind_int64 (stmt, 8, row->rank);
    wsis_store_bind_text (stmt, 9, row->channel);
    wsis_store_bind_text (stmt, 10, row->recipient);
    wsis_store_bind_text (stmt, 11, row->recipient_name? row->recipient_name: "");
    sqlite3_bind_blob (stmt, 12, row->vars, (int) row->vars_size, SQLITE_TRANSIENT);
    wsis_store_bind_text (stmt, 13, row->unsubscribe_token);
    wsis_store_bind_text (stmt, 14, row->status);
    sqlite3_bind_int (stmt, 15, row->late);
    wsis_store_bind_text (stmt, 16, row->last_error);
    sqlite3_bind_int64 (stmt, 17, row->created_at);
    if (wsis_store_run (store, stmt))
        return -1;
    return sqlite3_changes (wsis_store_db (store)) > 0? 1: 0;
}

int
notify_store_get (wsis_store_t *store, const char *key, notify_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification WHERE key = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, key);
    return s_each_row (store, stmt, fn, arg);
}

int
notify_store_reschedule (wsis_store_t *store, const notify_row_t *row)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE notification SET due = ?1, expires = ?2, rank = ?3, vars = ?4,"
        " status = 'scheduled', late = 0, attempts = 0, next_attempt = NULL, last_error = NULL"
        " WHERE key = ?5 AND (status = 'scheduled' OR " UNHANDED ")");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, row->due);
    s_bind_time (stmt, 2, row->expires, INT64_MAX);
    sqlite3_bind_int64 (stmt, 3, row->rank);
    sqlite3_bind_blob (stmt, 4, row->vars, (int) row->vars_size, SQLITE_TRANSIENT);
    wsis_store_bind_text (stmt, 5, row->key);
    return wsis_store_run (store, stmt);
}

int
notify_store_state (wsis_store_t *store, const char *key, notify_state_t *state)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT status = 'scheduled', due, expires, rank, " UNHANDED
        " FROM notification WHERE key = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, key);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1) {
        state->scheduled = sqlite3_column_int (stmt, 0) != 0;
        state->due = sqlite3_column_int64 (stmt, 1);
        state->expires = sqlite3_column_type (stmt, 2) == SQLITE_NULL?
                         INT64_MAX: sqlite3_column_int64 (stmt, 2);
        state->rank = sqlite3_column_int64 (stmt, 3);
        state->unhanded = sqlite3_column_int (stmt, 4) != 0;
    }
    return wsis_store_done (stmt, rc);
}

int
notify_store_handed (wsis_store_t *store, const char *key)
{
    return s_run_with_text (store,
        "UPDATE notification SET handed = 1 WHERE key = ? AND status = 'ready'", key);
}

int
notify_store_owed_moments (wsis_store_t *store, notify_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification"
        " WHERE moment IS NOT NULL AND call IS NOT NULL AND phase IS NOT NULL"
        " AND (status = 'scheduled' OR " UNHANDED ")");
    return stmt && s_each_row (store, stmt, fn, arg) >= 0? 0: -1;
}

int
notify_store_made_twins (wsis_store_t *store, const notify_row_t *row,
                         int (*fn) (const char *moment, void *arg), void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT moment FROM notification"
        " WHERE call = ?1 AND due = ?2 AND phase = ?3 AND kind = ?4 AND channel = ?5"
        " AND recipient = ?6 AND expires IS ?7 AND moment IS NOT NULL AND status <> 'scheduled'");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, row->call);
    sqlite3_bind_int64 (stmt, 2, row->due);
    wsis_store_bind_text (stmt, 3, row->phase);
    wsis_store_bind_text (stmt, 4, row->kind);
    wsis_store_bind_text (stmt, 5, row->channel);
    wsis_store_bind_text (stmt, 6, row->recipient);
    s_bind_time (stmt, 7, row->expires, INT64_MAX);
    int rc;
    while ((rc = wsis_store_row (store, stmt)) == 1)
        if (fn (wsis_store_text (stmt, 0), arg))
            return wsis_store_done (stmt, 1);
    return wsis_store_done (stmt, rc < 0? -1: 0);
}

int
notify_store_delete (wsis_store_t *store, const char *key)
{
    return s_run_with_text (store, "DELETE FROM notification WHERE key = ?", key);
}

int
notify_store_due (wsis_store_t *store, int64_t now, int limit, notify_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification"
        " WHERE status = 'scheduled' AND due <= ? ORDER BY due, rank, key LIMIT ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, now);
    sqlite3_bind_int (stmt, 2, limit);
    return s_each_row (store, stmt, fn, arg);
}

int64_t
notify_store_next_due (wsis_store_t *store)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT min(due) FROM notification WHERE status = 'scheduled'");
    return stmt? s_int (store, stmt, INT64_MAX): INT64_MAX;
}

int
notify_store_ready (wsis_store_t *store, int64_t wall_now, int limit,
                    notify_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification"
        " WHERE status = 'ready' AND (next_attempt IS NULL OR next_attempt <= ?)"
        " ORDER BY due, rank, key LIMIT ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, wall_now);
    sqlite3_bind_int (stmt, 2, limit);
    return s_each_row (store, stmt, fn, arg);
}

int64_t
notify_store_next_retry (wsis_store_t *store)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT min(next_attempt) FROM notification WHERE status = 'ready'");
    return stmt? s_int (store, stmt, INT64_MAX): INT64_MAX;
}

int
notify_store_set_status (wsis_store_t *store, const char *key, const char *status,
                         int late, int64_t sent_at, const char *error)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE notification SET status = ?1, late = CASE WHEN ?2 < 0 THEN late ELSE ?2 END,"
        " sent_at = coalesce (?3, sent_at),"
        " last_error = coalesce (?4, last_error), next_attempt = NULL WHERE key = ?5");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, status);
    sqlite3_bind_int (stmt, 2, late);
    s_bind_time (stmt, 3, sent_at, 0);
    wsis_store_bind_text (stmt, 4, error);
    wsis_store_bind_text (stmt, 5, key);
    return wsis_store_run (store, stmt);
}

int
notify_store_attempt_failed (wsis_store_t *store, const char *key, int64_t next_attempt,
                             const char *error)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE notification SET attempts = attempts + 1, next_attempt = ?1, last_error = ?2,"
        " handed = 0 WHERE key = ?3");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, next_attempt);
    wsis_store_bind_text (stmt, 2, error);
    wsis_store_bind_text (stmt, 3, key);
    return wsis_store_run (store, stmt);
}

int
notify_store_retry (wsis_store_t *store, const char *key)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE notification SET status = 'ready', attempts = 0, next_attempt = NULL, handed = 0"
        " WHERE key = ? AND status = 'failed'");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, key);
    if (wsis_store_run (store, stmt))
        return -1;
    return sqlite3_changes (wsis_store_db (store)) > 0? 1: 0;
}

int
notify_store_list (wsis_store_t *store, const char *status, const char *call,
                   const char *kind, const char *after, int limit,
                   notify_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification"
        " WHERE (?1 IS NULL OR status = ?1"
        "        OR (?1 = 'pending' AND status IN ('scheduled', 'ready')))"
        "   AND (?2 IS NULL OR call = ?2)"
        "   AND (?3 IS NULL OR kind = ?3) AND key > ?4"
        " ORDER BY key LIMIT ?5");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, status);
    wsis_store_bind_text (stmt, 2, call);
    wsis_store_bind_text (stmt, 3, kind);
    wsis_store_bind_text (stmt, 4, after? after: "");
    sqlite3_bind_int (stmt, 5, limit);
    return s_each_row (store, stmt, fn, arg);
}

int
notify_store_schedule (wsis_store_t *store, const char *call, const char *after, int limit,
                       notify_row_fn *fn, void *arg)
{
    //  In the order they fall due; `after` is the key of the last row of
    //  the previous page, so the page goes on from its (due, rank, key).
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " ROW_COLUMNS " FROM notification"
        " WHERE moment IS NOT NULL AND channel != 'event' AND (?1 IS NULL OR call = ?1)"
        "   AND (?2 = '' OR (due, rank, key) > (SELECT due, rank, key FROM notification"
        "                                        WHERE key = ?2))"
        " ORDER BY due, rank, key LIMIT ?3");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, after? after: "");
    sqlite3_bind_int (stmt, 3, limit);
    return s_each_row (store, stmt, fn, arg);
}

int
notify_store_skip_token (wsis_store_t *store, const char *token, const char *why)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE notification SET status = 'skipped', last_error = ?1, next_attempt = NULL"
        " WHERE unsubscribe_token = ?2 AND status IN ('scheduled', 'ready')");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, why);
    wsis_store_bind_text (stmt, 2, token);
    return wsis_store_run (store, stmt);
}

//  -------------------------------------------------------------------------
//  Subscriptions

static int
s_each_subscription (wsis_store_t *store, sqlite3_stmt *stmt,
                     notify_subscription_fn *fn, void *arg)
{
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        notify_subscription_t subscription = {
            .email = wsis_store_text (stmt, 0),
            .token = wsis_store_text (stmt, 1),
            .calls = wsis_store_text (stmt, 2),
            .status = wsis_store_text (stmt, 3),
        };
        if (fn && fn (&subscription, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

int
notify_store_subscription_by_email (wsis_store_t *store, const char *email_norm,
                                    notify_subscription_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT email, token, calls, status FROM subscription WHERE email_norm = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, email_norm);
    return s_each_subscription (store, stmt, fn, arg);
}

int
notify_store_subscription_by_token (wsis_store_t *store, const char *token,
                                    notify_subscription_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT email, token, calls, status FROM subscription WHERE token = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, token);
    return s_each_subscription (store, stmt, fn, arg);
}

int
notify_store_subscriptions_active (wsis_store_t *store, notify_subscription_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT email, token, calls, status FROM subscription WHERE status = 'active'"
        " ORDER BY email_norm");
    if (!stmt)
        return -1;
    return s_each_subscription (store, stmt, fn, arg);
}

int
notify_store_subscription_put (wsis_store_t *store, const char *email_norm,
                               const notify_subscription_t *subscription, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO subscription (email_norm, email, token, calls, status, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (email_norm) DO UPDATE SET email = ?2, token = ?3, calls = ?4,"
        "   status = ?5, created_at = ?6, confirmed_at = NULL, removed_at = NULL");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, email_norm);
    wsis_store_bind_text (stmt, 2, subscription->email);
    wsis_store_bind_text (stmt, 3, subscription->token);
    wsis_store_bind_text (stmt, 4, subscription->calls);
    wsis_store_bind_text (stmt, 5, subscription->status);
    sqlite3_bind_int64 (stmt, 6, now);
    return wsis_store_run (store, stmt);
}

int
notify_store_subscription_status (wsis_store_t *store, const char *token, const char *status,
                                  int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE subscription SET status = ?1,"
        " confirmed_at = CASE WHEN ?1 = 'active' THEN ?2 ELSE confirmed_at END,"
        " removed_at = CASE WHEN ?1 = 'removed' THEN ?2 ELSE removed_at END"
        " WHERE token = ?3");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, status);
    sqlite3_bind_int64 (stmt, 2, now);
    wsis_store_bind_text (stmt, 3, token);
    return wsis_store_run (store, stmt);
}

//  -------------------------------------------------------------------------
//  Submissions and reviews, as their events told them

int
notify_store_submission_put (wsis_store_t *store, const notify_submission_t *submission)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO submission (submission_id, call, kind, category, title, contact_name,"
        "  contact_email) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (submission_id) DO UPDATE SET category = ?4, title = ?5,"
        "   contact_name = ?6, contact_email = ?7");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission->submission_id);
    wsis_store_bind_text (stmt, 2, submission->call);
    wsis_store_bind_text (stmt, 3, submission->kind);
    wsis_store_bind_text (stmt, 4, submission->category);
    wsis_store_bind_text (stmt, 5, submission->title);
    wsis_store_bind_text (stmt, 6, submission->contact_name);
    wsis_store_bind_text (stmt, 7, submission->contact_email);
    return wsis_store_run (store, stmt);
}

int
notify_store_submission_withdraw (wsis_store_t *store, const char *submission_id)
{
    return s_run_with_text (store,
        "UPDATE submission SET withdrawn = 1 WHERE submission_id = ?", submission_id);
}

static int
s_each_submission (wsis_store_t *store, sqlite3_stmt *stmt,
                   notify_submission_fn *fn, void *arg)
{
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        notify_submission_t submission = {
            .submission_id = wsis_store_text (stmt, 0),
            .call = wsis_store_text (stmt, 1),
            .kind = wsis_store_text (stmt, 2),
            .category = wsis_store_text (stmt, 3),
            .title = wsis_store_text (stmt, 4),
            .contact_name = wsis_store_text (stmt, 5),
            .contact_email = wsis_store_text (stmt, 6),
            .withdrawn = sqlite3_column_int (stmt, 7) != 0,
        };
        if (fn && fn (&submission, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

#define SUBMISSION_COLUMNS \
    "submission_id, call, kind, category, title, contact_name, contact_email, withdrawn"

int
notify_store_submission_get (wsis_store_t *store, const char *submission_id,
                             notify_submission_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " SUBMISSION_COLUMNS " FROM submission WHERE submission_id = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    return s_each_submission (store, stmt, fn, arg);
}

int
notify_store_submissions_of (wsis_store_t *store, const char *call, const char *kind,
                             notify_submission_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " SUBMISSION_COLUMNS " FROM submission"
        " WHERE call = ? AND kind = ? AND withdrawn = 0 ORDER BY submission_id");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, kind);
    return s_each_submission (store, stmt, fn, arg);
}

int
notify_store_review_put (wsis_store_t *store, const char *submission_id,
                         const char *decision, const char *reason)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO review (submission_id, decision, reason) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (submission_id) DO UPDATE SET decision = ?2, reason = ?3");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    wsis_store_bind_text (stmt, 2, decision);
    wsis_store_bind_text (stmt, 3, reason);
    return wsis_store_run (store, stmt);
}

int
notify_store_review_reason (wsis_store_t *store, const char *submission_id,
                            char *buffer, size_t size)
{
    buffer [0] = 0;
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT reason FROM review WHERE submission_id = ? AND decision = 'reject'");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1 && wsis_store_text (stmt, 0))
        snprintf (buffer, size, "%s", wsis_store_text (stmt, 0));
    return wsis_store_done (stmt, rc < 0? -1: 0);
}
