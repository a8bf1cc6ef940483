/*  test_sockets: ZeroMQ helpers shared by the unit tests that publish,
    serve or consume (test_wsis_batch, test_wsis_server,
    test_wsis_consumer).

    They are built so that a test never sleeps and never races: a
    publisher is an XPUB, and a test waits for the subscription frame
    before it publishes (the PUB/SUB slow joiner would otherwise drop the
    first events); "nothing was published" is proven by a marker sent on
    the same socket arriving first, not by a receive that times out; and a
    free TCP port is found with a plain socket that is closed before the
    call returns, since a zsock closes asynchronously and could still hold
    the port when the code under test binds it. Receive timeouts are only
    deadlines for a test that is already failing.

    Everything is static inline, like test_support.h.
*/
#ifndef TEST_SOCKETS_H
#define TEST_SOCKETS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wsis_event.h"
#include "wsis_msg.h"

//  How long a receive may wait before the test counts as failed (ms).
#define TEST_DEADLINE_MS 5000

//  The topic of the marker test_bus_expect_nothing sends.
#define TEST_MARKER "test.marker"

//  A TCP port on 127.0.0.1 that was free a moment ago: bound and closed
//  again before this returns.
static inline int
test_free_port (void)
{
    int handle = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (handle >= 0);
    struct sockaddr_in address;
    memset (&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    assert_int_equal (bind (handle, (struct sockaddr *) &address, sizeof address), 0);
    assert_int_equal (getsockname (handle, (struct sockaddr *) &address, &size), 0);
    close (handle);
    return ntohs (address.sin_port);
}

//  Waits until a subscription reaches xpub (which the test bound), so
//  what is published next reaches the subscriber.
static inline void
test_bus_wait_subscriber (zsock_t *xpub)
{
    zsock_set_rcvtimeo (xpub, TEST_DEADLINE_MS);
    zframe_t *frame = zframe_recv (xpub);
    assert_non_null (frame);
    assert_true (zframe_size (frame) >= 1);
    assert_int_equal (zframe_data (frame) [0], 1);
    zframe_destroy (&frame);
}

//  An XPUB bound at endpoint and a SUB to every topic connected to it,
//  the subscription already arrived. The caller destroys both.
static inline void
test_bus_pair (zsock_t **xpub, zsock_t **subscriber, const char *endpoint)
{
    *xpub = zsock_new (ZMQ_XPUB);
    assert_non_null (*xpub);
    assert_int_equal (zsock_bind (*xpub, "%s", endpoint), 0);
    *subscriber = zsock_new (ZMQ_SUB);
    assert_non_null (*subscriber);
    zsock_set_subscribe (*subscriber, "");
    zsock_set_rcvtimeo (*subscriber, TEST_DEADLINE_MS);
    assert_int_equal (zsock_connect (*subscriber, "%s", endpoint), 0);
    test_bus_wait_subscriber (*xpub);
}

//  Receives one event: the topic frame, then an envelope of that type
//  from source with seq. Returns the body's "n", or UINT64_MAX when it
//  has none.
static inline uint64_t
test_bus_receive (zsock_t *subscriber, const char *source, const char *type, uint64_t seq)
{
    zmsg_t *msg = zmsg_recv (subscriber);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    assert_true (zframe_streq (zmsg_first (msg), type));
    zframe_t *frame = zmsg_last (msg);
    wsis_event_t event;
    wsis_error_t error;
    assert_int_equal (wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error), 0);
    assert_string_equal (event.source, source);
    assert_string_equal (event.type, type);
    assert_int_equal (event.seq, seq);
    const msgpack_object *number = wsis_msg_get (event.body, "n");
    uint64_t value = number && number->type == MSGPACK_OBJECT_POSITIVE_INTEGER?
                     number->via.u64: UINT64_MAX;
    wsis_event_release (&event);
    zmsg_destroy (&msg);
    return value;
}

//  Nothing is waiting on subscriber of what xpub published: a marker
//  published now on the same socket is the next message it gets.
static inline void
test_bus_expect_nothing (zsock_t *xpub, zsock_t *subscriber)
{
    assert_int_equal (zstr_sendx (xpub, TEST_MARKER, "", NULL), 0);
    zmsg_t *msg = zmsg_recv (subscriber);
    assert_non_null (msg);
    char *topic = zmsg_popstr (msg);
    if (!streq (topic, TEST_MARKER))
        print_error ("unexpected event %s\n", topic);
    assert_string_equal (topic, TEST_MARKER);
    zstr_free (&topic);
    zmsg_destroy (&msg);
}

//  -------------------------------------------------------------------------
//  Running a zloop until something holds

//  True when the wait is over. It may also do work the loop's owner does
//  on a timer (a consumer's tick): it runs every millisecond or so.
typedef bool (test_condition_fn) (void *arg);

typedef struct {
    test_condition_fn *condition;
    void *arg;
    bool timed_out;
} test_wait_t;

static inline int
test_wait_check (zloop_t *loop, int timer_id, void *arg)
{
    test_wait_t *wait = (test_wait_t *) arg;
    return wait->condition (wait->arg)? -1: 0;
}

static inline int
test_wait_deadline (zloop_t *loop, int timer_id, void *arg)
{
    ((test_wait_t *) arg)->timed_out = true;
    return -1;
}

//  Runs loop until condition holds; fails the test if it does not within
//  TEST_DEADLINE_MS. The loop's readers do the work meanwhile.
static inline void
test_loop_until (zloop_t *loop, test_condition_fn *condition, void *arg)
{
    test_wait_t wait = { condition, arg, false };
    int check = zloop_timer (loop, 1, 0, test_wait_check, &wait);
    int deadline = zloop_timer (loop, TEST_DEADLINE_MS, 1, test_wait_deadline, &wait);
    assert_true (check >= 0 && deadline >= 0);
    zloop_start (loop);
    zloop_timer_end (loop, check);
    zloop_timer_end (loop, deadline);
    assert_false (wait.timed_out);
}

#endif
