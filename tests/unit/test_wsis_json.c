/*  Unit tests for wsis_json: JSON <-> msgpack and base64.

    Most tests go JSON -> msgpack -> JSON and compare with json_equal; the
    msgpack -> JSON edges (non-str keys, invalid UTF-8, uint64, ext) start
    from msgpack packed by hand, since no JSON value produces them.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_json.h"

//  The bytes of one packed value, the packer that writes them, and the
//  object unpacked from them, so a test can look at the msgpack types as
//  well as the JSON that comes back.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    msgpack_unpacked unpacked;
} packed_t;

static void
s_packed_init (packed_t *self)
{
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->pk, &self->buffer, msgpack_sbuffer_write);
    msgpack_unpacked_init (&self->unpacked);
}

static void
s_packed_destroy (packed_t *self)
{
    msgpack_unpacked_destroy (&self->unpacked);
    msgpack_sbuffer_destroy (&self->buffer);
}

//  Unpacks exactly one object from what self->buffer holds.
static const msgpack_object *
s_packed_unpack (packed_t *self)
{
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next (&self->unpacked,
                                                    self->buffer.data,
                                                    self->buffer.size, &offset);
    assert_int_equal (rc, MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (offset, self->buffer.size);
    return &self->unpacked.data;
}

//  Packs value (which must pack) and unpacks it again.
static const msgpack_object *
s_pack_value (packed_t *self, const json_t *value)
{
    const char *error = NULL;
    int rc = wsis_json_pack (&self->pk, value, &error);
    if (rc != 0)
        fail_msg ("wsis_json_pack: %s", error);
    return s_packed_unpack (self);
}

//  JSON -> msgpack -> JSON; the caller owns the result.
static json_t *
s_round_trip (const json_t *value)
{
    packed_t packed;
    s_packed_init (&packed);
    json_t *result = wsis_json_from_msgpack (s_pack_value (&packed, value));
    s_packed_destroy (&packed);
    assert_non_null (result);
    return result;
}

//  Asserts that value survives a round trip unchanged; takes ownership.
static void
s_assert_round_trip (json_t *value)
{
    assert_non_null (value);
    json_t *result = s_round_trip (value);
    if (!json_equal (value, result)) {
        char *want = json_dumps (value, JSON_ENCODE_ANY);
        char *got = json_dumps (result, JSON_ENCODE_ANY);
        fail_msg ("round trip changed %s into %s", want, got);
    }
    json_decref (result);
    json_decref (value);
}

//  Packs value expecting failure; returns the error. Takes ownership.
static const char *
s_pack_error (json_t *value)
{
    packed_t packed;
    s_packed_init (&packed);
    const char *error = NULL;
    assert_int_equal (wsis_json_pack (&packed.pk, value, &error), -1);
    assert_non_null (error);
    s_packed_destroy (&packed);
    json_decref (value);
    return error;
}

//  Converts the msgpack in packed->buffer and compares it with the JSON
//  text expected.
static void
s_assert_converts_to (packed_t *packed, const char *expected_text)
{
    json_error_t parse_error;
    json_t *expected = json_loads (expected_text, JSON_DECODE_ANY, &parse_error);
    if (!expected)
        fail_msg ("bad expected JSON %s: %s", expected_text, parse_error.text);
    json_t *result = wsis_json_from_msgpack (s_packed_unpack (packed));
    assert_non_null (result);
    if (!json_equal (expected, result)) {
        char *got = json_dumps (result, JSON_ENCODE_ANY);
        fail_msg ("expected %s, got %s", expected_text, got);
    }
    json_decref (result);
    json_decref (expected);
}

//  Nests value in depth arrays; takes ownership of value.
static json_t *
s_nest_arrays (json_t *value, int depth)
{
    for (int level = 0; level < depth; level++) {
        json_t *array = json_array ();
        assert_int_equal (json_array_append_new (array, value), 0);
        value = array;
    }
    return value;
}


//  --------------------------------------------------------------------------
//  Base64

//  RFC 4648 section 10
static const struct {
    const char *bytes;
    const char *text;
} s_rfc4648_vectors [] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
};
#define RFC4648_VECTORS (sizeof s_rfc4648_vectors / sizeof s_rfc4648_vectors [0])

static void
test_base64_encode_rfc4648 (void **state)
{
    for (size_t index = 0; index < RFC4648_VECTORS; index++) {
        const char *bytes = s_rfc4648_vectors [index].bytes;
        char *text = wsis_base64_encode (bytes, strlen (bytes));
        assert_non_null (text);
        assert_string_equal (text, s_rfc4648_vectors [index].text);
        free (text);
    }
}

static void
test_base64_decode_rfc4648 (void **state)
{
    for (size_t index = 0; index < RFC4648_VECTORS; index++) {
        const char *text = s_rfc4648_vectors [index].text;
        const char *bytes = s_rfc4648_vectors [index].bytes;
        size_t size = 99;
        void *decoded = wsis_base64_decode (text, strlen (text), &size);
        //  Empty text is valid and must not look like a failure
        assert_non_null (decoded);
        assert_int_equal (size, strlen (bytes));
        assert_memory_equal (decoded, bytes, size);
        free (decoded);
    }
}

static void
test_base64_every_byte (void **state)
{
    unsigned char bytes [256];
    for (int value = 0; value < 256; value++)
        bytes [value] = (unsigned char) value;

    //  Every length mod 3, every byte value in every position
    for (size_t length = 0; length <= sizeof bytes; length++) {
        char *text = wsis_base64_encode (bytes, length);
        assert_non_null (text);
        assert_int_equal (strlen (text), (length + 2) / 3 * 4);
        size_t size;
        void *decoded = wsis_base64_decode (text, strlen (text), &size);
        assert_non_null (decoded);
        assert_int_equal (size, length);
        assert_memory_equal (decoded, bytes, length);
        free (decoded);
        free (text);
    }
}

static void
test_base64_decode_rejects_malformed (void **state)
{
    static const char *malformed [] = {
        "Zg",               //  missing padding
        "Zg=",              //  short padding
        "Zm9vY",            //  not a multiple of 4
        "Z===",             //  three pad characters
        "====",
        "Zm=v",             //  '=' inside a quantum
        "Zg==Zm9v",         //  '=' before the last quantum
        "Zm9v\n",           //  whitespace
        "Zm 9",
        "Zm-_",             //  base64url alphabet
        "Zm9v*A==",
        "Zh==",             //  non-zero pad bits ("f" is "Zg==")
        "Zm9=",             //  non-zero pad bits ("fo" is "Zm8=")
        "\xc3\xa9\xc3\xa9", //  non-ASCII
    };
    for (size_t index = 0; index < sizeof malformed / sizeof malformed [0]; index++) {
        size_t size = 99;
        void *decoded = wsis_base64_decode (malformed [index],
                                            strlen (malformed [index]), &size);
        if (decoded)
            fail_msg ("accepted malformed base64 \"%s\"", malformed [index]);
    }
    //  A NUL inside the given length is a bad character, not the end
    size_t size;
    assert_null (wsis_base64_decode ("Zm9v\0AAA", 8, &size));
    //  Only len bytes are read: "Zm9v" out of a longer buffer is fine
    void *decoded = wsis_base64_decode ("Zm9v!!!!", 4, &size);
    assert_non_null (decoded);
    assert_int_equal (size, 3);
    assert_memory_equal (decoded, "foo", 3);
    free (decoded);
}


//  --------------------------------------------------------------------------
//  JSON -> msgpack -> JSON

static void
test_scalars_round_trip (void **state)
{
    s_assert_round_trip (json_null ());
    s_assert_round_trip (json_true ());
    s_assert_round_trip (json_false ());

    static const json_int_t integers [] = {
        0, 1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129,
        -32768, -32769, 4294967295LL, 4294967296LL, -2147483648LL,
        -2147483649LL, INT64_MAX, INT64_MIN
    };
    for (size_t index = 0; index < sizeof integers / sizeof integers [0]; index++)
        s_assert_round_trip (json_integer (integers [index]));

    static const double reals [] = {
        0.0, 0.5, -0.5, 3.141592653589793, 1e300, -1e-300, 1.0, 9007199254740993.0
    };
    for (size_t index = 0; index < sizeof reals / sizeof reals [0]; index++)
        s_assert_round_trip (json_real (reals [index]));

    s_assert_round_trip (json_string (""));
    s_assert_round_trip (json_string ("WSIS Prizes"));
    s_assert_round_trip (json_string ("Gen\xc3\xa8ve \xe2\x80\x94 \xf0\x9f\x8f\x86"));
    s_assert_round_trip (json_stringn ("nul\0inside", 10));
}

//  The msgpack types chosen matter to the services, which check them.
static void
test_scalars_pack_as_msgpack_types (void **state)
{
    static const struct {
        const char *json;
        msgpack_object_type type;
    } cases [] = {
        { "null", MSGPACK_OBJECT_NIL },
        { "true", MSGPACK_OBJECT_BOOLEAN },
        { "false", MSGPACK_OBJECT_BOOLEAN },
        { "7", MSGPACK_OBJECT_POSITIVE_INTEGER },
        { "-7", MSGPACK_OBJECT_NEGATIVE_INTEGER },
        { "7.0", MSGPACK_OBJECT_FLOAT64 },
        { "\"seven\"", MSGPACK_OBJECT_STR },
        { "{\"$base64\": \"Bw==\"}", MSGPACK_OBJECT_BIN },
        { "[7]", MSGPACK_OBJECT_ARRAY },
        { "{\"n\": 7}", MSGPACK_OBJECT_MAP },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++) {
        json_t *value = json_loads (cases [index].json, JSON_DECODE_ANY, NULL);
        assert_non_null (value);
        packed_t packed;
        s_packed_init (&packed);
        const msgpack_object *obj = s_pack_value (&packed, value);
        if (obj->type != cases [index].type)
            fail_msg ("%s packed as msgpack type %d", cases [index].json, obj->type);
        s_packed_destroy (&packed);
        json_decref (value);
    }
}

static void
test_nested_document_round_trip (void **state)
{
    const char *document =
        "{\"submission\": {\"id\": 4711, \"title\": \"Digital villages\","
        " \"categories\": [\"C3\", \"e-agr\"], \"sdgs\": [1, 2, 17],"
        " \"score\": 4.25, \"shortlisted\": true, \"withdrawn\": false,"
        " \"champion\": null, \"attachment\": {\"$base64\": \"JVBERi0=\"},"
        " \"nominees\": [{\"name\": \"A\", \"votes\": []},"
        "                {\"name\": \"B\", \"votes\": [{}, [[]]]}]},"
        " \"\": \"empty key\", \"$base64\": 1, \"phase\": -3}";
    json_error_t parse_error;
    json_t *value = json_loads (document, 0, &parse_error);
    if (!value)
        fail_msg ("bad test document: %s", parse_error.text);
    s_assert_round_trip (value);

    s_assert_round_trip (json_array ());
    s_assert_round_trip (json_object ());
}

//  Keys are packed with their length, so a NUL inside one survives.
static void
test_key_with_nul_round_trip (void **state)
{
    json_t *value = json_object ();
    assert_int_equal (json_object_setn_new (value, "a\0b", 3, json_integer (1)), 0);
    assert_int_equal (json_object_set_new (value, "a", json_integer (2)), 0);
    json_t *result = s_round_trip (value);
    assert_int_equal (json_object_size (result), 2);
    assert_int_equal (json_integer_value (json_object_getn (result, "a\0b", 3)), 1);
    assert_int_equal (json_integer_value (json_object_get (result, "a")), 2);
    json_decref (result);
    json_decref (value);
}

static void
test_base64_object_packs_as_bin (void **state)
{
    json_t *value = json_pack ("{s:s}", "$base64", "AAEC/w==");
    packed_t packed;
    s_packed_init (&packed);
    const msgpack_object *obj = s_pack_value (&packed, value);
    assert_int_equal (obj->type, MSGPACK_OBJECT_BIN);
    assert_int_equal (obj->via.bin.size, 4);
    assert_memory_equal (obj->via.bin.ptr, "\x00\x01\x02\xff", 4);
    s_packed_destroy (&packed);
    s_assert_round_trip (value);

    //  An empty bin is still a bin
    value = json_pack ("{s:s}", "$base64", "");
    s_packed_init (&packed);
    obj = s_pack_value (&packed, value);
    assert_int_equal (obj->type, MSGPACK_OBJECT_BIN);
    assert_int_equal (obj->via.bin.size, 0);
    s_packed_destroy (&packed);
    s_assert_round_trip (value);
}

//  Only the exact shape {"$base64": string} means bin; anything near it is
//  an ordinary object and must come back as itself.
static void
test_near_base64_objects_stay_maps (void **state)
{
    static const char *near [] = {
        "{\"$base64\": 5}",
        "{\"$base64\": null}",
        "{\"$base64\": \"AA==\", \"name\": \"x\"}",
        "{\"$ext\": 1, \"$base64\": \"AA==\"}",
        "{\"$BASE64\": \"not base64 at all\"}",
        "{\"base64\": \"!!\"}",
    };
    for (size_t index = 0; index < sizeof near / sizeof near [0]; index++) {
        json_t *value = json_loads (near [index], 0, NULL);
        assert_non_null (value);
        packed_t packed;
        s_packed_init (&packed);
        assert_int_equal (s_pack_value (&packed, value)->type, MSGPACK_OBJECT_MAP);
        s_packed_destroy (&packed);
        s_assert_round_trip (value);
    }
}


//  --------------------------------------------------------------------------
//  Packing errors

static void
test_pack_rejects_bad_base64 (void **state)
{
    assert_string_equal (s_pack_error (json_pack ("{s:s}", "$base64", "Zg=")),
                         "bad base64 in $base64");
    assert_string_equal (s_pack_error (json_pack ("{s:s}", "$base64", "not base64!")),
                         "bad base64 in $base64");
    //  Deep inside a document too
    assert_string_equal (s_pack_error (json_pack ("{s:[i,{s:s}]}", "files", 1,
                                                  "$base64", "Zh==")),
                         "bad base64 in $base64");
}

static void
test_pack_depth_limit (void **state)
{
    //  64 levels pack
    json_t *value = s_nest_arrays (json_integer (1), 64);
    packed_t packed;
    s_packed_init (&packed);
    const char *error = NULL;
    assert_int_equal (wsis_json_pack (&packed.pk, value, &error), 0);
    assert_null (error);
    assert_int_equal (packed.buffer.size, 64 + 1);
    s_packed_destroy (&packed);
    json_decref (value);

    //  A bin at the deepest level is a value, not a 65th level
    value = s_nest_arrays (json_pack ("{s:s}", "$base64", "AA=="), 64);
    s_packed_init (&packed);
    assert_int_equal (wsis_json_pack (&packed.pk, value, &error), 0);
    s_packed_destroy (&packed);
    json_decref (value);

    //  65 do not, whether arrays, objects or both
    assert_string_equal (s_pack_error (s_nest_arrays (json_integer (1), 65)),
                         "JSON nested deeper than 64 levels");
    assert_string_equal (s_pack_error (s_nest_arrays (json_array (), 64)),
                         "JSON nested deeper than 64 levels");
    json_t *objects = json_null ();
    for (int level = 0; level < 65; level++)
        objects = json_pack ("{s:o}", "inner", objects);
    assert_string_equal (s_pack_error (objects), "JSON nested deeper than 64 levels");
    json_t *mixed = s_nest_arrays (json_pack ("{s:o}", "x", s_nest_arrays (json_true (), 33)), 31);
    assert_string_equal (s_pack_error (mixed), "JSON nested deeper than 64 levels");
}

//  A shallower document still round trips through msgpack-c's unpacker,
//  which itself stops at MSGPACK_EMBED_STACK_SIZE levels.
static void
test_deep_round_trip (void **state)
{
    s_assert_round_trip (s_nest_arrays (json_string ("bottom"), 32));
}

static void
test_pack_rejects_null_value (void **state)
{
    assert_string_equal (s_pack_error (NULL), "no JSON value to pack");
    //  error may be NULL when the caller does not want the reason
    packed_t packed;
    s_packed_init (&packed);
    json_t *value = json_pack ("{s:s}", "$base64", "@");
    assert_int_equal (wsis_json_pack (&packed.pk, value, NULL), -1);
    json_decref (value);
    s_packed_destroy (&packed);
}

//  A writer that accepts a number of bytes, then refuses, as an sbuffer
//  does when realloc fails.
static int
s_failing_write (void *data, const char *buf, size_t len)
{
    size_t *room = data;
    if (len > *room)
        return -1;
    *room -= len;
    return 0;
}

static void
test_pack_reports_write_failure (void **state)
{
    json_t *value = json_pack ("{s:[i,s,f,b,n,{s:s}]}", "list", 1, "two", 3.0,
                               1, "$base64", "AAAA");
    //  Fail at every possible point: each must be reported, none crash
    for (size_t room = 0; ; room++) {
        size_t left = room;
        msgpack_packer pk;
        msgpack_packer_init (&pk, &left, s_failing_write);
        const char *error = NULL;
        if (wsis_json_pack (&pk, value, &error) == 0) {
            assert_true (room > 10);
            break;
        }
        assert_string_equal (error, "msgpack write failed");
    }
    json_decref (value);
}


//  --------------------------------------------------------------------------
//  msgpack -> JSON edges

static void
test_big_uint64_becomes_real (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_array (&packed.pk, 3);
    msgpack_pack_uint64 (&packed.pk, (uint64_t) INT64_MAX);
    msgpack_pack_uint64 (&packed.pk, (uint64_t) INT64_MAX + 1);
    msgpack_pack_uint64 (&packed.pk, UINT64_MAX);

    json_t *result = wsis_json_from_msgpack (s_packed_unpack (&packed));
    assert_non_null (result);
    json_t *largest_int = json_array_get (result, 0);
    assert_true (json_is_integer (largest_int));
    assert_true (json_integer_value (largest_int) == INT64_MAX);
    json_t *above = json_array_get (result, 1);
    assert_true (json_is_real (above));
    assert_true (json_real_value (above) == 9223372036854775808.0);
    json_t *largest = json_array_get (result, 2);
    assert_true (json_is_real (largest));
    assert_true (json_real_value (largest) == 18446744073709551616.0);
    json_decref (result);
    s_packed_destroy (&packed);
}

static void
test_negative_ints (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_array (&packed.pk, 5);
    msgpack_pack_int8 (&packed.pk, -1);
    msgpack_pack_int8 (&packed.pk, -32);
    msgpack_pack_int16 (&packed.pk, -300);
    msgpack_pack_int32 (&packed.pk, -70000);
    msgpack_pack_int64 (&packed.pk, INT64_MIN);
    json_t *result = wsis_json_from_msgpack (s_packed_unpack (&packed));
    json_t *expected = json_pack ("[I,I,I,I,I]", (json_int_t) -1, (json_int_t) -32,
                                  (json_int_t) -300, (json_int_t) -70000,
                                  (json_int_t) INT64_MIN);
    assert_true (json_equal (result, expected));
    json_decref (expected);
    json_decref (result);
    s_packed_destroy (&packed);
}

static void
test_floats (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_array (&packed.pk, 6);
    msgpack_pack_float (&packed.pk, 0.25f);
    msgpack_pack_double (&packed.pk, -2.5);
    //  JSON has no spelling for these
    msgpack_pack_double (&packed.pk, NAN);
    msgpack_pack_double (&packed.pk, INFINITY);
    msgpack_pack_double (&packed.pk, -INFINITY);
    msgpack_pack_float (&packed.pk, NAN);
    s_assert_converts_to (&packed, "[0.25, -2.5, null, null, null, null]");
    s_packed_destroy (&packed);
}

static void
test_bin_and_ext_become_objects (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_array (&packed.pk, 4);
    msgpack_pack_bin_with_body (&packed.pk, "foobar", 6);
    msgpack_pack_bin (&packed.pk, 0);
    msgpack_pack_ext_with_body (&packed.pk, "f", 1, 5);
    msgpack_pack_ext_with_body (&packed.pk, "\xff\xff\xff\xff", 4, -1);
    s_assert_converts_to (&packed,
        "[{\"$base64\": \"Zm9vYmFy\"}, {\"$base64\": \"\"},"
        " {\"$ext\": 5, \"$base64\": \"Zg==\"},"
        " {\"$ext\": -1, \"$base64\": \"/////w==\"}]");
    s_packed_destroy (&packed);
}

//  The order people see: "$ext" before "$base64".
static void
test_ext_key_order (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_ext_with_body (&packed.pk, "", 0, 7);
    json_t *result = wsis_json_from_msgpack (s_packed_unpack (&packed));
    char *text = json_dumps (result, JSON_COMPACT);
    assert_string_equal (text, "{\"$ext\":7,\"$base64\":\"\"}");
    free (text);
    json_decref (result);
    s_packed_destroy (&packed);
}

static void
test_invalid_utf8_str_falls_back (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_array (&packed.pk, 4);
    msgpack_pack_str_with_body (&packed.pk, "\xff\xfe", 2);
    msgpack_pack_str_with_body (&packed.pk, "\xc0\xaf", 2);       //  overlong '/'
    msgpack_pack_str_with_body (&packed.pk, "\xed\xa0\x80", 3);   //  surrogate
    msgpack_pack_str_with_body (&packed.pk, "ok \xc3\xa9", 5);
    s_assert_converts_to (&packed,
        "[{\"$base64\": \"//4=\"}, {\"$base64\": \"wK8=\"},"
        " {\"$base64\": \"7aCA\"}, \"ok \\u00e9\"]");
    s_packed_destroy (&packed);
}

static void
test_non_str_map_keys (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_map (&packed.pk, 10);
    msgpack_pack_int64 (&packed.pk, 1);
    msgpack_pack_str_with_body (&packed.pk, "one", 3);
    msgpack_pack_int64 (&packed.pk, -2);
    msgpack_pack_str_with_body (&packed.pk, "minus two", 9);
    msgpack_pack_nil (&packed.pk);
    msgpack_pack_str_with_body (&packed.pk, "nil", 3);
    msgpack_pack_true (&packed.pk);
    msgpack_pack_str_with_body (&packed.pk, "true", 4);
    msgpack_pack_double (&packed.pk, 1.5);
    msgpack_pack_str_with_body (&packed.pk, "real", 4);
    msgpack_pack_array (&packed.pk, 2);
    msgpack_pack_int64 (&packed.pk, 1);
    msgpack_pack_str_with_body (&packed.pk, "b", 1);
    msgpack_pack_str_with_body (&packed.pk, "array", 5);
    msgpack_pack_bin_with_body (&packed.pk, "\x00", 1);
    msgpack_pack_str_with_body (&packed.pk, "bin", 3);
    msgpack_pack_str_with_body (&packed.pk, "\xff", 1);
    msgpack_pack_str_with_body (&packed.pk, "bad str", 7);
    msgpack_pack_str_with_body (&packed.pk, "", 0);
    msgpack_pack_str_with_body (&packed.pk, "empty", 5);
    msgpack_pack_map (&packed.pk, 1);
    msgpack_pack_int64 (&packed.pk, 3);
    msgpack_pack_nil (&packed.pk);
    msgpack_pack_str_with_body (&packed.pk, "map", 3);
    s_assert_converts_to (&packed,
        "{\"1\": \"one\", \"-2\": \"minus two\", \"null\": \"nil\","
        " \"true\": \"true\", \"1.5\": \"real\", \"[1,\\\"b\\\"]\": \"array\","
        " \"{\\\"$base64\\\":\\\"AA==\\\"}\": \"bin\","
        " \"{\\\"$base64\\\":\\\"/w==\\\"}\": \"bad str\","
        " \"\": \"empty\", \"{\\\"3\\\":null}\": \"map\"}");
    s_packed_destroy (&packed);
}

//  A msgpack map may repeat a key (or two keys may print the same); the
//  later pair wins, as in JavaScript.
static void
test_colliding_map_keys (void **state)
{
    packed_t packed;
    s_packed_init (&packed);
    msgpack_pack_map (&packed.pk, 3);
    msgpack_pack_str_with_body (&packed.pk, "7", 1);
    msgpack_pack_int64 (&packed.pk, 1);
    msgpack_pack_int64 (&packed.pk, 7);
    msgpack_pack_int64 (&packed.pk, 2);
    msgpack_pack_str_with_body (&packed.pk, "x", 1);
    msgpack_pack_int64 (&packed.pk, 3);
    s_assert_converts_to (&packed, "{\"7\": 2, \"x\": 3}");
    s_packed_destroy (&packed);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_base64_encode_rfc4648),
        cmocka_unit_test (test_base64_decode_rfc4648),
        cmocka_unit_test (test_base64_every_byte),
        cmocka_unit_test (test_base64_decode_rejects_malformed),
        cmocka_unit_test (test_scalars_round_trip),
        cmocka_unit_test (test_scalars_pack_as_msgpack_types),
        cmocka_unit_test (test_nested_document_round_trip),
        cmocka_unit_test (test_key_with_nul_round_trip),
        cmocka_unit_test (test_base64_object_packs_as_bin),
        cmocka_unit_test (test_near_base64_objects_stay_maps),
        cmocka_unit_test (test_pack_rejects_bad_base64),
        cmocka_unit_test (test_pack_depth_limit),
        cmocka_unit_test (test_deep_round_trip),
        cmocka_unit_test (test_pack_rejects_null_value),
        cmocka_unit_test (test_pack_reports_write_failure),
        cmocka_unit_test (test_big_uint64_becomes_real),
        cmocka_unit_test (test_negative_ints),
        cmocka_unit_test (test_floats),
        cmocka_unit_test (test_bin_and_ext_become_objects),
        cmocka_unit_test (test_ext_key_order),
        cmocka_unit_test (test_invalid_utf8_str_falls_back),
        cmocka_unit_test (test_non_str_map_keys),
        cmocka_unit_test (test_colliding_map_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
