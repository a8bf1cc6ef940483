/*  reporting_store: every SQL statement of wsis-reporting.

    Writes keep the read models as events arrive; the reports' queries are
    named (report_query_t) and return their rows as text, so every report
    reads the models the same way. The hot write is one vote: one small
    row of project_votes and one of poll, both hot in the page cache.
*/
#include "reporting.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

//  Runs a write with its values bound in order: types says what each is,
//  's' text (NULL binds SQL NULL), 'i' int64, 'd' double, 'n' a NULL.
static int
s_write (wsis_store_t *store, const char *sql, const char *types, ...)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, sql);
    if (!stmt)
        return -1;
    va_list args;
    va_start (args, types);
    for (int i = 0; types [i]; i++) {
        if (types [i] == 's')
            wsis_store_bind_text (stmt, i + 1, va_arg (args, const char *));
        else
        if (types [i] == 'i')
            sqlite3_bind_int64 (stmt, i + 1, va_arg (args, int64_t));
        else
        if (types [i] == 'd')
            sqlite3_bind_double (stmt, i + 1, va_arg (args, double));
        else
            sqlite3_bind_null (stmt, i + 1);
    }
    va_end (args);
    return wsis_store_run (store, stmt);
}

int
report_store_stakeholder_put (wsis_store_t *store, const char *id, const char *type,
                              const char *region, const char *country, const char *gender)
{
    return s_write (store,
        "INSERT OR REPLACE INTO stakeholder (stakeholder_id, type, region, country, gender)"
        " VALUES (?, ?, ?, ?, ?)", "sssss", id, type, region, country, gender);
}

int
report_store_submission_put (wsis_store_t *store, const report_submission_t *s)
{
    //  An update keeps the place of arrival (received_seq) and the
    //  withdrawn mark.
    return s_write (store,
        "INSERT INTO submission (submission_id, call, kind, stakeholder_id, category, entity,"
        "  stakeholder_type, region, country, title, description, impact, request,"
        "  contact_gender, sdgs, received_seq)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        " ON CONFLICT (submission_id) DO UPDATE SET stakeholder_id = ?4, category = ?5,"
        "  entity = ?6, stakeholder_type = ?7, region = ?8, country = ?9, title = ?10,"
        "  description = ?11, impact = ?12, request = ?13, contact_gender = ?14, sdgs = ?15",
        "sssssssssssssssi", s->submission_id, s->call, s->kind, s->stakeholder_id, s->category,
        s->entity, s->stakeholder_type, s->region, s->country, s->title? s->title: "",
        s->description, s->impact, s->request, s->contact_gender, s->sdgs? s->sdgs: "",
        s->received_seq);
}

int
report_store_submission_links_clear (wsis_store_t *store, const char *submission_id)
{
    if (s_write (store, "DELETE FROM submission_sdg WHERE submission_id = ?", "s", submission_id)
    ||  s_write (store, "DELETE FROM submission_category WHERE submission_id = ?", "s",
                 submission_id))
        return -1;
    return s_write (store, "DELETE FROM ocp_speaker WHERE submission_id = ?", "s", submission_id);
}

int
report_store_submission_sdg (wsis_store_t *store, const char *submission_id, int64_t sdg)
{
    return s_write (store,
        "INSERT OR IGNORE INTO submission_sdg (submission_id, sdg) VALUES (?, ?)", "si",
        submission_id, sdg);
}

int
report_store_submission_category (wsis_store_t *store, const char *submission_id,
                                  const char *category)
{
    return s_write (store,
        "INSERT OR IGNORE INTO submission_category (submission_id, category) VALUES (?, ?)", "ss",
        submission_id, category);
}

int
report_store_ocp_speaker (wsis_store_t *store, const char *submission_id, int64_t position,
                          const char *name, const char *gender)
{
    return s_write (store,
        "INSERT OR REPLACE INTO ocp_speaker (submission_id, position, name, gender)"
        " VALUES (?, ?, ?, ?)", "siss", submission_id, position, name, gender);
}

