/*  wsis-reporting: what the public, the press and the WSIS secretariat see
    of the year's work (docs/protocol.md section 12).

    Read models built from every event, and nothing else: the submissions
    as their records said, the nominated lists, the votes per project, the
    champions, the winners, the HLTF and Gender Trendsetter nominations, the
    photo winners, the speakers other systems report through the bus, and
    the profiles of the Repository of Women in Tech. Each is kept
    incrementally as events arrive, in the service's own store; a report
    reads the model, it never rescans events. Because the model is derived
    from the sources' event logs alone, `wsis-reporting --rebuild` throws
    it away and builds it again from events.since of every source, and
    every report comes out byte-identical.

    An event counts only from its true source (a vote.cast from voting, a
    submission.received from submissions); of the bus journal, only the
    external types listed in docs/protocol.md (forum.speaker.registered).
    Anything else is counted in sys.stats as ignored.

    Files: main.c (the def), reporting_events.c (the models, from events),
    reporting_ops.c (the operation table and the checks every report
    shares), reporting_summary.c, reporting_matrix.c, reporting_gender.c,
    reporting_results.c, reporting_publication.c, reporting_export.c,
    reporting_repository.c (one report each), reporting_csv.c (RFC 4180),
    reporting_svg.c (the heat map and the bar chart), reporting_markdown.c
    (the publication as Markdown, and as HTML through cmark),
    reporting_store.c (every SQL statement), schema.sql.
*/
#ifndef REPORTING_H
#define REPORTING_H

#include "wsis_fields.h"
#include "wsis_service.h"
#include "wsis_valid.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

//  -------------------------------------------------------------------------
//  reporting_csv.c: RFC 4180 text, UTF-8

//  Appends one cell to out: quoted (with quotes doubled) when it holds a
//  comma, a quote, CR or LF, or begins or ends with a space; then a comma,
//  or CRLF when last. NULL writes an empty cell.
void report_csv_cell (zchunk_t *out, const char *text, bool last);
void report_csv_int (zchunk_t *out, int64_t value, bool last);
//  A number with a fixed count of decimals ("8.50"); an empty cell when
//  it is not finite (an average of nothing).
void report_csv_real (zchunk_t *out, double value, int decimals, bool last);

