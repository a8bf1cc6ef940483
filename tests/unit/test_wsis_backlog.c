/*  test_wsis_backlog: replies that wait for a peer which does not read.

    A ROUTER set up by wsis_backlog_configure on inproc, where libzmq's
    queue to a peer is exact (the ROUTER's high-water mark plus the
    DEALER's own) and nothing runs behind the test's back. Covered: the
    replies past the queue wait in order and go out once the peer reads;
    a peer with its budget waiting is stalled, its requests refused and
    the replies made for it meanwhile dropped, all counted; a peer that
    has gone has its replies dropped; a reply made while others wait goes
    behind them even when libzmq has room for it again: the order per
    peer holds. Replies are sent from a routing frame as the command
    endpoint holds the one a request came in.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "wsis_backlog.h"

#define REPLY_SIZE 1000
//  A deadline for a test that is already failing, never a pause.
#define TEST_WAIT_MS 5000

typedef struct {
    zsock_t *router;
    zsock_t *peer;
    zframe_t *routing_id;       //  the peer's, as the ROUTER saw it
} fixture_t;

//  A DEALER with a queue of one reply, and its routing id at the ROUTER.
static void
s_connect (fixture_t *fixture, const char *endpoint)
{
    fixture->peer = zsock_new (ZMQ_DEALER);
    zsock_set_rcvhwm (fixture->peer, 1);
    assert_int_equal (zsock_connect (fixture->peer, "%s", endpoint), 0);
    zstr_send (fixture->peer, "hello");
    zmsg_t *request = zmsg_recv (fixture->router);
    assert_non_null (request);
    fixture->routing_id = zmsg_pop (request);
    zmsg_destroy (&request);
}

static int
s_setup (void **state)
{
    static int instance;
    fixture_t *fixture = (fixture_t *) zmalloc (sizeof (fixture_t));
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://backlog-%d", instance++);
    fixture->router = zsock_new (ZMQ_ROUTER);
    wsis_backlog_configure (fixture->router);
    zsock_set_rcvtimeo (fixture->router, 1000);
    assert_int_equal (zsock_bind (fixture->router, "%s", endpoint), 0);
    s_connect (fixture, endpoint);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zframe_destroy (&fixture->routing_id);
    zsock_destroy (&fixture->peer);
    zsock_destroy (&fixture->router);
    free (fixture);
    return 0;
}

//  Reply number n to the fixture's peer (REPLY_SIZE bytes starting "n"),
//  from a routing frame as the command endpoint holds it; returns the
//  bytes the frame has left (0 once sent: libzmq empties a frame it took).
static size_t
s_reply (wsis_backlog_t *backlog, fixture_t *fixture, int n)
{
    char body [REPLY_SIZE];
    memset (body, '.', sizeof body);
    snprintf (body, 16, "%d", n);
    zmq_msg_t routing;
    zmq_msg_init_size (&routing, zframe_size (fixture->routing_id));
    memcpy (zmq_msg_data (&routing), zframe_data (fixture->routing_id), zframe_size (fixture->routing_id));
    wsis_backlog_send (backlog, fixture->router, &routing, 1, body, sizeof body);
    size_t left = zmq_msg_size (&routing);
    zmq_msg_close (&routing);
    return left;
}

//  Whether the fixture's peer is refused (counted when it is).
static bool
s_refused (wsis_backlog_t *backlog, fixture_t *fixture)
{
    return wsis_backlog_refuse (backlog, zframe_data (fixture->routing_id),
                                zframe_size (fixture->routing_id));
}

//  Reads what has arrived; checks it continues the sequence from *next.
static void
s_read (fixture_t *fixture, int *next)
{
    while (zsock_events (fixture->peer) & ZMQ_POLLIN) {
        zframe_t *frame = zframe_recv (fixture->peer);
        assert_int_equal (zframe_size (frame), REPLY_SIZE);
        assert_int_equal (atoi ((char *) zframe_data (frame)), *next);
        (*next)++;
        zframe_destroy (&frame);
    }
}

//  Replies 0 to count - 1 to the fixture's peer.
static void
s_fill (wsis_backlog_t *backlog, fixture_t *fixture, int count)
{
    for (int n = 0; n < count; n++)
        s_reply (backlog, fixture, n);
}

//  The peer reads while the backlog sends, until nothing waits, going on
//  from reply next; returns the number after the last it got (in
//  sequence).
static int
s_drain_from (wsis_backlog_t *backlog, fixture_t *fixture, int next)
{
    int64_t deadline = zclock_mono () + TEST_WAIT_MS;
    while (wsis_backlog_flush (backlog, fixture->router) && zclock_mono () < deadline)
        s_read (fixture, &next);
    s_read (fixture, &next);
    return next;
}

//  The same from the first: how many replies the peer got.
static int
s_drain (wsis_backlog_t *backlog, fixture_t *fixture)
{
    return s_drain_from (backlog, fixture, 0);
}

static void
test_replies_wait_in_order_until_read (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_backlog_t *backlog = wsis_backlog_new (1000 * REPLY_SIZE);
    int count = WSIS_BACKLOG_PEER_HWM + 500;
    s_fill (backlog, fixture, count);
    //  libzmq took its share; the rest waits, under the budget, and goes
    //  out in order.
    assert_true (wsis_backlog_waiting (backlog) > 0);
    //  (A reply counts with its routing frame.)
    size_t whole = REPLY_SIZE + zframe_size (fixture->routing_id);
    assert_true (wsis_backlog_waiting (backlog) <= 500 * whole);
    assert_false (s_refused (backlog, fixture));
    assert_int_equal (s_drain (backlog, fixture), count);
    assert_int_equal (wsis_backlog_waiting (backlog), 0);
    assert_int_equal (wsis_backlog_refused (backlog), 0);
    assert_int_equal (wsis_backlog_dropped (backlog), 0);
    wsis_backlog_destroy (&backlog);
    assert_null (backlog);
}

static void
test_a_peer_over_its_budget_is_stalled (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_backlog_t *backlog = wsis_backlog_new (100 * REPLY_SIZE);
    int count = WSIS_BACKLOG_PEER_HWM + 300;
    s_fill (backlog, fixture, count);
    //  Waiting stops at the budget; the rest of what was made is dropped.
    size_t whole = REPLY_SIZE + zframe_size (fixture->routing_id);
    assert_true (wsis_backlog_waiting (backlog) >= 100 * REPLY_SIZE);
    assert_true (wsis_backlog_waiting (backlog) < 100 * REPLY_SIZE + whole);
    uint64_t dropped = wsis_backlog_dropped (backlog);
    assert_true (dropped > 150);
    assert_true (s_refused (backlog, fixture));
    assert_true (s_refused (backlog, fixture));
    assert_int_equal (wsis_backlog_refused (backlog), 2);
    //  Another peer's id is not refused; a reply made for this one
    //  meanwhile is dropped.
    assert_false (wsis_backlog_refuse (backlog, "other", 5));
    s_reply (backlog, fixture, count);
    assert_int_equal (wsis_backlog_dropped (backlog), dropped + 1);
    //  Once it has read everything, it is served again; what it got is
    //  in order, with the dropped ones missing at the end.
    assert_int_equal ((uint64_t) s_drain (backlog, fixture) + dropped, (uint64_t) count);
    assert_false (s_refused (backlog, fixture));
    wsis_backlog_destroy (&backlog);
}

static void
test_replies_to_a_peer_that_has_gone_are_dropped (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_backlog_t *backlog = wsis_backlog_new (1000 * REPLY_SIZE);
    int count = WSIS_BACKLOG_PEER_HWM + 10;
    s_fill (backlog, fixture, count);
    assert_true (wsis_backlog_waiting (backlog) > 0);
    zsock_destroy (&fixture->peer);
    //  The ROUTER learns of it through its commands, which flush reads.
    int64_t deadline = zclock_mono () + TEST_WAIT_MS;
    while (wsis_backlog_flush (backlog, fixture->router) && zclock_mono () < deadline)
        zclock_sleep (1);
    assert_int_equal (wsis_backlog_waiting (backlog), 0);
    assert_true (wsis_backlog_dropped (backlog) > 0);
    //  And a reply to it now is dropped at once.
    uint64_t dropped = wsis_backlog_dropped (backlog);
    s_reply (backlog, fixture, count);
    assert_int_equal (wsis_backlog_dropped (backlog), dropped + 1);
    assert_int_equal (wsis_backlog_waiting (backlog), 0);
    wsis_backlog_destroy (&backlog);
}

//  A reply made while others wait for its peer goes behind them, also
//  when libzmq has room for it again before the next flush.
static void
test_replies_keep_their_order_behind_a_backlog (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_backlog_t *backlog = wsis_backlog_new (1000 * REPLY_SIZE);
    int count = WSIS_BACKLOG_PEER_HWM + 500;
    int n = 0;
    //  Sent at once while the peer's queue has room: libzmq took the
    //  frame. Once it is full, one waits, copied (the caller's frame is
    //  left as it was)...
    while (s_reply (backlog, fixture, n++) == 0)
        assert_int_equal (wsis_backlog_waiting (backlog), 0);
    assert_true (n > WSIS_BACKLOG_PEER_HWM);
    assert_true (wsis_backlog_waiting (backlog) > 0);
    //  ...and the rest behind it.
    while (n < count)
        s_reply (backlog, fixture, n++);
    assert_false (s_refused (backlog, fixture));
    //  The peer reads what libzmq holds for it: there is room there now,
    //  but replies made before the next flush still go behind what waits.
    int next = 0;
    s_read (fixture, &next);
    assert_true (next > WSIS_BACKLOG_PEER_HWM);
    assert_true (wsis_backlog_waiting (backlog) > 0);
    s_reply (backlog, fixture, count++);
    s_reply (backlog, fixture, count++);
    assert_int_equal (s_drain_from (backlog, fixture, next), count);
    assert_int_equal (wsis_backlog_waiting (backlog), 0);
    assert_int_equal (wsis_backlog_dropped (backlog), 0);
    wsis_backlog_destroy (&backlog);
}

static void
test_destroy_accepts_null (void **state)
{
    wsis_backlog_t *backlog = NULL;
    wsis_backlog_destroy (&backlog);
    wsis_backlog_destroy (NULL);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_replies_wait_in_order_until_read, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_peer_over_its_budget_is_stalled, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replies_to_a_peer_that_has_gone_are_dropped,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replies_keep_their_order_behind_a_backlog,
                                         s_setup, s_teardown),
        cmocka_unit_test (test_destroy_accepts_null),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