int
report_store_matrix_count (wsis_store_t *store, const char *submission_id, int64_t sign)
{
    return s_write (store,
        "INSERT INTO matrix_cell (call, kind, sdg, category, count)"
        " SELECT s.call, s.kind, d.sdg, c.category, ?2 FROM submission s"
        " JOIN submission_sdg d ON d.submission_id = s.submission_id"
        " JOIN submission_category c ON c.submission_id = s.submission_id"
        " WHERE s.submission_id = ?1 AND s.withdrawn = 0 AND s.kind IN ('prize', 'stocktaking')"
        " ON CONFLICT (call, kind, sdg, category) DO UPDATE SET count = count + excluded.count",
        "si", submission_id, sign);
}

int
report_store_summary_count (wsis_store_t *store, const char *submission_id, int64_t sign)
{
    if (s_write (store,
        "INSERT INTO summary_count (call, grouping, value, live, withdrawn)"
        " SELECT s.call, g.grouping, CASE g.grouping WHEN 0 THEN s.kind"
        "  WHEN 1 THEN coalesce (s.category, '') WHEN 2 THEN coalesce (s.stakeholder_type, '')"
        "  WHEN 3 THEN coalesce (s.region, '') ELSE coalesce (s.country, '') END,"
        "  ?2 * (s.withdrawn = 0), ?2 * (s.withdrawn = 1)"
        " FROM submission s, (SELECT 0 AS grouping UNION ALL SELECT 1 UNION ALL SELECT 2"
        "  UNION ALL SELECT 3 UNION ALL SELECT 4) g"
        " WHERE s.submission_id = ?1"
        " ON CONFLICT (call, grouping, value) DO UPDATE SET live = live + excluded.live,"
        "  withdrawn = withdrawn + excluded.withdrawn",
        "si", submission_id, sign))
        return -1;
    if (sign > 0)
        return 0;
    //  A value no submission has any more goes: it may be a person's
    //  country that withdrew her profile.
    return s_write (store,
        "DELETE FROM summary_count WHERE live = 0 AND withdrawn = 0"
        " AND call = (SELECT call FROM submission WHERE submission_id = ?)", "s", submission_id);
}

int
report_store_submission_withdraw (wsis_store_t *store, const char *submission_id)
{
    if (report_store_matrix_count (store, submission_id, -1)
    ||  report_store_summary_count (store, submission_id, -1)
    ||  s_write (store, "UPDATE submission SET withdrawn = 1 WHERE submission_id = ?", "s",
                 submission_id))
        return -1;
    return report_store_summary_count (store, submission_id, 1);
}

int
report_store_person_forget (wsis_store_t *store, const char *submission_id)
{
    //  What stays is an anonymous mark that one profile was withdrawn.
    if (report_store_summary_count (store, submission_id, -1)
    ||  s_write (store,
            "UPDATE submission SET stakeholder_id = NULL, category = NULL, entity = NULL,"
            "  stakeholder_type = NULL, region = NULL, country = NULL, title = '',"
            "  description = NULL, impact = NULL, request = NULL, contact_gender = NULL, sdgs = ''"
            " WHERE submission_id = ? AND kind = 'repository' AND withdrawn = 1", "s",
            submission_id)
    ||  report_store_summary_count (store, submission_id, 1)
    ||  s_write (store,
            "DELETE FROM submission_sdg WHERE submission_id = ?1 AND EXISTS (SELECT 1"
            " FROM submission WHERE submission_id = ?1 AND kind = 'repository')", "s",
            submission_id)
    ||  s_write (store,
            "DELETE FROM submission_category WHERE submission_id = ?1 AND EXISTS (SELECT 1"
            " FROM submission WHERE submission_id = ?1 AND kind = 'repository')", "s",
            submission_id))
        return -1;
    return s_write (store, "DELETE FROM profile WHERE submission_id = ?", "s", submission_id);
}

int
report_store_person_forgotten (wsis_store_t *store, const char *submission_id)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT 1 FROM submission WHERE submission_id = ? AND kind = 'repository' AND withdrawn = 1");
    if (stmt)
        wsis_store_bind_text (stmt, 1, submission_id);
    return wsis_store_exists (store, stmt);
}

int
report_store_profile_put (wsis_store_t *store, const char *submission_id, const char *call,
                          const char *name, const char *organization, const char *sector,
                          const char *region, const char *country, const char *expertise,
                          const char *links)
{
    return s_write (store,
        "INSERT OR REPLACE INTO profile (submission_id, call, name, organization, sector, region,"
        "  country, expertise, links) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssssssss",
        submission_id, call, name, organization? organization: "", sector? sector: "",
        region? region: "", country? country: "", expertise? expertise: "", links? links: "");
}

