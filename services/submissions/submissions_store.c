/*  submissions_store: every SQL statement of wsis-submissions.

    Statements are prepared once (wsis_store_stmt caches them by their
    text) and reset after use. Every check a request makes is one indexed
    lookup (schema.sql names the index each one uses), so a call with
    10,000 entries costs what a call with ten does.
*/
#include "submissions.h"

#include <string.h>

//  The first column of one row as an id, 0 when no row, -1 on failure
//  (logged). Resets the statement.
static int64_t
s_first_id (wsis_store_t *store, sqlite3_stmt *stmt)
{
    int rc = wsis_store_row (store, stmt);
    int64_t id = rc == 1? sqlite3_column_int64 (stmt, 0): rc;
    sqlite3_reset (stmt);
    return id;
}

//  -------------------------------------------------------------------------
//  Stakeholders

int
submissions_store_email_taken (wsis_store_t *store, const char *email_key, int64_t *id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id FROM stakeholder WHERE email_key = ?1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, email_key);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1)
        *id = sqlite3_column_int64 (stmt, 0);
    return wsis_store_done (stmt, rc);
}

int
submissions_store_stakeholder_insert (wsis_store_t *store, const stakeholder_t *stakeholder,
                                      int64_t now, int64_t *id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO stakeholder (name, email, email_key, type, country, region, gender,"
        " organization, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, stakeholder->name);
    wsis_store_bind_text (stmt, 2, stakeholder->email);
    wsis_store_bind_text (stmt, 3, stakeholder->email_key);
    wsis_store_bind_text (stmt, 4, stakeholder->type);
    wsis_store_bind_text (stmt, 5, stakeholder->country);
    wsis_store_bind_text (stmt, 6, stakeholder->region);
    wsis_store_bind_text (stmt, 7, stakeholder->gender);
    wsis_store_bind_text (stmt, 8, stakeholder->organization);
    sqlite3_bind_int64 (stmt, 9, now);
    if (wsis_store_run (store, stmt))
        return -1;
    *id = sqlite3_last_insert_rowid (wsis_store_db (store));
    return 0;
}

int
submissions_store_stakeholder_exists (wsis_store_t *store, int64_t id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT 1 FROM stakeholder WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    return wsis_store_exists (store, stmt);
}

//  The columns a stakeholder read selects, in stakeholder_row_t order.
#define S_STAKEHOLDER_COLUMNS \
    "id, name, email, type, country, region, gender, organization, created_at"

static int
s_each_stakeholder (wsis_store_t *store, sqlite3_stmt *stmt, stakeholder_row_fn *fn, void *arg)
{
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        stakeholder_row_t row = {
            sqlite3_column_int64 (stmt, 0),
            { wsis_store_text (stmt, 1), wsis_store_text (stmt, 2), NULL,
              wsis_store_text (stmt, 3), wsis_store_text (stmt, 4), wsis_store_text (stmt, 5),
              wsis_store_text (stmt, 6), wsis_store_text (stmt, 7) },
            sqlite3_column_int64 (stmt, 8)
        };
        if (fn (&row, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc == 0? count: -1);
}

int
submissions_store_stakeholder_get (wsis_store_t *store, int64_t id,
                                   stakeholder_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " S_STAKEHOLDER_COLUMNS " FROM stakeholder WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    return s_each_stakeholder (store, stmt, fn, arg);
}

int
submissions_store_stakeholder_list (wsis_store_t *store, const char *q, int64_t after,
                                    int64_t limit, stakeholder_row_fn *fn, void *arg)
{
    //  Walks the primary key from `after`; q (lower-cased by SQLite, ASCII
    //  letters) is a substring of the name, the organization or the email.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " S_STAKEHOLDER_COLUMNS " FROM stakeholder WHERE id > ?1"
        " AND (?2 IS NULL OR instr (lower (name), lower (?2)) > 0"
        "  OR instr (lower (coalesce (organization, '')), lower (?2)) > 0"
        "  OR instr (email_key, lower (?2)) > 0)"
        " ORDER BY id LIMIT ?3");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, after);
    wsis_store_bind_text (stmt, 2, q);
    sqlite3_bind_int64 (stmt, 3, limit);
    return s_each_stakeholder (store, stmt, fn, arg);
}

//  -------------------------------------------------------------------------
//  Submissions

//  The categories a submission is filed under, replaced whole.
static int
s_categories_set (wsis_store_t *store, const char *call, int64_t id, const submission_draft_t *draft)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "DELETE FROM submission_category WHERE submission_id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    if (wsis_store_run (store, stmt))
        return -1;
    for (size_t i = 0; i < draft->category_count; i++) {
        stmt = wsis_store_stmt (store,
            "INSERT INTO submission_category (call, category, submission_id) VALUES (?1, ?2, ?3)");
        if (!stmt)
            return -1;
        wsis_store_bind_text (stmt, 1, call);
        wsis_store_bind_text (stmt, 2, draft->categories [i]);
        sqlite3_bind_int64 (stmt, 3, id);
        if (wsis_store_run (store, stmt))
            return -1;
    }
    return 0;
}

