/*  loadgen_summary: the figures of a run, or of each window of it (votes
    due in the same 10 seconds, say), from what became of each vote.

    A vote's latency runs from the due time of the attempt whose reply
    was taken: the service's answer to that request. What its voter waited
    (felt) runs from the first attempt's due time, so a retry after a lost
    reply shows there and not as the service's. */
#include "loadgen.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_compare (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

//  The p-th quantile of sorted values, in ms.
static double
s_quantile_ms (const int64_t *sorted, size_t count, double p)
{
    if (count == 0)
        return 0;
    size_t at = (size_t) (p * (double) count);
    return sorted [at < count? at: count - 1] / 1e6;
}

void
loadgen_summary (const loadgen_outcome_t *outcomes, uint64_t from, uint64_t to,
                 loadgen_summary_t *summary)
{
    memset (summary, 0, sizeof *summary);
    size_t size = to > from? to - from: 1;
    int64_t *latency = (int64_t *) zmalloc (size * sizeof (int64_t));
    int64_t *felt = (int64_t *) zmalloc (size * sizeof (int64_t));
    int64_t *send_lag = (int64_t *) zmalloc (size * sizeof (int64_t));
    size_t answered = 0, sent = 0;
    for (uint64_t i = from; i < to; i++) {
        const loadgen_outcome_t *vote = &outcomes [i];
        summary->votes++;
        if (vote->attempts)
            send_lag [sent++] = vote->send_lag;
        summary->retried += vote->attempts > 1;
        summary->lost += vote->lost;
        if (vote->latency < 0) {
            summary->unanswered++;
            continue;
        }
        if (vote->ok)
            summary->acked++;
        else
            summary->errors++;
        latency [answered] = vote->latency;
        felt [answered] = vote->felt;
        answered++;
    }
    qsort (latency, answered, sizeof (int64_t), s_compare);
    qsort (felt, answered, sizeof (int64_t), s_compare);
    qsort (send_lag, sent, sizeof (int64_t), s_compare);
    summary->p50_ms = s_quantile_ms (latency, answered, 0.50);
    summary->p99_ms = s_quantile_ms (latency, answered, 0.99);
    summary->p999_ms = s_quantile_ms (latency, answered, 0.999);
    summary->max_ms = answered? latency [answered - 1] / 1e6: 0;
    summary->felt_p99_ms = s_quantile_ms (felt, answered, 0.99);
    summary->felt_max_ms = answered? felt [answered - 1] / 1e6: 0;
    summary->send_lag_p99_ms = s_quantile_ms (send_lag, sent, 0.99);
    free (latency);
    free (felt);
    free (send_lag);
}

void
loadgen_summary_windows (FILE *out, const loadgen_outcome_t *outcomes, uint64_t count,
                         int64_t start, double window_s)
{
    int64_t window = (int64_t) (window_s * 1e9);
    fprintf (out, "[");
    uint64_t from = 0;
    for (int n = 0; from < count; n++) {
        int64_t end = start + window * (n + 1);
        uint64_t to = from;
        while (to < count && outcomes [to].due < end)
            to++;
        loadgen_summary_t s;
        loadgen_summary (outcomes, from, to, &s);
        fprintf (out, "%s{\"from_s\": %.0f, \"seconds\": %g, \"votes\": %" PRIu64
                 ", \"acked\": %" PRIu64 ", \"errors\": %" PRIu64 ", \"unanswered\": %" PRIu64
                 ", \"retried\": %" PRIu64 ", \"lost\": %" PRIu64 ", \"offered_per_s\": %.0f"
                 ", \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f"
                 ", \"felt_p99_ms\": %.3f, \"felt_max_ms\": %.3f}",
                 n? ", ": "", n * window_s, window_s, s.votes, s.acked, s.errors, s.unanswered,
                 s.retried, s.lost, s.votes / window_s, s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms,
                 s.felt_p99_ms, s.felt_max_ms);
        from = to;
    }
    fprintf (out, "]");
}
