/*  wsis-loadgen: a load generator of votes for wsis-voting and its peers.

    The measured loop of bench/bench_votes.py, in C so that on a 2-core
    machine the figure is the service's and not the client's: N
    connections, closed loop (a window of votes in flight, as fast as
    replies come) or open loop (a fixed offered rate, each latency taken
    from the vote's scheduled send time, so a slow reply cannot delay the
    votes behind it and hide its own cost: no coordinated omission).

    A target is one kind of connection (loadgen_wsis.c speaks the wire
    protocol over a DEALER; loadgen_redis.c runs the same durable vote as
    a Lua script in Redis), seen by the loop through loadgen_target_t.
*/
#ifndef WSIS_LOADGEN_H
#define WSIS_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zmq.h>

#define LOADGEN_CATEGORY_MAX 18
#define LOADGEN_ERROR_MAX 200

//  One vote to cast: index is global across runs (the request id), so a
//  run that follows another never resends an id the service has seen.
typedef struct {
    uint64_t index;
    uint64_t voter;             //  stk-<voter>, from 1
    const char *category;
    int project;                //  sub-<category>-<project>, from 1
} loadgen_vote_t;

//  Where a reply leaves the target: the vote's index, and whether the
//  vote was accepted (with why not, when it was not).
typedef void (loadgen_reply_fn) (void *arg, uint64_t index, bool ok, const char *error);

typedef struct _loadgen_conn_t loadgen_conn_t;

typedef struct {
    const char *name;
    //  A connection to endpoint (a ZeroMQ endpoint, or host:port), or
    //  NULL with a message on stderr. call: the call voted in.
    loadgen_conn_t *(*connect) (const char *endpoint, const char *call);
    void (*destroy) (loadgen_conn_t **self_p);
    //  Queues one vote (sent by flush or at once). 0 or -1.
    int (*send) (loadgen_conn_t *self, const loadgen_vote_t *vote);
    //  Writes what is queued; true while something is still unwritten.
    bool (*flush) (loadgen_conn_t *self);
    //  What to poll for this connection.
    void (*pollitem) (loadgen_conn_t *self, zmq_pollitem_t *item);
    //  Reads every reply that is ready, without waiting. 0, or -1 when
    //  the connection broke.
    int (*receive) (loadgen_conn_t *self, loadgen_reply_fn *fn, void *arg);
} loadgen_target_t;

//  What became of one vote of a run.
typedef struct {
    int64_t due;                //  ns: when its first attempt was due (open loop) or sent
    int64_t latency;            //  ns from the due time of the attempt whose reply was
                                //  taken to that reply; -1 until answered
    int64_t felt;               //  ns from the first attempt's due time to that reply:
                                //  what the voter waited, retries included
    int64_t send_lag;           //  ns: the first attempt went out this late
    uint8_t attempts;           //  attempts sent (1 + retries)
    uint8_t replied;            //  bit a: a reply to attempt a came (or was lost)
    bool ok;                    //  the reply taken accepted the vote
    bool lost;                  //  the first attempt's reply was dropped on purpose (--lose)
} loadgen_outcome_t;

//  The figures of votes [from, to) of a run (loadgen_summary.c).
typedef struct {
    uint64_t votes, acked, errors, unanswered, retried, lost;
    double p50_ms, p99_ms, p999_ms, max_ms;     //  latency of the answered ones
    double felt_p99_ms, felt_max_ms;            //  what their voters waited
    double send_lag_p99_ms;                     //  how late the client sent (the sent ones)
} loadgen_summary_t;

//  Summarizes votes [from, to) of outcomes.
void
    loadgen_summary (const loadgen_outcome_t *outcomes, uint64_t from, uint64_t to,
                     loadgen_summary_t *summary);

//  Prints, as a JSON array, the summary of each window of window_s
//  seconds of due time (the votes are in due order), from the run's start.
void
    loadgen_summary_windows (FILE *out, const loadgen_outcome_t *outcomes, uint64_t count,
                             int64_t start, double window_s);

//  A rising (or any) rate: the offered rate at a few moments, linear in
//  between (loadgen_ramp.c).
#define LOADGEN_RAMP_MAX 32
typedef struct {
    double at;                  //  seconds from the start; the first is 0
    double rate;                //  votes/s offered then
} loadgen_ramp_point_t;

typedef struct {
    loadgen_ramp_point_t points [LOADGEN_RAMP_MAX];
    int count;
} loadgen_ramp_t;

//  Parses "0:1000,60:4000,120:20000" (seconds:rate, times rising from 0,
//  rates at least 0, at least two points). 0, or -1 with a message in
//  error.
int
    loadgen_ramp_parse (loadgen_ramp_t *self, const char *text, char *error, size_t size);

//  The votes the schedule offers from its first point to its last.
uint64_t
    loadgen_ramp_votes (const loadgen_ramp_t *self);

//  When vote i of the schedule is due, in ns from the start: the moment
//  the votes offered so far reach i.
int64_t
    loadgen_ramp_due (const loadgen_ramp_t *self, uint64_t i);

extern const loadgen_target_t loadgen_wsis;
extern const loadgen_target_t loadgen_redis;
//  Not votes: one bus `publish` per index (role publisher).
extern const loadgen_target_t loadgen_bus;

#endif
