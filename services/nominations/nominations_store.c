/*  nominations_store: every SQL statement of wsis-nominations.

    Statements are prepared once and cached by wsis_store_stmt; every value
    is bound, never spliced into SQL. Everything here runs inside the
    transaction the runtime opened for the batch or the event.
*/
#include "nominations.h"
#include "wsis_alloc.h"

#include <stdlib.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Small helpers

//  Copies a column into a fixed buffer ("" for NULL, truncated to fit).
static void
s_copy (sqlite3_stmt *stmt, int column, char *buffer, size_t size)
{
    const char *text = wsis_store_text (stmt, column);
    snprintf (buffer, size, "%s", text? text: "");
}

//  A heap copy of a column ("" for NULL); the caller frees it.
static char *
s_dup (sqlite3_stmt *stmt, int column)
{
    const char *text = wsis_store_text (stmt, column);
    return wsis_strdup (text? text: "");
}

//  The lookups of this file answer 0 (found), 1 (no such row) or -1
//  (nominations.h), the other way round from wsis_store_row's 1 / 0.
static int
s_found (int row)
{
    return row < 0? -1: row == 1? 0: 1;
}

//  -------------------------------------------------------------------------
//  Projects

void
nominations_project_release (nominations_project_t *project)
{
    free (project->entity_norm);
    free (project->title);
    project->entity_norm = NULL;
    project->title = NULL;
}

int
nominations_store_project_upsert (wsis_store_t *store, const nominations_project_event_t *project)
{
    //  An update carries the whole public record, so every column follows
    //  it; the row id (the arrival order) stays.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO project (submission_id, call, kind, category, status, title,"
        "                     entity, entity_norm, country)"
        " VALUES (?1, ?2, ?3, ?4, ?5, coalesce (?6, ''), ?7, ?8, ?9)"
        " ON CONFLICT (submission_id) DO UPDATE SET"
        "  call = excluded.call, kind = excluded.kind, category = excluded.category,"
        "  status = excluded.status, title = excluded.title, entity = excluded.entity,"
        "  entity_norm = excluded.entity_norm, country = excluded.country");
    if (!stmt)
        return -1;
    wsis_store_bind_textn (stmt, 1, project->submission_id, project->submission_id_len);
    wsis_store_bind_textn (stmt, 2, project->call, project->call_len);
    wsis_store_bind_textn (stmt, 3, project->kind, project->kind_len);
    wsis_store_bind_textn (stmt, 4, project->category, project->category_len);
    wsis_store_bind_textn (stmt, 5, project->status, project->status_len);
    wsis_store_bind_textn (stmt, 6, project->title, project->title_len);
    wsis_store_bind_textn (stmt, 7, project->entity, project->entity_len);
    wsis_store_bind_text (stmt, 8, project->entity_norm);
    wsis_store_bind_textn (stmt, 9, project->country, project->country_len);
    return wsis_store_run (store, stmt);
}

int
nominations_store_project_withdraw (wsis_store_t *store, const nominations_project_event_t *project)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO project (submission_id, call, kind, category, status)"
        " VALUES (?1, ?2, ?3, ?4, 'withdrawn')"
        " ON CONFLICT (submission_id) DO UPDATE SET status = 'withdrawn'");
    if (!stmt)
        return -1;
    wsis_store_bind_textn (stmt, 1, project->submission_id, project->submission_id_len);
    wsis_store_bind_textn (stmt, 2, project->call, project->call_len);
    wsis_store_bind_textn (stmt, 3, project->kind, project->kind_len);
    wsis_store_bind_textn (stmt, 4, project->category, project->category_len);
    return wsis_store_run (store, stmt);
}

int
nominations_store_project (wsis_store_t *store, const char *submission_id,
                           nominations_project_t *project)
{
    memset (project, 0, sizeof *project);
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT submission_id, call, kind, coalesce (category, ''), status,"
        "       coalesce (country, ''), coalesce (entity_norm, ''), title"
        " FROM project WHERE submission_id = ?1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0) {
        s_copy (stmt, 0, project->submission_id, sizeof project->submission_id);
        s_copy (stmt, 1, project->call, sizeof project->call);
        s_copy (stmt, 2, project->kind, sizeof project->kind);
        s_copy (stmt, 3, project->category, sizeof project->category);
        s_copy (stmt, 4, project->status, sizeof project->status);
        s_copy (stmt, 5, project->country, sizeof project->country);
        project->entity_norm = s_dup (stmt, 6);
        project->title = s_dup (stmt, 7);
    }
    return wsis_store_done (stmt, rc);
}