int
report_store_nominated_clear (wsis_store_t *store, const char *call)
{
    return s_write (store, "DELETE FROM nominated WHERE call = ?", "s", call);
}

int
report_store_nominated_put (wsis_store_t *store, const char *call, const char *category,
                            const char *submission_id, int64_t position)
{
    return s_write (store,
        "INSERT OR REPLACE INTO nominated (call, category, submission_id, position)"
        " VALUES (?, ?, ?, ?)", "sssi", call, category, submission_id, position);
}

int
report_store_vote (wsis_store_t *store, const char *call, const char *category,
                   const char *submission_id, bool new_voter)
{
    if (s_write (store,
            "INSERT INTO project_votes (call, category, submission_id, votes) VALUES (?1, ?2, ?3, 1)"
            " ON CONFLICT (call, submission_id) DO UPDATE SET votes = votes + 1",
            "sss", call, category, submission_id))
        return -1;
    return s_write (store,
        "INSERT INTO poll (call, votes, voters) VALUES (?1, 1, ?2)"
        " ON CONFLICT (call) DO UPDATE SET votes = votes + 1, voters = voters + ?2",
        "si", call, (int64_t) new_voter);
}

int
report_store_poll_closed (wsis_store_t *store, const char *call, int64_t votes, int64_t voters)
{
    return s_write (store,
        "INSERT INTO poll (call, votes, voters, closed) VALUES (?1, ?2, ?3, 1)"
        " ON CONFLICT (call) DO UPDATE SET votes = ?2, voters = ?3, closed = 1",
        "sii", call, votes, voters);
}

int
report_store_project_votes_set (wsis_store_t *store, const char *call, const char *category,
                                const char *submission_id, int64_t votes)
{
    return s_write (store,
        "INSERT OR REPLACE INTO project_votes (call, category, submission_id, votes)"
        " VALUES (?, ?, ?, ?)", "sssi", call, category, submission_id, votes);
}

int
report_store_champions_clear (wsis_store_t *store, const char *call)
{
    return s_write (store, "DELETE FROM champion WHERE call = ?", "s", call);
}

int
report_store_champion_put (wsis_store_t *store, const char *call, const char *category,
                           const char *submission_id, int64_t rank, int64_t votes)
{
    return s_write (store,
        "INSERT OR REPLACE INTO champion (call, category, submission_id, rank, votes)"
        " VALUES (?, ?, ?, ?, ?)", "sssii", call, category, submission_id, rank, votes);
}

int
report_store_winner_put (wsis_store_t *store, const char *call, const char *category,
                         const char *submission_id, double mean, bool has_mean, bool tie)
{
    if (!has_mean)
        return s_write (store,
            "INSERT OR REPLACE INTO winner (call, category, submission_id, mean, tie)"
            " VALUES (?, ?, ?, ?, ?)", "sssni", call, category, submission_id, (int64_t) tie);
    return s_write (store,
        "INSERT OR REPLACE INTO winner (call, category, submission_id, mean, tie)"
        " VALUES (?, ?, ?, ?, ?)", "sssdi", call, category, submission_id, mean, (int64_t) tie);
}

int
report_store_photo_winners_clear (wsis_store_t *store, const char *call)
{
    return s_write (store, "DELETE FROM photo_winner WHERE call = ?", "s", call);
}

int
report_store_photo_winner_put (wsis_store_t *store, const char *call, const char *submission_id,
                               int64_t rank)
{
    return s_write (store,
        "INSERT OR REPLACE INTO photo_winner (call, submission_id, rank) VALUES (?, ?, ?)", "ssi",
        call, submission_id, rank);
}

int
report_store_nominee_put (wsis_store_t *store, const char *nomination_id, const char *call,
                          const char *kind, const char *stakeholder_type, const char *gender)
{
    return s_write (store,
        "INSERT OR REPLACE INTO nominee (nomination_id, call, kind, stakeholder_type, gender)"
        " VALUES (?, ?, ?, ?, ?)", "sssss", nomination_id, call, kind, stakeholder_type, gender);
}

