/*  reporting_results: report.results {call}, the outcome of a WSIS Prizes
    call: per category the five champions of the public vote with their
    votes and rank, and the winner the ITU Expert Group selected with the
    experts' mean score, and whether it was a tie that staff settled; the
    Photo Contest's winners; the vote's totals.
*/
#include "reporting.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  The champions of category in rows (category, submission_id, rank,
//  votes, title), packed as an array.
static void
s_pack_champions (msgpack_packer *pk, const report_rows_t *rows, const char *category)
{
    size_t count = 0;
    for (size_t i = 0; i < rows->count; i++)
        count += streq (report_cell (rows, i, 0), category);
    msgpack_pack_array (pk, count);
    for (size_t i = 0; i < rows->count; i++) {
        if (!streq (report_cell (rows, i, 0), category))
            continue;
        msgpack_pack_map (pk, 4);
        wsis_pack_kv_str (pk, "submission_id", report_cell (rows, i, 1));
        wsis_pack_kv_str (pk, "title", report_cell (rows, i, 4));
        wsis_pack_kv_int (pk, "votes", report_cell_int (rows, i, 3));
        wsis_pack_kv_int (pk, "rank", report_cell_int (rows, i, 2));
    }
}

//  The winner of category in rows (category, submission_id, mean, tie,
//  title), or nil.
static void
s_pack_winner (msgpack_packer *pk, const report_rows_t *rows, const char *category)
{
    for (size_t i = 0; i < rows->count; i++) {
        if (!streq (report_cell (rows, i, 0), category))
            continue;
        bool tie = report_cell_int (rows, i, 3) != 0;
        msgpack_pack_map (pk, 5);
        wsis_pack_kv_str (pk, "submission_id", report_cell (rows, i, 1));
        wsis_pack_kv_str (pk, "title", report_cell (rows, i, 4));
        wsis_pack_str (pk, "mean");
        if (rows->cells [i * rows->columns + 2])
            msgpack_pack_double (pk, round (atof (report_cell (rows, i, 2)) * 100.0) / 100.0);
        else
            msgpack_pack_nil (pk);
        wsis_pack_kv_bool (pk, "tie", tie);
        wsis_pack_kv_str (pk, "settled_by", tie? "staff, among the tied champions":
                                                 "the highest mean of the experts' scores");
        return;
    }
    msgpack_pack_nil (pk);
}

int
report_op_results (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65];
    const char *call;
    if (report_call_field (service, &body, WSIS_REQUIRED, buffer, sizeof buffer, &call))
        return -1;
    wsis_store_t *store = wsis_service_store (service);
    report_rows_t champions = { 0 }, winners = { 0 }, photo = { 0 }, poll = { 0 };
    int rc = report_rows_query (store, REPORT_Q_CHAMPIONS, &call, 1, &champions);
    if (rc == 0)
        rc = report_rows_query (store, REPORT_Q_WINNERS, &call, 1, &winners);
    if (rc == 0)
        rc = report_rows_query (store, REPORT_Q_PHOTO_WINNERS, &call, 1, &photo);
    if (rc == 0)
        rc = report_rows_query (store, REPORT_Q_POLL, &call, 1, &poll);
    if (rc == 0) {
        msgpack_packer *pk = &reply->pk;
        msgpack_pack_map (pk, 6);
        wsis_pack_kv_str (pk, "call", call);
        wsis_pack_kv_int (pk, "votes", poll.count? report_cell_int (&poll, 0, 0): 0);
        wsis_pack_kv_int (pk, "voters", poll.count? report_cell_int (&poll, 0, 1): 0);
        wsis_pack_kv_bool (pk, "voting_closed", poll.count && report_cell_int (&poll, 0, 2));
        //  Every one of the 18 categories, in their order, with nil for a
        //  winner not selected yet: a reader sees what is still to come.
        wsis_pack_str (pk, "categories");
        msgpack_pack_map (pk, WSIS_CATEGORY_COUNT);
        for (int c = 0; c < WSIS_CATEGORY_COUNT; c++) {
            wsis_pack_str (pk, wsis_categories [c]);
            msgpack_pack_map (pk, 2);
            wsis_pack_str (pk, "champions");
            s_pack_champions (pk, &champions, wsis_categories [c]);
            wsis_pack_str (pk, "winner");
            s_pack_winner (pk, &winners, wsis_categories [c]);
        }
        wsis_pack_str (pk, "photo_winners");
        msgpack_pack_array (pk, photo.count);
        for (size_t i = 0; i < photo.count; i++) {
            msgpack_pack_map (pk, 3);
            wsis_pack_kv_int (pk, "rank", report_cell_int (&photo, i, 0));
            wsis_pack_kv_str (pk, "submission_id", report_cell (&photo, i, 1));
            wsis_pack_kv_str (pk, "title", report_cell (&photo, i, 2));
        }
    }
    report_rows_release (&champions);
    report_rows_release (&winners);
    report_rows_release (&photo);
    report_rows_release (&poll);
    return rc? report_fail_store (reply): 0;
}
