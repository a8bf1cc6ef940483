/*  wsis-loadgen: casts votes at a target and prints what it measured, as
    one JSON object on stdout (bench/bench_votes.py reads it).

        wsis-loadgen --target wsis --endpoint tcp://127.0.0.1:5601 --votes 300000
        wsis-loadgen --target redis --endpoint 127.0.0.1:6380 --rate 20000 --votes 200000
        wsis-loadgen --target bus --endpoint tcp://127.0.0.1:5552 --votes 200000

    --target bus sends the bus journal's durable publish instead of votes
    (one event per index: the "votes" below are events there, and no
    voters or categories bound them).

    The votes are distinct (voter, category) pairs of --voters x
    --categories, visited in a fixed scattered order (pair i of the
    sequence is i x a stride coprime with their number): --skip K starts
    at the K-th, so runs that follow each other (a preload, then the
    measured burst) never cast the same vote twice. Vote i's request id is
    v<K + i>. The set-up (stakeholders, nominations, the clock) is the
    caller's. */
#include "loadgen.h"

#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *s_categories [LOADGEN_CATEGORY_MAX] = {
    "C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
    "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"
};

typedef struct {
    const loadgen_target_t *target;
    const char *endpoint;
    const char *call;
    int connections;
    uint64_t inflight;
    uint64_t voters;
    int categories;
    int projects;
    uint64_t votes;
    uint64_t skip;
    double rate;                //  votes/s offered; 0: closed loop
    double timeout;             //  seconds without a reply before giving up
} options_t;

//  The run: what was sent when, and what came back.
typedef struct {
    const options_t *options;
    int64_t *scheduled;         //  ns, per vote: when it was due to go
    int64_t *latency;           //  ns, per vote; -1 until answered
    int64_t *send_lag;          //  ns, per vote: sent this late after its time
    int64_t now;
    uint64_t answered, acked, errors, strays;
    int64_t last_reply;
    char first_error [LOADGEN_ERROR_MAX];
} run_t;