static int
s_image_set (wsis_store_t *store, int64_t id, const submission_draft_t *draft)
{
    if (!draft->image)
        return 0;
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR REPLACE INTO photo_image (submission_id, image) VALUES (?1, ?2)");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_blob64 (stmt, 2, draft->image, draft->image_size, SQLITE_STATIC);
    return wsis_store_run (store, stmt);
}

int
submissions_store_submission_insert (wsis_store_t *store, const char *call, int64_t stakeholder_id,
                                     const submission_draft_t *draft, int64_t now, int64_t *id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO submission (call, kind, stakeholder_id, status, category, entity_key,"
        " title_key, description_key, image_type, image_size, fields, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, 'received', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, submissions_kind_name (draft->kind));
    sqlite3_bind_int64 (stmt, 3, stakeholder_id);
    wsis_store_bind_text (stmt, 4, draft->kind == SUBMISSION_PRIZE? draft->category: NULL);
    wsis_store_bind_text (stmt, 5, draft->entity_key);
    wsis_store_bind_text (stmt, 6, draft->title_key);
    wsis_store_bind_text (stmt, 7, draft->description_key);
    wsis_store_bind_text (stmt, 8, draft->image? draft->image_type: NULL);
    if (draft->image)
        sqlite3_bind_int64 (stmt, 9, (int64_t) draft->image_size);
    else
        sqlite3_bind_null (stmt, 9);
    sqlite3_bind_blob (stmt, 10, draft->fields.data, (int) draft->fields.size, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 11, now);
    if (wsis_store_run (store, stmt))
        return -1;
    *id = sqlite3_last_insert_rowid (wsis_store_db (store));
    if (s_categories_set (store, call, *id, draft) || s_image_set (store, *id, draft))
        return -1;
    return 0;
}

int
submissions_store_submission_rewrite (wsis_store_t *store, const char *call, int64_t id,
                                      const submission_draft_t *draft, int64_t now)
{
    //  The image columns change only with a new image (an update that
    //  leaves the image out keeps it).
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE submission SET category = ?2, entity_key = ?3, title_key = ?4,"
        " description_key = ?5, image_type = coalesce (?6, image_type),"
        " image_size = coalesce (?7, image_size), fields = ?8, updated_at = ?9 WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    wsis_store_bind_text (stmt, 2, draft->kind == SUBMISSION_PRIZE? draft->category: NULL);
    wsis_store_bind_text (stmt, 3, draft->entity_key);
    wsis_store_bind_text (stmt, 4, draft->title_key);
    wsis_store_bind_text (stmt, 5, draft->description_key);
    wsis_store_bind_text (stmt, 6, draft->image? draft->image_type: NULL);
    if (draft->image)
        sqlite3_bind_int64 (stmt, 7, (int64_t) draft->image_size);
    else
        sqlite3_bind_null (stmt, 7);
    sqlite3_bind_blob (stmt, 8, draft->fields.data, (int) draft->fields.size, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 9, now);
    if (wsis_store_run (store, stmt))
        return -1;
    if (s_categories_set (store, call, id, draft) || s_image_set (store, id, draft))
        return -1;
    return 0;
}

int
submissions_store_submission_withdraw (wsis_store_t *store, int64_t id, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE submission SET status = 'withdrawn', updated_at = ?2 WHERE id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, now);
    return wsis_store_run (store, stmt);
}

//  The columns every read of a submission selects, in submission_row_t order.
#define S_ROW_COLUMNS \
    "s.id, s.call, s.kind, s.stakeholder_id, s.status, s.category, s.entity_key," \
    " s.title_key, s.description_key, s.image_type, s.image_size, s.fields," \
    " s.created_at, s.updated_at, k.type, k.country, k.region, k.organization," \
    " k.name, k.email, k.gender, s.contest_status"

