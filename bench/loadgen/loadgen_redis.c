/*  loadgen_redis: the same durable vote in Redis, the peer wsis-voting is
    measured against. One Lua script per vote, atomic in Redis: HSETNX of
    the voter's category (a second vote of a voter in a category is
    refused, as already_voted is), then XADD of the vote event to a
    stream (the outbox). Redis runs with appendfsync always, so its reply
    means "in the AOF and fsynced", as a wsis reply means "committed with
    synchronous=FULL". Replies come back in order on each connection. */
#include "loadgen.h"

#include <czmq.h>
#include <fcntl.h>
#include <hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char s_script [] =
    "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end\n"
    "redis.call('XADD', KEYS[2], '*', 'call', ARGV[3], 'category', ARGV[4], 'submission_id', ARGV[2])\n"
    "return 1\n";

struct _loadgen_conn_t {
    redisContext *redis;
    char sha [48];
    char ballots_key [96];      //  votes:<call>, the hash of voter:category
    char events_key [96];       //  events:<call>, the stream
    char call [65];
    uint64_t *pending;          //  indexes of the votes sent, in order
    size_t head, count, size;
};

static loadgen_conn_t *
s_connect (const char *endpoint, const char *call)
{
    char host [256];
    int port = 0;
    if (sscanf (endpoint, "%255[^:]:%d", host, &port) != 2) {
        fprintf (stderr, "wsis-loadgen: a Redis endpoint is host:port, not %s\n", endpoint);
        return NULL;
    }
    redisContext *redis = redisConnect (host, port);
    if (!redis || redis->err) {
        fprintf (stderr, "wsis-loadgen: cannot connect to Redis at %s: %s\n", endpoint,
                 redis? redis->errstr: "out of memory");
        redisFree (redis);
        return NULL;
    }
    redisReply *reply = (redisReply *) redisCommand (redis, "SCRIPT LOAD %s", s_script);
    if (!reply || reply->type != REDIS_REPLY_STRING) {
        fprintf (stderr, "wsis-loadgen: SCRIPT LOAD failed: %s\n",
                 reply && reply->type == REDIS_REPLY_ERROR? reply->str: redis->errstr);
        freeReplyObject (reply);
        redisFree (redis);
        return NULL;
    }
    loadgen_conn_t *self = (loadgen_conn_t *) zmalloc (sizeof (loadgen_conn_t));
    snprintf (self->sha, sizeof self->sha, "%s", reply->str);
    freeReplyObject (reply);
    //  From here on the loop polls the socket: hiredis reads and writes
    //  only what the kernel takes without waiting.
    fcntl (redis->fd, F_SETFL, fcntl (redis->fd, F_GETFL) | O_NONBLOCK);
    redis->flags &= ~REDIS_BLOCK;
    self->redis = redis;
    snprintf (self->call, sizeof self->call, "%s", call);
    snprintf (self->ballots_key, sizeof self->ballots_key, "votes:%s", call);
    snprintf (self->events_key, sizeof self->events_key, "events:%s", call);
    self->size = 4096;
    self->pending = (uint64_t *) zmalloc (self->size * sizeof (uint64_t));
    return self;
}

static void
s_destroy (loadgen_conn_t **self_p)
{
    if (self_p && *self_p) {
        loadgen_conn_t *self = *self_p;
        redisFree (self->redis);
        free (self->pending);
        free (self);
        *self_p = NULL;
    }
}

static void
s_push (loadgen_conn_t *self, uint64_t index)
{
    if (self->count == self->size) {
        uint64_t *grown = (uint64_t *) zmalloc (2 * self->size * sizeof (uint64_t));
        for (size_t i = 0; i < self->count; i++)
            grown [i] = self->pending [(self->head + i) % self->size];
        free (self->pending);
        self->pending = grown;
        self->head = 0;
        self->size *= 2;
    }
    self->pending [(self->head + self->count++) % self->size] = index;
}

static int
s_send (loadgen_conn_t *self, const loadgen_vote_t *vote)
{
    char ballot [96], submission [64], count [4] = "2";
    snprintf (ballot, sizeof ballot, "stk-%" PRIu64 ":%s", vote->voter, vote->category);
    snprintf (submission, sizeof submission, "sub-%s-%d", vote->category, vote->project);
    const char *argv [] = { "EVALSHA", self->sha, count, self->ballots_key, self->events_key,
                            ballot, submission, self->call, vote->category };
    if (redisAppendCommandArgv (self->redis, 9, argv, NULL) != REDIS_OK)
        return -1;
    s_push (self, vote->index);
    return 0;
}

static bool
s_flush (loadgen_conn_t *self)
{
    int done = 0;
    if (redisBufferWrite (self->redis, &done) != REDIS_OK)
        return false;           //  the error shows in receive
    return !done;
}

static void
s_pollitem (loadgen_conn_t *self, zmq_pollitem_t *item)
{
    item->socket = NULL;
    item->fd = self->redis->fd;
    item->events = ZMQ_POLLIN;
}

static int
s_receive (loadgen_conn_t *self, loadgen_reply_fn *fn, void *arg)
{
    if (redisBufferRead (self->redis) != REDIS_OK) {
        fprintf (stderr, "wsis-loadgen: Redis: %s\n", self->redis->errstr);
        return -1;
    }
    void *reply = NULL;
    while (redisGetReplyFromReader (self->redis, &reply) == REDIS_OK && reply) {
        redisReply *r = (redisReply *) reply;
        if (self->count == 0) {
            freeReplyObject (r);
            fprintf (stderr, "wsis-loadgen: Redis answered a vote never sent\n");
            return -1;
        }
        uint64_t index = self->pending [self->head];
        self->head = (self->head + 1) % self->size;
        self->count--;
        if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
            fn (arg, index, true, NULL);
        else {
            char why [LOADGEN_ERROR_MAX];
            snprintf (why, sizeof why, "%s", r->type == REDIS_REPLY_ERROR? r->str
                      : "already_voted: the script refused a second vote");
            fn (arg, index, false, why);
        }
        freeReplyObject (r);
        reply = NULL;
    }
    return 0;
}

const loadgen_target_t loadgen_redis = {
    "redis", s_connect, s_destroy, s_send, s_flush, s_pollitem, s_receive
};