//  -------------------------------------------------------------------------
//  Review (phase 2)

int
nominations_store_review (wsis_store_t *store, const char *submission_id,
                          char *decision, size_t decision_size, char **reason)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT decision, coalesce (reason, '') FROM review WHERE submission_id = ?1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0) {
        s_copy (stmt, 0, decision, decision_size);
        *reason = s_dup (stmt, 1);
    }
    return wsis_store_done (stmt, rc);
}

int
nominations_store_review_set (wsis_store_t *store, const char *submission_id,
                              const char *decision, const char *reason,
                              const char *decided_by, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO review (submission_id, decision, reason, decided_by, decided_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (submission_id) DO UPDATE SET decision = excluded.decision,"
        "  reason = excluded.reason, decided_by = excluded.decided_by,"
        "  decided_at = excluded.decided_at");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, submission_id);
    wsis_store_bind_text (stmt, 2, decision);
    wsis_store_bind_text (stmt, 3, reason && *reason? reason: NULL);
    wsis_store_bind_text (stmt, 4, decided_by);
    sqlite3_bind_int64 (stmt, 5, now);
    return wsis_store_run (store, stmt);
}

int
nominations_store_review_each (wsis_store_t *store, const char *call, const char *category,
                               const char *decision, int64_t after, int64_t limit,
                               void (*fn) (const nominations_review_row_t *row, void *arg),
                               void *arg)
{
    //  "pending" is a project nobody has decided on yet.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT p.id, p.submission_id, coalesce (p.category, ''), p.title, p.status,"
        "       r.decision, r.reason"
        " FROM project p LEFT JOIN review r ON r.submission_id = p.submission_id"
        " WHERE p.call = ?1 AND p.kind = 'prize' AND p.id > ?4"
        "   AND (?2 IS NULL OR p.category = ?2)"
        "   AND (?3 IS NULL OR coalesce (r.decision, 'pending') = ?3)"
        " ORDER BY p.id LIMIT ?5");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    wsis_store_bind_text (stmt, 3, decision);
    sqlite3_bind_int64 (stmt, 4, after);
    sqlite3_bind_int64 (stmt, 5, limit);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        nominations_review_row_t row = {
            .position = sqlite3_column_int64 (stmt, 0),
            .submission_id = wsis_store_text (stmt, 1),
            .category = wsis_store_text (stmt, 2),
            .title = wsis_store_text (stmt, 3),
            .status = wsis_store_text (stmt, 4),
            .decision = wsis_store_text (stmt, 5),
            .reason = wsis_store_text (stmt, 6),
        };
        fn (&row, arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

int
nominations_store_draft_each (wsis_store_t *store, const char *call, const char *category,
                              void (*fn) (const char *submission_id, const char *title, void *arg),
                              void *arg)
{
    //  A project withdrawn after it was nominated drops out of the list
    //  (it is no longer in the contest).
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT p.submission_id, p.title FROM project p JOIN review r"
        "   ON r.submission_id = p.submission_id"
        " WHERE p.call = ?1 AND p.kind = 'prize' AND p.category = ?2"
        "   AND p.status <> 'withdrawn' AND r.decision = 'nominate'"
        " ORDER BY p.id");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        fn (wsis_store_text (stmt, 0), wsis_store_text (stmt, 1), arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

int64_t
nominations_store_draft_count (wsis_store_t *store, const char *call, const char *category)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT count (*) FROM project p JOIN review r ON r.submission_id = p.submission_id"
        " WHERE p.call = ?1 AND p.kind = 'prize' AND p.category = ?2"
        "   AND p.status <> 'withdrawn' AND r.decision = 'nominate'");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    int rc = s_found (wsis_store_row (store, stmt));
    int64_t count = rc == 0? sqlite3_column_int64 (stmt, 0): -1;
    return wsis_store_done (stmt, (int) count);
}

int
nominations_store_published (wsis_store_t *store, const char *call, int64_t *published_at)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT published_at FROM publication WHERE call = ?1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0 && published_at)
        *published_at = sqlite3_column_int64 (stmt, 0);
    return wsis_store_done (stmt, rc);
}

