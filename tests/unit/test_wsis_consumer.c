/*  test_wsis_consumer: events in, each applied exactly once (docs/design.md,
    "No event is lost").

    A real wsis_consumer_t over a real store, cursor and batch, attached
    to a zloop the test runs. The bus is an XPUB the test binds, and it
    publishes only once the consumer's subscription has arrived. The
    source is a ROUTER on the same loop that answers events.since from an
    in-memory list of envelopes, as docs/protocol.md section 3 says, and
    can be told to leave a request unanswered or to hold an answer back
    until the test sends it. The loop runs until the cursor reaches a
    seq, checked every millisecond, with a deadline that fails the test;
    nothing sleeps.

    Covered: live events applied in order exactly once; duplicates; a gap
    filled by catch-up before the event past it; a heartbeat showing the
    source ahead; catch-up at attach and page by page; an apply that
    fails once, live and in a page (rolled back, then applied once); a
    head raised while an ask is on its way; a catch-up never answered,
    sent again by tick; a forged head that must not start a loop of
    asks; ignored types; foreign sources and junk; the position surviving
    a restart. The apply callback writes a row per event, so "exactly
    once" is checked on disk as well as in the cursor.

    Forged heads (a heartbeat at 2^64-1, an envelope at 1,000,000, a
    thousand heartbeats in a second) run on a clock the test moves by
    hand: the source's answer ends their lag, the asks they cause stay a
    handful, and a real gap among them is still filled.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_consumer.h"
#include "wsis_reply.h"
#include "wsis_request.h"
#include "test_runtime.h"

#define SOURCE "submissions"
#define MAX_EVENTS 64
#define MAX_REQUESTS 32

//  An event the source holds; its seq is its index + 1.
typedef struct {
    char type [32];
    msgpack_sbuffer envelope;
} held_t;

//  An events.since the source received.
typedef struct {
    char id [WSIS_ID_MAX + 1];
    uint64_t after;
    uint64_t limit;
} asked_t;

typedef struct {
    test_runtime_t runtime;     //  store, cursor, batch; no outbox
    wsis_consumer_t *consumer;
    zloop_t *loop;              //  outlives the consumer, which ends its readers
    zsock_t *bus;               //  XPUB the consumer's SUB connects to
    zsock_t *source;            //  ROUTER standing for the source's endpoint
    char bus_endpoint [64];
    char source_endpoint [64];
    held_t held [MAX_EVENTS];
    size_t held_count;
    asked_t asked [MAX_REQUESTS];
    size_t asked_count;
    size_t answered;
    size_t mute;                //  requests to leave unanswered
    bool defer;                 //  hold the next answer back...
    zmsg_t *deferred;           //  ...here, until the test sends it
    uint64_t applied [MAX_EVENTS * 2];     //  seqs given to apply, in order
    char applied_types [MAX_EVENTS * 2][128];
    size_t applied_count;
    uint64_t fail_at;           //  apply fails once on this seq (0: never)
    uint64_t target;            //  the seq (or count) the loop runs until
    int64_t now;                //  the consumer's clock, when the test holds it
    size_t tick_until;          //  call wsis_consumer_tick while waiting,
                                //  until the source was asked this often
} fixture_t;


//  --------------------------------------------------------------------------
//  The service's side: what applying an event does

static int
s_apply (void *arg, const wsis_event_t *event)
{
    fixture_t *fixture = (fixture_t *) arg;
    assert_string_equal (event->source, SOURCE);
    assert_true (fixture->applied_count < MAX_EVENTS * 2);
    fixture->applied [fixture->applied_count] = event->seq;
    snprintf (fixture->applied_types [fixture->applied_count],
              sizeof fixture->applied_types [0], "%s", event->type);
    fixture->applied_count++;
    if (event->seq == fixture->fail_at) {
        //  As a store failure would: the batch goes, the event comes again
        fixture->fail_at = 0;
        return -1;
    }
    test_runtime_insert (&fixture->runtime, event->seq);
    return 0;
}


//  --------------------------------------------------------------------------
//  The source's side: its events and its command endpoint

//  An envelope of source with body {n: seq} appended to out.
static void
s_envelope (msgpack_sbuffer *out, const char *source, uint64_t seq, const char *type)
{
    msgpack_sbuffer body;
    test_pack_uint (&body, "n", seq);
    wsis_event_encode (out, source, seq, type, 1000 + (int64_t) seq, body.data, body.size);
    msgpack_sbuffer_destroy (&body);
}

//  The source commits count more events of type.
static void
s_hold (fixture_t *fixture, size_t count, const char *type)
{
    for (size_t index = 0; index < count; index++) {
        assert_true (fixture->held_count < MAX_EVENTS);
        held_t *held = &fixture->held [fixture->held_count++];
        snprintf (held->type, sizeof held->type, "%s", type);
        msgpack_sbuffer_init (&held->envelope);
        s_envelope (&held->envelope, SOURCE, fixture->held_count, type);
    }
}

//  The reply body {events: [after+1 .. at most limit], last_seq}.
static void
s_pack_page (fixture_t *fixture, msgpack_packer *pk, uint64_t after, uint64_t limit)
{
    uint64_t last = fixture->held_count;
    uint64_t count = after >= last? 0: last - after;
    if (count > limit)
        count = limit;
    msgpack_pack_map (pk, 2);
    wsis_pack_str (pk, "events");
    msgpack_pack_array (pk, (size_t) count);
    for (uint64_t seq = after + 1; seq <= after + count; seq++)
        wsis_pack_raw (pk, fixture->held [seq - 1].envelope.data, fixture->held [seq - 1].envelope.size);
    wsis_pack_kv_uint (pk, "last_seq", last);
}

static uint64_t
s_body_uint (const wsis_request_t *request, const char *key)
{
    const msgpack_object *value = wsis_msg_get (request->body, key);
    assert_non_null (value);
    assert_int_equal (value->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    return value->via.u64;
}

//  Reads one events.since, as the real endpoint would decode it, and
//  answers it unless told to stay silent: then the reply takes *msg_p
//  (its routing frames) and nulls it. An answer deferred is the page as
//  it was when the request came, sent when the test says.
static void
s_serve_request (fixture_t *fixture, zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    assert_int_equal (zmsg_size (msg), 3);
    zframe_t *frame = zmsg_last (msg);
    wsis_request_t request;
    wsis_error_t error;
    assert_int_equal (wsis_request_decode (&request, zframe_data (frame), zframe_size (frame),
                                           &wsis_msg_default_limits, &error), 0);
    assert_string_equal (request.op, "events.since");
    assert_string_equal (request.actor_id, "voting");
    assert_int_equal (request.role, WSIS_ROLE_SERVICE);
    assert_true (fixture->asked_count < MAX_REQUESTS);
    asked_t *asked = &fixture->asked [fixture->asked_count++];
    snprintf (asked->id, sizeof asked->id, "%s", request.id);
    asked->after = s_body_uint (&request, "after");
    asked->limit = s_body_uint (&request, "limit");

    if (fixture->mute > 0)
        fixture->mute--;
    else {
        wsis_reply_t reply;
        wsis_reply_init (&reply);
        s_pack_page (fixture, &reply.pk, asked->after, asked->limit);
        msgpack_sbuffer out;
        msgpack_sbuffer_init (&out);
        wsis_reply_encode (&out, request.id, &reply);
        //  The reply replaces the request; routing id and delimiter stay
        zframe_t *last = zmsg_last (msg);
        zmsg_remove (msg, last);
        zframe_destroy (&last);
        zmsg_addmem (msg, out.data, out.size);
        if (fixture->defer) {
            fixture->defer = false;
            fixture->deferred = msg;
            *msg_p = NULL;
        }
        else
            zmsg_send (msg_p, fixture->source);
        msgpack_sbuffer_destroy (&out);
        wsis_reply_release (&reply);
        fixture->answered++;
    }
    wsis_request_release (&request);
}

static int
s_on_source (zloop_t *loop, zsock_t *router, void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    zmsg_t *msg = zmsg_recv (router);
    if (msg)
        s_serve_request (fixture, &msg);
    zmsg_destroy (&msg);
    return 0;
}


//  --------------------------------------------------------------------------
//  Fixture

//  Binds a socket of type at tcp://127.0.0.1 on a port the system picks,
//  writing its endpoint into endpoint.
static zsock_t *
s_bind (int type, char *endpoint, size_t size)
{
    zsock_t *socket = zsock_new (type);
    assert_non_null (socket);
    zsock_set_linger (socket, 0);
    int port = zsock_bind (socket, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", port);
    return socket;
}

//  A consumer named voting that follows SOURCE at the fake endpoint.
static void
s_consumer_new (fixture_t *fixture)
{
    fixture->consumer = wsis_consumer_new (fixture->runtime.batch, fixture->runtime.cursor, "voting");
    assert_non_null (fixture->consumer);
    wsis_consumer_set_apply (fixture->consumer, s_apply, fixture);
    char *error = NULL;
    assert_int_equal (wsis_consumer_follow (fixture->consumer, SOURCE, fixture->source_endpoint,
                                            &error), 0);
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture)
        return -1;
    test_runtime_setup (&fixture->runtime, "test_wsis_consumer", NULL);
    fixture->loop = zloop_new ();
    fixture->bus = s_bind (ZMQ_XPUB, fixture->bus_endpoint, sizeof fixture->bus_endpoint);
    fixture->source = s_bind (ZMQ_ROUTER, fixture->source_endpoint, sizeof fixture->source_endpoint);
    zsock_set_rcvtimeo (fixture->source, 0);
    zloop_reader (fixture->loop, fixture->source, s_on_source, fixture);
    s_consumer_new (fixture);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_consumer_destroy (&fixture->consumer);
    zloop_destroy (&fixture->loop);
    zmsg_destroy (&fixture->deferred);
    zsock_destroy (&fixture->source);
    zsock_destroy (&fixture->bus);
    for (size_t index = 0; index < fixture->held_count; index++)
        msgpack_sbuffer_destroy (&fixture->held [index].envelope);
    int rc = test_runtime_teardown (&fixture->runtime);
    free (fixture);
    return rc;
}

static bool
s_reached (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    if (fixture->asked_count < fixture->tick_until)
        wsis_consumer_tick (fixture->consumer);
    return wsis_cursor_last_seq (fixture->runtime.cursor, SOURCE) >= fixture->target;
}

//  Runs the loop until the cursor is at seq.
static void
s_run_until (fixture_t *fixture, uint64_t seq)
{
    fixture->target = seq;
    test_loop_until (fixture->loop, s_reached, fixture);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, SOURCE), seq);
}

static bool
s_all_answered (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    return fixture->answered >= fixture->target;
}

//  Connects to the bus and attaches, which asks the source at once, and
//  waits until the subscription reached the bus.
static void
s_start (fixture_t *fixture)
{
    char *error = NULL;
    assert_int_equal (wsis_consumer_connect (fixture->consumer, fixture->bus_endpoint, 1000,
                                             &error), 0);
    wsis_consumer_attach (fixture->consumer, fixture->loop);
    test_bus_wait_subscriber (fixture->bus);
}

//  Starts while the source holds nothing, and lets the catch-up at
//  attach be answered (empty), so the live events that follow meet a
//  consumer with nothing in flight.
static void
s_start_idle (fixture_t *fixture)
{
    s_start (fixture);
    fixture->target = 1;
    test_loop_until (fixture->loop, s_all_answered, fixture);
}

//  Publishes an envelope on the bus, topic first.
static void
s_publish_raw (fixture_t *fixture, const char *topic, const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, topic);
    zmsg_addmem (msg, data, size);
    assert_int_equal (zmsg_send (&msg, fixture->bus), 0);
}

//  Publishes what the source holds as seq, as it would after its commit.
static void
s_publish (fixture_t *fixture, uint64_t seq)
{
    held_t *held = &fixture->held [seq - 1];
    s_publish_raw (fixture, held->type, held->envelope.data, held->envelope.size);
}

//  Publishes held events in the order given, up to a 0.
static void
s_publish_seqs (fixture_t *fixture, ...)
{
    va_list args;
    va_start (args, fixture);
    for (int seq = va_arg (args, int); seq > 0; seq = va_arg (args, int))
        s_publish (fixture, (uint64_t) seq);
    va_end (args);
}

//  Publishes held events first to last, in order.
static void
s_publish_range (fixture_t *fixture, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++)
        s_publish (fixture, seq);
}

//  Publishes an event of another source, which this consumer does not follow.
static void
s_publish_foreign (fixture_t *fixture, const char *source, uint64_t seq, const char *type)
{
    msgpack_sbuffer envelope;
    msgpack_sbuffer_init (&envelope);
    s_envelope (&envelope, source, seq, type);
    s_publish_raw (fixture, type, envelope.data, envelope.size);
    msgpack_sbuffer_destroy (&envelope);
}

//  Publishes source's sys.heartbeat {last_seq}, seq 0.
static void
s_publish_heartbeat (fixture_t *fixture, const char *source, uint64_t last_seq)
{
    msgpack_sbuffer body, envelope;
    test_pack_uint (&body, "last_seq", last_seq);
    msgpack_sbuffer_init (&envelope);
    wsis_event_encode (&envelope, source, 0, "sys.heartbeat", 5000, body.data, body.size);
    s_publish_raw (fixture, "sys.heartbeat", envelope.data, envelope.size);
    msgpack_sbuffer_destroy (&body);
    msgpack_sbuffer_destroy (&envelope);
}

//  apply was given exactly seqs 1..count, in order, each once.
static void
s_expect_applied_in_order (fixture_t *fixture, uint64_t count)
{
    assert_int_equal (fixture->applied_count, count);
    for (uint64_t index = 0; index < count; index++)
        assert_int_equal (fixture->applied [index], index + 1);
}

//  On disk and in the cursor: events 1..count applied, each once.
static void
s_expect_once (fixture_t *fixture, uint64_t count)
{
    assert_int_equal (test_runtime_rows (&fixture->runtime), count);
    assert_int_equal (wsis_store_int (fixture->runtime.store,
        "SELECT count(DISTINCT n) FROM item", -1), count);
    assert_int_equal (test_runtime_sum (&fixture->runtime), count * (count + 1) / 2);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, SOURCE), count);
    assert_int_equal (wsis_cursor_applied (fixture->runtime.cursor, SOURCE), count);
    assert_int_equal (wsis_cursor_lag (fixture->runtime.cursor, SOURCE), 0);
}

//  Runs until the cursor is at count: events 1..count were given to
//  apply in order, each once, and are on disk once.
static void
s_run_expecting (fixture_t *fixture, uint64_t count)
{
    s_run_until (fixture, count);
    s_expect_applied_in_order (fixture, count);
    s_expect_once (fixture, count);
}

static uint64_t
s_catchups (fixture_t *fixture)
{
    return wsis_consumer_catchups (fixture->consumer, SOURCE);
}

//  The consumer sent count events.since, and the source got them all.
static void
s_expect_asked (fixture_t *fixture, uint64_t count)
{
    assert_int_equal (s_catchups (fixture), count);
    assert_int_equal (fixture->asked_count, count);
}


//  --------------------------------------------------------------------------
//  Live events

static void
test_live (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    assert_int_equal (fixture->asked [0].after, 0);
    s_hold (fixture, 3, "submission.created");
    s_publish_range (fixture, 1, 3);
    s_run_expecting (fixture, 3);
    //  In order, nothing to catch up on beyond the ask at attach
    s_expect_asked (fixture, 1);
}

static void
test_batch_max (void **state)
{
    //  One event per transaction
    fixture_t *fixture = (fixture_t *) *state;
    wsis_consumer_set_batch_max (fixture->consumer, 1);
    s_start_idle (fixture);
    s_hold (fixture, 3, "submission.created");
    s_publish_range (fixture, 1, 3);
    s_run_until (fixture, 3);
    s_expect_once (fixture, 3);
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 3);
}

static void
test_duplicates (void **state)
{
    //  Seen before (seq <= last): skipped, and no reason to catch up
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_hold (fixture, 4, "submission.created");
    s_publish_seqs (fixture, 1, 2, 2, 1, 3, 3, 2, 4, 0);
    s_run_expecting (fixture, 4);
    assert_int_equal (s_catchups (fixture), 1);
}

static void
test_gap (void **state)
{
    //  1, 2, then 5: 5 waits until 3 and 4 are fetched, then all in order
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_hold (fixture, 5, "submission.created");
    s_publish_seqs (fixture, 1, 2, 5, 0);
    s_run_expecting (fixture, 5);
    s_expect_asked (fixture, 2);
    assert_int_equal (fixture->asked [1].after, 2);
    assert_int_equal (fixture->asked [1].limit, 1000);

    //  Live again afterwards, and 3 and 4 published late are duplicates
    s_hold (fixture, 1, "submission.created");
    s_publish_seqs (fixture, 3, 4, 6, 0);
    s_run_until (fixture, 6);
    s_expect_applied_in_order (fixture, 6);
    assert_int_equal (s_catchups (fixture), 2);
}

static void
test_heartbeat (void **state)
{
    //  A heartbeat says the source is at 7 while we are at 5: catch up
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_hold (fixture, 7, "submission.created");
    s_publish_range (fixture, 1, 5);
    s_run_until (fixture, 5);
    assert_int_equal (s_catchups (fixture), 1);

    s_publish_heartbeat (fixture, SOURCE, 7);
    s_run_expecting (fixture, 7);
    assert_int_equal (s_catchups (fixture), 2);
    assert_int_equal (fixture->asked [1].after, 5);

    //  A heartbeat that is not ahead, or of a source not followed, asks
    //  nothing
    s_publish_heartbeat (fixture, SOURCE, 7);
    s_publish_heartbeat (fixture, "nominations", 50);
    s_hold (fixture, 1, "submission.created");
    s_publish (fixture, 8);
    s_run_until (fixture, 8);
    s_expect_asked (fixture, 2);
}


//  --------------------------------------------------------------------------
//  Catch-up

static void
test_catchup_at_attach (void **state)
{
    //  What the source committed while we were not running
    fixture_t *fixture = (fixture_t *) *state;
    s_hold (fixture, 4, "submission.created");
    s_start (fixture);
    s_run_expecting (fixture, 4);
    assert_int_equal (s_catchups (fixture), 1);
    assert_int_equal (fixture->asked [0].after, 0);
    //  All of it in one transaction
    assert_int_equal (wsis_batch_commits (fixture->runtime.batch), 1);
}

static void
test_paging (void **state)
{
    //  Ten events, three a page: after 0, 3, 6, 9
    fixture_t *fixture = (fixture_t *) *state;
    wsis_consumer_set_catchup (fixture->consumer, 3, 3000);
    s_hold (fixture, 10, "submission.created");
    s_start (fixture);
    s_run_expecting (fixture, 10);
    s_expect_asked (fixture, 4);
    for (size_t index = 0; index < 4; index++) {
        assert_int_equal (fixture->asked [index].after, index * 3);
        assert_int_equal (fixture->asked [index].limit, 3);
    }
}

static void
test_apply_fails_live (void **state)
{
    //  The store fails on event 2: the batch goes (1 with it, if it was
    //  in the same one), the cursor is where the last commit left it, and
    //  catch-up brings them again
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_hold (fixture, 3, "submission.created");
    fixture->fail_at = 2;
    s_publish_range (fixture, 1, 3);
    s_run_until (fixture, 3);
    s_expect_once (fixture, 3);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), 1);
    assert_int_equal (fixture->runtime.rolled_back, 1);
    assert_int_equal (s_catchups (fixture), 2);
}

static void
test_apply_fails_in_page (void **state)
{
    //  A page that failed to apply is asked for again by tick, not in a
    //  loop of its own (a full disk would fail it again at once)
    fixture_t *fixture = (fixture_t *) *state;
    s_hold (fixture, 3, "submission.created");
    fixture->fail_at = 2;
    fixture->tick_until = 2;
    s_start (fixture);
    s_run_until (fixture, 3);
    s_expect_once (fixture, 3);
    //  1 and 2 were given to apply twice, but committed once
    uint64_t expected [] = { 1, 2, 1, 2, 3 };
    assert_int_equal (fixture->applied_count, 5);
    assert_memory_equal (fixture->applied, expected, sizeof expected);
    assert_int_equal (wsis_batch_rollbacks (fixture->runtime.batch), 1);
    assert_int_equal (s_catchups (fixture), 2);
    assert_int_equal (fixture->asked [1].after, 0);
}

static bool
s_deferred (void *arg)
{
    return ((fixture_t *) arg)->deferred != NULL;
}

static void
test_head_raised_in_flight (void **state)
{
    //  While the ask at attach is on its way, a heartbeat says the source
    //  is at 3: the answer (empty: it was written before) moves nothing,
    //  but the head was raised meanwhile, so the consumer asks again at
    //  once
    fixture_t *fixture = (fixture_t *) *state;
    fixture->defer = true;
    s_start (fixture);
    test_loop_until (fixture->loop, s_deferred, fixture);
    s_hold (fixture, 3, "submission.created");
    s_publish_heartbeat (fixture, SOURCE, 3);
    //  1 comes after the heartbeat: once it is applied, the heartbeat
    //  was seen
    s_publish (fixture, 1);
    s_run_until (fixture, 1);
    assert_int_equal (s_catchups (fixture), 1);
    assert_int_equal (zmsg_send (&fixture->deferred, fixture->source), 0);
    s_run_until (fixture, 3);
    s_expect_once (fixture, 3);
    assert_int_equal (s_catchups (fixture), 2);
    assert_int_equal (fixture->asked [1].after, 1);
}

static void
test_unanswered (void **state)
{
    //  The source takes the first events.since and never answers: tick
    //  sends it again, on a fresh socket, once the timeout has passed.
    //  The test ticks only until the second one arrives, so that a slow
    //  answer to it is not taken for another timeout.
    fixture_t *fixture = (fixture_t *) *state;
    wsis_consumer_set_catchup (fixture->consumer, 1000, 50);
    fixture->mute = 1;
    fixture->tick_until = 2;
    s_hold (fixture, 2, "submission.created");
    s_start (fixture);
    s_run_until (fixture, 2);
    s_expect_once (fixture, 2);
    s_expect_asked (fixture, 2);
    assert_string_not_equal (fixture->asked [0].id, fixture->asked [1].id);
    assert_int_equal (fixture->asked [1].after, 0);
}


//  --------------------------------------------------------------------------
//  What is never applied

static void
test_forged_head (void **state)
{
    //  Anyone can push an envelope into the bus. One that claims the
    //  source is at 100 when it holds 2 starts a catch-up, which brings 1
    //  and 2; the answer's last_seq (2) is the source's word on its head,
    //  so we are not behind and ask nothing more
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_hold (fixture, 2, "submission.created");
    s_publish_foreign (fixture, SOURCE, 100, "submission.created");
    s_run_until (fixture, 2);
    s_expect_applied_in_order (fixture, 2);
    assert_int_equal (wsis_cursor_lag (fixture->runtime.cursor, SOURCE), 0);
    assert_int_equal (s_catchups (fixture), 2);

    //  Live events, each waited for, go on as before. Each batch may ask
    //  once (one ask in flight at most); a loop of asks would have sent
    //  hundreds meanwhile
    for (uint64_t seq = 3; seq <= 12; seq++) {
        s_hold (fixture, 1, "submission.created");
        s_publish (fixture, seq);
        s_run_until (fixture, seq);
    }
    s_expect_applied_in_order (fixture, 12);
    assert_true (s_catchups (fixture) <= 2 + 10);
}


//  --------------------------------------------------------------------------
//  Forged heads, on a clock the test holds

static int64_t
s_clock (void *arg)
{
    return ((fixture_t *) arg)->now;
}

//  From here the consumer's time moves only when the test moves it.
static void
s_hold_clock (fixture_t *fixture)
{
    fixture->now = 1000 * 1000;
    wsis_consumer_set_clock (fixture->consumer, s_clock, fixture);
}

static bool
s_confirmed (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    return s_catchups (fixture) >= fixture->target
        && wsis_cursor_lag (fixture->runtime.cursor, SOURCE) == 0;
}

//  Runs the loop until the consumer has sent asks events.since in all and
//  is not behind: a forged head raises the lag before the ask it causes,
//  so only the answer to that ask can bring it back to 0.
static void
s_run_until_confirmed (fixture_t *fixture, uint64_t asks)
{
    fixture->target = asks;
    test_loop_until (fixture->loop, s_confirmed, fixture);
    s_expect_asked (fixture, asks);
}

static bool
s_lagging (void *arg)
{
    fixture_t *fixture = (fixture_t *) arg;
    return wsis_cursor_lag (fixture->runtime.cursor, SOURCE) == fixture->target;
}

//  Runs the loop until the consumer knows itself lag events behind.
static void
s_run_until_lag (fixture_t *fixture, uint64_t lag)
{
    fixture->target = lag;
    test_loop_until (fixture->loop, s_lagging, fixture);
}

//  Starts on the test's clock; the source commits 1 and 2, which come
//  live and are applied.
static void
s_start_at_two (fixture_t *fixture)
{
    s_hold_clock (fixture);
    s_start_idle (fixture);
    s_hold (fixture, 2, "submission.created");
    s_publish_range (fixture, 1, 2);
    s_run_until (fixture, 2);
}

static void
test_forged_heartbeat (void **state)
{
    //  A heartbeat says the source is at 2^64-1 while it holds 2: one
    //  ask, whose answer (last_seq 2) ends the lag; nothing is asked
    //  again, however long we wait
    fixture_t *fixture = (fixture_t *) *state;
    s_start_at_two (fixture);
    s_publish_heartbeat (fixture, SOURCE, UINT64_MAX);
    s_run_until_confirmed (fixture, 2);
    assert_int_equal (fixture->asked [1].after, 2);
    for (int second = 0; second < 10; second++) {
        fixture->now += 1000;
        wsis_consumer_tick (fixture->consumer);
    }
    assert_int_equal (s_catchups (fixture), 2);
    s_expect_once (fixture, 2);
}

static void
test_forged_envelope (void **state)
{
    //  An envelope of seq 1,000,000 while the source holds 2: a gap, asked
    //  about once and never applied; the answer ends the lag. Another one
    //  right after waits out the backoff the fruitless ask set, then is
    //  asked about and put to rest the same way
    fixture_t *fixture = (fixture_t *) *state;
    s_start_at_two (fixture);
    s_publish_foreign (fixture, SOURCE, 1000000, "submission.created");
    s_run_until_confirmed (fixture, 2);
    assert_int_equal (fixture->asked [1].after, 2);
    s_expect_once (fixture, 2);

    //  3 comes after the second forgery: once it is applied, that was seen
    s_publish_foreign (fixture, SOURCE, 1000001, "submission.created");
    s_hold (fixture, 1, "submission.created");
    s_publish (fixture, 3);
    s_run_until (fixture, 3);
    assert_int_equal (wsis_cursor_lag (fixture->runtime.cursor, SOURCE), 1000001 - 3);
    fixture->now += 249;
    wsis_consumer_tick (fixture->consumer);
    assert_int_equal (s_catchups (fixture), 2);
    fixture->now += 1;
    wsis_consumer_tick (fixture->consumer);
    s_run_until_confirmed (fixture, 3);
    assert_int_equal (fixture->asked [2].after, 3);
    s_expect_applied_in_order (fixture, 3);
    s_expect_once (fixture, 3);
}

static void
test_forged_flood (void **state)
{
    //  A thousand forged heartbeats in one second of the consumer's clock,
    //  twenty every 20 ms, each lot followed by a live event that shows it
    //  was taken: each lot could have started an ask, but the backoff
    //  (250 ms, then 500, 1000, 2000 while the asks bring nothing) lets a
    //  handful through
    fixture_t *fixture = (fixture_t *) *state;
    s_hold_clock (fixture);
    s_start_idle (fixture);
    for (uint64_t seq = 1; seq <= 50; seq++) {
        for (uint64_t beat = 0; beat < 20; beat++)
            s_publish_heartbeat (fixture, SOURCE, UINT64_MAX - beat);
        s_hold (fixture, 1, "submission.created");
        s_publish (fixture, seq);
        s_run_until (fixture, seq);
        fixture->now += 20;
    }
    s_expect_applied_in_order (fixture, 50);
    //  At 0, at 250 ms and at 750 ms, give or take a lot
    uint64_t asks = s_catchups (fixture) - 1;
    assert_true (asks >= 2);
    assert_true (asks <= 4);

    //  Once the flood is over, the next ask's answer ends the lag
    fixture->now += 2000;
    wsis_consumer_tick (fixture->consumer);
    s_run_until_confirmed (fixture, asks + 2);
    s_expect_once (fixture, 50);
}

static void
test_gap_after_forged_head (void **state)
{
    //  A forged head leaves the source in backoff. A real gap that opens
    //  meanwhile waits for the backoff to end, and no longer, then is
    //  filled; that page brought events, so the backoff is over and the
    //  next gap is asked about at once, with no time passing
    fixture_t *fixture = (fixture_t *) *state;
    s_hold_clock (fixture);
    s_start_idle (fixture);
    s_publish_heartbeat (fixture, SOURCE, UINT64_MAX);
    s_run_until_confirmed (fixture, 2);

    //  1 and 2 are lost on the way, 3 arrives
    s_hold (fixture, 3, "submission.created");
    s_publish (fixture, 3);
    s_run_until_lag (fixture, 3);
    assert_int_equal (s_catchups (fixture), 2);
    fixture->now += 250;
    wsis_consumer_tick (fixture->consumer);
    s_run_expecting (fixture, 3);
    s_expect_asked (fixture, 3);
    assert_int_equal (fixture->asked [2].after, 0);

    s_hold (fixture, 2, "submission.created");
    s_publish (fixture, 5);
    s_run_expecting (fixture, 5);
    s_expect_asked (fixture, 4);
    assert_int_equal (fixture->asked [3].after, 3);
}

static void
test_ignores (void **state)
{
    //  A service's own event types come back to it from the bus; they
    //  never reach apply, live or in a page, and the cursor still passes
    //  over them
    fixture_t *fixture = (fixture_t *) *state;
    static const char *const ignores [] = { "vote.cast", "voting.closed", NULL };
    wsis_consumer_set_ignores (fixture->consumer, ignores);
    s_start_idle (fixture);
    s_publish_foreign (fixture, "voting", 1, "vote.cast");
    s_hold (fixture, 1, "submission.created");
    s_hold (fixture, 1, "vote.cast");
    s_hold (fixture, 1, "submission.created");
    s_publish_range (fixture, 1, 3);
    s_run_until (fixture, 3);
    assert_int_equal (fixture->applied_count, 2);
    assert_int_equal (fixture->applied [0], 1);
    assert_int_equal (fixture->applied [1], 3);
    for (size_t index = 0; index < fixture->applied_count; index++)
        assert_string_equal (fixture->applied_types [index], "submission.created");
    assert_int_equal (wsis_cursor_applied (fixture->runtime.cursor, SOURCE), 3);
    //  Live, an ignored event is dropped by its topic, before it is
    //  decoded: the cursor hears of it only through the gap it leaves
    assert_int_equal (s_catchups (fixture), 2);
    assert_int_equal (fixture->asked [1].after, 1);
}

static void
test_topics (void **state)
{
    //  Subscribed to some topics only: the bus never sends the rest. An
    //  event of a followed source left out comes through the catch-up of
    //  the gap it leaves, applied once and in order; heartbeats still come
    fixture_t *fixture = (fixture_t *) *state;
    static const char *const topics [] = { "submission.", NULL };
    wsis_consumer_set_topics (fixture->consumer, topics);
    s_start_idle (fixture);
    test_bus_wait_subscriber (fixture->bus);        //  sys.heartbeat's, after the topic's
    s_hold (fixture, 1, "submission.created");
    s_hold (fixture, 1, "stakeholder.registered");
    s_hold (fixture, 1, "submission.created");
    s_publish_range (fixture, 1, 3);
    s_run_expecting (fixture, 3);
    assert_string_equal (fixture->applied_types [1], "stakeholder.registered");
    //  2 never came live: 3's gap asked for it
    s_expect_asked (fixture, 2);
    assert_int_equal (fixture->asked [1].after, 1);

    //  Left out and the last: only the heartbeat tells of it
    s_hold (fixture, 1, "stakeholder.registered");
    s_publish (fixture, 4);
    s_publish_heartbeat (fixture, SOURCE, 4);
    s_run_expecting (fixture, 4);
    s_expect_asked (fixture, 3);
    assert_int_equal (fixture->asked [2].after, 3);
}

static void
test_foreign (void **state)
{
    //  Events of a source not followed, and junk pushed into the bus:
    //  never applied, no cursor moves, no catch-up
    fixture_t *fixture = (fixture_t *) *state;
    s_start_idle (fixture);
    s_publish_foreign (fixture, "voting", 1, "vote.cast");
    s_publish_foreign (fixture, "voting", 5, "vote.cast");
    s_publish_foreign (fixture, "bus", 1, "bus.published");
    s_publish_raw (fixture, "submission.created", "\xc1", 1);
    s_publish_raw (fixture, "submission.created", "\x81\xa1v\x02", 4);
    zstr_send (fixture->bus, "one frame only");
    s_hold (fixture, 1, "submission.created");
    s_publish (fixture, 1);
    s_run_expecting (fixture, 1);
    assert_int_equal (wsis_cursor_size (fixture->runtime.cursor), 1);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, "voting"), 0);
    assert_int_equal (wsis_cursor_applied_total (fixture->runtime.cursor), 1);
    assert_int_equal (wsis_consumer_catchups (fixture->consumer, "voting"), 0);
    assert_int_equal (s_catchups (fixture), 1);
}


//  --------------------------------------------------------------------------
//  Restart

static void
test_restart (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_hold (fixture, 3, "submission.created");
    s_start (fixture);
    s_run_until (fixture, 3);
    wsis_consumer_destroy (&fixture->consumer);
    test_runtime_close (&fixture->runtime);

    //  The position is what was committed
    test_runtime_open (&fixture->runtime);
    assert_int_equal (wsis_cursor_last_seq (fixture->runtime.cursor, SOURCE), 0);
    assert_int_equal (wsis_cursor_follow (fixture->runtime.cursor, SOURCE), 0);
    s_expect_once (fixture, 3);

    //  And a new consumer asks from there
    s_hold (fixture, 2, "submission.created");
    s_consumer_new (fixture);
    wsis_consumer_attach (fixture->consumer, fixture->loop);
    s_run_expecting (fixture, 5);
    assert_int_equal (fixture->asked_count, 2);
    assert_int_equal (fixture->asked [1].after, 3);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_live, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_batch_max, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heartbeat, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_catchup_at_attach, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_paging, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_apply_fails_live, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_apply_fails_in_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_head_raised_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unanswered, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_forged_head, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_forged_heartbeat, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_forged_envelope, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_forged_flood, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gap_after_forged_head, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_ignores, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_topics, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_foreign, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_restart, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