static void
s_row_read (sqlite3_stmt *stmt, submission_row_t *row)
{
    row->id = sqlite3_column_int64 (stmt, 0);
    row->call = wsis_store_text (stmt, 1);
    row->kind = wsis_store_text (stmt, 2);
    row->stakeholder_id = sqlite3_column_int64 (stmt, 3);
    row->status = wsis_store_text (stmt, 4);
    row->category = wsis_store_text (stmt, 5);
    row->entity_key = wsis_store_text (stmt, 6);
    row->title_key = wsis_store_text (stmt, 7);
    row->description_key = wsis_store_text (stmt, 8);
    row->image_type = wsis_store_text (stmt, 9);
    row->image_size = sqlite3_column_int64 (stmt, 10);
    row->fields = sqlite3_column_blob (stmt, 11);
    row->fields_size = (size_t) sqlite3_column_bytes (stmt, 11);
    row->created_at = sqlite3_column_int64 (stmt, 12);
    row->updated_at = sqlite3_column_int64 (stmt, 13);
    row->stakeholder_type = wsis_store_text (stmt, 14);
    row->stakeholder_country = wsis_store_text (stmt, 15);
    row->stakeholder_region = wsis_store_text (stmt, 16);
    row->stakeholder_organization = wsis_store_text (stmt, 17);
    row->stakeholder_name = wsis_store_text (stmt, 18);
    row->stakeholder_email = wsis_store_text (stmt, 19);
    row->stakeholder_gender = wsis_store_text (stmt, 20);
    row->contest_status = wsis_store_text (stmt, 21);
}

//  Steps stmt to the end, calling fn on each row: rows, or -1.
static int
s_each_row (wsis_store_t *store, sqlite3_stmt *stmt, submission_row_fn *fn, void *arg)
{
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        submission_row_t row;
        s_row_read (stmt, &row);
        if (fn (&row, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc == 0? count: -1);
}

int
submissions_store_submission_get (wsis_store_t *store, int64_t id, submission_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT " S_ROW_COLUMNS " FROM submission s JOIN stakeholder k ON k.id = s.stakeholder_id"
        " WHERE s.id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    return s_each_row (store, stmt, fn, arg);
}

int
submissions_store_submission_list (wsis_store_t *store, const submission_filter_t *filter,
                                   submission_row_fn *fn, void *arg)
{
    //  Three shapes, each walking the index that narrows most: a category
    //  (submission_category), a stakeholder, or the call (with status).
    //  The other filters are checked on the rows the index yields; `live`
    //  (?7) leaves withdrawn submissions out whatever the status asked.
    sqlite3_stmt *stmt;
    if (filter->category)
        stmt = wsis_store_stmt (store,
            "SELECT " S_ROW_COLUMNS " FROM submission_category c"
            " JOIN submission s ON s.id = c.submission_id"
            " JOIN stakeholder k ON k.id = s.stakeholder_id"
            " WHERE c.call = ?1 AND c.category = ?2 AND c.submission_id > ?5"
            " AND (?3 IS NULL OR s.status = ?3) AND (?4 = 0 OR s.stakeholder_id = ?4)"
            " AND (?7 = 0 OR s.status <> 'withdrawn')"
            " ORDER BY c.submission_id LIMIT ?6");
    else
    if (filter->stakeholder_id)
        stmt = wsis_store_stmt (store,
            "SELECT " S_ROW_COLUMNS " FROM submission s"
            " JOIN stakeholder k ON k.id = s.stakeholder_id"
            " WHERE s.stakeholder_id = ?4 AND s.call = ?1 AND s.id > ?5"
            " AND (?2 IS NULL) AND (?3 IS NULL OR s.status = ?3)"
            " AND (?7 = 0 OR s.status <> 'withdrawn')"
            " ORDER BY s.id LIMIT ?6");
    else
    if (filter->status)
        stmt = wsis_store_stmt (store,
            "SELECT " S_ROW_COLUMNS " FROM submission s"
            " JOIN stakeholder k ON k.id = s.stakeholder_id"
            " WHERE s.call = ?1 AND s.status = ?3 AND s.id > ?5"
            " AND (?2 IS NULL) AND (?4 = 0)"
            " AND (?7 = 0 OR s.status <> 'withdrawn')"
            " ORDER BY s.id LIMIT ?6");
    else
        stmt = wsis_store_stmt (store,
            "SELECT " S_ROW_COLUMNS " FROM submission s"
            " JOIN stakeholder k ON k.id = s.stakeholder_id"
            " WHERE s.call = ?1 AND s.id > ?5"
            " AND (?2 IS NULL) AND (?3 IS NULL) AND (?4 = 0)"
            " AND (?7 = 0 OR s.status <> 'withdrawn')"
            " ORDER BY s.id LIMIT ?6");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, filter->call);
    wsis_store_bind_text (stmt, 2, filter->category);
    wsis_store_bind_text (stmt, 3, filter->status);
    sqlite3_bind_int64 (stmt, 4, filter->stakeholder_id);
    sqlite3_bind_int64 (stmt, 5, filter->after);
    sqlite3_bind_int64 (stmt, 6, filter->limit);
    sqlite3_bind_int (stmt, 7, filter->live);
    return s_each_row (store, stmt, fn, arg);
}