int
report_store_speaker_put (wsis_store_t *store, int64_t event_seq, const char *session_id,
                          const char *session_title, const char *track, const char *name,
                          const char *gender, const char *role, const char *organization)
{
    return s_write (store,
        "INSERT OR REPLACE INTO speaker (event_seq, session_id, session_title, track, name,"
        "  gender, role, organization) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "isssssss",
        event_seq, session_id, session_title? session_title: "", track? track: "", name, gender,
        role? role: "", organization? organization: "");
}

//  -------------------------------------------------------------------------
//  The reports' queries

static const char *const s_queries [REPORT_Q_COUNT] = {
    [REPORT_Q_SUBMISSIONS_BY] =
        "SELECT value, live, withdrawn FROM summary_count WHERE call = ?1 AND grouping = ?2"
        " ORDER BY 1",
    [REPORT_Q_COUNTRIES] =
        "SELECT count (*) FROM summary_count"
        " WHERE call = ?1 AND grouping = 4 AND value <> '' AND live > 0",
    [REPORT_Q_NOMINATED] =
        "SELECT category, count (*) FROM nominated WHERE call = ?1 GROUP BY 1 ORDER BY 1",
    [REPORT_Q_NOMINATED_BY_TYPE] =
        "SELECT coalesce (s.stakeholder_type, ''), count (*) FROM nominated n"
        " LEFT JOIN submission s ON s.submission_id = n.submission_id"
        " WHERE n.call = ?1 GROUP BY 1 ORDER BY 1",
    [REPORT_Q_NOMINATED_BY_REGION] =
        "SELECT coalesce (s.region, ''), count (*) FROM nominated n"
        " LEFT JOIN submission s ON s.submission_id = n.submission_id"
        " WHERE n.call = ?1 GROUP BY 1 ORDER BY 1",
    [REPORT_Q_POLL] =
        "SELECT votes, voters, closed FROM poll WHERE call = ?1",
    [REPORT_Q_CHAMPIONS] =
        "SELECT c.category, c.submission_id, c.rank, c.votes, coalesce (s.title, '')"
        " FROM champion c LEFT JOIN submission s ON s.submission_id = c.submission_id"
        " WHERE c.call = ?1 ORDER BY c.category, c.rank",
    [REPORT_Q_WINNERS] =
        "SELECT w.category, w.submission_id, w.mean, w.tie, coalesce (s.title, '')"
        " FROM winner w LEFT JOIN submission s ON s.submission_id = w.submission_id"
        " WHERE w.call = ?1 ORDER BY w.category",
    [REPORT_Q_PHOTO_WINNERS] =
        "SELECT p.rank, p.submission_id, coalesce (s.title, '')"
        " FROM photo_winner p LEFT JOIN submission s ON s.submission_id = p.submission_id"
        " WHERE p.call = ?1 ORDER BY p.rank",
    [REPORT_Q_NOMINEES] =
        "SELECT coalesce (stakeholder_type, ''), coalesce (gender, 'undisclosed'), count (*)"
        " FROM nominee WHERE call = ?1 AND kind = ?2 GROUP BY 1, 2 ORDER BY 1, 2",
    [REPORT_Q_OCP_REQUESTS] =
        "SELECT request, count (*) FROM submission"
        " WHERE call = ?1 AND kind = 'ocp' AND withdrawn = 0 GROUP BY 1 ORDER BY 1",
    [REPORT_Q_MATRIX] =
        "SELECT sdg, category, sum (count) FROM matrix_cell"
        " WHERE (?1 IS NULL OR call = ?1) AND (?2 IS NULL OR kind = ?2)"
        " GROUP BY 1, 2",
    [REPORT_Q_SPEAKERS] =
        "SELECT session_id, session_title, track, coalesce (gender, 'undisclosed') FROM speaker"
        " ORDER BY session_id, event_seq",
    [REPORT_Q_OCP_SPEAKERS] =
        "SELECT coalesce (o.gender, 'undisclosed'), count (*) FROM ocp_speaker o"
        " JOIN submission s ON s.submission_id = o.submission_id"
        " WHERE s.withdrawn = 0 AND (?1 IS NULL OR s.call = ?1) GROUP BY 1 ORDER BY 1",
    [REPORT_Q_GENDER_OF] =
        //  ?1 what, ?2 call: one query for the groups whose people are
        //  counted by gender.
        "SELECT gender, count (*) FROM ("
        "  SELECT coalesce (gender, 'undisclosed') AS gender FROM nominee"
        "   WHERE ?1 = 'hltf' AND kind = 'hltf' AND (?2 IS NULL OR call = ?2)"
        "  UNION ALL SELECT coalesce (gender, 'undisclosed') FROM nominee"
        "   WHERE ?1 = 'trendsetters' AND kind = 'ambassador' AND (?2 IS NULL OR call = ?2)"
        "  UNION ALL SELECT coalesce (contact_gender, 'undisclosed') FROM submission"
        "   WHERE ?1 = 'contacts' AND kind = 'prize' AND withdrawn = 0 AND (?2 IS NULL OR call = ?2)"
        "  UNION ALL SELECT coalesce (gender, 'undisclosed') FROM stakeholder WHERE ?1 = 'stakeholders'"
        ") GROUP BY 1 ORDER BY 1",
    [REPORT_Q_STORIES] =
        "SELECT c.category, c.submission_id, c.rank, c.votes,"
        "  (w.submission_id IS NOT NULL), s.title, coalesce (s.entity, ''), coalesce (s.country, ''),"
        "  coalesce (s.stakeholder_type, ''), coalesce (s.description, ''), coalesce (s.impact, ''),"
        "  coalesce (s.sdgs, '')"
        " FROM champion c JOIN submission s ON s.submission_id = c.submission_id"
        " LEFT JOIN winner w ON w.call = c.call AND w.category = c.category"
        "  AND w.submission_id = c.submission_id"
        " WHERE c.call = ?1 ORDER BY c.category, (w.submission_id IS NULL), c.rank",
    [REPORT_Q_EXPORT_SUBMISSIONS] =
        "SELECT submission_id, call, kind, CASE withdrawn WHEN 1 THEN 'withdrawn' ELSE 'received' END,"
        "  coalesce (category, ''), coalesce (entity, ''), coalesce (stakeholder_type, ''),"
        "  coalesce (region, ''), coalesce (country, ''), title, sdgs,"
        "  coalesce (contact_gender, ''), received_seq"
        " FROM submission WHERE call = ?1 AND NOT (kind = 'repository' AND withdrawn = 1)"
        " ORDER BY received_seq LIMIT ?3 OFFSET ?2",
    [REPORT_Q_EXPORT_VOTES] =
        "SELECT p.category, p.submission_id, coalesce (s.title, ''), p.votes,"
        "  coalesce ((SELECT rank FROM champion c WHERE c.call = p.call"
        "   AND c.submission_id = p.submission_id), '')"
        " FROM project_votes p LEFT JOIN submission s ON s.submission_id = p.submission_id"
        " WHERE p.call = ?1 ORDER BY p.category, p.votes DESC, p.submission_id"
        " LIMIT ?3 OFFSET ?2",
    [REPORT_Q_PROFILES] =
        "SELECT submission_id, name, organization, sector, region, country, expertise, links"
        " FROM profile"
        " WHERE (?1 IS NULL OR sector = ?1) AND (?2 IS NULL OR region = ?2)"
        "   AND (?3 IS NULL OR instr (lower (name || ' ' || organization || ' ' || expertise),"
        "                              lower (?3)) > 0)"
        " ORDER BY name, submission_id LIMIT ?5 OFFSET ?4",
};

int
report_store_query (wsis_store_t *store, report_query_t query, const char *const *params,
                    size_t param_count, report_row_fn *fn, void *arg)
{
    sqlite3_stmt *stmt = wsis_store_stmt (store, s_queries [query]);
    if (!stmt)
        return -1;
    //  A parameter of digits only is a number (an offset, a limit, a seq);
    //  ids and names always hold a letter.
    for (size_t i = 0; i < param_count; i++) {
        const char *param = params [i];
        if (param && *param && strspn (param, "0123456789") == strlen (param) && strlen (param) < 19)
            sqlite3_bind_int64 (stmt, (int) i + 1, atoll (param));
        else
            wsis_store_bind_text (stmt, (int) i + 1, param);
    }
    int columns = sqlite3_column_count (stmt);
    const char *values [16];
    int count = 0, rc;
    while ((rc = wsis_store_row (store, stmt)) == 1) {
        for (int i = 0; i < columns && i < 16; i++)
            values [i] = wsis_store_text (stmt, i);
        if (fn && fn (values, (size_t) columns, arg))
            return wsis_store_done (stmt, -1);
        count++;
    }
    return wsis_store_done (stmt, rc < 0? -1: count);
}
