/*  reporting_publication: report.publication {call, format: md|html}, the
    "WSIS Stocktaking: Success Stories <year>" document of a WSIS Prizes
    call: the winners and the other champions of the 18 categories, each
    with its title, entity, country, stakeholder type, description, SDGs
    and impact, grouped by Action Line in the order of the 18 categories.
    The HTML is made from the Markdown by cmark (reporting_markdown.c).
*/
#include "reporting.h"
#include "wsis_alloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_formats [] = { "md", "html", NULL };

//  The stories of rows (category, submission_id, rank, votes, winner,
//  title, entity, country, stakeholder_type, description, impact, sdgs),
//  ordered by category, winner first, then rank; chapters point into them.
static void
s_stories (const report_rows_t *rows, report_story_t *stories, report_chapter_t *chapters,
           size_t *chapter_count)
{
    *chapter_count = 0;
    for (int c = 0; c < WSIS_CATEGORY_COUNT; c++) {
        report_chapter_t *chapter = &chapters [*chapter_count];
        chapter->category = wsis_categories [c];
        chapter->stories = NULL;
        chapter->count = 0;
        for (size_t i = 0; i < rows->count; i++) {
            if (!streq (report_cell (rows, i, 0), wsis_categories [c]))
                continue;
            report_story_t *story = &stories [i];
            *story = (report_story_t) {
                .submission_id = report_cell (rows, i, 1), .rank = report_cell_int (rows, i, 2),
                .votes = report_cell_int (rows, i, 3), .winner = report_cell_int (rows, i, 4) != 0,
                .title = report_cell (rows, i, 5), .entity = report_cell (rows, i, 6),
                .country = report_cell (rows, i, 7), .stakeholder_type = report_cell (rows, i, 8),
                .description = report_cell (rows, i, 9), .impact = report_cell (rows, i, 10),
                .sdgs = report_cell (rows, i, 11),
            };
            if (!chapter->stories)
                chapter->stories = story;
            chapter->count++;
        }
        //  Rows come grouped by category, so a chapter's stories are
        //  contiguous; a category without champions has no chapter.
        if (chapter->count)
            (*chapter_count)++;
    }
}

//  "WSIS Stocktaking: Success Stories 2022", the year taken from the
//  call's id ("prizes-2022"), or its title.
static void
s_title (const wsis_call_t *call, char *buffer, size_t size)
{
    const char *dash = strrchr (call->id, '-');
    if (dash && strlen (dash + 1) == 4 && strspn (dash + 1, "0123456789") == 4)
        snprintf (buffer, size, "WSIS Stocktaking: Success Stories %s", dash + 1);
    else
        snprintf (buffer, size, "WSIS Stocktaking: Success Stories (%s)",
                  *call->title? call->title: call->id);
}

int
report_op_publication (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65], format [8], title [200];
    const char *call_id;
    if (report_call_field (service, &body, WSIS_REQUIRED, buffer, sizeof buffer, &call_id)
    ||  report_format_field (&body, s_formats, format, sizeof format))
        return -1;
    const wsis_call_t *call = wsis_calendar_call (wsis_service_calendar (service), call_id);
    if (!streq (call->kind, "prize"))
        return wsis_fields_fail (&body, "call", "is a %s call; the publication is of a WSIS "
                                 "Prizes call", call->kind);
    report_rows_t rows;
    if (report_rows_query (wsis_service_store (service), REPORT_Q_STORIES, &call_id, 1, &rows))
        return report_fail_store (reply);
    report_story_t *stories = (report_story_t *) wsis_calloc (rows.count, sizeof (report_story_t));
    report_chapter_t chapters [WSIS_CATEGORY_COUNT];
    size_t chapter_count;
    s_stories (&rows, stories, chapters, &chapter_count);
    s_title (call, title, sizeof title);
    report_publication_t publication = { call->id, title, chapters, chapter_count };
    char *markdown = report_markdown_publication (&publication);
    char *html = streq (format, "html")? report_markdown_html (markdown, title): NULL;
    int rc = 0;
    if (streq (format, "html") && !html)
        rc = wsis_reply_fail (reply, "internal", NULL, "the publication could not be made");
    else {
        const char *text = html? html: markdown;
        zchunk_t *chunk = zchunk_new (text, strlen (text));
        report_reply_text (reply, html? "text/html; charset=utf-8": "text/markdown; charset=utf-8",
                           &chunk);
    }
    free (html);
    free (markdown);
    free (stories);
    report_rows_release (&rows);
    return rc;
}
