/*  reporting_summary: report.summary {call}, the counts of a call the way
    the secretariat's press releases give them ("N projects from M
    countries, nominated by stakeholder type and region"): submissions by
    status, kind, category, stakeholder type, region and country; the
    nominated lists, per category, stakeholder type and region; votes and
    voters; champions and winners; HLTF and Gender Trendsetter
    nominations; Photo Contest entries and winners; OCP inputs by request.
*/
#include "reporting.h"

#include <string.h>

//  The columns submissions are counted by, in the order of their
//  groupings in summary_count (schema.sql).
static const char *const s_groupings [] = {
    "by_kind", "by_category", "by_stakeholder_type", "by_region", "by_country", NULL
};

//  {value: count} of rows (value, count...) with the count in column.
static void
s_pack_counts (msgpack_packer *pk, const report_rows_t *rows, size_t column)
{
    size_t nonzero = 0;
    for (size_t i = 0; i < rows->count; i++)
        nonzero += report_cell_int (rows, i, column) > 0;
    msgpack_pack_map (pk, nonzero);
    for (size_t i = 0; i < rows->count; i++)
        if (report_cell_int (rows, i, column) > 0)
            wsis_pack_kv_int (pk, report_cell (rows, i, 0), report_cell_int (rows, i, column));
}

static int64_t
s_sum (const report_rows_t *rows, size_t column)
{
    int64_t total = 0;
    for (size_t i = 0; i < rows->count; i++)
        total += report_cell_int (rows, i, column);
    return total;
}

static int
s_compare (const void *one, const void *other)
{
    return strcmp ((const char *) one, (const char *) other);
}

//  {total, by_<first>: {...}, by_gender: {...}} of nominee rows
//  (stakeholder_type, gender, count).
static void
s_pack_nominees (msgpack_packer *pk, const report_rows_t *rows, bool by_type)
{
    zhashx_t *types = zhashx_new (), *genders = zhashx_new ();
    for (size_t i = 0; i < rows->count; i++) {
        int64_t count = report_cell_int (rows, i, 2);
        const char *keys [2] = { report_cell (rows, i, 0), report_cell (rows, i, 1) };
        zhashx_t *maps [2] = { types, genders };
        for (int m = 0; m < 2; m++)
            zhashx_update (maps [m], keys [m],
                           (void *) (intptr_t) ((intptr_t) zhashx_lookup (maps [m], keys [m]) + count));
    }
    msgpack_pack_map (pk, by_type? 3: 2);
    wsis_pack_kv_int (pk, "total", s_sum (rows, 2));
    zhashx_t *maps [2] = { types, genders };
    const char *names [2] = { "by_stakeholder_type", "by_gender" };
    for (int m = by_type? 0: 1; m < 2; m++) {
        wsis_pack_str (pk, names [m]);
        zlistx_t *keys = zhashx_keys (maps [m]);
        zlistx_set_comparator (keys, s_compare);
        zlistx_sort (keys);
        msgpack_pack_map (pk, zlistx_size (keys));
        for (const char *key = (const char *) zlistx_first (keys); key;
             key = (const char *) zlistx_next (keys))
            wsis_pack_kv_int (pk, key, (intptr_t) zhashx_lookup (maps [m], key));
        zlistx_destroy (&keys);
    }
    zhashx_destroy (&types);
    zhashx_destroy (&genders);
}

//  The rows of each query the summary reads, all read before any is
//  packed, so a failure leaves the reply empty.
typedef enum {
    R_KIND, R_CATEGORY, R_TYPE, R_REGION, R_COUNTRY, R_COUNTRIES, R_NOMINATED,
    R_NOMINATED_TYPE, R_NOMINATED_REGION, R_POLL, R_CHAMPIONS, R_WINNERS, R_PHOTO, R_HLTF,
    R_TRENDSETTERS, R_OCP, R_COUNT
} part_t;

static int
s_read (wsis_store_t *store, const char *call, report_rows_t *rows)
{
    const char *params [2] = { call, NULL };
    char column [12];
    for (int i = R_KIND; i <= R_COUNTRY; i++) {
        snprintf (column, sizeof column, "%d", i - R_KIND);
        params [1] = column;
        if (report_rows_query (store, REPORT_Q_SUBMISSIONS_BY, params, 2, &rows [i]))
            return -1;
    }
    const struct { part_t part; report_query_t query; const char *kind; } reads [] = {
        { R_COUNTRIES, REPORT_Q_COUNTRIES, NULL }, { R_NOMINATED, REPORT_Q_NOMINATED, NULL },
        { R_NOMINATED_TYPE, REPORT_Q_NOMINATED_BY_TYPE, NULL },
        { R_NOMINATED_REGION, REPORT_Q_NOMINATED_BY_REGION, NULL },
        { R_POLL, REPORT_Q_POLL, NULL }, { R_CHAMPIONS, REPORT_Q_CHAMPIONS, NULL },
        { R_WINNERS, REPORT_Q_WINNERS, NULL }, { R_PHOTO, REPORT_Q_PHOTO_WINNERS, NULL },
        { R_HLTF, REPORT_Q_NOMINEES, "hltf" }, { R_TRENDSETTERS, REPORT_Q_NOMINEES, "ambassador" },
        { R_OCP, REPORT_Q_OCP_REQUESTS, NULL },
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads [0]; i++) {
        params [1] = reads [i].kind;
        if (report_rows_query (store, reads [i].query, params, reads [i].kind? 2: 1,
                               &rows [reads [i].part]))
            return -1;
    }
    return 0;
}

