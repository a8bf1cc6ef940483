/*  wsis_retention: old events that every consumer applied, to the archive. */
#include "wsis_retention.h"
#include "wsis_request.h"
#include "wsis_alloc.h"
#include "wsis_log.h"
#include "wsis_msg.h"
#include "wsis_pack.h"
#include "wsis_time.h"

#include <string.h>

#define PEERS_MAX       16
#define DAY_MS          (24 * 3600 * 1000LL)

typedef struct {
    const char *name;           //  one of wsis_config_services
    char *endpoint;
    zsock_t *dealer;            //  made at the first round
    bool reading;               //  dealer is a reader of the loop: only
                                //  while a round asks (zmq_poll costs two
                                //  system calls per socket per turn)
    bool answered;              //  in this round
    bool consumer;              //  its sources list us (this round)
    uint64_t position;          //  then: how far it has applied us
    //  The last round's outcome, for sys.stats.
    bool was_answered;
    bool was_consumer;
    uint64_t was_position;
} peer_t;

struct _wsis_retention_t {
    wsis_outbox_t *outbox;      //  none of these owned
    wsis_config_t *config;
    wsis_clock_t *clock;
    wsis_curve_t *curve;
    const char *source;
    zloop_t *loop;
    int64_t after_days;
    size_t chunk;               //  events moved per turn of the loop
    peer_t peers [PEERS_MAX];
    size_t peer_count;
    uint64_t round;             //  the request id of this round's asks
    bool asking;                //  a round is waiting for answers
    bool reported;              //  a round has ended (its outcome is in was_*)
    int64_t checked;            //  when the last whole round ended (clock ms), or 0
    uint64_t through;           //  what the last whole round allows
    int mover;                  //  timer id while moving, or -1
    bool failed;                //  the last move failed (logged once)
};

wsis_retention_t *
wsis_retention_new (wsis_outbox_t *outbox, wsis_config_t *config, wsis_clock_t *clock,
                    wsis_curve_t *curve, const char *source)
{
    wsis_retention_t *self = (wsis_retention_t *) zmalloc (sizeof (wsis_retention_t));
    self->outbox = outbox;
    self->config = config;
    self->clock = clock;
    self->curve = curve;
    self->source = source;
    self->mover = -1;
    self->after_days = wsis_config_int (config, "wsis/archive_after_days");
    self->chunk = (size_t) wsis_config_int (config, "wsis/archive_chunk");
    for (const char *const *name = wsis_config_services; *name && self->peer_count < PEERS_MAX; name++)
        if (!streq (*name, source)) {
            peer_t *peer = &self->peers [self->peer_count++];
            peer->name = *name;
            peer->endpoint = wsis_config_endpoint (config, *name, "port", false);
        }
    return self;
}

void
wsis_retention_destroy (wsis_retention_t **self_p)
{
    if (self_p && *self_p) {
        wsis_retention_t *self = *self_p;
        for (size_t i = 0; i < self->peer_count; i++) {
            if (self->loop && self->peers [i].reading)
                zloop_reader_end (self->loop, self->peers [i].dealer);
            zsock_destroy (&self->peers [i].dealer);
            zstr_free (&self->peers [i].endpoint);
        }
        if (self->loop && self->mover >= 0)
            zloop_timer_end (self->loop, self->mover);
        free (self);
        *self_p = NULL;
    }
}

//  -------------------------------------------------------------------------
//  Moving, a chunk per turn of the loop

static int
s_on_move (zloop_t *loop, int timer_id, void *arg)
{
    wsis_retention_t *self = (wsis_retention_t *) arg;
    int64_t before = wsis_clock_now (self->clock) - self->after_days * DAY_MS;
    int moved = wsis_outbox_archive (self->outbox, self->through, before, self->chunk);
    if (moved < 0 && !self->failed)
        wsis_log_error ("retention: events could not move to the archive; they stay in the outbox");
    self->failed = moved < 0;
    if (moved <= 0) {
        zloop_timer_end (loop, self->mover);
        self->mover = -1;
    }
    return 0;
}

static void
s_start_moving (wsis_retention_t *self)
{
    if (self->mover < 0)
        self->mover = zloop_timer (self->loop, 1, 0, s_on_move, self);
}

//  -------------------------------------------------------------------------
//  Rounds: every other service asked how far it has applied us

//  The round ends: what it found is kept for sys.stats, and when every
//  service answered, events up to the slowest consumer may move.
static void
s_end_round (wsis_retention_t *self)
{
    bool whole = true;
    uint64_t through = UINT64_MAX;
    for (size_t i = 0; i < self->peer_count; i++) {
        peer_t *peer = &self->peers [i];
        //  Out of the loop until the next round (a late answer is read
        //  then, and is not that round's)
        if (peer->reading)
            zloop_reader_end (self->loop, peer->dealer);
        peer->reading = false;
        peer->was_answered = peer->answered;
        peer->was_consumer = peer->consumer;
        peer->was_position = peer->position;
        if (!peer->answered)
            whole = false;
        else
        if (peer->consumer && peer->position < through)
            through = peer->position;
    }
    self->asking = false;
    self->reported = true;
    if (whole) {
        self->checked = wsis_clock_now (self->clock);
        self->through = through;
        s_start_moving (self);
    }
}