int
nominations_store_publish (wsis_store_t *store, const char *call, const char *published_by,
                           int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO publication (call, published_by, published_at) VALUES (?1, ?2, ?3)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, published_by);
    sqlite3_bind_int64 (stmt, 3, now);
    return wsis_store_run (store, stmt);
}

int
nominations_store_nominated_add (wsis_store_t *store, const char *call, const char *category,
                                 int position, const char *submission_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO nominated (call, category, position, submission_id) VALUES (?1, ?2, ?3, ?4)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    sqlite3_bind_int (stmt, 3, position);
    wsis_store_bind_text (stmt, 4, submission_id);
    return wsis_store_run (store, stmt);
}

int
nominations_store_nominated_each (wsis_store_t *store, const char *call, const char *category,
                                  void (*fn) (const char *submission_id, const char *title, void *arg),
                                  void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT n.submission_id, coalesce (p.title, '') FROM nominated n"
        " LEFT JOIN project p ON p.submission_id = n.submission_id"
        " WHERE n.call = ?1 AND n.category = ?2 ORDER BY n.position");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        fn (wsis_store_text (stmt, 0), wsis_store_text (stmt, 1), arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

//  -------------------------------------------------------------------------
//  HLTF and Gender Trendsetter nominations

int
nominations_store_hltf_exists (wsis_store_t *store, const char *call, const char *email_norm)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM hltf_nomination WHERE call = ?1 AND nominee_email_norm = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, email_norm);
    return wsis_store_exists (store, stmt);
}

int
nominations_store_hltf_add (wsis_store_t *store, const nominations_nominee_t *nominee,
                            const char *email_norm, int64_t *number)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO hltf_nomination (call, stakeholder_type, nominee_name, nominee_title,"
        "  nominee_organization, nominee_email, nominee_email_norm, nominee_gender,"
        "  nominator_name, nominator_email, nominated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, nominee->call);
    wsis_store_bind_text (stmt, 2, nominee->stakeholder_type);
    wsis_store_bind_text (stmt, 3, nominee->name);
    wsis_store_bind_text (stmt, 4, nominee->title);
    wsis_store_bind_text (stmt, 5, nominee->organization);
    wsis_store_bind_text (stmt, 6, nominee->email);
    wsis_store_bind_text (stmt, 7, email_norm);
    wsis_store_bind_text (stmt, 8, nominee->gender);
    wsis_store_bind_text (stmt, 9, nominee->nominator_name);
    wsis_store_bind_text (stmt, 10, nominee->nominator_email);
    sqlite3_bind_int64 (stmt, 11, nominee->nominated_at);
    if (wsis_store_run (store, stmt))
        return -1;
    *number = sqlite3_last_insert_rowid (wsis_store_db (store));
    return 0;
}

int
nominations_store_hltf_each (wsis_store_t *store, const char *call, const char *stakeholder_type,
                             void (*fn) (const nominations_nominee_t *nominee, void *arg),
                             void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id, stakeholder_type, nominee_name, nominee_title, nominee_organization,"
        "       nominee_email, nominee_gender, nominator_name, nominator_email, nominated_at"
        " FROM hltf_nomination WHERE call = ?1 AND (?2 IS NULL OR stakeholder_type = ?2)"
        " ORDER BY id");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, stakeholder_type);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        nominations_nominee_t nominee = {
            .call = call,
            .number = sqlite3_column_int64 (stmt, 0),
            .stakeholder_type = wsis_store_text (stmt, 1),
            .name = wsis_store_text (stmt, 2),
            .title = wsis_store_text (stmt, 3),
            .organization = wsis_store_text (stmt, 4),
            .email = wsis_store_text (stmt, 5),
            .gender = wsis_store_text (stmt, 6),
            .nominator_name = wsis_store_text (stmt, 7),
            .nominator_email = wsis_store_text (stmt, 8),
            .nominated_at = sqlite3_column_int64 (stmt, 9),
        };
        fn (&nominee, arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

int
nominations_store_ambassador_exists (wsis_store_t *store, const char *call, const char *email_norm)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM ambassador_nomination WHERE call = ?1 AND nominee_email_norm = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, email_norm);
    return wsis_store_exists (store, stmt);
}

