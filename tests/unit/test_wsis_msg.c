/*  test_wsis_msg: reading untrusted msgpack, and the packing helpers that
    write what it reads.
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

//  --------------------------------------------------------------------------
//  Packing, then reading back

static void
test_helpers (void **state)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &out, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    wsis_pack_kv_str (&pk, "s", "text");
    wsis_pack_kv_int (&pk, "i", -3);
    wsis_pack_kv_uint (&pk, "u", UINT64_MAX);
    wsis_pack_kv_bool (&pk, "b", true);
    wsis_pack_str (&pk, "n");
    wsis_pack_strn (&pk, "abcdef", 3);

    msgpack_unpacked unpacked;
    test_unpack_whole (&unpacked, &out);
    const msgpack_object *root = &unpacked.data;
    assert_true (wsis_msg_str_equals (wsis_msg_get (root, "s"), "text"));
    assert_false (wsis_msg_str_equals (wsis_msg_get (root, "s"), "tex"));
    assert_false (wsis_msg_str_equals (wsis_msg_get (root, "s"), "texts"));
    assert_false (wsis_msg_str_equals (wsis_msg_get (root, "i"), "-3"));
    assert_false (wsis_msg_str_equals (NULL, "x"));
    assert_int_equal (wsis_msg_get (root, "i")->via.i64, -3);
    assert_true (wsis_msg_get (root, "u")->via.u64 == UINT64_MAX);
    assert_true (wsis_msg_get (root, "b")->via.boolean);
    assert_true (wsis_msg_str_equals (wsis_msg_get (root, "n"), "abc"));
    assert_null (wsis_msg_get (root, "missing"));
    assert_null (wsis_msg_get (NULL, "s"));
    assert_null (wsis_msg_get (wsis_msg_get (root, "s"), "s"));
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&out);
}

//  --------------------------------------------------------------------------
//  Empty strings: msgpack-c gives them a NULL ptr, and memcmp or memcpy
//  with NULL is undefined even for 0 bytes. The fuzzer stopped on this
//  frame (tests/fuzz/corpus/fuzz_request/map_four_empty_keys.mp).

static const char s_four_empty_keys [] = "\x84\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0";

static void
test_empty_keys_twice (void **state)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error;
    assert_int_equal (wsis_msg_unpack (&unpacked, s_four_empty_keys, sizeof s_four_empty_keys - 1,
                                       &wsis_msg_default_limits, &error), 0);
    assert_int_equal (wsis_msg_check_maps (&unpacked.data, &error), -1);
    assert_string_equal (error.code, "bad_request");
    assert_string_equal (error.message, "key '' appears twice");
    msgpack_unpacked_destroy (&unpacked);

    //  The same straight from msgpack-c, NULL ptrs and all: the checks
    //  and readers must not pass them on either
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, s_four_empty_keys, sizeof s_four_empty_keys - 1,
                                           &offset), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (wsis_msg_check_maps (&unpacked.data, &error), -1);
    assert_string_equal (error.message, "key '' appears twice");
    const msgpack_object *value = wsis_msg_get (&unpacked.data, "");
    assert_non_null (value);
    assert_true (wsis_msg_str_equals (value, ""));
    assert_false (wsis_msg_str_equals (value, "x"));
    char buffer [4] = "xyz";
    assert_int_equal (wsis_msg_copy_str (value, buffer, 0, 3), 0);
    assert_string_equal (buffer, "");
    assert_int_equal (wsis_msg_copy_str (value, buffer, 1, 3), -1);
    msgpack_unpacked_destroy (&unpacked);
}

static void
test_empty_filled (void **state)
{
    //  {"s": "", "b": bin "", "l": ["", {"": ""}]}
    static const char frame [] = "\x83\xa1" "s\xa0\xa1" "b\xc4\x00\xa1" "l\x92\xa0\x81\xa0\xa0";
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error;
    assert_int_equal (wsis_msg_unpack (&unpacked, frame, sizeof frame - 1,
                                       &wsis_msg_default_limits, &error), 0);
    assert_int_equal (wsis_msg_check_maps (&unpacked.data, &error), 0);
    const msgpack_object *s = wsis_msg_get (&unpacked.data, "s");
    const msgpack_object *b = wsis_msg_get (&unpacked.data, "b");
    const msgpack_object *l = wsis_msg_get (&unpacked.data, "l");
    assert_int_equal (s->type, MSGPACK_OBJECT_STR);
    assert_non_null (s->via.str.ptr);
    assert_int_equal (b->type, MSGPACK_OBJECT_BIN);
    assert_non_null (b->via.bin.ptr);
    assert_int_equal (b->via.bin.size, 0);
    assert_non_null (l->via.array.ptr [0].via.str.ptr);
    const msgpack_object *inner = &l->via.array.ptr [1];
    assert_non_null (inner->via.map.ptr [0].key.via.str.ptr);
    assert_non_null (inner->via.map.ptr [0].val.via.str.ptr);
    assert_true (wsis_msg_str_equals (wsis_msg_get (inner, ""), ""));
    msgpack_unpacked_destroy (&unpacked);

    assert_true (wsis_msg_bytes_equal (NULL, 0, "", 0));
    assert_true (wsis_msg_bytes_equal ("ab", 2, "abc", 2));
    assert_false (wsis_msg_bytes_equal (NULL, 0, "a", 1));
    assert_false (wsis_msg_bytes_equal ("ab", 2, "ac", 2));
}

//  wsis_msg_true: only the boolean true
static void
test_true_only_for_true (void **state)
{
    msgpack_object yes = { .type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = true };
    msgpack_object no = { .type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = false };
    msgpack_object one = { .type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 1 };
    msgpack_object text = { .type = MSGPACK_OBJECT_STR, .via.str = { 4, "true" } };
    assert_true (wsis_msg_true (&yes));
    assert_false (wsis_msg_true (&no));
    assert_false (wsis_msg_true (&one));
    assert_false (wsis_msg_true (&text));
    assert_false (wsis_msg_true (NULL));
    assert_false (wsis_msg_true (wsis_msg_get (NULL, "ok")));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_helpers),
        cmocka_unit_test (test_empty_keys_twice),
        cmocka_unit_test (test_empty_filled),
        cmocka_unit_test (test_true_only_for_true),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
