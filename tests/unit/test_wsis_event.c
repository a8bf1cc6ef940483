/*  test_wsis_event: event envelopes (docs/protocol.md section 3), encoded
    and read back with msgpack-c's own unpacker, and decoded strictly from
    what a careless or hostile publisher pushes into the bus.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_pack.h"

static bool
s_str_is (const msgpack_object *obj, const char *text)
{
    return wsis_msg_str_equals (obj, text);
}

//  --------------------------------------------------------------------------
//  Event envelopes

static void
s_pack_event_body (msgpack_sbuffer *body)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    wsis_pack_kv_str (&pk, "submission_id", "s-1");
    wsis_pack_kv_uint (&pk, "votes", 3);
}

static void
test_event_round_trip (void **state)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    s_pack_event_body (&body);
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    wsis_event_encode (&out, "voting", 42, "vote.cast", 1646092800123LL, body.data, body.size);

    //  As msgpack-c sees it: seven keys, id "<source>:<seq>"
    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    assert_int_equal (unpacked.data.via.map.size, 7);
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "id"), "voting:42"));
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "source"), "voting"));
    msgpack_unpacked_destroy (&unpacked);

    //  As our decoder sees it
    wsis_event_t event;
    wsis_error_t error;
    assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), 0);
    assert_string_equal (event.source, "voting");
    assert_int_equal (event.seq, 42);
    assert_string_equal (event.type, "vote.cast");
    assert_int_equal (event.ts, 1646092800123LL);
    assert_ptr_equal (event.raw, out.data);
    assert_int_equal (event.raw_size, out.size);
    assert_non_null (event.body);
    assert_int_equal (event.body->type, MSGPACK_OBJECT_MAP);
    assert_true (s_str_is (wsis_msg_get (event.body, "submission_id"), "s-1"));
    const msgpack_object *votes = wsis_msg_get (event.body, "votes");
    assert_non_null (votes);
    assert_int_equal (votes->via.u64, 3);
    wsis_event_release (&event);

    //  An empty body becomes {}; negative ts and a large seq survive
    msgpack_sbuffer_clear (&out);
    wsis_event_encode (&out, "bus", UINT64_MAX, "sys.heartbeat", -5, NULL, 0);
    assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), 0);
    assert_string_equal (event.source, "bus");
    assert_true (event.seq == UINT64_MAX);
    assert_int_equal (event.ts, -5);
    assert_int_equal (event.body->type, MSGPACK_OBJECT_MAP);
    assert_int_equal (event.body->via.map.size, 0);
    wsis_event_release (&event);

    //  seq 0 (heartbeats)
    msgpack_sbuffer_clear (&out);
    wsis_event_encode (&out, "nominations", 0, "sys.heartbeat", 0, body.data, body.size);
    assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), 0);
    assert_int_equal (event.seq, 0);
    wsis_event_release (&event);
    test_unpack_whole (&unpacked, &out);
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "id"), "nominations:0"));
    msgpack_unpacked_destroy (&unpacked);

    //  The id of the largest seq; one of a source too long for it is cut
    //  at 95 bytes
    msgpack_sbuffer_clear (&out);
    wsis_event_encode (&out, "bus", UINT64_MAX, "sys.heartbeat", 0, NULL, 0);
    test_unpack_whole (&unpacked, &out);
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "id"), "bus:18446744073709551615"));
    msgpack_unpacked_destroy (&unpacked);
    char source [120];
    memset (source, 's', sizeof source - 1);
    source [sizeof source - 1] = 0;
    char expected [96];
    memset (expected, 's', 95);
    expected [95] = 0;
    msgpack_sbuffer_clear (&out);
    wsis_event_encode (&out, source, 7, "sys.heartbeat", 0, NULL, 0);
    test_unpack_whole (&unpacked, &out);
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "id"), expected));
    msgpack_unpacked_destroy (&unpacked);
    memset (source, 's', 90);
    strcpy (source + 90, "t");
    msgpack_sbuffer_clear (&out);
    wsis_event_encode (&out, source, 123456, "sys.heartbeat", 0, NULL, 0);
    test_unpack_whole (&unpacked, &out);
    memcpy (expected + 90, "t:123", 6);         //  91 bytes of source, then 4 of ":123456"
    assert_true (s_str_is (wsis_msg_get (&unpacked.data, "id"), expected));
    msgpack_unpacked_destroy (&unpacked);

    msgpack_sbuffer_destroy (&out);
    msgpack_sbuffer_destroy (&body);
}

typedef enum { EV_OK, EV_OMIT, EV_BAD } s_ev_mode_t;

//  An envelope with key `which` omitted or replaced by something invalid
static void
s_pack_envelope (msgpack_packer *pk, const char *which, s_ev_mode_t mode)
{
    const char *keys [] = { "v", "source", "seq", "id", "type", "ts", "body" };
    size_t count = 7 - (mode == EV_OMIT? 1: 0);
    msgpack_pack_map (pk, count);
    for (size_t index = 0; index < 7; index++) {
        bool target = which && strcmp (which, keys [index]) == 0;
        if (target && mode == EV_OMIT)
            continue;
        wsis_pack_str (pk, keys [index]);
        if (target && mode == EV_BAD) {
            //  The wrong type or value for each
            switch (index) {
                case 0: msgpack_pack_int (pk, 2); break;
                case 1: wsis_pack_str (pk, ""); break;
                case 2: msgpack_pack_int (pk, -1); break;
                case 3: msgpack_pack_int (pk, 0); break;
                case 4: msgpack_pack_array (pk, 0); break;
                case 5: wsis_pack_str (pk, "1970"); break;
                case 6: msgpack_pack_array (pk, 0); break;
            }
            continue;
        }
        switch (index) {
            case 0: msgpack_pack_int (pk, 1); break;
            case 1: wsis_pack_str (pk, "submissions"); break;
            case 2: msgpack_pack_uint64 (pk, 7); break;
            case 3: wsis_pack_str (pk, "submissions:7"); break;
            case 4: wsis_pack_str (pk, "submission.received"); break;
            case 5: msgpack_pack_int64 (pk, 1000); break;
            case 6: msgpack_pack_map (pk, 0); break;
        }
    }
}

static void
test_event_decode_errors (void **state)
{
    const char *required [] = { "v", "source", "seq", "type", "ts", "body" };
    for (size_t index = 0; index < 6; index++) {
        for (int mode = EV_OMIT; mode <= EV_BAD; mode++) {
            msgpack_sbuffer out;
            msgpack_sbuffer_init (&out);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
            s_pack_envelope (&pk, required [index], (s_ev_mode_t) mode);
            wsis_event_t event;
            wsis_error_t error;
            memset (&error, 0, sizeof error);
            assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), -1);
            assert_string_equal (error.code, "bad_request");
            assert_string_equal (error.field, required [index]);
            wsis_event_release (&event);
            msgpack_sbuffer_destroy (&out);
        }
    }
    //  The "id" key is informative only: absent or odd, the rest decodes
    for (int mode = EV_OK; mode <= EV_BAD; mode++) {
        msgpack_sbuffer out;
        msgpack_sbuffer_init (&out);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
        s_pack_envelope (&pk, "id", (s_ev_mode_t) mode);
        wsis_event_t event;
        wsis_error_t error;
        assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), 0);
        assert_int_equal (event.seq, 7);
        wsis_event_release (&event);

        //  Every truncation of it fails
        for (size_t prefix = 0; prefix < out.size; prefix++) {
            void *copy = malloc (prefix? prefix: 1);
            memcpy (copy, out.data, prefix);
            assert_int_equal (wsis_event_decode (&event, copy, prefix, &error), -1);
            assert_string_equal (error.code, "bad_request");
            wsis_event_release (&event);
            free (copy);
        }
        msgpack_sbuffer_destroy (&out);
    }
    //  ts larger than any int64 is not an int64
    const char big_ts [] =
        "\x86\xa1v\x01\xa6source\xa1s\xa3seq\x01\xa4type\xa1t"
        "\xa2ts\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xa4" "body\x80";
    wsis_event_t event;
    wsis_error_t error;
    assert_int_equal (wsis_event_decode (&event, big_ts, sizeof big_ts - 1, &error), -1);
    assert_string_equal (error.field, "ts");
    wsis_event_release (&event);

    //  Not a map, bombs, duplicates, trailing bytes
    const struct { const char *bytes; size_t size; } bad [] = {
        { "\x90", 1 },
        { "\xdd\xff\xff\xff\xff", 5 },
        { "", 0 },
        { "\x81\xa1v\x01\x01", 5 },
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        assert_int_equal (wsis_event_decode (&event, bad [index].bytes, bad [index].size, &error), -1);
        assert_string_equal (error.code, "bad_request");
        wsis_event_release (&event);
    }
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 8);
    wsis_pack_kv_int (&pk, "v", 1);
    wsis_pack_kv_str (&pk, "source", "a");
    wsis_pack_kv_uint (&pk, "seq", 1);
    wsis_pack_kv_str (&pk, "type", "t");
    wsis_pack_kv_int (&pk, "ts", 1);
    wsis_pack_str (&pk, "body");
    msgpack_pack_map (&pk, 0);
    wsis_pack_kv_uint (&pk, "seq", 2);
    wsis_pack_kv_int (&pk, "extra", 0);
    //  (map of 8 with 8 pairs: v source seq type ts body seq extra)
    assert_int_equal (wsis_event_decode (&event, out.data, out.size, &error), -1);
    assert_non_null (strstr (error.message, "seq"));
    wsis_event_release (&event);
    msgpack_sbuffer_destroy (&out);
}

static void
test_event_from_object (void **state)
{
    //  An events.since reply body: {events: [e1, e2], last_seq: 2}
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    s_pack_event_body (&body);
    msgpack_sbuffer first, second;
    msgpack_sbuffer_init (&first);
    msgpack_sbuffer_init (&second);
    wsis_event_encode (&first, "submissions", 1, "stakeholder.registered", 10, body.data, body.size);
    wsis_event_encode (&second, "submissions", 2, "submission.received", 20, NULL, 0);

    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &reply, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    wsis_pack_str (&pk, "events");
    msgpack_pack_array (&pk, 3);
    wsis_pack_raw (&pk, first.data, first.size);
    wsis_pack_raw (&pk, second.data, second.size);
    msgpack_pack_int (&pk, 3);          //  not an envelope
    wsis_pack_kv_uint (&pk, "last_seq", 2);

    msgpack_unpacked unpacked;
    wsis_error_t error;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (wsis_msg_unpack (&unpacked, reply.data, reply.size,
                                       &wsis_msg_default_limits, &error), 0);
    const msgpack_object *events = wsis_msg_get (&unpacked.data, "events");
    assert_non_null (events);
    assert_int_equal (events->via.array.size, 3);

    wsis_event_t event;
    assert_int_equal (wsis_event_from_object (&event, &events->via.array.ptr [0], &error), 0);
    assert_string_equal (event.source, "submissions");
    assert_int_equal (event.seq, 1);
    assert_string_equal (event.type, "stakeholder.registered");
    assert_int_equal (event.ts, 10);
    assert_null (event.raw);
    assert_int_equal (event.raw_size, 0);
    assert_true (s_str_is (wsis_msg_get (event.body, "submission_id"), "s-1"));
    wsis_event_release (&event);

    assert_int_equal (wsis_event_from_object (&event, &events->via.array.ptr [1], &error), 0);
    assert_int_equal (event.seq, 2);
    assert_string_equal (event.type, "submission.received");
    assert_int_equal (event.body->via.map.size, 0);
    wsis_event_release (&event);

    assert_int_equal (wsis_event_from_object (&event, &events->via.array.ptr [2], &error), -1);
    assert_string_equal (error.code, "bad_request");
    wsis_event_release (&event);

    //  The whole reply is not an envelope either
    assert_int_equal (wsis_event_from_object (&event, &unpacked.data, &error), -1);
    wsis_event_release (&event);

    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&reply);
    msgpack_sbuffer_destroy (&first);
    msgpack_sbuffer_destroy (&second);
    msgpack_sbuffer_destroy (&body);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_event_round_trip),
        cmocka_unit_test (test_event_decode_errors),
        cmocka_unit_test (test_event_from_object),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
