/*  reporting_export: report.export {dataset, call, format: csv, after?,
    limit?} (staff, operator), the read models as RFC 4180 CSV a
    spreadsheet opens: submissions, nominations, votes (per project),
    results and gender. The large ones come a page at a time (an export of
    13,000 Stocktaking entries would not fit one reply): `next` is the
    `after` of the next page, nil at the end.
*/
#include "reporting.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_formats [] = { "csv", NULL };

#define PAGE_DEFAULT 1000
#define PAGE_MAX 5000

typedef struct {
    const char *name;
    report_query_t query;       //  REPORT_Q_COUNT: not paged, built otherwise
    const char *const *header;
} dataset_t;

static const char *const s_submissions [] = {
    "submission_id", "call", "kind", "status", "category", "entity", "stakeholder_type",
    "region", "country", "title", "sdgs", "contact_gender", NULL
};
static const char *const s_votes [] = {
    "category", "submission_id", "title", "votes", "champion_rank", NULL
};
static const char *const s_nominations [] = { "category", "count", NULL };
static const char *const s_results [] = {
    "category", "submission_id", "title", "rank", "votes", "winner", NULL
};

//  Every dataset an export offers: those of s_datasets, and gender.
static const char *const s_dataset_names [] = {
    "submissions", "votes", "nominations", "results", "gender", NULL
};

static const dataset_t s_datasets [] = {
    { "submissions", REPORT_Q_EXPORT_SUBMISSIONS, s_submissions },
    { "votes", REPORT_Q_EXPORT_VOTES, s_votes },
    { "nominations", REPORT_Q_NOMINATED, s_nominations },
    { "results", REPORT_Q_STORIES, s_results },
    { NULL }
};

static void
s_header (zchunk_t *out, const char *const *header)
{
    for (size_t i = 0; header [i]; i++)
        report_csv_cell (out, header [i], !header [i + 1]);
}

typedef struct {
    zchunk_t *out;
    const dataset_t *dataset;
} write_t;

static int
s_row (const char *const *columns, size_t count, void *arg)
{
    write_t *write = (write_t *) arg;
    if (write->dataset->query == REPORT_Q_STORIES) {
        //  (category, submission_id, rank, votes, winner, title, ...)
        const char *cells [6] = {
            columns [0], columns [1], columns [5], columns [2], columns [3],
            atoi (columns [4])? "yes": "no"
        };
        for (int i = 0; i < 6; i++)
            report_csv_cell (write->out, cells [i], i == 5);
        return 0;
    }
    size_t shown = 0;
    while (write->dataset->header [shown])
        shown++;
    for (size_t i = 0; i < shown && i < count; i++)
        report_csv_cell (write->out, columns [i], i + 1 == shown);
    return 0;
}

int
report_op_export (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65], format [8], name [32];
    const char *call;
    uint64_t after = 0, limit = PAGE_DEFAULT;
    if (wsis_fields_choice_text (&body, "dataset", WSIS_REQUIRED, s_dataset_names, SIZE_MAX,
                                 name, sizeof name)
    ||  report_call_field (service, &body, WSIS_REQUIRED, buffer, sizeof buffer, &call)
    ||  report_format_field (&body, s_formats, format, sizeof format)
    ||  wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, INT32_MAX, &after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, PAGE_MAX, &limit) < 0)
        return -1;
    const dataset_t *dataset = NULL;
    for (const dataset_t *known = s_datasets; known->name; known++)
        if (streq (known->name, name))
            dataset = known;
    if (!dataset)               //  The 50/50 figures, as report.gender's CSV
        return report_gender_export (service, call, reply);
    zchunk_t *out = zchunk_new (NULL, 65536);
    s_header (out, dataset->header);
    write_t write = { out, dataset };
    bool paged = dataset->query == REPORT_Q_EXPORT_SUBMISSIONS || dataset->query == REPORT_Q_EXPORT_VOTES;
    char offset [24], count [24];
    snprintf (offset, sizeof offset, "%llu", (unsigned long long) after);
    snprintf (count, sizeof count, "%llu", (unsigned long long) limit);
    const char *params [3] = { call, offset, count };
    int rows = report_store_query (wsis_service_store (service), dataset->query, params,
                                   paged? 3: 1, s_row, &write);
    if (rows < 0) {
        zchunk_destroy (&out);
        return report_fail_store (reply);
    }
    bool more = paged && (uint64_t) rows == limit;
    report_reply_csv_page (reply, &out, rows, more? (int64_t) (after + limit): -1);
    return 0;
}