int
nominations_store_ambassador_add (wsis_store_t *store, const nominations_nominee_t *nominee,
                                  const char *email_norm, int64_t *number)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO ambassador_nomination (call, nominee_name, nominee_organization,"
        "  nominee_country, nominee_email, nominee_email_norm, nominee_gender, objectives,"
        "  motivation, nominated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, nominee->call);
    wsis_store_bind_text (stmt, 2, nominee->name);
    wsis_store_bind_text (stmt, 3, nominee->organization);
    wsis_store_bind_text (stmt, 4, nominee->country);
    wsis_store_bind_text (stmt, 5, nominee->email);
    wsis_store_bind_text (stmt, 6, email_norm);
    wsis_store_bind_text (stmt, 7, nominee->gender);
    wsis_store_bind_text (stmt, 8, nominee->objectives);
    wsis_store_bind_text (stmt, 9, nominee->motivation);
    sqlite3_bind_int64 (stmt, 10, nominee->nominated_at);
    if (wsis_store_run (store, stmt))
        return -1;
    *number = sqlite3_last_insert_rowid (wsis_store_db (store));
    return 0;
}

int
nominations_store_ambassador_each (wsis_store_t *store, const char *call,
                                   void (*fn) (const nominations_nominee_t *nominee, void *arg),
                                   void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT id, nominee_name, nominee_organization, nominee_country, nominee_email,"
        "       nominee_gender, objectives, motivation, nominated_at"
        " FROM ambassador_nomination WHERE call = ?1 ORDER BY id");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        nominations_nominee_t nominee = {
            .call = call,
            .number = sqlite3_column_int64 (stmt, 0),
            .name = wsis_store_text (stmt, 1),
            .organization = wsis_store_text (stmt, 2),
            .country = wsis_store_text (stmt, 3),
            .email = wsis_store_text (stmt, 4),
            .gender = wsis_store_text (stmt, 5),
            .objectives = wsis_store_text (stmt, 6),
            .motivation = wsis_store_text (stmt, 7),
            .nominated_at = sqlite3_column_int64 (stmt, 8),
        };
        fn (&nominee, arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

//  -------------------------------------------------------------------------
//  Experts, champions, scores, winners (phase 4)

void
nominations_expert_release (nominations_expert_t *expert)
{
    free (expert->entity_norm);
    expert->entity_norm = NULL;
}

int
nominations_store_expert (wsis_store_t *store, const char *call, const char *expert_id,
                          nominations_expert_t *expert)
{
    memset (expert, 0, sizeof *expert);
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT country, entity_norm FROM expert WHERE call = ?1 AND expert_id = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, expert_id);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0) {
        s_copy (stmt, 0, expert->country, sizeof expert->country);
        expert->entity_norm = s_dup (stmt, 1);
    }
    return wsis_store_done (stmt, rc);
}

int
nominations_store_expert_add (wsis_store_t *store, const char *call, const char *expert_id,
                              const char *name, const char *country, const char *entity,
                              const char *entity_norm, const char *registered_by, int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO expert (call, expert_id, name, country, entity, entity_norm,"
        "                    registered_by, registered_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, expert_id);
    wsis_store_bind_text (stmt, 3, name);
    wsis_store_bind_text (stmt, 4, country);
    wsis_store_bind_text (stmt, 5, entity);
    wsis_store_bind_text (stmt, 6, entity_norm);
    wsis_store_bind_text (stmt, 7, registered_by);
    sqlite3_bind_int64 (stmt, 8, now);
    return wsis_store_run (store, stmt);
}

int
nominations_store_champions_known (wsis_store_t *store, const char *call)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM champion WHERE call = ?1 LIMIT 1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    return wsis_store_done (stmt, s_found (wsis_store_row (store, stmt)));
}

int
nominations_store_champion_add (wsis_store_t *store, const char *call, const char *category,
                                const char *submission_id, int rank, int64_t votes)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR IGNORE INTO champion (call, category, rank, submission_id, votes)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    sqlite3_bind_int (stmt, 3, rank);
    wsis_store_bind_text (stmt, 4, submission_id);
    sqlite3_bind_int64 (stmt, 5, votes);
    return wsis_store_run (store, stmt);
}

int
nominations_store_champion (wsis_store_t *store, const char *call, const char *submission_id,
                            char *category, size_t size)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT category FROM champion WHERE call = ?1 AND submission_id = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, submission_id);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0)
        s_copy (stmt, 0, category, size);
    return wsis_store_done (stmt, rc);
}

