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
    v<K + i>. With --per-voter, each voter casts a whole ballot in a row
    instead (s_vote). The set-up (stakeholders, nominations, the clock)
    is the caller's.

    A deadline rush (bench/rush.py): --ramp gives the offered rate at a few
    moments, rising in between (loadgen_ramp.c); --retry-ms resends a vote
    whose reply has not come as a client that timed out would, the same
    request with the same id, over the next connection; --lose takes a
    fraction of first replies as lost on their way (a voter's dropped
    connection), so those votes are retried whatever the service's speed;
    --window adds the figures of each window of due time (loadgen_summary.c)
    and prints a progress line on stderr as each ends. start_s in the
    output is when the run's clock started, CLOCK_MONOTONIC in seconds (a
    caller's samples line up with the windows by it). */
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
    double rate;                //  votes/s offered; 0: closed loop (or a ramp)
    loadgen_ramp_t ramp;        //  a changing rate offered, when ramp.count > 0
    double timeout;             //  seconds without a reply before giving up
    double retry_ms;            //  resend a vote unanswered this long; 0: never
    int retries;                //  at most this many resends of a vote
    double lose;                //  fraction of first replies taken as lost
    double window_s;            //  figures per window of this many seconds; 0: none
    double per_voter;           //  > 0: ballots in a row, this many votes a voter on average
} options_t;

