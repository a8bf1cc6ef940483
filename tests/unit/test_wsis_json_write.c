/*  Unit tests for wsis_json_write: its text is, byte for byte, what
    json_dumps (wsis_json_from_msgpack (obj), JSON_COMPACT) writes, for the
    edges by hand and for 20,000 random documents of every msgpack type
    (maps without repeated keys, the one documented difference, which has
    its own test).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_json.h"
#include "wsis_json_write.h"

//  -------------------------------------------------------------------------
//  The two ways, compared

//  The text of obj both ways; fails the test when they differ.
static void
s_assert_same (const msgpack_object *obj)
{
    json_t *tree = wsis_json_from_msgpack (obj);
    assert_non_null (tree);
    char *expected = json_dumps (tree, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref (tree);
    assert_non_null (expected);
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    assert_int_equal (wsis_json_write (&out, obj), 0);
    char *written = strndup (out.data? out.data: "", out.size);
    if (strcmp (written, expected))
        fail_msg ("written  %s\njansson  %s", written, expected);
    free (written);
    free (expected);
    msgpack_sbuffer_destroy (&out);
}

//  Unpacks what buffer holds and compares the two ways.
static void
s_assert_same_packed (const msgpack_sbuffer *buffer)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer->data, buffer->size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    s_assert_same (&unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
}

//  -------------------------------------------------------------------------
//  By hand

static void
test_scalars (void **state)
{
    msgpack_object obj = { .type = MSGPACK_OBJECT_NIL };
    s_assert_same (&obj);
    obj.type = MSGPACK_OBJECT_BOOLEAN;
    obj.via.boolean = true;
    s_assert_same (&obj);
    obj.via.boolean = false;
    s_assert_same (&obj);
    obj.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    const uint64_t unsigned_values [] = { 0, 1, 127, 4294967296ULL, INT64_MAX,
                                          (uint64_t) INT64_MAX + 1, UINT64_MAX };
    for (size_t i = 0; i < sizeof unsigned_values / sizeof *unsigned_values; i++) {
        obj.via.u64 = unsigned_values [i];
        s_assert_same (&obj);
    }
    obj.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    const int64_t negative_values [] = { -1, -32, -2147483649LL, INT64_MIN };
    for (size_t i = 0; i < sizeof negative_values / sizeof *negative_values; i++) {
        obj.via.i64 = negative_values [i];
        s_assert_same (&obj);
    }
}

static void
test_reals (void **state)
{
    const double values [] = { 0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 1e21, 1e22, 1e-7, 123456789012345678.0,
                               5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1e100,
                               NAN, INFINITY, -INFINITY, 100.0, 1e15, 1e16, 1e17 };
    msgpack_object obj = { .type = MSGPACK_OBJECT_FLOAT64 };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        obj.via.f64 = values [i];
        s_assert_same (&obj);
    }
    obj.type = MSGPACK_OBJECT_FLOAT32;
    obj.via.f64 = (double) 0.1f;
    s_assert_same (&obj);
}

static void
test_strings_escaped_as_jansson_escapes_them (void **state)
{
    const char *texts [] = { "", "plain", "quote \" and backslash \\", "slash / stays",
                             "\b\f\n\r\t", "\x01\x1f\x7f", "Genève – 日本 – 😀", "tab\tend" };
    msgpack_object obj = { .type = MSGPACK_OBJECT_STR };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        obj.via.str.ptr = texts [i];
        obj.via.str.size = (uint32_t) strlen (texts [i]);
        s_assert_same (&obj);
    }
    //  An embedded NUL, and an empty str without a pointer
    obj.via.str.ptr = "a\0b";
    obj.via.str.size = 3;
    s_assert_same (&obj);
    obj.via.str.ptr = NULL;
    obj.via.str.size = 0;
    s_assert_same (&obj);
}

static void
test_invalid_utf8_bin_and_ext_as_base64 (void **state)
{
    const char *texts [] = { "\xff", "ab\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82" };
    msgpack_object obj = { .type = MSGPACK_OBJECT_STR };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        obj.via.str.ptr = texts [i];
        obj.via.str.size = (uint32_t) strlen (texts [i]);
        s_assert_same (&obj);
    }
    obj.type = MSGPACK_OBJECT_BIN;
    obj.via.bin.ptr = "\x00\x01\xfe";
    obj.via.bin.size = 3;
    s_assert_same (&obj);
    obj.via.bin.size = 0;
    s_assert_same (&obj);
    obj.type = MSGPACK_OBJECT_EXT;
    obj.via.ext.type = -7;
    obj.via.ext.ptr = "xyz";
    obj.via.ext.size = 3;
    s_assert_same (&obj);
}

static void
test_keys_that_are_not_strings (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    msgpack_pack_int (&pk, 7);
    msgpack_pack_str_with_body (&pk, "seven", 5);
    msgpack_pack_nil (&pk);
    msgpack_pack_true (&pk);
    msgpack_pack_array (&pk, 2);
    msgpack_pack_int (&pk, 1);
    msgpack_pack_str_with_body (&pk, "q\"", 2);
    msgpack_pack_double (&pk, 2.5);
    msgpack_pack_bin_with_body (&pk, "\x01", 1);
    msgpack_pack_str_with_body (&pk, "\xff\xfe", 2);
    msgpack_pack_int (&pk, -1);
    msgpack_pack_map (&pk, 1);
    msgpack_pack_str_with_body (&pk, "k", 1);
    msgpack_pack_str_with_body (&pk, "v", 1);
    msgpack_pack_false (&pk);
    msgpack_pack_int (&pk, 0);
    s_assert_same_packed (&buffer);
    msgpack_sbuffer_destroy (&buffer);
}

//  The one difference: jansson keeps a repeated key once, with its last
//  value; the writer writes every pair.
static void
test_repeated_keys_are_all_written (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    msgpack_pack_str_with_body (&pk, "a", 1);
    msgpack_pack_int (&pk, 1);
    msgpack_pack_str_with_body (&pk, "a", 1);
    msgpack_pack_int (&pk, 2);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, NULL),
                      MSGPACK_UNPACK_SUCCESS);
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    assert_int_equal (wsis_json_write (&out, &unpacked.data), 0);
    assert_int_equal (out.size, strlen ("{\"a\":1,\"a\":2}"));
    assert_memory_equal (out.data, "{\"a\":1,\"a\":2}", out.size);
    msgpack_sbuffer_destroy (&out);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
}

//  -------------------------------------------------------------------------
//  Random documents

static uint64_t s_seed = 0x5eed2026;

static uint64_t
s_random (void)
{
    //  xorshift64*: the same documents on every run
    s_seed ^= s_seed >> 12;
    s_seed ^= s_seed << 25;
    s_seed ^= s_seed >> 27;
    return s_seed * 2685821657736338717ULL;
}

//  Bytes of every kind: ASCII, escapes, valid multi-byte sequences, and
//  now and then bytes that are no UTF-8 at all.
static size_t
s_random_bytes (char *bytes, size_t max)
{
    static const char *const pieces [] = { "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01",
                                           "\x1f", "\x7f", "é", "–", "日", "😀", "\xc3", "\xff",
                                           "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x8f\xbf\xbf", "" };
    size_t count = s_random () % 12, size = 0;
    bool invalid_ok = s_random () % 4 == 0;
    for (size_t i = 0; i < count; i++) {
        size_t pick = s_random () % (sizeof pieces / sizeof *pieces);
        if (!invalid_ok && pick >= 16 && pick != 20)
            pick = 0;
        size_t length = strlen (pieces [pick]);
        if (size + length > max)
            break;
        memcpy (bytes + size, pieces [pick], length);
        size += length;
    }
    return size;
}

static void
s_random_value (msgpack_packer *pk, int depth, size_t *key_counter)
{
    char bytes [64];
    size_t size;
    switch (s_random () % (depth < 4? 11: 9)) {
        case 0: msgpack_pack_nil (pk); break;
        case 1: s_random () & 1? msgpack_pack_true (pk): msgpack_pack_false (pk); break;
        case 2: msgpack_pack_uint64 (pk, s_random () >> (s_random () % 64)); break;
        case 3: msgpack_pack_int64 (pk, -(int64_t) (s_random () >> (1 + s_random () % 63))); break;
        case 4: {
            double value;
            uint64_t bits = s_random ();
            memcpy (&value, &bits, sizeof value);
            msgpack_pack_double (pk, s_random () % 3? (double) (int64_t) (s_random () % 100000) / 8: value);
            break;
        }
        case 5: msgpack_pack_float (pk, (float) (s_random () % 1000) / 7.0f); break;
        case 6: case 7:
            size = s_random_bytes (bytes, sizeof bytes);
            msgpack_pack_str_with_body (pk, bytes, size);
            break;
        case 8:
            size = s_random () % 8;
            for (size_t i = 0; i < size; i++)
                bytes [i] = (char) s_random ();
            s_random () % 4? msgpack_pack_bin_with_body (pk, bytes, size):
                             msgpack_pack_ext_with_body (pk, bytes, size, (int8_t) (s_random () % 128));
            break;
        case 9: {
            size_t count = s_random () % 5;
            msgpack_pack_array (pk, count);
            for (size_t i = 0; i < count; i++)
                s_random_value (pk, depth + 1, key_counter);
            break;
        }
        default: {
            //  Keys never repeat: each carries a number of its own
            size_t count = s_random () % 5;
            msgpack_pack_map (pk, count);
            for (size_t i = 0; i < count; i++) {
                size_t key = ++*key_counter;
                if (s_random () % 4 == 0)
                    msgpack_pack_uint64 (pk, key);
                else {
                    size = (size_t) snprintf (bytes, sizeof bytes, "k%zu", key);
                    size += s_random_bytes (bytes + size, sizeof bytes - size);
                    msgpack_pack_str_with_body (pk, bytes, size);
                }
                s_random_value (pk, depth + 1, key_counter);
            }
        }
    }
}

static void
test_random_documents_match_jansson (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    for (int round = 0; round < 20000; round++) {
        msgpack_sbuffer_clear (&buffer);
        size_t keys = 0;
        s_random_value (&pk, 0, &keys);
        s_assert_same_packed (&buffer);
    }
    msgpack_sbuffer_destroy (&buffer);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_scalars),
        cmocka_unit_test (test_reals),
        cmocka_unit_test (test_strings_escaped_as_jansson_escapes_them),
        cmocka_unit_test (test_invalid_utf8_bin_and_ext_as_base64),
        cmocka_unit_test (test_keys_that_are_not_strings),
        cmocka_unit_test (test_repeated_keys_are_all_written),
        cmocka_unit_test (test_random_documents_match_jansson),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