//  Appends text to a growing chunk (zchunk_extend), the way every textual
//  report is built.
void report_text (zchunk_t *out, const char *text);
void report_textf (zchunk_t *out, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
//  text with &, <, >, " and ' escaped for XML and HTML; the C0 controls
//  XML 1.0 forbids (all but tab, LF and CR) are dropped.
void report_text_xml (zchunk_t *out, const char *text);

//  -------------------------------------------------------------------------
//  reporting_svg.c: pictures a person can read

//  The WSIS Action Lines x SDG matrix as a heat map: one labelled row per
//  row label, one labelled column per column label, each cell shaded by
//  its count (0 white) and the count written in it, a legend of the
//  shades, a title. Sized to be read at 1200 px wide.
typedef struct {
    const char *title;
    const char *subtitle;       //  may be NULL
    const char *const *columns; //  column_count labels ("C1" .. "C11")
    size_t column_count;
    const char *const *rows;    //  row_count labels ("SDG 1" .. "SDG 17")
    size_t row_count;
    const int64_t *counts;      //  row-major: counts [row * column_count + column]
} report_heatmap_t;

//  A new SVG document; the caller destroys it.
zchunk_t *report_svg_heatmap (const report_heatmap_t *map);

//  The 50/50 challenge: one horizontal bar per group with its female
//  share of those whose gender was given, the count ("12 of 30"), and a
//  line at 50%.
typedef struct {
    const char *label;
    int64_t female;
    int64_t total;              //  whose gender was given; 0: no bar, "no data"
} report_bar_t;

typedef struct {
    const char *title;
    const char *subtitle;       //  may be NULL
    const report_bar_t *bars;
    size_t count;
} report_barchart_t;

zchunk_t *report_svg_gender (const report_barchart_t *chart);

//  -------------------------------------------------------------------------
//  reporting_markdown.c: "WSIS Stocktaking: Success Stories"

//  One project of the publication.
typedef struct {
    const char *submission_id;
    const char *title;
    const char *entity;
    const char *country;        //  ISO 3166-1 alpha-2
    const char *stakeholder_type;
    const char *description;    //  the short description
    const char *impact;
    const char *sdgs;           //  "4, 9"
    int64_t votes;
    int64_t rank;               //  its rank among the champions, 1-5
    bool winner;
} report_story_t;

//  One Action Line: its winner first, then the other champions by rank.
typedef struct {
    const char *category;       //  "C1", "e-gov", ...
    const report_story_t *stories;
    size_t count;
} report_chapter_t;

typedef struct {
    const char *call;           //  "prizes-2022"
    const char *title;          //  "WSIS Stocktaking: Success Stories 2022"
    const report_chapter_t *chapters;   //  in the order of the 18 categories
    size_t chapter_count;
} report_publication_t;

//  The name of an Action Line ("C1" -> "The role of public governance
//  authorities and all stakeholders in the promotion of ICTs for
//  development"), or the code itself when unknown. Static text.
const char *report_category_title (const char *category);

//  The publication as Markdown (CommonMark): a title, an introduction, a
//  table of contents, then one section per Action Line with its winner and
//  champions. Text from submitters is escaped so it cannot make headings,
//  links or HTML of its own. The caller frees the result.
char *report_markdown_publication (const report_publication_t *publication);

//  Markdown turned into one self-contained HTML page (UTF-8, inline CSS,
//  no script, no outside resource) by cmark, raw HTML in the Markdown
//  suppressed; headings get ids so the table of contents links work. The
//  caller frees the result, NULL when cmark fails.
char *report_markdown_html (const char *markdown, const char *title);

//  -------------------------------------------------------------------------
//  The service

//  What the service keeps in memory: nothing the store does not hold.
typedef struct {
    int unused;
} reporting_t;

//  -------------------------------------------------------------------------
//  reporting_store.c: every SQL statement

//  A submission as a record said it.
typedef struct {
    const char *submission_id;
    const char *call;
    const char *kind;
    const char *stakeholder_id;
    const char *category;
    const char *entity;
    const char *stakeholder_type;
    const char *region;
    const char *country;
    const char *title;
    const char *description;
    const char *impact;
    const char *request;
    const char *contact_gender;
    const char *sdgs;           //  "4 9"
    int64_t received_seq;
} report_submission_t;

//  Writes: 0 or -1 (logged); in the caller's transaction.
int report_store_stakeholder_put (wsis_store_t *store, const char *id, const char *type,
                                  const char *region, const char *country, const char *gender);
int report_store_submission_put (wsis_store_t *store, const report_submission_t *submission);
//  Forgets a submission's SDGs, Action Lines and OCP speakers (an update
//  brings them all again).
int report_store_submission_links_clear (wsis_store_t *store, const char *submission_id);
int report_store_submission_sdg (wsis_store_t *store, const char *submission_id, int64_t sdg);
int report_store_submission_category (wsis_store_t *store, const char *submission_id,
                                      const char *category);
int report_store_ocp_speaker (wsis_store_t *store, const char *submission_id, int64_t position,
                              const char *name, const char *gender);
//  Adds sign (1 or -1) to the matrix cells of a submission's SDG x Action
//  Line pairs, if it is a live prize project or Stocktaking entry: -1
//  before its links change or it is withdrawn, 1 once they are stored.
int report_store_matrix_count (wsis_store_t *store, const char *submission_id, int64_t sign);
//  Adds sign (1 or -1) to the summary's counts of a submission's call by
//  its kind, category, stakeholder type, region and country (live or
//  withdrawn as it is): -1 before its record changes, 1 after.
int report_store_summary_count (wsis_store_t *store, const char *submission_id, int64_t sign);
//  Marks a submission withdrawn (out of the matrix, counted withdrawn).
int report_store_submission_withdraw (wsis_store_t *store, const char *submission_id);
int report_store_profile_put (wsis_store_t *store, const char *submission_id, const char *call,
                              const char *name, const char *organization, const char *sector,
                              const char *region, const char *country, const char *expertise,
                              const char *links);
//  A withdrawn profile of the Repository of Women in Tech: the person
//  withdrew the consent to be listed, so her profile goes and her
//  submission row keeps nothing of her (no name, organization, country or
//  region; no SDGs or Action Lines), only that one profile was withdrawn.
//  Of any other kind, only the profile table is touched (it has none).
int report_store_person_forget (wsis_store_t *store, const char *submission_id);
//  1 when submission_id is a withdrawn profile (an event about it must
//  bring nothing of the person back), 0 not, -1 the store failed.
int report_store_person_forgotten (wsis_store_t *store, const char *submission_id);
int report_store_nominated_clear (wsis_store_t *store, const char *call);
int report_store_nominated_put (wsis_store_t *store, const char *call, const char *category,
                                const char *submission_id, int64_t position);
//  One vote.cast: the project's count and the poll's.
int report_store_vote (wsis_store_t *store, const char *call, const char *category,
                       const char *submission_id, bool new_voter);
//  voting.closed: the final counts, and the champions.
int report_store_poll_closed (wsis_store_t *store, const char *call, int64_t votes,
                              int64_t voters);
int report_store_project_votes_set (wsis_store_t *store, const char *call, const char *category,
                                    const char *submission_id, int64_t votes);
int report_store_champions_clear (wsis_store_t *store, const char *call);
int report_store_champion_put (wsis_store_t *store, const char *call, const char *category,
                               const char *submission_id, int64_t rank, int64_t votes);
int report_store_winner_put (wsis_store_t *store, const char *call, const char *category,
                             const char *submission_id, double mean, bool has_mean, bool tie);
int report_store_photo_winners_clear (wsis_store_t *store, const char *call);
int report_store_photo_winner_put (wsis_store_t *store, const char *call,
                                   const char *submission_id, int64_t rank);
int report_store_nominee_put (wsis_store_t *store, const char *nomination_id, const char *call,
                              const char *kind, const char *stakeholder_type, const char *gender);
int report_store_speaker_put (wsis_store_t *store, int64_t event_seq, const char *session_id,
                              const char *session_title, const char *track, const char *name,
                              const char *gender, const char *role, const char *organization);

//  Reads: a query's rows through fn, each as an array of column texts
//  (NULL for SQL NULL; numbers as their text) valid during the call.
//  The count, or -1.
typedef int (report_row_fn) (const char *const *columns, size_t count, void *arg);

//  The named queries of the reports (their SQL in reporting_store.c),
//  with their parameters as text (NULL binds SQL NULL).
typedef enum {
    REPORT_Q_SUBMISSIONS_BY,    //  call, grouping (0 kind, 1 category, 2 stakeholder type,
                                //  3 region, 4 country): (value, received, withdrawn)
    REPORT_Q_COUNTRIES,         //  call: (countries)
    REPORT_Q_NOMINATED,         //  call: (category, count)
    REPORT_Q_NOMINATED_BY_TYPE,     //  call: (stakeholder_type, count)
    REPORT_Q_NOMINATED_BY_REGION,   //  call: (region, count)
    REPORT_Q_POLL,              //  call: (votes, voters, closed)
    REPORT_Q_CHAMPIONS,         //  call: (category, submission_id, rank, votes, title)
    REPORT_Q_WINNERS,           //  call: (category, submission_id, mean, tie, title)
    REPORT_Q_PHOTO_WINNERS,     //  call: (rank, submission_id, title)
    REPORT_Q_NOMINEES,          //  call, kind: (stakeholder_type, gender, count)
    REPORT_Q_OCP_REQUESTS,      //  call: (request, count)
    REPORT_Q_MATRIX,            //  call, kind: (sdg, category, count)
    REPORT_Q_SPEAKERS,          //  (session_id, session_title, track, gender): every report
    REPORT_Q_OCP_SPEAKERS,      //  call: (gender, count)
    REPORT_Q_GENDER_OF,         //  what ("hltf" | "contacts" | "stakeholders" | "trendsetters"), call: (gender, count)
    REPORT_Q_STORIES,           //  call: (category, submission_id, rank, votes, winner, title,
                                //  entity, country, stakeholder_type, description, impact, sdgs)
    REPORT_Q_EXPORT_SUBMISSIONS,    //  call, offset, limit
    REPORT_Q_EXPORT_VOTES,          //  call, offset, limit
    REPORT_Q_PROFILES,          //  sector, region, q, offset, limit
    REPORT_Q_COUNT
} report_query_t;

int report_store_query (wsis_store_t *store, report_query_t query, const char *const *params,
                        size_t param_count, report_row_fn *fn, void *arg);

//  The rows of a query, copied: for reports that need them twice or
//  count them before packing.
typedef struct {
    char **cells;               //  row-major, NULL for SQL NULL
    size_t columns;
    size_t count;
    size_t alloc;
} report_rows_t;

//  Runs query into rows (empty first); 0 or -1. report_rows_release frees.
int report_rows_query (wsis_store_t *store, report_query_t query, const char *const *params,
                       size_t param_count, report_rows_t *rows);
//  The text of a cell ("" for NULL), and as a number.
const char *report_cell (const report_rows_t *rows, size_t row, size_t column);
int64_t report_cell_int (const report_rows_t *rows, size_t row, size_t column);
void report_rows_release (report_rows_t *rows);

//  -------------------------------------------------------------------------
//  reporting_ops.c: the table, and what every report shares

extern const wsis_op_t reporting_ops [];

//  The `call` of a report: a call of the calendar (or absent when need is
//  WSIS_OPTIONAL: *call NULL). 0, 1 absent, -1 the reply failed.
int report_call_field (wsis_service_t *service, wsis_fields_t *body, wsis_need_t need,
                       char *buffer, size_t size, const char **call);
//  The `format`: one of formats (NULL-terminated; the first is the
//  default). 0 or -1 (the reply failed).
int report_format_field (wsis_fields_t *body, const char *const *formats, char *format,
                         size_t size);
//  {content_type, data} with text as a str; text is destroyed.
void report_reply_text (wsis_reply_t *reply, const char *content_type, zchunk_t **text);
//  A report.export page: {content_type: CSV, data, rows, next}; next < 0
//  packs nil (the last page). Destroys *csv.
void report_reply_csv_page (wsis_reply_t *reply, zchunk_t **csv, int64_t rows, int64_t next);
//  A store failure: `internal`. Returns -1.
int report_fail_store (wsis_reply_t *reply);

//  The reports, one file each.
int report_op_summary (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int report_op_sdg_matrix (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int report_op_gender (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
//  report.export {dataset: "gender"}: the same figures as report.gender's CSV,
//  in the export's reply {content_type, data, rows, next: nil}.
int report_gender_export (wsis_service_t *service, const char *call, wsis_reply_t *reply);
int report_op_results (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int report_op_publication (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int report_op_export (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int report_op_women_in_tech (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  -------------------------------------------------------------------------
//  reporting_events.c

int reporting_events_apply (wsis_service_t *service, const wsis_event_t *event);

#endif
