/*  test_wsis_reply: reply frames (docs/protocol.md section 2), read back
    with msgpack-c's own unpacker, so the test does not trust the codec to
    check itself.
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
#include "wsis_msg.h"
#include "wsis_pack.h"
#include "wsis_reply.h"
#include "wsis_request.h"

static bool
s_str_is (const msgpack_object *obj, const char *text)
{
    return wsis_msg_str_equals (obj, text);
}

//  --------------------------------------------------------------------------
//  Replies, read back with msgpack-c

static void
s_assert_reply_head (const msgpack_object *root, const char *id, bool ok)
{
    assert_int_equal (root->via.map.size, 4);
    const msgpack_object *v = wsis_msg_get (root, "v");
    assert_non_null (v);
    assert_int_equal (v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal (v->via.u64, 1);
    assert_true (s_str_is (wsis_msg_get (root, "id"), id));
    const msgpack_object *flag = wsis_msg_get (root, "ok");
    assert_non_null (flag);
    assert_int_equal (flag->type, MSGPACK_OBJECT_BOOLEAN);
    assert_int_equal (flag->via.boolean, ok);
}

static void
test_reply_ok_with_body (void **state)
{
    wsis_reply_t reply;
    wsis_reply_init (&reply);
    msgpack_pack_map (&reply.pk, 2);
    wsis_pack_kv_str (&reply.pk, "receipt", "r-1");
    wsis_pack_kv_bool (&reply.pk, "duplicate", false);

    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    wsis_reply_encode (&out, "req-1", &reply);

    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    const msgpack_object *root = &unpacked.data;
    s_assert_reply_head (root, "req-1", true);
    assert_null (wsis_msg_get (root, "error"));
    const msgpack_object *body = wsis_msg_get (root, "body");
    assert_non_null (body);
    assert_int_equal (body->type, MSGPACK_OBJECT_MAP);
    assert_int_equal (body->via.map.size, 2);
    assert_true (s_str_is (wsis_msg_get (body, "receipt"), "r-1"));
    const msgpack_object *duplicate = wsis_msg_get (body, "duplicate");
    assert_non_null (duplicate);
    assert_int_equal (duplicate->type, MSGPACK_OBJECT_BOOLEAN);
    assert_false (duplicate->via.boolean);
    msgpack_unpacked_destroy (&unpacked);

    //  The reply frame also passes our own strict decoder's walk
    wsis_error_t error;
    msgpack_unpacked checked;
    msgpack_unpacked_init (&checked);
    assert_int_equal (wsis_msg_unpack (&checked, out.data, out.size,
                                       &wsis_msg_default_limits, &error), 0);
    msgpack_unpacked_destroy (&checked);

    msgpack_sbuffer_destroy (&out);
    wsis_reply_release (&reply);
}

static void
test_reply_ok_empty (void **state)
{
    wsis_reply_t reply;
    wsis_reply_init (&reply);
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    wsis_reply_encode (&out, "", &reply);

    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "", true);
    const msgpack_object *body = wsis_msg_get (&unpacked.data, "body");
    assert_non_null (body);
    assert_int_equal (body->type, MSGPACK_OBJECT_MAP);
    assert_int_equal (body->via.map.size, 0);
    msgpack_unpacked_destroy (&unpacked);

    //  After a reset the packed body is gone too
    msgpack_pack_map (&reply.pk, 1);
    wsis_pack_kv_int (&reply.pk, "n", 1);
    wsis_reply_reset (&reply);
    msgpack_sbuffer_clear (&out);
    wsis_reply_encode (&out, "again", &reply);
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "again", true);
    body = wsis_msg_get (&unpacked.data, "body");
    assert_non_null (body);
    assert_int_equal (body->via.map.size, 0);
    msgpack_unpacked_destroy (&unpacked);

    msgpack_sbuffer_destroy (&out);
    wsis_reply_release (&reply);
}

static const msgpack_object *
s_error_of (const msgpack_object *root)
{
    const msgpack_object *error = wsis_msg_get (root, "error");
    assert_non_null (error);
    assert_int_equal (error->type, MSGPACK_OBJECT_MAP);
    assert_null (wsis_msg_get (root, "body"));
    return error;
}

static void
test_reply_error (void **state)
{
    //  With a field; whatever body was packed is dropped
    wsis_reply_t reply;
    wsis_reply_init (&reply);
    msgpack_pack_map (&reply.pk, 1);
    wsis_pack_kv_int (&reply.pk, "half", 1);
    assert_int_equal (wsis_reply_fail (&reply, "validation", "contact.email",
                                       "'%s' is not an address", "contact.email"), -1);
    assert_true (reply.failed);

    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    wsis_reply_encode (&out, "req-9", &reply);
    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "req-9", false);
    const msgpack_object *error = s_error_of (&unpacked.data);
    assert_int_equal (error->via.map.size, 3);
    assert_true (s_str_is (wsis_msg_get (error, "code"), "validation"));
    assert_true (s_str_is (wsis_msg_get (error, "message"), "'contact.email' is not an address"));
    assert_true (s_str_is (wsis_msg_get (error, "field"), "contact.email"));
    msgpack_unpacked_destroy (&unpacked);

    //  Without a field: no "field" key at all
    wsis_reply_reset (&reply);
    assert_false (reply.failed);
    wsis_reply_fail (&reply, "not_found", NULL, "no submission %d", 12);
    msgpack_sbuffer_clear (&out);
    wsis_reply_encode (&out, "req-10", &reply);
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "req-10", false);
    error = s_error_of (&unpacked.data);
    assert_int_equal (error->via.map.size, 2);
    assert_true (s_str_is (wsis_msg_get (error, "code"), "not_found"));
    assert_true (s_str_is (wsis_msg_get (error, "message"), "no submission 12"));
    assert_null (wsis_msg_get (error, "field"));
    msgpack_unpacked_destroy (&unpacked);

    //  A message longer than the buffer is cut, not overflowed
    char long_text [sizeof reply.error.message + 300];
    memset (long_text, 'm', sizeof long_text - 1);
    long_text [sizeof long_text - 1] = 0;
    wsis_reply_fail (&reply, "internal", "", "%s", long_text);
    msgpack_sbuffer_clear (&out);
    wsis_reply_encode (&out, "req-11", &reply);
    test_unpack_whole (&unpacked, &out);
    error = s_error_of (&unpacked.data);
    assert_int_equal (error->via.map.size, 2);
    const msgpack_object *message = wsis_msg_get (error, "message");
    assert_non_null (message);
    assert_int_equal (message->via.str.size, sizeof reply.error.message - 1);
    msgpack_unpacked_destroy (&unpacked);

    msgpack_sbuffer_destroy (&out);
    wsis_reply_release (&reply);
}

static void
test_reply_encode_error (void **state)
{
    wsis_error_t error;
    memset (&error, 0, sizeof error);
    assert_int_equal (wsis_error_set (&error, "too_large", NULL, "frame of %d bytes", 9), -1);
    assert_string_equal (error.code, "too_large");
    assert_string_equal (error.field, "");

    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    wsis_reply_encode_error (&out, "", &error);
    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "", false);
    const msgpack_object *object = s_error_of (&unpacked.data);
    assert_true (s_str_is (wsis_msg_get (object, "code"), "too_large"));
    assert_true (s_str_is (wsis_msg_get (object, "message"), "frame of 9 bytes"));
    assert_null (wsis_msg_get (object, "field"));
    msgpack_unpacked_destroy (&unpacked);

    //  An error without a code is an internal one
    memset (&error, 0, sizeof error);
    msgpack_sbuffer_clear (&out);
    wsis_reply_encode_error (&out, "x", &error);
    test_unpack_whole (&unpacked, &out);
    object = s_error_of (&unpacked.data);
    assert_true (s_str_is (wsis_msg_get (object, "code"), "internal"));
    msgpack_unpacked_destroy (&unpacked);

    //  A decode error turned into a reply, as a server does
    wsis_request_t request;
    assert_int_equal (wsis_request_decode (&request, "\x81\xa2id\xa3r-7", 8,
                                           &wsis_msg_default_limits, &error), -1);
    msgpack_sbuffer_clear (&out);
    wsis_reply_encode_error (&out, request.id, &error);
    wsis_request_release (&request);
    test_unpack_whole (&unpacked, &out);
    s_assert_reply_head (&unpacked.data, "r-7", false);
    object = s_error_of (&unpacked.data);
    assert_true (s_str_is (wsis_msg_get (object, "code"), "bad_request"));
    assert_true (s_str_is (wsis_msg_get (object, "field"), "v"));
    msgpack_unpacked_destroy (&unpacked);

    msgpack_sbuffer_destroy (&out);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reply_ok_with_body),
        cmocka_unit_test (test_reply_ok_empty),
        cmocka_unit_test (test_reply_error),
        cmocka_unit_test (test_reply_encode_error),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
