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

extern const loadgen_target_t loadgen_wsis;
extern const loadgen_target_t loadgen_redis;
//  Not votes: one bus `publish` per index (role publisher).
extern const loadgen_target_t loadgen_bus;

#endif
