/*  test_wsis_fields: typed, bounded reads of request fields.

    Every reader, on a field that is present, absent, nil, of the wrong
    type or out of bounds, required and optional: the return codes 0, 1
    and -1, *out untouched unless 0, and on failure a `validation` reply
    naming the field by its dotted path. Strings are counted in characters
    (code points), not bytes, and a required string must not be blank.
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

#include "wsis_fields.h"
#include "wsis_msg.h"
#include "wsis_pack.h"


typedef struct {
    msgpack_sbuffer frame;
    msgpack_unpacked unpacked;
    wsis_reply_t reply;
    wsis_fields_t body;
    char title200 [1024];       //  200 characters of 1-4 bytes each
} fixture_t;

//  200 characters mixing 1, 2, 3 and 4 byte UTF-8 ("aé€🌍" repeated),
//  plus `extra` more 2-byte characters
static size_t
s_title (char *buffer, size_t extra)
{
    static const char *const pieces [] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8c\x8d" };
    size_t len = 0;
    for (size_t index = 0; index < 200; index++) {
        const char *piece = pieces [index % 4];
        memcpy (buffer + len, piece, strlen (piece));
        len += strlen (piece);
    }
    for (size_t index = 0; index < extra; index++) {
        memcpy (buffer + len, "\xc3\xa9", 2);
        len += 2;
    }
    buffer [len] = 0;
    return len;
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture)
        return -1;
    msgpack_sbuffer_init (&fixture->frame);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &fixture->frame, msgpack_sbuffer_write);

    msgpack_pack_map (&pk, 20);
    wsis_pack_kv_uint (&pk, "limit", 50);
    wsis_pack_kv_int (&pk, "offset", -3);
    wsis_pack_kv_uint (&pk, "huge", UINT64_MAX);
    wsis_pack_kv_int (&pk, "zero", 0);
    wsis_pack_str (&pk, "nothing");
    msgpack_pack_nil (&pk);
    wsis_pack_kv_str (&pk, "name", "Geneva");
    wsis_pack_kv_str (&pk, "blank", " \t\n ");
    wsis_pack_kv_str (&pk, "nbsp", "\xc2\xa0\xe2\x80\x83");    //  U+00A0 U+2003
    wsis_pack_kv_str (&pk, "empty", "");
    wsis_pack_kv_bool (&pk, "flag", true);
    wsis_pack_str (&pk, "ratio");
    msgpack_pack_double (&pk, 1.5);
    wsis_pack_str (&pk, "sdgs");
    msgpack_pack_array (&pk, 3);
    for (int sdg = 1; sdg <= 3; sdg++)
        msgpack_pack_int (&pk, sdg);
    wsis_pack_str (&pk, "image");
    msgpack_pack_bin (&pk, 4);
    msgpack_pack_bin_body (&pk, "\x89PNG", 4);
    wsis_pack_str (&pk, "contact");
    msgpack_pack_map (&pk, 4);
    wsis_pack_kv_str (&pk, "email", "a@b.org");
    wsis_pack_kv_str (&pk, "name", "  ");
    wsis_pack_kv_uint (&pk, "age", 300);
    wsis_pack_str (&pk, "gender");
    msgpack_pack_nil (&pk);
    char title [1024];
    size_t len = s_title (title, 0);
    memcpy (fixture->title200, title, len + 1);
    wsis_pack_str (&pk, "title200");
    wsis_pack_strn (&pk, title, len);
    len = s_title (title, 1);
    wsis_pack_str (&pk, "title201");
    wsis_pack_strn (&pk, title, len);
    wsis_pack_kv_str (&pk, "padded", "  x  ");
    wsis_pack_str (&pk, "list");
    msgpack_pack_array (&pk, 0);
    wsis_pack_str (&pk, "map");
    msgpack_pack_map (&pk, 0);
    wsis_pack_kv_uint (&pk, "int_max", (uint64_t) INT64_MAX);

    msgpack_unpacked_init (&fixture->unpacked);
    wsis_error_t error;
    if (wsis_msg_unpack (&fixture->unpacked, fixture->frame.data, fixture->frame.size,
                         &wsis_msg_default_limits, &error))
        return -1;
    if (fixture->unpacked.data.via.map.size != 20)
        return -1;
    wsis_reply_init (&fixture->reply);
    fixture->body = wsis_fields (&fixture->reply, &fixture->unpacked.data, NULL);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_reply_release (&fixture->reply);
    msgpack_unpacked_destroy (&fixture->unpacked);
    msgpack_sbuffer_destroy (&fixture->frame);
    free (fixture);
    return 0;
}

//  The reply is fine; reset for the next check
static void
s_expect_ok (fixture_t *fixture)
{
    if (fixture->reply.failed)
        print_error ("unexpected failure: %s\n", fixture->reply.error.message);
    assert_false (fixture->reply.failed);
}

//  The reply failed with validation on field, with phrase in the message;
//  reset for the next check
static void
s_expect_fail (fixture_t *fixture, const char *field, const char *phrase)
{
    wsis_reply_t *reply = &fixture->reply;
    assert_true (reply->failed);
    assert_non_null (reply->error.code);
    assert_string_equal (reply->error.code, "validation");
    assert_string_equal (reply->error.field, field);
    //  The message names the field too
    char quoted [160];
    snprintf (quoted, sizeof quoted, "'%s'", field);
    assert_non_null (strstr (reply->error.message, quoted));
    if (phrase && !strstr (reply->error.message, phrase)) {
        print_error ("'%s' lacks '%s'\n", reply->error.message, phrase);
        fail ();
    }
    wsis_reply_reset (reply);
}


//  --------------------------------------------------------------------------

static void
test_uint (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    uint64_t value = 777;

    assert_int_equal (wsis_fields_uint (body, "limit", WSIS_REQUIRED, 1, 500, &value), 0);
    assert_int_equal (value, 50);
    //  Bounds are inclusive
    assert_int_equal (wsis_fields_uint (body, "limit", WSIS_OPTIONAL, 50, 50, &value), 0);
    assert_int_equal (wsis_fields_uint (body, "zero", WSIS_REQUIRED, 0, 0, &value), 0);
    assert_int_equal (value, 0);
    assert_int_equal (wsis_fields_uint (body, "huge", WSIS_REQUIRED, 0, UINT64_MAX, &value), 0);
    assert_true (value == UINT64_MAX);
    s_expect_ok (fixture);

    //  Absent or nil: 1 when optional, *out untouched
    value = 777;
    assert_int_equal (wsis_fields_uint (body, "after", WSIS_OPTIONAL, 0, 10, &value), 1);
    assert_int_equal (wsis_fields_uint (body, "nothing", WSIS_OPTIONAL, 0, 10, &value), 1);
    assert_int_equal (value, 777);
    s_expect_ok (fixture);
    //  -1 when required
    assert_int_equal (wsis_fields_uint (body, "after", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "after", "is required");
    assert_int_equal (wsis_fields_uint (body, "nothing", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "nothing", "is required");

    //  Out of bounds
    assert_int_equal (wsis_fields_uint (body, "limit", WSIS_REQUIRED, 51, 500, &value), -1);
    s_expect_fail (fixture, "limit", "between 51 and 500");
    assert_int_equal (wsis_fields_uint (body, "limit", WSIS_OPTIONAL, 1, 49, &value), -1);
    s_expect_fail (fixture, "limit", "between 1 and 49");
    assert_int_equal (wsis_fields_uint (body, "huge", WSIS_OPTIONAL, 0, UINT64_MAX - 1, &value), -1);
    s_expect_fail (fixture, "huge", NULL);
    assert_int_equal (value, 777);

    //  Wrong types, required or not
    const char *wrong [] = { "offset", "name", "flag", "ratio", "sdgs", "contact", "image", "empty" };
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_uint (body, wrong [index], WSIS_OPTIONAL, 0, UINT64_MAX, &value), -1);
        s_expect_fail (fixture, wrong [index], "unsigned integer");
        assert_int_equal (wsis_fields_uint (body, wrong [index], WSIS_REQUIRED, 0, UINT64_MAX, &value), -1);
        s_expect_fail (fixture, wrong [index], "unsigned integer");
    }
    assert_int_equal (value, 777);
}

static void
test_int (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    int64_t value = 777;

    assert_int_equal (wsis_fields_int (body, "offset", WSIS_REQUIRED, -10, 10, &value), 0);
    assert_int_equal (value, -3);
    assert_int_equal (wsis_fields_int (body, "limit", WSIS_REQUIRED, -10, 50, &value), 0);
    assert_int_equal (value, 50);
    assert_int_equal (wsis_fields_int (body, "int_max", WSIS_REQUIRED, INT64_MIN, INT64_MAX, &value), 0);
    assert_true (value == INT64_MAX);
    assert_int_equal (wsis_fields_int (body, "offset", WSIS_REQUIRED, -3, -3, &value), 0);
    s_expect_ok (fixture);

    value = 777;
    assert_int_equal (wsis_fields_int (body, "ts", WSIS_OPTIONAL, 0, 10, &value), 1);
    assert_int_equal (wsis_fields_int (body, "nothing", WSIS_OPTIONAL, 0, 10, &value), 1);
    assert_int_equal (value, 777);
    assert_int_equal (wsis_fields_int (body, "ts", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "ts", "is required");
    assert_int_equal (wsis_fields_int (body, "nothing", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "nothing", "is required");

    assert_int_equal (wsis_fields_int (body, "offset", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "offset", "between 0 and 10");
    assert_int_equal (wsis_fields_int (body, "limit", WSIS_OPTIONAL, -10, 49, &value), -1);
    s_expect_fail (fixture, "limit", "between -10 and 49");
    //  Above INT64_MAX is not an int64, whatever the bounds
    assert_int_equal (wsis_fields_int (body, "huge", WSIS_OPTIONAL, INT64_MIN, INT64_MAX, &value), -1);
    s_expect_fail (fixture, "huge", "integer");

    const char *wrong [] = { "name", "flag", "ratio", "sdgs", "contact", "image" };
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_int (body, wrong [index], WSIS_OPTIONAL, INT64_MIN, INT64_MAX, &value), -1);
        s_expect_fail (fixture, wrong [index], "must be an integer");
    }
    assert_int_equal (value, 777);
}

static void
test_bool (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    bool value = false;
    assert_int_equal (wsis_fields_bool (body, "flag", WSIS_REQUIRED, &value), 0);
    assert_true (value);
    s_expect_ok (fixture);

    value = false;
    assert_int_equal (wsis_fields_bool (body, "absent", WSIS_OPTIONAL, &value), 1);
    assert_int_equal (wsis_fields_bool (body, "nothing", WSIS_OPTIONAL, &value), 1);
    assert_false (value);
    assert_int_equal (wsis_fields_bool (body, "absent", WSIS_REQUIRED, &value), -1);
    s_expect_fail (fixture, "absent", "is required");
    assert_int_equal (wsis_fields_bool (body, "nothing", WSIS_REQUIRED, &value), -1);
    s_expect_fail (fixture, "nothing", "is required");

    //  1 and "true" are not booleans
    const char *wrong [] = { "limit", "zero", "name", "sdgs", "map" };
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_bool (body, wrong [index], WSIS_OPTIONAL, &value), -1);
        s_expect_fail (fixture, wrong [index], "true or false");
    }
    assert_false (value);
}

static void
test_str (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    const char *text = NULL;
    size_t len = 999;

    assert_int_equal (wsis_fields_str (body, "name", WSIS_REQUIRED, 1, 100, &text, &len), 0);
    assert_int_equal (len, 6);
    assert_memory_equal (text, "Geneva", 6);
    //  Exactly the bounds
    assert_int_equal (wsis_fields_str (body, "name", WSIS_REQUIRED, 6, 6, &text, &len), 0);
    //  Padding is kept as sent, and is not blank
    assert_int_equal (wsis_fields_str (body, "padded", WSIS_REQUIRED, 1, 10, &text, &len), 0);
    assert_int_equal (len, 5);
    s_expect_ok (fixture);

    text = NULL;
    len = 999;
    assert_int_equal (wsis_fields_str (body, "absent", WSIS_OPTIONAL, 1, 10, &text, &len), 1);
    assert_int_equal (wsis_fields_str (body, "nothing", WSIS_OPTIONAL, 1, 10, &text, &len), 1);
    assert_null (text);
    assert_int_equal (len, 999);
    assert_int_equal (wsis_fields_str (body, "absent", WSIS_REQUIRED, 1, 10, &text, &len), -1);
    s_expect_fail (fixture, "absent", "is required");
    assert_int_equal (wsis_fields_str (body, "nothing", WSIS_REQUIRED, 1, 10, &text, &len), -1);
    s_expect_fail (fixture, "nothing", "is required");

    //  Too short, too long
    assert_int_equal (wsis_fields_str (body, "name", WSIS_REQUIRED, 7, 10, &text, &len), -1);
    s_expect_fail (fixture, "name", "7 to 10 characters");
    assert_int_equal (wsis_fields_str (body, "name", WSIS_OPTIONAL, 1, 5, &text, &len), -1);
    s_expect_fail (fixture, "name", "1 to 5 characters");

    //  Blank: refused when required, even within the bounds...
    assert_int_equal (wsis_fields_str (body, "blank", WSIS_REQUIRED, 0, 10, &text, &len), -1);
    s_expect_fail (fixture, "blank", "blank");
    //  ...Unicode spaces included...
    assert_int_equal (wsis_fields_str (body, "nbsp", WSIS_REQUIRED, 0, 10, &text, &len), -1);
    s_expect_fail (fixture, "nbsp", "blank");
    assert_int_equal (wsis_fields_str (body, "empty", WSIS_REQUIRED, 0, 10, &text, &len), -1);
    s_expect_fail (fixture, "empty", "blank");
    //  ...and allowed when optional
    assert_int_equal (wsis_fields_str (body, "blank", WSIS_OPTIONAL, 0, 10, &text, &len), 0);
    assert_int_equal (len, 4);
    assert_int_equal (wsis_fields_str (body, "empty", WSIS_OPTIONAL, 0, 10, &text, &len), 0);
    assert_int_equal (len, 0);
    s_expect_ok (fixture);
    //  An empty optional string still has to meet the minimum
    assert_int_equal (wsis_fields_str (body, "empty", WSIS_OPTIONAL, 1, 10, &text, &len), -1);
    s_expect_fail (fixture, "empty", "characters");

    //  Wrong types
    const char *wrong [] = { "limit", "flag", "sdgs", "contact", "image", "ratio" };
    text = NULL;
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_str (body, wrong [index], WSIS_OPTIONAL, 0, 100, &text, &len), -1);
        s_expect_fail (fixture, wrong [index], "must be a string");
    }
    assert_null (text);
}

static void
test_str_characters (void **state)
{
    //  "at most 200 characters" means what a person reads: 200 characters
    //  of 1 to 4 bytes pass a max of 200 though they take 500 bytes
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    const char *text;
    size_t len;
    assert_int_equal (wsis_fields_str (body, "title200", WSIS_REQUIRED, 1, 200, &text, &len), 0);
    assert_int_equal (len, 500);
    assert_memory_equal (text, fixture->title200, len);
    assert_int_equal (wsis_fields_str (body, "title200", WSIS_REQUIRED, 200, 200, &text, &len), 0);
    s_expect_ok (fixture);
    assert_int_equal (wsis_fields_str (body, "title200", WSIS_REQUIRED, 1, 199, &text, &len), -1);
    s_expect_fail (fixture, "title200", "1 to 199 characters");
    assert_int_equal (wsis_fields_str (body, "title200", WSIS_REQUIRED, 201, 300, &text, &len), -1);
    s_expect_fail (fixture, "title200", NULL);
    //  One more (2-byte) character is one too many
    assert_int_equal (wsis_fields_str (body, "title201", WSIS_REQUIRED, 1, 200, &text, &len), -1);
    s_expect_fail (fixture, "title201", "1 to 200 characters");
    assert_int_equal (wsis_fields_str (body, "title201", WSIS_REQUIRED, 1, 201, &text, &len), 0);
    assert_int_equal (len, 502);
    s_expect_ok (fixture);
}

static void
test_text (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    char buffer [16];

    assert_int_equal (wsis_fields_text (body, "name", WSIS_REQUIRED, 1, 100, buffer, sizeof buffer), 0);
    assert_string_equal (buffer, "Geneva");
    //  Exactly size - 1 bytes fit
    assert_int_equal (wsis_fields_text (body, "name", WSIS_REQUIRED, 1, 100, buffer, 7), 0);
    assert_string_equal (buffer, "Geneva");
    s_expect_ok (fixture);
    //  One byte less does not, and the buffer is not touched
    memset (buffer, 'z', sizeof buffer);
    assert_int_equal (wsis_fields_text (body, "name", WSIS_REQUIRED, 1, 100, buffer, 6), -1);
    s_expect_fail (fixture, "name", "too long");
    assert_int_equal (buffer [0], 'z');
    //  Characters within bounds but bytes over the buffer
    char small [100];
    assert_int_equal (wsis_fields_text (body, "title200", WSIS_REQUIRED, 1, 200, small, sizeof small), -1);
    s_expect_fail (fixture, "title200", "too long");
    char large [600];
    assert_int_equal (wsis_fields_text (body, "title200", WSIS_REQUIRED, 1, 200, large, sizeof large), 0);
    assert_string_equal (large, fixture->title200);

    //  Optional and absent: 1, buffer untouched
    strcpy (buffer, "kept");
    assert_int_equal (wsis_fields_text (body, "absent", WSIS_OPTIONAL, 1, 10, buffer, sizeof buffer), 1);
    assert_int_equal (wsis_fields_text (body, "nothing", WSIS_OPTIONAL, 1, 10, buffer, sizeof buffer), 1);
    assert_string_equal (buffer, "kept");
    s_expect_ok (fixture);
    assert_int_equal (wsis_fields_text (body, "absent", WSIS_REQUIRED, 1, 10, buffer, sizeof buffer), -1);
    s_expect_fail (fixture, "absent", "is required");
    assert_int_equal (wsis_fields_text (body, "blank", WSIS_REQUIRED, 0, 10, buffer, sizeof buffer), -1);
    s_expect_fail (fixture, "blank", "blank");
    assert_int_equal (wsis_fields_text (body, "limit", WSIS_OPTIONAL, 0, 10, buffer, sizeof buffer), -1);
    s_expect_fail (fixture, "limit", "must be a string");
    assert_string_equal (buffer, "kept");
}

static void
test_map (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    wsis_fields_t contact;
    memset (&contact, 0, sizeof contact);

    assert_int_equal (wsis_fields_map (body, "contact", WSIS_REQUIRED, &contact), 0);
    assert_ptr_equal (contact.reply, &fixture->reply);
    assert_string_equal (contact.prefix, "contact");
    const char *text;
    size_t len;
    assert_int_equal (wsis_fields_str (&contact, "email", WSIS_REQUIRED, 3, 254, &text, &len), 0);
    assert_int_equal (len, 7);
    s_expect_ok (fixture);

    //  Errors in the nested map carry the dotted path
    assert_int_equal (wsis_fields_str (&contact, "phone", WSIS_REQUIRED, 1, 20, &text, &len), -1);
    s_expect_fail (fixture, "contact.phone", "is required");
    assert_int_equal (wsis_fields_str (&contact, "name", WSIS_REQUIRED, 1, 100, &text, &len), -1);
    s_expect_fail (fixture, "contact.name", "blank");
    assert_int_equal (wsis_fields_str (&contact, "email", WSIS_REQUIRED, 1, 3, &text, &len), -1);
    s_expect_fail (fixture, "contact.email", "1 to 3 characters");
    uint64_t age;
    assert_int_equal (wsis_fields_uint (&contact, "age", WSIS_REQUIRED, 0, 150, &age), -1);
    s_expect_fail (fixture, "contact.age", "between 0 and 150");
    assert_int_equal (wsis_fields_str (&contact, "gender", WSIS_REQUIRED, 1, 20, &text, &len), -1);
    s_expect_fail (fixture, "contact.gender", "is required");
    assert_int_equal (wsis_fields_str (&contact, "gender", WSIS_OPTIONAL, 1, 20, &text, &len), 1);
    assert_int_equal (wsis_fields_fail (&contact, "email", "is not %s", "deliverable"), -1);
    s_expect_fail (fixture, "contact.email", "'contact.email' is not deliverable");
    //  The top-level reader is unchanged
    assert_int_equal (wsis_fields_str (body, "phone", WSIS_REQUIRED, 1, 20, &text, &len), -1);
    s_expect_fail (fixture, "phone", NULL);

    //  An empty map is a map
    wsis_fields_t empty;
    assert_int_equal (wsis_fields_map (body, "map", WSIS_REQUIRED, &empty), 0);
    assert_int_equal (wsis_fields_str (&empty, "x", WSIS_OPTIONAL, 1, 2, &text, &len), 1);
    s_expect_ok (fixture);

    //  Absent, nil, wrong types
    wsis_fields_t untouched;
    memset (&untouched, 0, sizeof untouched);
    assert_int_equal (wsis_fields_map (body, "address", WSIS_OPTIONAL, &untouched), 1);
    assert_int_equal (wsis_fields_map (body, "nothing", WSIS_OPTIONAL, &untouched), 1);
    assert_null (untouched.map);
    assert_int_equal (wsis_fields_map (body, "address", WSIS_REQUIRED, &untouched), -1);
    s_expect_fail (fixture, "address", "is required");
    const char *wrong [] = { "sdgs", "name", "limit", "list", "image" };
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_map (body, wrong [index], WSIS_OPTIONAL, &untouched), -1);
        s_expect_fail (fixture, wrong [index], "must be a map");
    }
    assert_null (untouched.map);

    //  Under a prefix, the nested map's own errors name the full path
    assert_int_equal (wsis_fields_map (&contact, "email", WSIS_REQUIRED, &untouched), -1);
    s_expect_fail (fixture, "contact.email", "must be a map");
}

static void
test_array (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    const msgpack_object_array *array = NULL;

    assert_int_equal (wsis_fields_array (body, "sdgs", WSIS_REQUIRED, 1, 17, &array), 0);
    assert_non_null (array);
    assert_int_equal (array->size, 3);
    assert_int_equal (array->ptr [2].via.u64, 3);
    assert_int_equal (wsis_fields_array (body, "sdgs", WSIS_REQUIRED, 3, 3, &array), 0);
    assert_int_equal (wsis_fields_array (body, "list", WSIS_OPTIONAL, 0, 5, &array), 0);
    assert_int_equal (array->size, 0);
    s_expect_ok (fixture);

    array = NULL;
    assert_int_equal (wsis_fields_array (body, "speakers", WSIS_OPTIONAL, 0, 5, &array), 1);
    assert_int_equal (wsis_fields_array (body, "nothing", WSIS_OPTIONAL, 0, 5, &array), 1);
    assert_null (array);
    assert_int_equal (wsis_fields_array (body, "speakers", WSIS_REQUIRED, 0, 5, &array), -1);
    s_expect_fail (fixture, "speakers", "is required");

    assert_int_equal (wsis_fields_array (body, "sdgs", WSIS_REQUIRED, 4, 17, &array), -1);
    s_expect_fail (fixture, "sdgs", "4 to 17 elements");
    assert_int_equal (wsis_fields_array (body, "sdgs", WSIS_REQUIRED, 0, 2, &array), -1);
    s_expect_fail (fixture, "sdgs", "0 to 2 elements");
    assert_int_equal (wsis_fields_array (body, "list", WSIS_REQUIRED, 1, 2, &array), -1);
    s_expect_fail (fixture, "list", "1 to 2 elements");

    const char *wrong [] = { "contact", "name", "limit", "image", "map" };
    for (size_t index = 0; index < sizeof wrong / sizeof wrong [0]; index++) {
        assert_int_equal (wsis_fields_array (body, wrong [index], WSIS_OPTIONAL, 0, 100, &array), -1);
        s_expect_fail (fixture, wrong [index], "must be an array");
    }
    assert_null (array);
}

static void
test_bin (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    const void *data = NULL;
    size_t size = 999;

    assert_int_equal (wsis_fields_bin (body, "image", WSIS_REQUIRED, 4, &data, &size), 0);
    assert_int_equal (size, 4);
    assert_memory_equal (data, "\x89PNG", 4);
    s_expect_ok (fixture);

    data = NULL;
    size = 999;
    assert_int_equal (wsis_fields_bin (body, "image", WSIS_REQUIRED, 3, &data, &size), -1);
    s_expect_fail (fixture, "image", "at most 3 bytes");
    assert_int_equal (wsis_fields_bin (body, "photo", WSIS_OPTIONAL, 10, &data, &size), 1);
    assert_int_equal (wsis_fields_bin (body, "nothing", WSIS_OPTIONAL, 10, &data, &size), 1);
    assert_int_equal (wsis_fields_bin (body, "photo", WSIS_REQUIRED, 10, &data, &size), -1);
    s_expect_fail (fixture, "photo", "is required");
    //  A string (a base64 image, say) is not binary
    assert_int_equal (wsis_fields_bin (body, "name", WSIS_REQUIRED, 100, &data, &size), -1);
    s_expect_fail (fixture, "name", "binary");
    assert_int_equal (wsis_fields_bin (body, "sdgs", WSIS_OPTIONAL, 100, &data, &size), -1);
    s_expect_fail (fixture, "sdgs", "binary");
    assert_null (data);
    assert_int_equal (size, 999);
}

static void
test_paths (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char path [32];
    wsis_fields_t top = wsis_fields (&fixture->reply, &fixture->unpacked.data, NULL);
    assert_string_equal (wsis_fields_path (&top, "email", path, sizeof path), "email");
    wsis_fields_t empty_prefix = wsis_fields (&fixture->reply, &fixture->unpacked.data, "");
    assert_string_equal (wsis_fields_path (&empty_prefix, "email", path, sizeof path), "email");
    wsis_fields_t nested = wsis_fields (&fixture->reply, &fixture->unpacked.data, "organizer");
    assert_string_equal (wsis_fields_path (&nested, "email", path, sizeof path), "organizer.email");
    //  Cut to the buffer, never past it
    char tiny [8];
    assert_string_equal (wsis_fields_path (&nested, "email", tiny, sizeof tiny), "organiz");

    //  wsis_fields_fail: validation, the path, a formatted message
    assert_int_equal (wsis_fields_fail (&top, "sdgs", "must list SDG %d at most once", 4), -1);
    s_expect_fail (fixture, "sdgs", "must list SDG 4 at most once");

    //  A reader over no map at all finds nothing
    wsis_fields_t none = wsis_fields (&fixture->reply, NULL, NULL);
    uint64_t value = 5;
    assert_int_equal (wsis_fields_uint (&none, "limit", WSIS_OPTIONAL, 0, 10, &value), 1);
    assert_int_equal (wsis_fields_uint (&none, "limit", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "limit", "is required");
    assert_int_equal (value, 5);

    //  A failure drops whatever the handler had packed
    msgpack_pack_map (&fixture->reply.pk, 1);
    wsis_pack_kv_int (&fixture->reply.pk, "half", 1);
    assert_int_equal (wsis_fields_uint (&top, "name", WSIS_REQUIRED, 0, 10, &value), -1);
    assert_int_equal (fixture->reply.buffer.size, 0);
    s_expect_fail (fixture, "name", NULL);
}

static void
test_first_failure_reported (void **state)
{
    //  A handler returns at its first -1, so the reply tells the first
    //  bad field; reading on (a bug in a handler) overwrites it with the
    //  later one, never a mix of the two
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    uint64_t value;
    assert_int_equal (wsis_fields_uint (body, "name", WSIS_REQUIRED, 0, 10, &value), -1);
    assert_string_equal (fixture->reply.error.field, "name");
    assert_int_equal (wsis_fields_uint (body, "absent", WSIS_REQUIRED, 0, 10, &value), -1);
    s_expect_fail (fixture, "absent", "is required");
}

//  A closed list: the value's position, or the whole list in the message
//  whatever was sent (a long text, a number, a list), never a length rule.
static void
test_choice (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_fields_t *body = &fixture->body;
    static const char *const cities [] = { "Bern", "Geneva", "Zurich" };
    static const char *const open [] = { "Geneva", "Lausanne", NULL, "never read" };
    size_t index = 99;
    assert_int_equal (wsis_fields_choice (body, "name", WSIS_REQUIRED, cities, 3, &index), 0);
    assert_int_equal (index, 1);
    //  Up to a NULL when the count is larger
    assert_int_equal (wsis_fields_choice (body, "name", WSIS_REQUIRED, open, SIZE_MAX, &index), 0);
    assert_int_equal (index, 0);
    char buffer [16] = "";
    assert_int_equal (wsis_fields_choice_text (body, "name", WSIS_OPTIONAL, cities, 3,
                                               buffer, sizeof buffer), 0);
    assert_string_equal (buffer, "Geneva");
    //  Cut to the buffer, as snprintf would
    char cut [4] = "";
    assert_int_equal (wsis_fields_choice_text (body, "name", WSIS_OPTIONAL, cities, 3,
                                               cut, sizeof cut), 0);
    assert_string_equal (cut, "Gen");
    //  Only the first count values count
    assert_int_equal (wsis_fields_choice (body, "name", WSIS_REQUIRED, cities, 1, &index), -1);
    s_expect_fail (fixture, "name", "'name' must be one of Bern");
    //  Absent or nil: 1 when optional, required otherwise
    index = 99;
    assert_int_equal (wsis_fields_choice (body, "missing", WSIS_OPTIONAL, cities, 3, &index), 1);
    assert_int_equal (wsis_fields_choice (body, "nothing", WSIS_OPTIONAL, cities, 3, &index), 1);
    assert_int_equal (index, 99);
    s_expect_ok (fixture);
    assert_int_equal (wsis_fields_choice (body, "missing", WSIS_REQUIRED, cities, 3, &index), -1);
    s_expect_fail (fixture, "missing", "is required");
    //  Anything else gets the list
    const char *others [] = { "title201", "padded", "empty", "limit", "sdgs", "contact", "image" };
    for (size_t i = 0; i < sizeof others / sizeof others [0]; i++) {
        assert_int_equal (wsis_fields_choice (body, others [i], WSIS_OPTIONAL, open, SIZE_MAX,
                                              &index), -1);
        char message [128];
        snprintf (message, sizeof message, "'%s' must be one of Geneva Lausanne", others [i]);
        assert_string_equal (fixture->reply.error.message, message);
        s_expect_fail (fixture, others [i], NULL);
    }
    //  Case counts: "geneva" is not "Geneva"
    wsis_fields_t contact;
    assert_int_equal (wsis_fields_map (body, "contact", WSIS_REQUIRED, &contact), 0);
    static const char *const emails [] = { "A@B.ORG", NULL };
    assert_int_equal (wsis_fields_choice (&contact, "email", WSIS_REQUIRED, emails, SIZE_MAX, &index), -1);
    s_expect_fail (fixture, "contact.email", "'contact.email' must be one of A@B.ORG");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_uint, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_int, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bool, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_str, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_str_characters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_text, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_map, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_array, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bin, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_paths, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_first_failure_reported, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_choice, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