int
nominations_store_standings_each (wsis_store_t *store, const char *call, const char *category,
                                  void (*fn) (const nominations_standing_t *standing, void *arg),
                                  void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT c.submission_id, c.rank, c.votes,"
        "       (SELECT count (*) FROM score s"
        "         WHERE s.call = c.call AND s.submission_id = c.submission_id),"
        "       (SELECT coalesce (sum (total), 0) FROM score s"
        "         WHERE s.call = c.call AND s.submission_id = c.submission_id),"
        "       coalesce (p.status = 'withdrawn', 0)"
        " FROM champion c LEFT JOIN project p ON p.submission_id = c.submission_id"
        " WHERE c.call = ?1 AND c.category = ?2 ORDER BY c.rank, c.submission_id");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        nominations_standing_t standing = {
            .submission_id = wsis_store_text (stmt, 0),
            .rank = sqlite3_column_int (stmt, 1),
            .votes = sqlite3_column_int64 (stmt, 2),
            .experts = sqlite3_column_int64 (stmt, 3),
            .total = sqlite3_column_int64 (stmt, 4),
            .withdrawn = sqlite3_column_int (stmt, 5) != 0,
        };
        fn (&standing, arg);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}

int
nominations_store_score_exists (wsis_store_t *store, const char *call, const char *submission_id,
                                const char *expert_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM score WHERE call = ?1 AND submission_id = ?2 AND expert_id = ?3");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, submission_id);
    wsis_store_bind_text (stmt, 3, expert_id);
    return wsis_store_exists (store, stmt);
}

int
nominations_store_score_set (wsis_store_t *store, const char *call, const char *submission_id,
                             const char *expert_id, const int64_t scores [NOMINATIONS_CRITERIA],
                             int64_t now)
{
    //  Scoring again replaces the expert's earlier scores of that project.
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR REPLACE INTO score (call, submission_id, expert_id, results, empowerment,"
        "  sdg_relevance, replicability, sustainability, partnerships, wsis_values, total,"
        "  scored_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?4 + ?5 + ?6 + ?7 + ?8 + ?9 + ?10, ?11)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, submission_id);
    wsis_store_bind_text (stmt, 3, expert_id);
    for (int i = 0; i < NOMINATIONS_CRITERIA; i++)
        sqlite3_bind_int64 (stmt, 4 + i, scores [i]);
    sqlite3_bind_int64 (stmt, 11, now);
    return wsis_store_run (store, stmt);
}

int
nominations_store_winner (wsis_store_t *store, const char *call, const char *category,
                          char *winner, size_t size)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT submission_id FROM winner WHERE call = ?1 AND category = ?2");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    int rc = s_found (wsis_store_row (store, stmt));
    if (rc == 0 && winner)
        s_copy (stmt, 0, winner, size);
    return wsis_store_done (stmt, rc);
}

int
nominations_store_winner_set (wsis_store_t *store, const char *call, const char *category,
                              const char *submission_id, bool tie, const char *decided_by,
                              int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO winner (call, category, submission_id, tie, decided_by, decided_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    wsis_store_bind_text (stmt, 2, category);
    wsis_store_bind_text (stmt, 3, submission_id);
    sqlite3_bind_int (stmt, 4, tie? 1: 0);
    wsis_store_bind_text (stmt, 5, decided_by);
    sqlite3_bind_int64 (stmt, 6, now);
    return wsis_store_run (store, stmt);
}

int
nominations_store_photo_selected (wsis_store_t *store, const char *call)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM photo_winner WHERE call = ?1 LIMIT 1");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    return wsis_store_done (stmt, s_found (wsis_store_row (store, stmt)));
}

int
nominations_store_photo_winner_add (wsis_store_t *store, const char *call, int rank,
                                    const char *submission_id, const char *selected_by,
                                    int64_t now)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT INTO photo_winner (call, rank, submission_id, selected_by, selected_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, call);
    sqlite3_bind_int (stmt, 2, rank);
    wsis_store_bind_text (stmt, 3, submission_id);
    wsis_store_bind_text (stmt, 4, selected_by);
    sqlite3_bind_int64 (stmt, 5, now);
    return wsis_store_run (store, stmt);
}
