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


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_helpers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