//  Where the answer's sources place us: consumer and position, or not a
//  consumer. false when it is not an answer to this round.
static bool
s_read_answer (wsis_retention_t *self, zmsg_t *msg, peer_t *peer)
{
    if (zmsg_size (msg) != 2)
        return false;
    zframe_t *frame = zmsg_last (msg);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error;
    char id [32];
    snprintf (id, sizeof id, "retention-%llu", (unsigned long long) self->round);
    bool ours = wsis_msg_unpack (&unpacked, zframe_data (frame), zframe_size (frame),
                                 &wsis_msg_default_limits, &error) == 0
             && wsis_msg_str_equals (wsis_msg_get (&unpacked.data, "id"), id);
    if (ours) {
        const msgpack_object *sources = wsis_msg_get (wsis_msg_get (&unpacked.data, "body"), "sources");
        const msgpack_object *at = wsis_msg_get (wsis_msg_get (sources, self->source), "last_seq");
        //  A refusal is no answer: we cannot know what it applied.
        ours = wsis_msg_true (wsis_msg_get (&unpacked.data, "ok"));
        peer->consumer = at && at->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
        peer->position = peer->consumer? at->via.u64: 0;
    }
    msgpack_unpacked_destroy (&unpacked);
    return ours;
}

static int
s_on_answer (zloop_t *loop, zsock_t *dealer, void *arg)
{
    wsis_retention_t *self = (wsis_retention_t *) arg;
    peer_t *peer = NULL;
    for (size_t i = 0; i < self->peer_count; i++)
        if (self->peers [i].dealer == dealer)
            peer = &self->peers [i];
    zmsg_t *msg;
    while ((msg = zmsg_recv (dealer))) {
        if (peer && self->asking && !peer->answered && s_read_answer (self, msg, peer))
            peer->answered = true;
        zmsg_destroy (&msg);
    }
    bool all = self->asking;
    for (size_t i = 0; all && i < self->peer_count; i++)
        all = self->peers [i].answered;
    if (all)
        s_end_round (self);
    return 0;
}

//  sys.stats to one peer, as one frame after the empty delimiter.
static void
s_ask (wsis_retention_t *self, peer_t *peer)
{
    if (!peer->dealer) {
        peer->dealer = zsock_new (ZMQ_DEALER);
        zsock_set_linger (peer->dealer, 0);
        zsock_set_sndtimeo (peer->dealer, 0);
        zsock_set_rcvtimeo (peer->dealer, 0);
        char *error = NULL;
        if (wsis_curve_connect_to (self->curve, peer->dealer, peer->name, &error)
        ||  zsock_connect (peer->dealer, "%s", peer->endpoint)) {
            wsis_log_error ("retention: cannot connect to %s%s%s", peer->endpoint,
                            error? ": ": "", error? error: "");
            zstr_free (&error);
            zsock_destroy (&peer->dealer);
            return;
        }
    }
    else
        //  Its key rotated since the dealer was made: ask with the new one.
        wsis_curve_reconnect (self->curve, peer->dealer, peer->name, peer->endpoint);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    char id [32];
    snprintf (id, sizeof id, "retention-%llu", (unsigned long long) self->round);
    wsis_request_pack_head (&pk, id, "sys.stats", self->source, "service");
    msgpack_pack_map (&pk, 0);
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    //  Not connected (sndtimeo 0): it stays silent this round.
    if (zmsg_send (&msg, peer->dealer))
        zmsg_destroy (&msg);
    else
    if (!peer->reading) {
        zloop_reader (self->loop, peer->dealer, s_on_answer, self);
        peer->reading = true;
    }
}

//  Every archive_check_s: the round before ends (with silent services if
//  any), a new one asks every service.
static int
s_on_check (zloop_t *loop, int timer_id, void *arg)
{
    wsis_retention_t *self = (wsis_retention_t *) arg;
    if (self->asking)
        s_end_round (self);
    self->round++;
    self->asking = true;
    for (size_t i = 0; i < self->peer_count; i++) {
        self->peers [i].answered = false;
        self->peers [i].consumer = false;
        s_ask (self, &self->peers [i]);
    }
    return 0;
}

void
wsis_retention_attach (wsis_retention_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (self->after_days > 0)
        zloop_timer (loop, (size_t) wsis_config_int (self->config, "wsis/archive_check_s") * 1000, 0,
                     s_on_check, self);
}

void
wsis_retention_pack_stats (wsis_retention_t *self, wsis_archive_t *archive, msgpack_packer *pk)
{
    size_t consumers = 0, silent = 0;
    for (size_t i = 0; i < self->peer_count; i++) {
        if (self->peers [i].was_answered && self->peers [i].was_consumer)
            consumers++;
        if (self->reported && !self->peers [i].was_answered)
            silent++;
    }
    wsis_pack_str (pk, "archive");
    msgpack_pack_map (pk, 8);
    wsis_pack_kv_int (pk, "after_days", self->after_days);
    wsis_pack_kv_uint (pk, "events", archive? wsis_archive_events (archive): 0);
    wsis_pack_kv_uint (pk, "through", archive? wsis_archive_last_seq (archive): 0);
    wsis_pack_kv_uint (pk, "files", archive? wsis_archive_files (archive): 0);
    wsis_pack_kv_uint (pk, "bytes", archive? wsis_archive_bytes (archive): 0);
    wsis_pack_str (pk, "consumers");
    msgpack_pack_map (pk, consumers);
    for (size_t i = 0; i < self->peer_count; i++)
        if (self->peers [i].was_answered && self->peers [i].was_consumer)
            wsis_pack_kv_uint (pk, self->peers [i].name, self->peers [i].was_position);
    wsis_pack_str (pk, "silent");
    msgpack_pack_array (pk, silent);
    for (size_t i = 0; i < self->peer_count; i++)
        if (self->reported && !self->peers [i].was_answered)
            wsis_pack_str (pk, self->peers [i].name);
    wsis_pack_str (pk, "checked");
    if (self->checked) {
        char checked [WSIS_TIME_BUFSIZE];
        wsis_time_format (self->checked, checked);
        wsis_pack_str (pk, checked);
    }
    else
        msgpack_pack_nil (pk);
}