//  "N projects from M countries": the headline of a press release.
static void
s_pack_headline (msgpack_packer *pk, const wsis_call_t *call, int64_t received, int64_t countries)
{
    bool one = received == 1;
    const char *noun = streq (call->kind, "prize")? (one? "project": "projects"):
                       streq (call->kind, "stocktaking")? (one? "entry": "entries"):
                       streq (call->kind, "photo")? (one? "photograph": "photographs"):
                       streq (call->kind, "ocp")? (one? "input": "inputs"):
                       streq (call->kind, "repository")? (one? "profile": "profiles"):
                       one? "submission": "submissions";
    char headline [160];
    snprintf (headline, sizeof headline, "%lld %s from %lld %s", (long long) received, noun,
              (long long) countries, countries == 1? "country": "countries");
    wsis_pack_kv_str (pk, "headline", headline);
}

int
report_op_summary (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65];
    const char *call_id;
    if (report_call_field (service, &body, WSIS_REQUIRED, buffer, sizeof buffer, &call_id))
        return -1;
    const wsis_call_t *call = wsis_calendar_call (wsis_service_calendar (service), call_id);
    report_rows_t rows [R_COUNT];
    memset (rows, 0, sizeof rows);
    int rc = s_read (wsis_service_store (service), call_id, rows);
    if (rc == 0) {
        msgpack_packer *pk = &reply->pk;
        int64_t received = s_sum (&rows [R_KIND], 1), withdrawn = s_sum (&rows [R_KIND], 2);
        int64_t countries = rows [R_COUNTRIES].count? report_cell_int (&rows [R_COUNTRIES], 0, 0): 0;
        msgpack_pack_map (pk, 22);
        wsis_pack_kv_str (pk, "call", call->id);
        wsis_pack_kv_str (pk, "kind", call->kind);
        wsis_pack_kv_str (pk, "title", call->title);
        s_pack_headline (pk, call, received, countries);
        wsis_pack_str (pk, "by_status");
        msgpack_pack_map (pk, 2);
        wsis_pack_kv_int (pk, "received", received);
        wsis_pack_kv_int (pk, "withdrawn", withdrawn);
        for (int i = R_KIND; i <= R_COUNTRY; i++) {
            wsis_pack_str (pk, s_groupings [i - R_KIND]);
            s_pack_counts (pk, &rows [i], 1);
        }
        wsis_pack_kv_int (pk, "countries", countries);
        wsis_pack_str (pk, "nominated");
        s_pack_counts (pk, &rows [R_NOMINATED], 1);
        //  "nominated by stakeholder type and region", as press releases say
        wsis_pack_str (pk, "nominated_by_stakeholder_type");
        s_pack_counts (pk, &rows [R_NOMINATED_TYPE], 1);
        wsis_pack_str (pk, "nominated_by_region");
        s_pack_counts (pk, &rows [R_NOMINATED_REGION], 1);
        bool polled = rows [R_POLL].count > 0;
        wsis_pack_kv_int (pk, "votes", polled? report_cell_int (&rows [R_POLL], 0, 0): 0);
        wsis_pack_kv_int (pk, "voters", polled? report_cell_int (&rows [R_POLL], 0, 1): 0);
        wsis_pack_kv_bool (pk, "voting_closed", polled && report_cell_int (&rows [R_POLL], 0, 2));
        wsis_pack_kv_int (pk, "champions", (int64_t) rows [R_CHAMPIONS].count);
        wsis_pack_kv_int (pk, "winners", (int64_t) (rows [R_WINNERS].count + rows [R_PHOTO].count));
        wsis_pack_str (pk, "hltf");
        s_pack_nominees (pk, &rows [R_HLTF], true);
        wsis_pack_str (pk, "trendsetters");
        s_pack_nominees (pk, &rows [R_TRENDSETTERS], false);
        wsis_pack_str (pk, "ocp_by_request");
        s_pack_counts (pk, &rows [R_OCP], 1);
    }
    for (int i = 0; i < R_COUNT; i++)
        report_rows_release (&rows [i]);
    return rc? report_fail_store (reply): 0;
}