int
submissions_store_image_get (wsis_store_t *store, int64_t id, zchunk_t **image)
{
    *image = NULL;
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT image FROM photo_image WHERE submission_id = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1)
        *image = zchunk_new (sqlite3_column_blob (stmt, 0), (size_t) sqlite3_column_bytes (stmt, 0));
    return wsis_store_done (stmt, rc < 0? -1: 0);
}

//  -------------------------------------------------------------------------
//  Contest standing

int
submissions_store_contest_raise (wsis_store_t *store, const char *call, int64_t id,
                                 const char *status, int rank)
{
    //  id 0: every prize project of the call below rank (the projects
    //  nominations.published did not list)
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "UPDATE submission SET contest_status = ?3, contest_rank = ?4"
        " WHERE call = ?2 AND contest_rank < ?4"
        " AND ((?1 = 0 AND kind = 'prize') OR (id = ?1 AND kind IN ('prize', 'photo')))");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, id);
    wsis_store_bind_text (stmt, 2, call);
    wsis_store_bind_text (stmt, 3, status);
    sqlite3_bind_int (stmt, 4, rank);
    return wsis_store_run (store, stmt);
}

//  -------------------------------------------------------------------------
//  The WSIS Prizes rules

int64_t
submissions_store_slot_taken (wsis_store_t *store, const char *call, const char *entity_key,
                              const char *category, int64_t exclude_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id FROM submission WHERE call = ?1 AND entity_key = ?2 AND category = ?3"
        " AND status <> 'withdrawn' AND id <> ?4 LIMIT 1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, entity_key);
    wsis_store_bind_text (stmt, 3, category);
    sqlite3_bind_int64 (stmt, 4, exclude_id);
    return s_first_id (store, stmt);
}

int64_t
submissions_store_same_title (wsis_store_t *store, const char *call, const char *entity_key,
                              const char *title_key, int64_t exclude_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id FROM submission WHERE call = ?1 AND entity_key = ?2 AND title_key = ?3"
        " AND status <> 'withdrawn' AND id <> ?4 LIMIT 1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, entity_key);
    wsis_store_bind_text (stmt, 3, title_key);
    sqlite3_bind_int64 (stmt, 4, exclude_id);
    return s_first_id (store, stmt);
}

int64_t
submissions_store_same_description (wsis_store_t *store, const char *call,
                                    const char *description_key, int64_t exclude_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id FROM submission WHERE call = ?1 AND description_key = ?2"
        " AND status <> 'withdrawn' AND id <> ?3 LIMIT 1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, description_key);
    sqlite3_bind_int64 (stmt, 3, exclude_id);
    return s_first_id (store, stmt);
}

int
submissions_store_previous_winner (wsis_store_t *store, const char *call, const char *entity_key,
                                   const char *title_key, const char *description_key)
{
    //  A winner from the config list (call NULL) won in an earlier
    //  edition; one learned from winners.selected counts for other calls.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM previous_winner WHERE entity_key = ?2 AND title_key = ?3"
        " AND (call IS NULL OR call <> ?1)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, entity_key);
    wsis_store_bind_text (stmt, 3, title_key);
    int found = wsis_store_exists (store, stmt);
    if (found != 0 || !description_key)
        return found;
    stmt = wsis_store_stmt (store,
        "SELECT 1 FROM previous_winner WHERE description_key = ?2"
        " AND (call IS NULL OR call <> ?1)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, description_key);
    return wsis_store_exists (store, stmt);
}

int
submissions_store_winners_clear_config (wsis_store_t *store)
{
    return wsis_store_run (store,
        wsis_store_stmt (store, "DELETE FROM previous_winner WHERE origin = 'config'"));
}

int
submissions_store_winner_add (wsis_store_t *store, const char *origin, const char *call,
                              int64_t submission_id, const char *entity_key,
                              const char *title_key, const char *description_key)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR IGNORE INTO previous_winner (origin, call, submission_id, entity_key,"
        " title_key, description_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, origin);
    wsis_store_bind_text (stmt, 2, call);
    if (submission_id)
        sqlite3_bind_int64 (stmt, 3, submission_id);
    else
        sqlite3_bind_null (stmt, 3);
    wsis_store_bind_text (stmt, 4, entity_key);
    wsis_store_bind_text (stmt, 5, title_key);
    wsis_store_bind_text (stmt, 6, description_key);
    return wsis_store_run (store, stmt);
}

//  -------------------------------------------------------------------------
//  The Repository of Women in Tech

int64_t
submissions_store_live_profile (wsis_store_t *store, const char *call, int64_t stakeholder_id)
{
    //  submission_by_stakeholder (stakeholder_id, call, id)
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id FROM submission WHERE stakeholder_id = ?1 AND call = ?2"
        " AND status <> 'withdrawn' LIMIT 1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, stakeholder_id);
    wsis_store_bind_text (stmt, 2, call);
    return s_first_id (store, stmt);
}
