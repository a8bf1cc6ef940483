/*  reporting_matrix: report.sdg_matrix {call?, kind?, format}, the WSIS
    Action Lines x SDGs matrix (17 SDG rows, 18 Action Line columns) over
    WSIS Prizes projects and Stocktaking entries that are not withdrawn:
    a project counts once in every cell of one of its SDGs and one of its
    Action Lines. The live version of the WSIS-SDG Matrix, as JSON, CSV or
    an SVG heat map.
*/
#include "reporting.h"

#include <stdlib.h>
#include <string.h>

#define SDGS 17

static const char *const s_formats [] = { "json", "csv", "svg", NULL };
static const char *const s_kinds [] = { "prize", "stocktaking", NULL };

static const char *const s_rows [SDGS] = {
    "SDG 1", "SDG 2", "SDG 3", "SDG 4", "SDG 5", "SDG 6", "SDG 7", "SDG 8", "SDG 9",
    "SDG 10", "SDG 11", "SDG 12", "SDG 13", "SDG 14", "SDG 15", "SDG 16", "SDG 17"
};

static void
s_pack_json (msgpack_packer *pk, const int64_t *counts, const char *call, const char *kind)
{
    int64_t total = 0;
    for (int i = 0; i < SDGS * WSIS_CATEGORY_COUNT; i++)
        total += counts [i];
    msgpack_pack_map (pk, 4);
    wsis_pack_str (pk, "call");
    if (call)
        wsis_pack_str (pk, call);
    else
        msgpack_pack_nil (pk);
    wsis_pack_str (pk, "kind");
    if (kind)
        wsis_pack_str (pk, kind);
    else
        msgpack_pack_nil (pk);
    wsis_pack_kv_int (pk, "total", total);
    wsis_pack_str (pk, "matrix");
    msgpack_pack_map (pk, SDGS);
    for (int sdg = 0; sdg < SDGS; sdg++) {
        char key [12];
        snprintf (key, sizeof key, "%d", sdg + 1);
        wsis_pack_str (pk, key);
        msgpack_pack_map (pk, WSIS_CATEGORY_COUNT);
        for (int c = 0; c < WSIS_CATEGORY_COUNT; c++)
            wsis_pack_kv_int (pk, wsis_categories [c], counts [sdg * WSIS_CATEGORY_COUNT + c]);
    }
}

static zchunk_t *
s_csv (const int64_t *counts)
{
    zchunk_t *out = zchunk_new (NULL, 4096);
    report_csv_cell (out, "SDG", false);
    for (int c = 0; c < WSIS_CATEGORY_COUNT; c++)
        report_csv_cell (out, wsis_categories [c], c == WSIS_CATEGORY_COUNT - 1);
    for (int sdg = 0; sdg < SDGS; sdg++) {
        report_csv_cell (out, s_rows [sdg], false);
        for (int c = 0; c < WSIS_CATEGORY_COUNT; c++)
            report_csv_int (out, counts [sdg * WSIS_CATEGORY_COUNT + c], c == WSIS_CATEGORY_COUNT - 1);
    }
    return out;
}

static zchunk_t *
s_svg (const int64_t *counts, const char *call, const char *kind)
{
    char subtitle [160];
    snprintf (subtitle, sizeof subtitle, "%s%s%s, projects counted once per SDG and Action Line",
              kind? (streq (kind, "prize")? "WSIS Prizes projects": "WSIS Stocktaking entries"):
                    "WSIS Prizes projects and Stocktaking entries",
              call? " of ": "", call? call: "");
    report_heatmap_t map = {
        .title = "WSIS Action Lines and the Sustainable Development Goals",
        .subtitle = subtitle,
        .columns = wsis_categories, .column_count = WSIS_CATEGORY_COUNT,
        .rows = s_rows, .row_count = SDGS,
        .counts = counts,
    };
    return report_svg_heatmap (&map);
}

static int
s_count (const char *const *columns, size_t count, void *arg)
{
    int64_t *counts = (int64_t *) arg;
    int sdg = atoi (columns [0]);
    int category = wsis_valid_category (columns [1], strlen (columns [1]));
    if (sdg >= 1 && sdg <= SDGS && category >= 0)
        counts [(sdg - 1) * WSIS_CATEGORY_COUNT + category] = atoll (columns [2]);
    return 0;
}

int
report_op_sdg_matrix (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65], kind [16], format [8];
    const char *call;
    if (report_call_field (service, &body, WSIS_OPTIONAL, buffer, sizeof buffer, &call) < 0)
        return -1;
    int has_kind = wsis_fields_choice_text (&body, "kind", WSIS_OPTIONAL, s_kinds, SIZE_MAX,
                                            kind, sizeof kind);
    if (has_kind < 0)
        return -1;
    if (report_format_field (&body, s_formats, format, sizeof format))
        return -1;
    int64_t counts [SDGS * WSIS_CATEGORY_COUNT] = { 0 };
    const char *params [2] = { call, has_kind == 0? kind: NULL };
    if (report_store_query (wsis_service_store (service), REPORT_Q_MATRIX, params, 2,
                            s_count, counts) < 0)
        return report_fail_store (reply);
    zchunk_t *text = NULL;
    if (streq (format, "json"))
        s_pack_json (&reply->pk, counts, call, params [1]);
    else
    if (streq (format, "csv")) {
        text = s_csv (counts);
        report_reply_text (reply, "text/csv; charset=utf-8", &text);
    }
    else {
        text = s_svg (counts, call, params [1]);
        report_reply_text (reply, "image/svg+xml", &text);
    }
    return 0;
}
