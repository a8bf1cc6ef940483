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

#endif