//  The run: what was sent when, and what came back.
typedef struct {
    const options_t *options;
    loadgen_outcome_t *outcomes;
    int64_t *resent;            //  ns, votes x retries: when each resend went out
    //  The votes waiting for a reply, oldest first, each with the moment
    //  to resend it: a ring, since a vote is in it at most once.
    uint64_t *waiting;
    int64_t *waiting_until;
    uint64_t waiting_head, waiting_count;
    int64_t now;
    int conn;                   //  the connection whose replies are being read
    uint64_t answered, acked, errors, strays, late, lost, resends;
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

//  A stride coprime with count: consecutive numbers times it, mod count,
//  visit 0..count-1 in a scattered order.
static uint64_t
s_stride (uint64_t count)
{
    uint64_t stride = 1000003;
    while (s_gcd (stride, count) != 1)
        stride += 2;
    return stride;
}

//  --per-voter A: where the s-th voter's ballot starts in the sequence.
static uint64_t
s_ballot_start (const options_t *options, uint64_t s)
{
    return (uint64_t) floor ((double) s * options->per_voter);
}

//  The votes the sequence holds: no (voter, category) pair twice.
static uint64_t
s_capacity (const options_t *options)
{
    if (options->per_voter > 0)
        return s_ballot_start (options, options->voters);
    return options->voters * (uint64_t) options->categories;
}

//  Vote i of the sequence, a distinct (voter, category) pair. By default
//  the stride scatters consecutive votes over voters and categories as
//  real traffic would. With --per-voter A, each voter casts a whole
//  ballot in a row, floor(A) or ceil(A) votes in categories of its own
//  (from one picked by a hash of the voter), the voters in a scattered
//  order: after N votes, N / A voters have voted, as on the site, where
//  a voter fills in a ballot. The project is a hash of the pair, the same
//  whichever run casts it.
static void
s_vote (const options_t *options, uint64_t i, loadgen_vote_t *vote)
{
    uint64_t n = options->skip + i;
    uint64_t categories = (uint64_t) options->categories, pair;
    if (options->per_voter > 0) {
        uint64_t s = (uint64_t) ((double) n / options->per_voter);
        while (s > 0 && s_ballot_start (options, s) > n)
            s--;
        while (s_ballot_start (options, s + 1) <= n)
            s++;
        uint64_t voter = s % options->voters * s_stride (options->voters) % options->voters;
        uint64_t first = (voter * 0x9E3779B97F4A7C15ULL >> 40) % categories;
        pair = voter * categories + (first + n - s_ballot_start (options, s)) % categories;
    }
    else {
        uint64_t pairs = options->voters * categories;
        pair = (n % pairs) * s_stride (pairs) % pairs;
    }
    vote->index = n;
    vote->voter = 1 + pair / categories;
    vote->category = s_categories [pair % categories];
    vote->project = 1 + (int) ((pair * 0x9E3779B97F4A7C15ULL >> 40) % (uint64_t) options->projects);
}

static bool
s_open_loop (const options_t *options)
{
    return options->rate > 0 || options->ramp.count > 0;
}

//  Open loop: when vote i of the run is due, in ns from the start.
static int64_t
s_due (const options_t *options, uint64_t i)
{
    if (options->ramp.count > 0)
        return loadgen_ramp_due (&options->ramp, i);
    return (int64_t) ((double) i * 1e9 / options->rate);
}

//  Whether the first reply to vote index is taken as lost on its way (a
//  voter's connection that dropped): a fixed, evenly spread choice.
static bool
s_lost (const options_t *options, uint64_t index)
{
    return options->lose > 0
        && (double) ((index * 0x9E3779B97F4A7C15ULL) >> 11) / 9007199254740992.0 < options->lose;
}

//  Attempt a of vote i goes over connection (i + a) % connections, so a
//  reply says which attempt it answers (a resend has the same request id,
//  as a retry with the same Idempotency-Key must).
static int
s_conn_of (const options_t *options, uint64_t i, int attempt)
{
    return (int) ((i + (uint64_t) attempt) % (uint64_t) options->connections);
}

static void
s_wait_for (run_t *run, uint64_t i)
{
    uint64_t at = (run->waiting_head + run->waiting_count) % run->options->votes;
    run->waiting [at] = i;
    run->waiting_until [at] = run->now + (int64_t) (run->options->retry_ms * 1e6);
    run->waiting_count++;
}

static void
s_on_reply (void *arg, uint64_t index, bool ok, const char *error)
{
    run_t *run = (run_t *) arg;
    const options_t *options = run->options;
    uint64_t i = index - options->skip;
    if (index < options->skip || i >= options->votes) {
        run->strays++;
        return;
    }
    loadgen_outcome_t *vote = &run->outcomes [i];
    int attempt = (run->conn - (int) (i % (uint64_t) options->connections) + options->connections)
                % options->connections;
    if (attempt >= vote->attempts || (vote->replied & (1u << attempt))) {
        run->strays++;          //  no such attempt, or a second reply to it
        return;
    }
    vote->replied |= (uint8_t) (1u << attempt);
    run->last_reply = run->now;
    if (vote->latency >= 0) {
        run->late++;            //  another attempt's reply came first
        return;
    }
    if (attempt == 0 && s_lost (options, index)) {
        vote->lost = true;
        run->lost++;
        return;
    }
    int64_t due = attempt == 0? vote->due: run->resent [i * (uint64_t) options->retries + (uint64_t) attempt - 1];
    vote->latency = run->now - due;
    vote->felt = run->now - vote->due;
    vote->ok = ok;
    run->answered++;
    if (ok)
        run->acked++;
    else {
        if (run->errors++ == 0)
            snprintf (run->first_error, sizeof run->first_error, "%s", error);
    }
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

//  Resends each vote whose reply has not come within --retry-ms, as a
//  client that timed out does: the same request, over its next
//  connection. -1 when a send failed.
static int
s_resend (run_t *run, loadgen_conn_t **conns)
{
    const options_t *options = run->options;
    while (run->waiting_count && run->waiting_until [run->waiting_head] <= run->now) {
        uint64_t i = run->waiting [run->waiting_head];
        run->waiting_head = (run->waiting_head + 1) % options->votes;
        run->waiting_count--;
        loadgen_outcome_t *vote = &run->outcomes [i];
        if (vote->latency >= 0 || vote->attempts > options->retries)
            continue;           //  answered, or given up on
        loadgen_vote_t request;
        s_vote (options, i, &request);
        if (options->target->send (conns [s_conn_of (options, i, vote->attempts)], &request)) {
            fprintf (stderr, "wsis-loadgen: cannot resend vote %" PRIu64 "\n", request.index);
            return -1;
        }
        run->resent [i * (uint64_t) options->retries + vote->attempts - 1] = run->now;
        vote->attempts++;
        run->resends++;
        s_wait_for (run, i);
    }
    return 0;
}

//  With --window: a line on stderr as each window of due time ends, so a
//  long run shows how it goes.
static void
s_progress (const run_t *run, int64_t start, uint64_t sent, int *windows)
{
    const options_t *options = run->options;
    if (options->window_s <= 0)
        return;
    int64_t window = (int64_t) (options->window_s * 1e9);
    while (run->now - start >= window * (*windows + 1)) {
        (*windows)++;
        fprintf (stderr, "wsis-loadgen: %4.0f s: %" PRIu64 " sent, %" PRIu64 " acked, %" PRIu64
                 " errors, %" PRIu64 " resent\n", *windows * options->window_s, sent, run->acked,
                 run->errors, run->resends);
    }
}

static int
s_run (const options_t *options)
{
    int count = options->connections;
    loadgen_conn_t **conns = (loadgen_conn_t **) zmalloc (count * sizeof (loadgen_conn_t *));
    zmq_pollitem_t *items = (zmq_pollitem_t *) zmalloc (count * sizeof (zmq_pollitem_t));
    bool *unwritten = (bool *) zmalloc (count * sizeof (bool));
    run_t run = { .options = options };
    run.outcomes = (loadgen_outcome_t *) zmalloc (options->votes * sizeof (loadgen_outcome_t));
    if (options->retry_ms > 0) {
        run.resent = (int64_t *) zmalloc (options->votes * (uint64_t) (options->retries + 1) * sizeof (int64_t));
        run.waiting = (uint64_t *) zmalloc (options->votes * sizeof (uint64_t));
        run.waiting_until = (int64_t *) zmalloc (options->votes * sizeof (int64_t));
    }
    for (uint64_t i = 0; i < options->votes; i++)
        run.outcomes [i].latency = -1;
    int rc = 1;
    for (int c = 0; c < count; c++)
        if (!(conns [c] = options->target->connect (options->endpoint, options->call)))
            goto cleanup;
    //  Let the connections finish their handshakes before the clock runs.
    zclock_sleep (200);

    double cpu = s_cpu_seconds ();
    int64_t start = s_now ();
    run.last_reply = run.now = start;
    uint64_t sent = 0;
    int windows = 0;
    bool broken = false, timed_out = false;
    while (run.answered < options->votes && !broken) {
        run.now = s_now ();
        for (; sent < options->votes; sent++) {
            int64_t at = s_open_loop (options)? start + s_due (options, sent): run.now;
            if (s_open_loop (options)? at > run.now: sent >= run.answered + options->inflight)
                break;
            loadgen_vote_t vote;
            s_vote (options, sent, &vote);
            loadgen_outcome_t *outcome = &run.outcomes [sent];
            outcome->due = at;
            outcome->send_lag = s_now () - at;
            outcome->attempts = 1;
            if (options->target->send (conns [s_conn_of (options, sent, 0)], &vote)) {
                fprintf (stderr, "wsis-loadgen: cannot send vote %" PRIu64 "\n", vote.index);
                broken = true;
                break;
            }
            if (options->retry_ms > 0)
                s_wait_for (&run, sent);
        }
        if (options->retry_ms > 0 && s_resend (&run, conns))
            broken = true;
        for (int c = 0; c < count; c++) {
            unwritten [c] = options->target->flush (conns [c]);
            options->target->pollitem (conns [c], &items [c]);
            if (unwritten [c])
                items [c].events |= ZMQ_POLLOUT;
        }
        //  Open loop: wake for the next vote due (ms, rounded up: a vote
        //  sent up to 1 ms late is counted against the service, and the
        //  send lag printed says how much of the latency is the client's);
        //  with retries, for the next resend too.
        int64_t next = INT64_MAX;
        if (s_open_loop (options) && sent < options->votes)
            next = start + s_due (options, sent);
        if (run.waiting_count && run.waiting_until [run.waiting_head] < next)
            next = run.waiting_until [run.waiting_head];
        long wait = 100;
        if (next != INT64_MAX) {
            int64_t ahead = next - s_now ();
            wait = ahead <= 0? 0: ahead < 100000000? (long) ((ahead + 999999) / 1000000): 100;
        }
        if (zmq_poll (items, count, wait) == -1)
            break;
        run.now = s_now ();
        for (int c = 0; c < count; c++) {
            run.conn = c;
            if ((items [c].revents & ZMQ_POLLIN)
            &&  options->target->receive (conns [c], s_on_reply, &run))
                broken = true;
        }
        s_progress (&run, start, sent, &windows);
        if (run.now - run.last_reply > (int64_t) (options->timeout * 1e9) && sent > run.answered) {
            timed_out = true;
            break;
        }
    }
    double elapsed = (double) (run.last_reply - start) / 1e9;
    cpu = s_cpu_seconds () - cpu;

    loadgen_summary_t all;
    loadgen_summary (run.outcomes, 0, options->votes, &all);
    double peak = options->rate;
    for (int k = 0; k < options->ramp.count; k++)
        if (options->ramp.points [k].rate > peak)
            peak = options->ramp.points [k].rate;
    printf ("{\"target\": \"%s\", \"mode\": \"%s\", \"rate\": %.0f, \"connections\": %d, "
            "\"inflight\": %" PRIu64 ", \"votes\": %" PRIu64 ", \"sent\": %" PRIu64
            ", \"acked\": %" PRIu64 ", \"errors\": %" PRIu64 ", \"unanswered\": %" PRIu64
            ", \"strays\": %" PRIu64 ", \"resends\": %" PRIu64 ", \"retried\": %" PRIu64
            ", \"lost\": %" PRIu64 ", \"late\": %" PRIu64
            ", \"elapsed_s\": %.3f, \"acked_per_s\": %.0f"
            ", \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f"
            ", \"felt_p99_ms\": %.3f, \"felt_max_ms\": %.3f"
            ", \"send_lag_p99_ms\": %.3f, \"client_cpu_s\": %.3f, \"start_s\": %.6f"
            ", \"first_error\": ",
            options->target->name,
            options->ramp.count? "ramp": options->rate > 0? "open": "closed", peak, count,
            options->inflight, options->votes, sent, run.acked, run.errors,
            options->votes - run.answered, run.strays, run.resends, all.retried, run.lost, run.late,
            elapsed, elapsed > 0? run.acked / elapsed: 0.0,
            all.p50_ms, all.p99_ms, all.p999_ms, all.max_ms, all.felt_p99_ms, all.felt_max_ms,
            all.send_lag_p99_ms, cpu, start / 1e9);
    s_json_string (timed_out? "timed out waiting for replies": run.first_error);
    if (options->window_s > 0) {
        printf (", \"windows\": ");
        loadgen_summary_windows (stdout, run.outcomes, options->votes, start, options->window_s);
    }
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
    free (run.outcomes);
    free (run.resent);
    free (run.waiting);
    free (run.waiting_until);
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
        "  --ramp T:R,T:R,...     open loop at a changing rate: R votes/s offered at T s\n"
        "                         from the start, linear in between (the first T is 0);\n"
        "                         the votes are the schedule's (--votes is ignored)\n"
        "  --retry-ms MS          resend a vote unanswered after MS ms, the same request\n"
        "                         (same id) over the next connection; 0: never (0)\n"
        "  --retries N            at most N resends of a vote (3; fewer than --connections)\n"
        "  --lose P               take the fraction P of first replies as lost, so those\n"
        "                         votes are resent (0; needs --retry-ms)\n"
        "  --window S             the figures of each S seconds of the run too, and a\n"
        "                         progress line on stderr as each ends (0: none)\n"
        "  --per-voter A          each voter casts a ballot of A votes on average in a row,\n"
        "                         the voters in a scattered order (1 to --categories; at\n"
        "                         most voters x A votes); default: every vote a scattered\n"
        "                         (voter, category) pair\n"
        "Prints one JSON object; exits 1 when a vote was refused or unanswered.\n");
}

int
main (int argc, char *argv [])
{
    options_t options = {
        .target = &loadgen_wsis, .endpoint = "tcp://127.0.0.1:5601", .call = "prizes-2022",
        .connections = 4, .inflight = 2000, .voters = 60000, .categories = 18, .projects = 20,
        .votes = 100000, .skip = 0, .rate = 0, .timeout = 30, .retries = 3
    };
    const char *ramp = NULL;
    static struct option longs [] = {
        { "target", required_argument, NULL, 't' }, { "endpoint", required_argument, NULL, 'e' },
        { "call", required_argument, NULL, 'c' }, { "connections", required_argument, NULL, 'n' },
        { "inflight", required_argument, NULL, 'i' }, { "rate", required_argument, NULL, 'r' },
        { "votes", required_argument, NULL, 'v' }, { "skip", required_argument, NULL, 's' },
        { "voters", required_argument, NULL, 'V' }, { "categories", required_argument, NULL, 'C' },
        { "projects", required_argument, NULL, 'P' }, { "timeout", required_argument, NULL, 'T' },
        { "ramp", required_argument, NULL, 'R' }, { "retry-ms", required_argument, NULL, 'y' },
        { "retries", required_argument, NULL, 'Y' }, { "lose", required_argument, NULL, 'L' },
        { "window", required_argument, NULL, 'W' }, { "per-voter", required_argument, NULL, 'A' },
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
            case 'R': ramp = optarg; break;
            case 'y': options.retry_ms = atof (optarg); break;
            case 'Y': options.retries = atoi (optarg); break;
            case 'L': options.lose = atof (optarg); break;
            case 'W': options.window_s = atof (optarg); break;
            case 'A': options.per_voter = atof (optarg); break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 2;
        }
    }
    if (ramp) {
        char error [200];
        if (options.rate > 0 || loadgen_ramp_parse (&options.ramp, ramp, error, sizeof error)) {
            fprintf (stderr, "wsis-loadgen: %s\n", options.rate > 0? "--rate or --ramp, not both": error);
            return 2;
        }
        options.votes = loadgen_ramp_votes (&options.ramp);
    }
    if (options.retry_ms < 0 || options.retries < 0 || options.retries > 7
    ||  (options.retry_ms > 0 && options.retries >= options.connections)
    ||  (options.retry_ms > 0 && options.target == &loadgen_redis)
    ||  !(options.lose >= 0 && options.lose < 1)
    ||  (options.lose > 0 && !(options.retry_ms > 0 && options.retries > 0))
    ||  options.window_s < 0) {
        fprintf (stderr, "wsis-loadgen: --retries is 0-7 and fewer than --connections; --lose "
                         "needs retries and is below 1; no retries at redis\n");
        return 2;
    }
    if (!options.target || options.connections < 1 || options.connections > 1000
    ||  options.inflight < 1 || options.votes < 1 || options.voters < 1
    ||  options.categories < 1 || options.categories > LOADGEN_CATEGORY_MAX
    ||  options.projects < 1 || options.rate < 0 || !(options.timeout > 0)
    ||  (options.per_voter != 0 && !(options.per_voter >= 1 && options.per_voter <= options.categories))
    ||  (options.target != &loadgen_bus && options.skip + options.votes > s_capacity (&options))) {
        fprintf (stderr, "wsis-loadgen: a bad option (or more votes than voters x categories)\n");
        s_usage (stderr);
        return 2;
    }
    return s_run (&options);
}
