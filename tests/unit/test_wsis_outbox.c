/*  test_wsis_outbox: the producer half of "no event is lost" (docs/design.md).

    Events go out on a PAIR socket over inproc, so the test sees exactly
    what a subscriber would: the topic frame and the envelope, in order,
    only after the commit, with seq 1, 2, 3 and no gap or reuse across
    rollbacks, savepoints and restarts. events.since is read back with
    msgpack-c. Error paths: a full database, a seq already taken, a gap in
    the outbox table.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_pack.h"
#include "wsis_outbox.h"
#include "wsis_store.h"
#include "test_support.h"


typedef struct {
    test_store_t base;          //  first: the store, in a file of its temp folder
    wsis_outbox_t *outbox;
    zsock_t *publisher;         //  what the outbox publishes on
    zsock_t *subscriber;        //  what the test reads
} fixture_t;

static int s_endpoint_count;

//  An outbox is made on each opening of the store, as a service makes one
//  at start, and publishes on the same socket: what the outbox of a
//  restarted process publishes reaches the same subscriber
static void
s_open (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    fixture->outbox = wsis_outbox_new (base->store, "voting");
    assert_non_null (fixture->outbox);
    wsis_outbox_set_socket (fixture->outbox, fixture->publisher);
}

static void
s_close (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    wsis_outbox_destroy (&fixture->outbox);
}

static const test_store_def_t s_fixture = {
    "test_wsis_outbox", sizeof (fixture_t), s_open, s_close
};

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) test_store_new (&s_fixture, "outbox.db");
    if (!fixture)
        return -1;
    *state = fixture;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-outbox-%d", s_endpoint_count++);
    fixture->subscriber = zsock_new (ZMQ_PAIR);
    fixture->publisher = zsock_new (ZMQ_PAIR);
    if (!fixture->subscriber || !fixture->publisher
    ||  zsock_bind (fixture->subscriber, "%s", endpoint) != 0
    ||  zsock_connect (fixture->publisher, "%s", endpoint) != 0)
        return -1;
    zsock_set_rcvtimeo (fixture->subscriber, 2000);
    test_store_open (&fixture->base);
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  The outbox goes before the socket it publishes on
    test_store_close (&fixture->base);
    zsock_destroy (&fixture->publisher);
    zsock_destroy (&fixture->subscriber);
    return test_store_teardown (state);
}

//  Appends an event of type with body {n: number}
//  Appends an event with body {n: number}, and pad (a large string) too
//  when not NULL.
static int
s_append_padded (wsis_outbox_t *outbox, const char *type, int64_t ts, uint64_t number,
                 const char *pad)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, pad? 2: 1);
    wsis_pack_kv_uint (&pk, "n", number);
    if (pad)
        wsis_pack_kv_str (&pk, "pad", pad);
    int rc = wsis_outbox_append (outbox, type, ts, body.data, body.size);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

static int
s_append (wsis_outbox_t *outbox, const char *type, int64_t ts, uint64_t number)
{
    return s_append_padded (outbox, type, ts, number, NULL);
}

//  Receives one event: two frames, the topic then the envelope, whose
//  type must be the topic. Checks source, seq and type; returns body.n
//  (or UINT64_MAX when the body has no n).
static uint64_t
s_receive (fixture_t *fixture, const char *type, uint64_t seq)
{
    zmsg_t *msg = zmsg_recv (fixture->subscriber);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    char *topic = zmsg_popstr (msg);
    assert_string_equal (topic, type);
    zstr_free (&topic);
    zframe_t *frame = zmsg_first (msg);

    wsis_event_t event;
    wsis_error_t error;
    assert_int_equal (wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error), 0);
    assert_string_equal (event.source, "voting");
    assert_string_equal (event.type, type);
    assert_int_equal (event.seq, seq);
    const msgpack_object *number = wsis_msg_get (event.body, "n");
    uint64_t value = number? number->via.u64: UINT64_MAX;
    wsis_event_release (&event);

    //  The id is "<source>:<seq>"
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (wsis_msg_unpack (&unpacked, zframe_data (frame), zframe_size (frame),
                                       &wsis_msg_default_limits, &error), 0);
    char id [64];
    snprintf (id, sizeof id, "voting:%llu", (unsigned long long) seq);
    assert_true (wsis_msg_str_equals (wsis_msg_get (&unpacked.data, "id"), id));
    msgpack_unpacked_destroy (&unpacked);
    zmsg_destroy (&msg);
    return value;
}

//  Nothing is waiting on the subscriber
static void
s_expect_nothing (fixture_t *fixture)
{
    zsock_set_rcvtimeo (fixture->subscriber, 50);
    zmsg_t *msg = zmsg_recv (fixture->subscriber);
    if (msg) {
        char *topic = zmsg_popstr (msg);
        print_error ("unexpected event %s\n", topic);
        zstr_free (&topic);
    }
    assert_null (msg);
    zsock_set_rcvtimeo (fixture->subscriber, 2000);
}

//  Commits the batch, then flushes: an event goes out only once durable
static void
s_commit (fixture_t *fixture)
{
    assert_int_equal (wsis_store_commit (fixture->base.store), 0);
    wsis_outbox_flush (fixture->outbox);
}

//  Rolls the batch back; the outbox takes back the seqs it handed out
static void
s_rollback (fixture_t *fixture)
{
    assert_int_equal (wsis_store_rollback (fixture->base.store), 0);
    wsis_outbox_abort (fixture->outbox);
}

static int64_t
s_rows (fixture_t *fixture)
{
    return wsis_store_int (fixture->base.store, "SELECT count(*) FROM outbox", -1);
}


//  --------------------------------------------------------------------------

static void
test_append_flush (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 0);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 0);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 1000, 10), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 1001, 11), 0);
    assert_int_equal (s_append (fixture->outbox, "voting.closed", 1002, 12), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 3);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 0);
    //  Nothing goes out before the commit
    s_expect_nothing (fixture);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 0);

    s_commit (fixture);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 3);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 3);
    assert_int_equal (s_receive (fixture, "vote.cast", 1), 10);
    assert_int_equal (s_receive (fixture, "vote.cast", 2), 11);
    assert_int_equal (s_receive (fixture, "voting.closed", 3), 12);
    s_expect_nothing (fixture);

    //  The rows carry the same envelopes
    assert_int_equal (s_rows (fixture), 3);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT ts FROM outbox WHERE seq = 2", -1), 1001);

    //  A second flush publishes nothing again
    wsis_outbox_flush (fixture->outbox);
    s_expect_nothing (fixture);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 3);

    //  The next batch goes on from 4
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 1003, 13), 0);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "vote.cast", 4), 13);

    //  An empty body is packed as {}
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_outbox_append (fixture->outbox, "sys.empty", 5, NULL, 0), 0);
    s_commit (fixture);
    assert_true (s_receive (fixture, "sys.empty", 5) == UINT64_MAX);
}

static void
test_abort (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;

    //  A rolled back batch takes its seqs back: the next append reuses them
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 1, 100), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 2, 101), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 2);
    s_rollback (fixture);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 0);
    assert_int_equal (s_rows (fixture), 0);
    //  Nothing of it is ever published
    wsis_outbox_flush (fixture->outbox);
    s_expect_nothing (fixture);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 0);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "stakeholder.registered", 3, 200), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 1);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "stakeholder.registered", 1), 200);
    s_expect_nothing (fixture);

    //  After committed events, abort goes back to the last committed one
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 4, 300), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 2);
    s_rollback (fixture);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 1);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 1);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 5, 301), 0);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "vote.cast", 2), 301);
    assert_int_equal (s_rows (fixture), 2);
    assert_int_equal (wsis_store_int (fixture->base.store, "SELECT max(seq) FROM outbox", -1), 2);
}

static void
test_mark_rewind (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);

    //  Request 1 succeeds
    uint64_t mark = wsis_outbox_mark (fixture->outbox);
    assert_int_equal (mark, 0);
    assert_int_equal (wsis_store_savepoint (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "a", 1, 1), 0);
    assert_int_equal (wsis_store_savepoint_keep (fixture->base.store), 0);

    //  Request 2 appends two events, then fails
    mark = wsis_outbox_mark (fixture->outbox);
    assert_int_equal (mark, 1);
    assert_int_equal (wsis_store_savepoint (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "b", 2, 2), 0);
    assert_int_equal (s_append (fixture->outbox, "c", 3, 3), 0);
    assert_int_equal (wsis_store_savepoint_undo (fixture->base.store), 0);
    wsis_outbox_rewind (fixture->outbox, mark);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 1);

    //  Request 3 takes seq 2
    mark = wsis_outbox_mark (fixture->outbox);
    assert_int_equal (wsis_store_savepoint (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "d", 4, 4), 0);
    assert_int_equal (wsis_store_savepoint_keep (fixture->base.store), 0);

    //  Rewinding to the current mark forgets nothing
    wsis_outbox_rewind (fixture->outbox, wsis_outbox_mark (fixture->outbox));
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 2);

    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "a", 1), 1);
    assert_int_equal (s_receive (fixture, "d", 2), 4);
    s_expect_nothing (fixture);
    assert_int_equal (s_rows (fixture), 2);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 2);
}

//  Pending events share one buffer, kept from batch to batch unless a
//  large event grew it: every event still goes out whole and in order,
//  after the buffer was given back too.
static void
test_pending_events_share_a_buffer (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  {photo: 2 MiB of bin}
    size_t large = 2 * 1024 * 1024;
    char *photo = (char *) calloc (1, large);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_str (&pk, "photo");
    msgpack_pack_bin_with_body (&pk, photo, large);
    free (photo);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "a", 1, 1), 0);
    assert_int_equal (wsis_outbox_append (fixture->outbox, "large", 2, body.data, body.size), 0);
    assert_int_equal (s_append (fixture->outbox, "b", 3, 3), 0);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "a", 1), 1);
    assert_int_equal (s_receive (fixture, "large", 2), UINT64_MAX);
    assert_int_equal (s_receive (fixture, "b", 3), 3);

    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "c", 4, 4), 0);
    assert_int_equal (s_append (fixture->outbox, "d", 5, 5), 0);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "c", 4), 4);
    assert_int_equal (s_receive (fixture, "d", 5), 5);
    s_expect_nothing (fixture);
    msgpack_sbuffer_destroy (&body);
}

//  Packs since() and unpacks it; returns 0 or -1, with the events' seqs
//  in seqs (at most max) and their count in *count
static int
s_since (fixture_t *fixture, uint64_t after, int limit, uint64_t *seqs, size_t max,
         size_t *count, uint64_t *last_seq)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
    int rc = wsis_outbox_since (fixture->outbox, after, limit, &pk);
    if (rc == 0) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        wsis_error_t error;
        //  Strictly: exactly one map, every declared element present
        assert_int_equal (wsis_msg_unpack (&unpacked, out.data, out.size,
                                           &wsis_msg_default_limits, &error), 0);
        assert_int_equal (unpacked.data.type, MSGPACK_OBJECT_MAP);
        assert_int_equal (unpacked.data.via.map.size, 2);
        const msgpack_object *events = wsis_msg_get (&unpacked.data, "events");
        assert_non_null (events);
        assert_int_equal (events->type, MSGPACK_OBJECT_ARRAY);
        const msgpack_object *last = wsis_msg_get (&unpacked.data, "last_seq");
        assert_non_null (last);
        assert_int_equal (last->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        *last_seq = last->via.u64;
        *count = events->via.array.size;
        assert_true (*count <= max);
        for (size_t index = 0; index < *count; index++) {
            wsis_event_t event;
            assert_int_equal (wsis_event_from_object (&event, &events->via.array.ptr [index],
                                                      &error), 0);
            assert_string_equal (event.source, "voting");
            seqs [index] = event.seq;
            wsis_event_release (&event);
        }
        msgpack_unpacked_destroy (&unpacked);
    }
    msgpack_sbuffer_destroy (&out);
    return rc;
}

//  How many events since() serves after `after` (at most limit, 8 here),
//  the first one's seq in *first; -1 when it fails
static int
s_served (fixture_t *fixture, uint64_t after, int limit, uint64_t *first)
{
    uint64_t seqs [8];
    size_t count;
    uint64_t last_seq;
    if (s_since (fixture, after, limit, seqs, 8, &count, &last_seq))
        return -1;
    if (first && count)
        *first = seqs [0];
    return (int) count;
}

static void
s_commit_events (fixture_t *fixture, int count)
{
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    for (int index = 0; index < count; index++)
        assert_int_equal (s_append (fixture->outbox, "vote.cast", index, (uint64_t) index), 0);
    s_commit (fixture);
}

//  Commits count events (a store that holds none yet) and receives them
static void
s_published_events (fixture_t *fixture, int count)
{
    s_commit_events (fixture, count);
    for (int seq = 1; seq <= count; seq++)
        s_receive (fixture, "vote.cast", (uint64_t) seq);
}

static void
test_since (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    uint64_t seqs [16];
    size_t count;
    uint64_t last_seq;

    //  Nothing yet
    assert_int_equal (s_since (fixture, 0, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 0);
    assert_int_equal (last_seq, 0);

    s_commit_events (fixture, 5);
    assert_int_equal (s_since (fixture, 0, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 5);
    assert_int_equal (last_seq, 5);
    for (size_t index = 0; index < count; index++)
        assert_int_equal (seqs [index], index + 1);

    //  after and limit
    assert_int_equal (s_since (fixture, 2, 2, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 2);
    assert_int_equal (seqs [0], 3);
    assert_int_equal (seqs [1], 4);
    assert_int_equal (last_seq, 5);

    assert_int_equal (s_since (fixture, 4, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 1);
    assert_int_equal (seqs [0], 5);

    assert_int_equal (s_since (fixture, 5, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 0);
    assert_int_equal (last_seq, 5);

    //  A consumer ahead of the producer (its database is newer)
    assert_int_equal (s_since (fixture, 99, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 0);
    assert_int_equal (last_seq, 5);

    assert_int_equal (s_since (fixture, 0, 0, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 0);
    assert_int_equal (last_seq, 5);

    //  Events appended in the open batch are not durable yet: not served
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 6, 6), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 7, 7), 0);
    assert_int_equal (s_since (fixture, 0, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 5);
    assert_int_equal (last_seq, 5);
    assert_int_equal (s_since (fixture, 5, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 0);
    s_commit (fixture);

    assert_int_equal (s_since (fixture, 5, 1000, seqs, 16, &count, &last_seq), 0);
    assert_int_equal (count, 2);
    assert_int_equal (seqs [0], 6);
    assert_int_equal (seqs [1], 7);
    assert_int_equal (last_seq, 7);
}

static void
test_since_envelopes (void **state)
{
    //  What since() serves is byte for byte what was published
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 1);
    zmsg_t *msg = zmsg_recv (fixture->subscriber);
    assert_non_null (msg);
    zframe_t *published = zmsg_last (msg);

    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 0, 10, &pk), 0);
    //  {events: [<envelope>], last_seq: 1}: the envelope follows the
    //  fixmap header, the "events" key and the fixarray header
    size_t offset = 1 + 7 + 1;
    assert_true (out.size > offset + zframe_size (published));
    assert_memory_equal (out.data + offset, zframe_data (published), zframe_size (published));
    msgpack_sbuffer_destroy (&out);
    zmsg_destroy (&msg);
}

//  The rebuild of the tests: body {n: ref}, as s_append packs it; a ref of
//  13 cannot be rebuilt.
static int
s_rebuild (void *arg, const char *type, int64_t ref, msgpack_sbuffer *body)
{
    int *calls = (int *) arg;
    (*calls)++;
    if (ref == 13 || !streq (type, "vote.cast"))
        return -1;
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_uint (&pk, "n", (uint64_t) ref);
    return 0;
}

//  Appends vote.cast {n: ref} by reference
static int
s_append_ref (wsis_outbox_t *outbox, int64_t ts, int64_t ref)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    wsis_pack_kv_uint (&pk, "n", (uint64_t) ref);
    int rc = wsis_outbox_append_ref (outbox, "vote.cast", ts, body.data, body.size, ref);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

static void
test_events_by_reference (void **state)
{
    //  A row without its envelope: published live as given, served again
    //  rebuilt, byte for byte the same, between rows that keep theirs
    fixture_t *fixture = (fixture_t *) *state;
    int calls = 0;
    wsis_outbox_set_rebuild (fixture->outbox, s_rebuild, &calls);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "voting.opened", 500, 1), 0);
    assert_int_equal (s_append_ref (fixture->outbox, 501, 42), 0);
    assert_int_equal (s_append (fixture->outbox, "voting.closed", 502, 3), 0);
    s_commit (fixture);
    assert_int_equal (calls, 0);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT length (envelope) FROM outbox WHERE seq = 2", -1), 0);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT ref FROM outbox WHERE seq = 2", -1), 42);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT count(*) FROM outbox WHERE ref IS NULL", -1), 2);

    zmsg_t *live [3];
    for (int i = 0; i < 3; i++)
        assert_non_null ((live [i] = zmsg_recv (fixture->subscriber)));
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 0, 10, &pk), 0);
    assert_int_equal (calls, 1);
    //  The envelopes follow the fixmap header, "events" and the array's
    size_t offset = 1 + 7 + 1;
    for (int i = 0; i < 3; i++) {
        zframe_t *published = zmsg_last (live [i]);
        assert_true (out.size >= offset + zframe_size (published));
        assert_memory_equal (out.data + offset, zframe_data (published), zframe_size (published));
        offset += zframe_size (published);
        zmsg_destroy (&live [i]);
    }
    msgpack_sbuffer_destroy (&out);

    //  A row that cannot be rebuilt fails the page: never skipped, never
    //  served short
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append_ref (fixture->outbox, 503, 13), 0);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "vote.cast", 4), 13);
    assert_int_equal (s_served (fixture, 0, 100, NULL), -1);
    uint64_t first;
    assert_int_equal (s_served (fixture, 1, 2, &first), 2);
    assert_int_equal (first, 2);
}

static void
test_an_outbox_without_the_ref_column (void **state)
{
    //  An outbox made before events by reference gets the column at
    //  start; its rows are served as they were
    fixture_t *fixture = (fixture_t *) *state;
    s_published_events (fixture, 2);
    wsis_store_t *store = fixture->base.store;
    assert_int_equal (wsis_store_exec (store,
        "CREATE TABLE old (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, ts INTEGER NOT NULL,"
        " envelope BLOB NOT NULL);"
        "INSERT INTO old SELECT seq, type, ts, envelope FROM outbox;"
        "DROP TABLE outbox; ALTER TABLE old RENAME TO outbox"), 0);
    test_store_reopen (&fixture->base);
    store = fixture->base.store;
    assert_int_equal (wsis_store_int (store,
        "SELECT count(*) FROM pragma_table_info ('outbox') WHERE name = 'ref'", -1), 1);
    uint64_t seqs [8];
    size_t count;
    uint64_t last_seq;
    assert_int_equal (s_since (fixture, 0, 100, seqs, 8, &count, &last_seq), 0);
    assert_int_equal (count, 2);
    assert_int_equal (last_seq, 2);
}

static void
test_reopen (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 3);
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_receive (fixture, "vote.cast", seq);

    //  Appended and never committed when the process stops
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 9, 9), 0);
    test_store_reopen (&fixture->base);

    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 3);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 3);

    //  Served after the restart, though never flushed by this process
    uint64_t seqs [8];
    size_t count;
    uint64_t last_seq;
    assert_int_equal (s_since (fixture, 0, 100, seqs, 8, &count, &last_seq), 0);
    assert_int_equal (count, 3);
    assert_int_equal (last_seq, 3);

    s_commit_events (fixture, 1);
    assert_int_equal (s_receive (fixture, "vote.cast", 4), 0);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 4);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 1);
}

static void
test_heartbeat (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_published_events (fixture, 2);

    //  An open batch does not move what the heartbeat announces
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 3, 3), 0);
    wsis_outbox_heartbeat (fixture->outbox, 123456);

    zmsg_t *msg = zmsg_recv (fixture->subscriber);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    char *topic = zmsg_popstr (msg);
    assert_string_equal (topic, "sys.heartbeat");
    zstr_free (&topic);
    zframe_t *frame = zmsg_first (msg);
    wsis_event_t event;
    wsis_error_t error;
    assert_int_equal (wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error), 0);
    assert_int_equal (event.seq, 0);
    assert_string_equal (event.source, "voting");
    assert_string_equal (event.type, "sys.heartbeat");
    assert_int_equal (event.ts, 123456);
    const msgpack_object *last = wsis_msg_get (event.body, "last_seq");
    assert_non_null (last);
    assert_int_equal (last->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal (last->via.u64, 2);
    wsis_event_release (&event);
    zmsg_destroy (&msg);

    //  A heartbeat is not an event: it takes no seq, is not stored, not counted
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 3);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 2);
    s_commit (fixture);
    assert_int_equal (s_receive (fixture, "vote.cast", 3), 3);
    assert_int_equal (s_rows (fixture), 3);

    //  A large last_seq fits
    assert_int_equal (wsis_store_exec (fixture->base.store,
        "INSERT INTO outbox (seq, type, ts, envelope) VALUES (9223372036854775806, 't', 0, x'80')"), 0);
    s_close (&fixture->base);
    s_open (&fixture->base);
    wsis_outbox_heartbeat (fixture->outbox, 0);
    msg = zmsg_recv (fixture->subscriber);
    assert_non_null (msg);
    frame = zmsg_last (msg);
    assert_int_equal (wsis_event_decode (&event, zframe_data (frame), zframe_size (frame), &error), 0);
    assert_true (wsis_msg_get (event.body, "last_seq")->via.u64 == 9223372036854775806ULL);
    wsis_event_release (&event);
    zmsg_destroy (&msg);
}

static void
test_no_socket (void **state)
{
    //  Before a socket is set (or for a store without a bus), flush still
    //  moves the committed seq on and heartbeats are skipped
    wsis_store_t *store;
    char *error = NULL;
    store = wsis_store_open (":memory:", NULL, &error);
    assert_non_null (store);
    wsis_outbox_t *outbox = wsis_outbox_new (store, "bus");
    assert_non_null (outbox);
    wsis_outbox_heartbeat (outbox, 1);
    assert_int_equal (wsis_store_begin (store), 0);
    assert_int_equal (s_append (outbox, "x", 1, 1), 0);
    assert_int_equal (wsis_store_commit (store), 0);
    wsis_outbox_flush (outbox);
    assert_int_equal (wsis_outbox_committed_seq (outbox), 1);
    assert_int_equal (wsis_outbox_published (outbox), 1);
    wsis_outbox_destroy (&outbox);
    assert_null (outbox);
    wsis_outbox_destroy (&outbox);
    wsis_outbox_destroy (NULL);
    wsis_store_destroy (&store);
}

static void
test_many_pending (void **state)
{
    //  More pending events than the first allocation holds
    fixture_t *fixture = (fixture_t *) *state;
    zsock_set_rcvhwm (fixture->subscriber, 10000);
    zsock_set_sndhwm (fixture->publisher, 10000);
    s_commit_events (fixture, 500);
    for (uint64_t seq = 1; seq <= 500; seq++)
        assert_int_equal (s_receive (fixture, "vote.cast", seq), seq - 1);
    assert_int_equal (wsis_outbox_published (fixture->outbox), 500);
}

static void
test_append_fails (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 1);
    s_receive (fixture, "vote.cast", 1);

    //  A seq taken behind the outbox's back: the insert fails, nothing
    //  moves, nothing is published
    assert_int_equal (wsis_store_exec (fixture->base.store,
        "INSERT INTO outbox (seq, type, ts, envelope) VALUES (2, 'intruder', 0, x'80')"), 0);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (s_append (fixture->outbox, "vote.cast", 2, 2), -1);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 1);
    s_rollback (fixture);
    wsis_outbox_flush (fixture->outbox);
    s_expect_nothing (fixture);
    assert_int_equal (wsis_store_exec (fixture->base.store, "DELETE FROM outbox WHERE seq = 2"), 0);

    //  A full database
    assert_int_equal (wsis_store_exec (fixture->base.store, "PRAGMA max_page_count = 1"), 0);
    int64_t pages = wsis_store_int (fixture->base.store, "PRAGMA page_count", 0);
    char pragma [64];
    snprintf (pragma, sizeof pragma, "PRAGMA max_page_count = %lld", (long long) pages);
    assert_int_equal (wsis_store_exec (fixture->base.store, pragma), 0);
    char big [8192];
    memset (big, 0, sizeof big);
    big [0] = (char) 0x81;          //  {"": bin 8 KiB}, roughly
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    int rc = 0;
    for (int index = 0; index < 50 && rc == 0; index++)
        rc = wsis_outbox_append (fixture->outbox, "vote.cast", 3, big, sizeof big);
    assert_int_equal (rc, -1);
    wsis_store_rollback (fixture->base.store);
    wsis_outbox_abort (fixture->outbox);
    assert_int_equal (wsis_outbox_last_seq (fixture->outbox), 1);
    wsis_outbox_flush (fixture->outbox);
    s_expect_nothing (fixture);
    assert_int_equal (s_rows (fixture), 1);
}

static void
test_since_gap (void **state)
{
    //  A row missing in the middle: since() refuses rather than serve a
    //  list with a hole that a consumer would take as complete
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 4);
    assert_int_equal (wsis_store_exec (fixture->base.store, "DELETE FROM outbox WHERE seq = 2"), 0);
    assert_int_equal (s_served (fixture, 0, 100, NULL), -1);
    //  After the hole it is whole again
    uint64_t first;
    assert_int_equal (s_served (fixture, 2, 100, &first), 2);
    assert_int_equal (first, 3);
}

static void
test_since_pages_end_past_their_bytes (void **state)
{
    //  Past page_bytes a page ends early, with one event at least, and the
    //  next page follows on; a hole is refused whatever the page's size
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 6);
    uint64_t first;
    wsis_outbox_set_page_bytes (fixture->outbox, 1);
    for (uint64_t after = 0; after < 6; after++) {
        assert_int_equal (s_served (fixture, after, 100, &first), 1);
        assert_int_equal (first, after + 1);
    }
    assert_int_equal (s_served (fixture, 6, 100, NULL), 0);
    //  Two events' bytes: a page of three (the third crosses the line)
    msgpack_sbuffer one;
    msgpack_sbuffer_init (&one);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &one, msgpack_sbuffer_write);
    wsis_outbox_set_page_bytes (fixture->outbox, SIZE_MAX);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 0, 1, &pk), 0);
    size_t event_bytes = one.size - 1 - 7 - 1 - 9 - 1;     //  less map, "events", array, "last_seq", 1
    msgpack_sbuffer_destroy (&one);
    wsis_outbox_set_page_bytes (fixture->outbox, 2 * event_bytes);
    assert_int_equal (s_served (fixture, 0, 100, &first), 2);
    wsis_outbox_set_page_bytes (fixture->outbox, 2 * event_bytes + 1);
    assert_int_equal (s_served (fixture, 0, 100, &first), 3);
    assert_int_equal (s_served (fixture, 3, 100, &first), 3);
    assert_int_equal (first, 4);
    //  A hole inside what a short page would hold, or where it starts
    assert_int_equal (wsis_store_exec (fixture->base.store, "DELETE FROM outbox WHERE seq = 2"), 0);
    wsis_outbox_set_page_bytes (fixture->outbox, 1);
    assert_int_equal (s_served (fixture, 0, 100, &first), 1);
    assert_int_equal (s_served (fixture, 1, 100, NULL), -1);
    wsis_outbox_set_page_bytes (fixture->outbox, SIZE_MAX);
    assert_int_equal (s_served (fixture, 0, 100, NULL), -1);
}

static void
test_since_after_a_large_page (void **state)
{
    //  The page's buffer is kept from call to call, and given back once a
    //  page of large events grew it: the pages after it are whole
    fixture_t *fixture = (fixture_t *) *state;
    const size_t pad = 1000 * 1000;         //  a string holds 1 MiB at most
    char *padding = (char *) calloc (1, pad + 1);
    assert_non_null (padding);
    memset (padding, 'x', pad);
    s_commit_events (fixture, 2);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    for (int index = 0; index < 5; index++)
        assert_int_equal (s_append_padded (fixture->outbox, "vote.cast", 0, 0, padding), 0);
    s_commit (fixture);
    s_commit_events (fixture, 1);
    free (padding);

    uint64_t first;
    assert_int_equal (s_served (fixture, 0, 2, &first), 2);
    assert_int_equal (first, 1);
    assert_int_equal (s_served (fixture, 0, 100, &first), 8);
    assert_int_equal (first, 1);
    assert_int_equal (s_served (fixture, 5, 100, &first), 3);
    assert_int_equal (first, 6);
    assert_int_equal (s_served (fixture, 1, 100, &first), 7);
    assert_int_equal (first, 2);
    assert_int_equal (s_served (fixture, 8, 100, NULL), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_append_flush, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_abort, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_mark_rewind, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_pending_events_share_a_buffer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_since, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_since_envelopes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_events_by_reference, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_an_outbox_without_the_ref_column, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_reopen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heartbeat, s_setup, s_teardown),
        cmocka_unit_test (test_no_socket),
        cmocka_unit_test_setup_teardown (test_many_pending, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_append_fails, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_since_gap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_since_pages_end_past_their_bytes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_since_after_a_large_page, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