static int64_t
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
s_cpu_seconds (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static uint64_t
s_gcd (uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

//  Vote i of the sequence. The stride scatters consecutive votes over
//  voters and categories as real traffic would; the project is a hash of
//  the pair, the same whichever run casts it.
static void
s_vote (const options_t *options, uint64_t i, loadgen_vote_t *vote)
{
    uint64_t pairs = options->voters * (uint64_t) options->categories;
    uint64_t stride = 1000003;
    while (s_gcd (stride, pairs) != 1)
        stride += 2;
    uint64_t n = options->skip + i;
    uint64_t pair = (n % pairs) * stride % pairs;
    vote->index = n;
    vote->voter = 1 + pair / (uint64_t) options->categories;
    vote->category = s_categories [pair % (uint64_t) options->categories];
    vote->project = 1 + (int) ((pair * 0x9E3779B97F4A7C15ULL >> 40) % (uint64_t) options->projects);
}

static void
s_on_reply (void *arg, uint64_t index, bool ok, const char *error)
{
    run_t *run = (run_t *) arg;
    uint64_t i = index - run->options->skip;
    if (index < run->options->skip || i >= run->options->votes || run->latency [i] >= 0) {
        run->strays++;
        return;
    }
    run->latency [i] = run->now - run->scheduled [i];
    run->answered++;
    run->last_reply = run->now;
    if (ok)
        run->acked++;
    else {
        if (run->errors++ == 0)
            snprintf (run->first_error, sizeof run->first_error, "%s", error);
    }
}

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

static void
s_json_string (const char *text)
{
    putchar ('"');
    for (const char *c = text; *c; c++)
        if (*c == '"' || *c == '\\')
            printf ("\\%c", *c);
        else
        if ((unsigned char) *c < 0x20)
            putchar (' ');
        else
            putchar (*c);
    putchar ('"');
}

static int
s_run (const options_t *options)
{
    int count = options->connections;
    loadgen_conn_t **conns = (loadgen_conn_t **) zmalloc (count * sizeof (loadgen_conn_t *));
    zmq_pollitem_t *items = (zmq_pollitem_t *) zmalloc (count * sizeof (zmq_pollitem_t));
    bool *unwritten = (bool *) zmalloc (count * sizeof (bool));
    run_t run = { .options = options };
    run.scheduled = (int64_t *) zmalloc (options->votes * sizeof (int64_t));
    run.latency = (int64_t *) zmalloc (options->votes * sizeof (int64_t));
    run.send_lag = (int64_t *) zmalloc (options->votes * sizeof (int64_t));
    for (uint64_t i = 0; i < options->votes; i++)
        run.latency [i] = -1;
    int rc = 1;
    for (int c = 0; c < count; c++)
        if (!(conns [c] = options->target->connect (options->endpoint, options->call)))
            goto cleanup;
    //  Let the connections finish their handshakes before the clock runs.
    zclock_sleep (200);

    double cpu = s_cpu_seconds ();
    int64_t start = s_now ();
    run.last_reply = start;
    uint64_t sent = 0;
    bool broken = false, timed_out = false;
    while (run.answered < options->votes && !broken) {
        int64_t now = s_now ();
        uint64_t due;
        if (options->rate > 0)
            due = (uint64_t) ((double) (now - start) * options->rate / 1e9) + 1;
        else
            due = run.answered + options->inflight;
        if (due > options->votes)
            due = options->votes;
        for (; sent < due; sent++) {
            loadgen_vote_t vote;
            s_vote (options, sent, &vote);
            int64_t at = options->rate > 0? start + (int64_t) ((double) sent * 1e9 / options->rate): now;
            run.scheduled [sent] = at;
            run.send_lag [sent] = s_now () - at;
            if (options->target->send (conns [sent % (uint64_t) count], &vote)) {
                fprintf (stderr, "wsis-loadgen: cannot send vote %" PRIu64 "\n", vote.index);
                broken = true;
                break;
            }
        }
        for (int c = 0; c < count; c++) {
            unwritten [c] = options->target->flush (conns [c]);
            options->target->pollitem (conns [c], &items [c]);
            if (unwritten [c])
                items [c].events |= ZMQ_POLLOUT;
        }
        //  Open loop: wake for the next vote due (ms, rounded up: a vote
        //  sent up to 1 ms late is counted against the service, and the
        //  send lag printed says how much of the latency is the client's).
        long wait = 100;
        if (options->rate > 0 && sent < options->votes) {
            int64_t next = start + (int64_t) ((double) sent * 1e9 / options->rate);
            int64_t ahead = next - s_now ();
            wait = ahead <= 0? 0: (long) ((ahead + 999999) / 1000000);
        }
        if (zmq_poll (items, count, wait) == -1)
            break;
        run.now = s_now ();
        for (int c = 0; c < count; c++)
            if ((items [c].revents & ZMQ_POLLIN)
            &&  options->target->receive (conns [c], s_on_reply, &run))
                broken = true;
        if (run.now - run.last_reply > (int64_t) (options->timeout * 1e9) && sent > run.answered) {
            timed_out = true;
            break;
        }
    }
    double elapsed = (double) (run.last_reply - start) / 1e9;
    cpu = s_cpu_seconds () - cpu;

    //  Every answered vote's latency, sorted; then the send lags.
    size_t n = 0;
    for (uint64_t i = 0; i < options->votes; i++)
        if (run.latency [i] >= 0)
            run.latency [n++] = run.latency [i];
    qsort (run.latency, n, sizeof (int64_t), s_compare);
    qsort (run.send_lag, sent, sizeof (int64_t), s_compare);

    printf ("{\"target\": \"%s\", \"mode\": \"%s\", \"rate\": %.0f, \"connections\": %d, "
            "\"inflight\": %" PRIu64 ", \"votes\": %" PRIu64 ", \"sent\": %" PRIu64
            ", \"acked\": %" PRIu64 ", \"errors\": %" PRIu64 ", \"unanswered\": %" PRIu64
            ", \"strays\": %" PRIu64 ", \"elapsed_s\": %.3f, \"acked_per_s\": %.0f"
            ", \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f"
            ", \"send_lag_p99_ms\": %.3f, \"client_cpu_s\": %.3f, \"first_error\": ",
            options->target->name, options->rate > 0? "open": "closed", options->rate, count,
            options->inflight, options->votes, sent, run.acked, run.errors,
            options->votes - run.answered, run.strays, elapsed,
            elapsed > 0? run.acked / elapsed: 0.0,
            s_quantile_ms (run.latency, n, 0.50), s_quantile_ms (run.latency, n, 0.99),
            s_quantile_ms (run.latency, n, 0.999), n? run.latency [n - 1] / 1e6: 0.0,
            s_quantile_ms (run.send_lag, sent, 0.99), cpu);
    s_json_string (timed_out? "timed out waiting for replies": run.first_error);
    printf ("}\n");
    fflush (stdout);
    rc = broken || timed_out || run.errors || run.strays || run.answered < options->votes;

cleanup:
    for (int c = 0; c < count; c++)
        if (conns [c])
            options->target->destroy (&conns [c]);
    free (conns);
    free (items);
    free (unwritten);
    free (run.scheduled);
    free (run.latency);
    free (run.send_lag);
    return rc;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: wsis-loadgen [options]\n"
        "  --target wsis|redis|bus what to vote at (wsis); bus: publish to the bus\n"
        "                         journal instead of votes, one event per index\n"
        "  --endpoint E           tcp://host:port for wsis, host:port for redis\n"
        "  --call ID              the call voted in (prizes-2022)\n"
        "  --connections N        DEALER or Redis connections (4)\n"
        "  --inflight N           closed loop: votes in flight over all connections (2000)\n"
        "  --rate R               open loop: R votes/s offered; 0: closed loop (0)\n"
        "  --votes N              votes to cast (100000)\n"
        "  --skip K               start at the K-th vote of the sequence (0; skip + votes\n"
        "                         at most voters x categories: no vote twice)\n"
        "  --voters N             stakeholders stk-1..stk-N (60000)\n"
        "  --categories N         the first N of the 18 categories (18)\n"
        "  --projects N           sub-<category>-1..N in each (20)\n"
        "  --timeout S            give up after S seconds without a reply (30)\n"
        "Prints one JSON object; exits 1 when a vote was refused or unanswered.\n");
}

int
main (int argc, char *argv [])
{
    options_t options = {
        .target = &loadgen_wsis, .endpoint = "tcp://127.0.0.1:5601", .call = "prizes-2022",
        .connections = 4, .inflight = 2000, .voters = 60000, .categories = 18, .projects = 20,
        .votes = 100000, .skip = 0, .rate = 0, .timeout = 30
    };
    static struct option longs [] = {
        { "target", required_argument, NULL, 't' }, { "endpoint", required_argument, NULL, 'e' },
        { "call", required_argument, NULL, 'c' }, { "connections", required_argument, NULL, 'n' },
        { "inflight", required_argument, NULL, 'i' }, { "rate", required_argument, NULL, 'r' },
        { "votes", required_argument, NULL, 'v' }, { "skip", required_argument, NULL, 's' },
        { "voters", required_argument, NULL, 'V' }, { "categories", required_argument, NULL, 'C' },
        { "projects", required_argument, NULL, 'P' }, { "timeout", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    int opt;
    while ((opt = getopt_long (argc, argv, "h", longs, NULL)) != -1) {
        switch (opt) {
            case 't':
                options.target = streq (optarg, "redis")? &loadgen_redis
                               : streq (optarg, "wsis")? &loadgen_wsis
                               : streq (optarg, "bus")? &loadgen_bus: NULL;
                break;
            case 'e': options.endpoint = optarg; break;
            case 'c': options.call = optarg; break;
            case 'n': options.connections = atoi (optarg); break;
            case 'i': options.inflight = strtoull (optarg, NULL, 10); break;
            case 'r': options.rate = atof (optarg); break;
            case 'v': options.votes = strtoull (optarg, NULL, 10); break;
            case 's': options.skip = strtoull (optarg, NULL, 10); break;
            case 'V': options.voters = strtoull (optarg, NULL, 10); break;
            case 'C': options.categories = atoi (optarg); break;
            case 'P': options.projects = atoi (optarg); break;
            case 'T': options.timeout = atof (optarg); break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
    }
    if (!options.target || options.connections < 1 || options.connections > 1000
    ||  options.inflight < 1 || options.votes < 1 || options.voters < 1
    ||  options.categories < 1 || options.categories > LOADGEN_CATEGORY_MAX
    ||  options.projects < 1 || options.rate < 0 || !(options.timeout > 0)
    ||  (options.target != &loadgen_bus
         && options.skip + options.votes > options.voters * (uint64_t) options.categories)) {
        fprintf (stderr, "wsis-loadgen: a bad option (or more votes than voters x categories)\n");
        s_usage (stderr);
        return 2;
    }
    return s_run (&options);
}
