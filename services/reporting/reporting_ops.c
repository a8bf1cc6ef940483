/*  reporting_ops: the operation table of wsis-reporting and what every
    report shares (docs/protocol.md section 12): which call, which format,
    text replies, and the rows of a query copied out of it. The reports
    live in one file each.
*/
#include "reporting.h"
#include "wsis_alloc.h"

#include <stdlib.h>
#include <string.h>

#define STAFF_OR_OPERATOR (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR)

const wsis_op_t reporting_ops [] = {
    { "report.summary",       report_op_summary,       WSIS_ROLE_PUBLIC, 0,
      "call" },
    { "report.sdg_matrix",    report_op_sdg_matrix,    WSIS_ROLE_PUBLIC, 0,
      "call? kind? format?" },
    { "report.gender",        report_op_gender,        WSIS_ROLE_PUBLIC, 0,
      "call? format?" },
    { "report.results",       report_op_results,       WSIS_ROLE_PUBLIC, 0,
      "call" },
    { "report.publication",   report_op_publication,   WSIS_ROLE_PUBLIC, 0,
      "call format?" },
    { "report.export",        report_op_export,        STAFF_OR_OPERATOR, 0,
      "dataset call format? after? limit?" },
    { "report.women_in_tech", report_op_women_in_tech, WSIS_ROLE_PUBLIC, 0,
      "sector? region? q? after? limit?" },
    { NULL }
};

int
report_call_field (wsis_service_t *service, wsis_fields_t *body, wsis_need_t need,
                   char *buffer, size_t size, const char **call)
{
    *call = NULL;
    int rc = wsis_fields_text (body, "call", need, 1, size - 1, buffer, size);
    if (rc)
        return rc;
    if (!wsis_calendar_call (wsis_service_calendar (service), buffer))
        return wsis_fields_fail (body, "call", "'%s' is not a call of the calendar", buffer);
    *call = buffer;
    return 0;
}

int
report_format_field (wsis_fields_t *body, const char *const *formats, char *format, size_t size)
{
    snprintf (format, size, "%s", formats [0]);
    return wsis_fields_choice_text (body, "format", WSIS_OPTIONAL, formats, SIZE_MAX,
                                    format, size) < 0? -1: 0;
}

void
report_reply_text (wsis_reply_t *reply, const char *content_type, zchunk_t **text)
{
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "content_type", content_type);
    wsis_pack_str (&reply->pk, "data");
    wsis_pack_strn (&reply->pk, (const char *) zchunk_data (*text), zchunk_size (*text));
    zchunk_destroy (text);
}

void
report_reply_csv_page (wsis_reply_t *reply, zchunk_t **csv, int64_t rows, int64_t next)
{
    msgpack_pack_map (&reply->pk, 4);
    wsis_pack_kv_str (&reply->pk, "content_type", "text/csv; charset=utf-8");
    wsis_pack_str (&reply->pk, "data");
    wsis_pack_strn (&reply->pk, (const char *) zchunk_data (*csv), zchunk_size (*csv));
    wsis_pack_kv_int (&reply->pk, "rows", rows);
    wsis_pack_str (&reply->pk, "next");
    if (next >= 0)
        msgpack_pack_int64 (&reply->pk, next);
    else
        msgpack_pack_nil (&reply->pk);
    zchunk_destroy (csv);
}

int
report_fail_store (wsis_reply_t *reply)
{
    return wsis_reply_fail (reply, "internal", NULL, "the read models could not be read");
}

//  -------------------------------------------------------------------------
//  Rows copied out of a query

static int
s_collect (const char *const *columns, size_t count, void *arg)
{
    report_rows_t *rows = (report_rows_t *) arg;
    rows->columns = count;
    if ((rows->count + 1) * count > rows->alloc) {
        size_t alloc = rows->alloc? rows->alloc * 2: 64 * count;
        char **cells = (char **) realloc (rows->cells, alloc * sizeof (char *));
        if (!cells)
            return -1;
        rows->cells = cells;
        rows->alloc = alloc;
    }
    for (size_t i = 0; i < count; i++)
        rows->cells [rows->count * count + i] = wsis_strdup (columns [i]);
    rows->count++;
    return 0;
}

int
report_rows_query (wsis_store_t *store, report_query_t query, const char *const *params,
                   size_t param_count, report_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    return report_store_query (store, query, params, param_count, s_collect, rows) < 0? -1: 0;
}

const char *
report_cell (const report_rows_t *rows, size_t row, size_t column)
{
    const char *cell = rows->cells [row * rows->columns + column];
    return cell? cell: "";
}

int64_t
report_cell_int (const report_rows_t *rows, size_t row, size_t column)
{
    return atoll (report_cell (rows, row, column));
}

void
report_rows_release (report_rows_t *rows)
{
    for (size_t i = 0; i < rows->count * rows->columns; i++)
        free (rows->cells [i]);
    free (rows->cells);
    memset (rows, 0, sizeof *rows);
}
