/*  test_wsis_request: decoding a command frame (docs/protocol.md section 2).

    Requests come from anyone who can reach a ROUTER, so decoding is tested
    mostly on what a careless or hostile client sends: every required key
    missing or of the wrong type, ids and ops of the wrong length, actors
    and bodies in every form, duplicate and non-string keys at any depth,
    size bombs, every truncation of a valid frame, trailing bytes, bad
    UTF-8.
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
#include "wsis_request.h"

//  --------------------------------------------------------------------------
//  Frames under construction

typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
} frame_t;

static void
s_frame_init (frame_t *frame)
{
    msgpack_sbuffer_init (&frame->buffer);
    msgpack_packer_init (&frame->pk, &frame->buffer, msgpack_sbuffer_write);
}

static void
s_frame_release (frame_t *frame)
{
    msgpack_sbuffer_destroy (&frame->buffer);
}

typedef void (s_pack_fn) (msgpack_packer *pk);

//  The values of a valid request, one packer per key
static void pack_v1 (msgpack_packer *pk)        { msgpack_pack_int (pk, 1); }
static void pack_id (msgpack_packer *pk)        { wsis_pack_str (pk, "req-1"); }
static void pack_op (msgpack_packer *pk)        { wsis_pack_str (pk, "vote.cast"); }
static void pack_actor (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 2);
    wsis_pack_kv_str (pk, "id", "u-42");
    wsis_pack_kv_str (pk, "role", "stakeholder");
}
static void pack_body (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 2);
    wsis_pack_kv_str (pk, "call", "prizes-2022");
    wsis_pack_kv_int (pk, "limit", 10);
}

//  Values of every other msgpack family
static void pack_nil (msgpack_packer *pk)       { msgpack_pack_nil (pk); }
static void pack_true (msgpack_packer *pk)      { msgpack_pack_true (pk); }
static void pack_int7 (msgpack_packer *pk)      { msgpack_pack_int (pk, 7); }
static void pack_int0 (msgpack_packer *pk)      { msgpack_pack_int (pk, 0); }
static void pack_int2 (msgpack_packer *pk)      { msgpack_pack_int (pk, 2); }
static void pack_neg (msgpack_packer *pk)       { msgpack_pack_int (pk, -1); }
static void pack_float (msgpack_packer *pk)     { msgpack_pack_double (pk, 1.0); }
static void pack_str (msgpack_packer *pk)       { wsis_pack_str (pk, "x"); }
static void pack_str1 (msgpack_packer *pk)      { wsis_pack_str (pk, "1"); }
static void pack_empty_str (msgpack_packer *pk) { wsis_pack_str (pk, ""); }
static void pack_bin (msgpack_packer *pk)       { msgpack_pack_bin (pk, 1); msgpack_pack_bin_body (pk, "x", 1); }
static void pack_array (msgpack_packer *pk)     { msgpack_pack_array (pk, 1); msgpack_pack_int (pk, 1); }
static void pack_empty_array (msgpack_packer *pk) { msgpack_pack_array (pk, 0); }
static void pack_empty_map (msgpack_packer *pk) { msgpack_pack_map (pk, 0); }

static s_pack_fn *const s_wrong_types [] = {
    pack_nil, pack_true, pack_int7, pack_neg, pack_float, pack_bin, pack_array,
    pack_empty_array, pack_empty_map, pack_empty_str
};
#define WRONG_TYPE_COUNT (sizeof (s_wrong_types) / sizeof (s_wrong_types [0]))

static const char *const s_keys [] = { "v", "id", "op", "actor", "body" };
static s_pack_fn *const s_values [] = { pack_v1, pack_id, pack_op, pack_actor, pack_body };
#define KEY_COUNT 5

//  A request with every key; `key` (if not NULL) packed by `value`
//  instead, or left out when value is NULL.
static void
s_pack_request_with (frame_t *frame, const char *key, s_pack_fn *value)
{
    size_t count = KEY_COUNT;
    if (key && !value)
        count--;
    msgpack_pack_map (&frame->pk, count);
    for (size_t index = 0; index < KEY_COUNT; index++) {
        s_pack_fn *pack = s_values [index];
        if (key && strcmp (key, s_keys [index]) == 0) {
            if (!value)
                continue;
            pack = value;
        }
        wsis_pack_str (&frame->pk, s_keys [index]);
        pack (&frame->pk);
    }
}

static void
s_pack_request (frame_t *frame)
{
    s_pack_request_with (frame, NULL, NULL);
}

//  The head of a request without actor and body, for tests that append
//  their own keys: map header of 3 + extra, then v, id, op.
static void
s_pack_head (frame_t *frame, size_t extra, const char *id, const char *op)
{
    msgpack_pack_map (&frame->pk, 3 + extra);
    wsis_pack_kv_int (&frame->pk, "v", 1);
    wsis_pack_kv_str (&frame->pk, "id", id);
    wsis_pack_kv_str (&frame->pk, "op", op);
}


//  --------------------------------------------------------------------------
//  Decoding, on a heap copy of exactly `size` bytes so that AddressSanitizer
//  catches a read one byte past the frame. Decoded strings point into the
//  frame (msgpack_unpack_next references its input), so the copy lives
//  until s_release.

static void *s_copy;

static int
s_decode (wsis_request_t *request, const void *data, size_t size, wsis_error_t *error)
{
    assert_null (s_copy);
    s_copy = malloc (size? size: 1);
    assert_non_null (s_copy);
    if (size)
        memcpy (s_copy, data, size);
    memset (error, 0, sizeof *error);
    return wsis_request_decode (request, s_copy, size, &wsis_msg_default_limits, error);
}

static void
s_release (wsis_request_t *request)
{
    wsis_request_release (request);
    free (s_copy);
    s_copy = NULL;
}

//  Decodes and expects a bad_request about `field` ("" for none); the id
//  echoed must be `id` ("" when it could not be read).
static void
s_expect_bad (const void *data, size_t size, const char *field, const char *id)
{
    wsis_request_t request;
    wsis_error_t error;
    int rc = s_decode (&request, data, size, &error);
    if (rc == 0)
        print_error ("decoded a frame that should fail (field %s)\n", field);
    assert_int_equal (rc, -1);
    assert_non_null (error.code);
    assert_string_equal (error.code, "bad_request");
    assert_true (strlen (error.message) > 0);
    if (field)
        assert_string_equal (error.field, field);
    assert_string_equal (request.id, id);
    s_release (&request);
}

static void
s_expect_bad_frame (frame_t *frame, const char *field, const char *id)
{
    s_expect_bad (frame->buffer.data, frame->buffer.size, field, id);
}

static int
s_decode_frame (frame_t *frame, wsis_request_t *request, wsis_error_t *error)
{
    return s_decode (request, frame->buffer.data, frame->buffer.size, error);
}

static void
s_expect_ok_frame (frame_t *frame)
{
    wsis_request_t request;
    wsis_error_t error;
    int rc = s_decode_frame (frame, &request, &error);
    if (rc)
        print_error ("unexpected error: %s (%s)\n", error.message, error.field);
    assert_int_equal (rc, 0);
    s_release (&request);
}

//  A request of v, id and op "x" with `extra` more keys for the caller
//  to pack
static void
s_head_frame (frame_t *frame, size_t extra, const char *id)
{
    s_frame_init (frame);
    s_pack_head (frame, extra, id, "x");
}

//  A request whose body the caller packs after the head
static void
s_body_frame (frame_t *frame, const char *id)
{
    s_head_frame (frame, 1, id);
    wsis_pack_str (&frame->pk, "body");
}

//  The frame is refused as s_expect_bad says; then it is released
static void
s_expect_bad_release (frame_t *frame, const char *field, const char *id)
{
    s_expect_bad_frame (frame, field, id);
    s_frame_release (frame);
}

//  The frame decodes; then it is released
static void
s_expect_ok_release (frame_t *frame)
{
    s_expect_ok_frame (frame);
    s_frame_release (frame);
}

//  The frame is refused with a message that contains phrase, and the id
//  echoed; then it is released
static void
s_expect_bad_saying (frame_t *frame, const char *phrase, const char *id)
{
    wsis_request_t request;
    wsis_error_t error;
    assert_int_equal (s_decode_frame (frame, &request, &error), -1);
    assert_string_equal (error.code, "bad_request");
    assert_non_null (strstr (error.message, phrase));
    assert_string_equal (request.id, id);
    s_release (&request);
    s_frame_release (frame);
}

//  The valid request with `key` packed by `value` instead (left out when
//  value is NULL) is refused as s_expect_bad says
static void
s_expect_bad_with (const char *key, s_pack_fn *value, const char *field, const char *id)
{
    frame_t frame;
    s_frame_init (&frame);
    s_pack_request_with (&frame, key, value);
    s_expect_bad_release (&frame, field, id);
}

static bool
s_str_is (const msgpack_object *obj, const char *text)
{
    return wsis_msg_str_equals (obj, text);
}

//  The body is a map of size pairs: handlers get a map even when the
//  frame had no body, never NULL
static void
s_expect_body_size (const wsis_request_t *request, uint32_t size)
{
    assert_non_null (request->body);
    assert_int_equal (request->body->type, MSGPACK_OBJECT_MAP);
    assert_int_equal (request->body->via.map.size, size);
}

//  What a decoded request must hold, but for the contents of its body
typedef struct {
    const char *id;
    const char *op;
    const char *actor_id;
    wsis_role_t role;
    bool has_actor_role;
    uint32_t body_size;
} expected_t;

static void
s_expect_request (const wsis_request_t *request, const expected_t *expected)
{
    assert_string_equal (request->id, expected->id);
    assert_string_equal (request->op, expected->op);
    assert_string_equal (request->actor_id, expected->actor_id);
    assert_int_equal (request->role, expected->role);
    assert_int_equal (request->has_actor_role, expected->has_actor_role);
    s_expect_body_size (request, expected->body_size);
}


//  --------------------------------------------------------------------------
//  Requests that decode

static void
test_request_valid (void **state)
{
    frame_t frame;
    s_frame_init (&frame);
    s_pack_request (&frame);

    wsis_request_t request;
    wsis_error_t error;
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    s_expect_request (&request, &(expected_t) {
        .id = "req-1", .op = "vote.cast", .actor_id = "u-42",
        .role = WSIS_ROLE_STAKEHOLDER, .has_actor_role = true, .body_size = 2 });
    assert_true (s_str_is (wsis_msg_get (request.body, "call"), "prizes-2022"));
    const msgpack_object *limit = wsis_msg_get (request.body, "limit");
    assert_non_null (limit);
    assert_int_equal (limit->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal (limit->via.u64, 10);
    assert_null (wsis_msg_get (request.body, "absent"));
    s_release (&request);
    s_frame_release (&frame);
}

static void
test_request_minimal (void **state)
{
    //  No actor, no body: public, and an empty body map
    frame_t frame;
    s_frame_init (&frame);
    s_pack_head (&frame, 0, "r", "sys.ping");

    wsis_request_t request;
    wsis_error_t error;
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    s_expect_request (&request, &(expected_t) {
        .id = "r", .op = "sys.ping", .actor_id = "",
        .role = WSIS_ROLE_PUBLIC, .has_actor_role = false, .body_size = 0 });
    s_release (&request);
    s_frame_release (&frame);

    //  The key order does not matter, and v may be any int encoding of 1
    s_frame_init (&frame);
    msgpack_pack_map (&frame.pk, 3);
    wsis_pack_kv_str (&frame.pk, "op", "sys.ping");
    wsis_pack_kv_str (&frame.pk, "id", "r");
    wsis_pack_str (&frame.pk, "v");
    msgpack_pack_uint64 (&frame.pk, 1);
    s_expect_ok_release (&frame);

    const unsigned char signed_one [] = {
        0x83, 0xa1, 'v', 0xd3, 0, 0, 0, 0, 0, 0, 0, 1,
        0xa2, 'i', 'd', 0xa1, 'r', 0xa2, 'o', 'p', 0xa1, 'x'
    };
    wsis_request_t signed_request;
    assert_int_equal (s_decode (&signed_request, signed_one, sizeof signed_one, &error), 0);
    assert_string_equal (signed_request.op, "x");
    s_release (&signed_request);
}

static void
test_request_missing_keys (void **state)
{
    //  Once the id is read, every error echoes it
    for (size_t index = 0; index < 3; index++)
        s_expect_bad_with (s_keys [index], NULL, s_keys [index],
                           strcmp (s_keys [index], "id") == 0? "": "req-1");
    //  An empty map lacks all of them
    s_expect_bad ("\x80", 1, "id", "");
}

static void
test_request_wrong_types (void **state)
{
    for (size_t key = 0; key < KEY_COUNT; key++) {
        for (size_t type = 0; type < WRONG_TYPE_COUNT; type++) {
            //  actor and body may be nil (absent) and body may be an
            //  empty map; actor {} is an anonymous public caller
            bool allowed = s_wrong_types [type] == pack_nil && key >= 3;
            if (s_wrong_types [type] == pack_empty_map && key >= 3)
                allowed = true;
            frame_t frame;
            s_frame_init (&frame);
            s_pack_request_with (&frame, s_keys [key], s_wrong_types [type]);
            if (allowed)
                s_expect_ok_frame (&frame);
            else
                s_expect_bad_frame (&frame, s_keys [key], key == 1? "": "req-1");
            s_frame_release (&frame);
        }
    }
    //  v must be exactly 1
    s_pack_fn *bad_versions [] = { pack_int0, pack_int2, pack_neg, pack_str1, pack_float };
    for (size_t index = 0; index < sizeof bad_versions / sizeof bad_versions [0]; index++)
        s_expect_bad_with ("v", bad_versions [index], "v", "req-1");
    //  A string where a map belongs
    s_expect_bad_with ("body", pack_str, "body", "req-1");
    s_expect_bad_with ("actor", pack_str, "actor", "req-1");

    //  Not a map at all
    s_expect_bad ("\x91\x01", 2, "", "");
    s_expect_bad ("\x01", 1, "", "");
    s_expect_bad ("\xa2id", 3, "", "");
    s_expect_bad ("\xc0", 1, "", "");
}

static void
s_expect_id (const char *id, size_t len, bool ok)
{
    char text [80];
    memset (text, 0, sizeof text);
    memcpy (text, id, len);
    frame_t frame;
    s_frame_init (&frame);
    msgpack_pack_map (&frame.pk, 3);
    wsis_pack_kv_int (&frame.pk, "v", 1);
    wsis_pack_str (&frame.pk, "id");
    wsis_pack_strn (&frame.pk, id, len);
    wsis_pack_kv_str (&frame.pk, "op", "sys.ping");
    if (ok) {
        wsis_request_t request;
        wsis_error_t error;
        assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
        assert_int_equal (strlen (request.id), len);
        assert_string_equal (request.id, text);
        s_release (&request);
    }
    else
        s_expect_bad_frame (&frame, "id", "");
    s_frame_release (&frame);
}

static void
test_request_id_lengths (void **state)
{
    char id [WSIS_ID_MAX + 2];
    memset (id, 'i', sizeof id);
    s_expect_id (id, 0, false);
    s_expect_id (id, 1, true);
    s_expect_id (id, WSIS_ID_MAX, true);
    s_expect_id (id, WSIS_ID_MAX + 1, false);
    //  Multi-byte characters: the limit is in bytes
    s_expect_id ("\xc3\xa9\xc3\xa9", 4, true);
    char wide [WSIS_ID_MAX + 2];
    for (size_t index = 0; index + 1 < sizeof wide; index += 2) {
        wide [index] = (char) 0xc3;
        wide [index + 1] = (char) 0xa9;
    }
    s_expect_id (wide, WSIS_ID_MAX, true);
    s_expect_id (wide, WSIS_ID_MAX + 2, false);
}

static void
test_request_op_length (void **state)
{
    char op [200];
    memset (op, 'o', sizeof op);
    size_t lengths [] = { 0, 1, 127, 128, 199 };
    for (size_t index = 0; index < sizeof lengths / sizeof lengths [0]; index++) {
        frame_t frame;
        s_frame_init (&frame);
        msgpack_pack_map (&frame.pk, 3);
        wsis_pack_kv_int (&frame.pk, "v", 1);
        wsis_pack_kv_str (&frame.pk, "id", "req-op");
        wsis_pack_str (&frame.pk, "op");
        wsis_pack_strn (&frame.pk, op, lengths [index]);
        bool ok = lengths [index] >= 1 && lengths [index] <= 127;
        if (ok) {
            wsis_request_t request;
            wsis_error_t error;
            assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
            assert_int_equal (strlen (request.op), lengths [index]);
            s_release (&request);
        }
        else
            s_expect_bad_frame (&frame, "op", "req-op");
        s_frame_release (&frame);
    }
}

//  A request whose actor is packed by the caller after the head
static void
s_actor_frame (frame_t *frame)
{
    s_frame_init (frame);
    s_pack_head (frame, 1, "req-a", "x.y");
    wsis_pack_str (&frame->pk, "actor");
}

static void
test_request_actor_forms (void **state)
{
    wsis_request_t request;
    wsis_error_t error;
    frame_t frame;

    //  actor {}: anonymous and public
    s_actor_frame (&frame);
    msgpack_pack_map (&frame.pk, 0);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    assert_string_equal (request.actor_id, "");
    assert_int_equal (request.role, WSIS_ROLE_PUBLIC);
    assert_false (request.has_actor_role);
    s_release (&request);
    s_frame_release (&frame);

    //  actor nil: the same
    s_actor_frame (&frame);
    msgpack_pack_nil (&frame.pk);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    assert_int_equal (request.role, WSIS_ROLE_PUBLIC);
    assert_false (request.has_actor_role);
    s_release (&request);
    s_frame_release (&frame);

    //  Only an id
    s_actor_frame (&frame);
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_kv_str (&frame.pk, "id", "stk-7");
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    assert_string_equal (request.actor_id, "stk-7");
    assert_int_equal (request.role, WSIS_ROLE_PUBLIC);
    assert_false (request.has_actor_role);
    s_release (&request);
    s_frame_release (&frame);

    //  Only a role, for each role; other keys are ignored
    const char *roles [] = { "public", "stakeholder", "staff", "expert",
                             "operator", "gateway", "service", "publisher" };
    for (size_t index = 0; index < 8; index++) {
        s_actor_frame (&frame);
        msgpack_pack_map (&frame.pk, 2);
        wsis_pack_kv_str (&frame.pk, "role", roles [index]);
        wsis_pack_kv_int (&frame.pk, "extra", 1);
        assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
        assert_int_equal (request.role, 1 << index);
        assert_true (request.has_actor_role);
        assert_string_equal (request.actor_id, "");
        s_release (&request);
        s_frame_release (&frame);
    }

    //  An actor id up to 128 bytes
    char long_id [130];
    memset (long_id, 'a', sizeof long_id);
    s_actor_frame (&frame);
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "id");
    wsis_pack_strn (&frame.pk, long_id, 128);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    assert_int_equal (strlen (request.actor_id), 128);
    s_release (&request);
    s_frame_release (&frame);

    //  Errors: the id is echoed, the field names the culprit
    const char *fields [] = {
        "actor.id", "actor.id", "actor.id",
        "actor.role", "actor.role", "actor.role", "actor.role", "actor.role"
    };
    for (size_t index = 0; index < sizeof fields / sizeof fields [0]; index++) {
        s_actor_frame (&frame);
        msgpack_pack_map (&frame.pk, 1);
        switch (index) {
            case 0:     //  actor.id too long
                wsis_pack_str (&frame.pk, "id");
                wsis_pack_strn (&frame.pk, long_id, 129);
                break;
            case 1:     //  actor.id empty
                wsis_pack_kv_str (&frame.pk, "id", "");
                break;
            case 2:     //  actor.id not a string
                wsis_pack_kv_int (&frame.pk, "id", 42);
                break;
            case 3:     //  unknown role
                wsis_pack_kv_str (&frame.pk, "role", "admin");
                break;
            case 4:     //  roles are case-sensitive
                wsis_pack_kv_str (&frame.pk, "role", "Staff");
                break;
            case 5:     //  empty role
                wsis_pack_kv_str (&frame.pk, "role", "");
                break;
            case 6:     //  role not a string
                wsis_pack_kv_int (&frame.pk, "role", 4);
                break;
            case 7:     //  a prefix of a role name is not the role
                wsis_pack_kv_str (&frame.pk, "role", "stake");
                break;
        }
        s_expect_bad_release (&frame, fields [index], "req-a");
    }
    //  Role nil is not absent: it must be a string
    s_actor_frame (&frame);
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "role");
    msgpack_pack_nil (&frame.pk);
    s_expect_bad_release (&frame, "actor.role", "req-a");
}

static void
test_request_body_forms (void **state)
{
    wsis_request_t request;
    wsis_error_t error;
    frame_t frame;

    //  Absent and nil: an empty map, not NULL
    s_frame_init (&frame);
    s_pack_request_with (&frame, "body", NULL);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    s_expect_body_size (&request, 0);
    s_release (&request);
    s_frame_release (&frame);

    s_frame_init (&frame);
    s_pack_request_with (&frame, "body", pack_nil);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    s_expect_body_size (&request, 0);
    s_release (&request);
    s_frame_release (&frame);

    //  A nested map and arrays inside
    s_frame_init (&frame);
    s_pack_head (&frame, 1, "req-b", "submission.create");
    wsis_pack_str (&frame.pk, "body");
    msgpack_pack_map (&frame.pk, 2);
    wsis_pack_str (&frame.pk, "contact");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_kv_str (&frame.pk, "email", "a@b.org");
    wsis_pack_str (&frame.pk, "sdgs");
    msgpack_pack_array (&frame.pk, 2);
    msgpack_pack_int (&frame.pk, 4);
    msgpack_pack_int (&frame.pk, 9);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    assert_int_equal (request.body->via.map.size, 2);
    assert_true (s_str_is (wsis_msg_get (wsis_msg_get (request.body, "contact"), "email"),
                           "a@b.org"));
    const msgpack_object *sdgs = wsis_msg_get (request.body, "sdgs");
    assert_non_null (sdgs);
    assert_int_equal (sdgs->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (sdgs->via.array.size, 2);
    s_release (&request);
    s_frame_release (&frame);

    //  An array, a string, an int: not a body
    s_pack_fn *bad [] = { pack_array, pack_empty_array, pack_str, pack_int7, pack_true, pack_bin };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++)
        s_expect_bad_with ("body", bad [index], "body", "req-1");
}

//  Duplicates are refused wherever they are: whichever of two "voter_id"s
//  a handler read, the other would be a hole
static void
test_request_duplicate_keys (void **state)
{
    frame_t frame;

    //  Top level: op twice
    s_head_frame (&frame, 1, "req-d");
    wsis_pack_kv_str (&frame.pk, "op", "y");
    s_expect_bad_release (&frame, "", "req-d");

    //  Top level: id twice, same value and different values; the first
    //  one read is still echoed
    for (int same = 0; same < 2; same++) {
        s_head_frame (&frame, 1, "req-d");
        wsis_pack_kv_str (&frame.pk, "id", same? "req-d": "req-e");
        s_expect_bad_saying (&frame, "'id'", "req-d");
    }

    //  v twice
    s_head_frame (&frame, 1, "req-d");
    wsis_pack_kv_int (&frame.pk, "v", 1);
    s_expect_bad_release (&frame, "", "req-d");

    //  In the actor
    s_head_frame (&frame, 1, "req-d");
    wsis_pack_str (&frame.pk, "actor");
    msgpack_pack_map (&frame.pk, 2);
    wsis_pack_kv_str (&frame.pk, "role", "public");
    wsis_pack_kv_str (&frame.pk, "role", "operator");
    s_expect_bad_release (&frame, "", "req-d");

    //  In the body
    s_body_frame (&frame, "req-d");
    msgpack_pack_map (&frame.pk, 3);
    wsis_pack_kv_str (&frame.pk, "voter_id", "a");
    wsis_pack_kv_str (&frame.pk, "call", "c");
    wsis_pack_kv_str (&frame.pk, "voter_id", "b");
    s_expect_bad_release (&frame, "", "req-d");

    //  In a map in the body
    s_body_frame (&frame, "req-d");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "contact");
    msgpack_pack_map (&frame.pk, 2);
    wsis_pack_kv_str (&frame.pk, "email", "a@b.org");
    wsis_pack_kv_str (&frame.pk, "email", "c@d.org");
    s_expect_bad_release (&frame, "", "req-d");

    //  In a map in an array in the body
    s_body_frame (&frame, "req-d");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "speakers");
    msgpack_pack_array (&frame.pk, 2);
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_kv_str (&frame.pk, "name", "A");
    msgpack_pack_map (&frame.pk, 2);
    wsis_pack_kv_str (&frame.pk, "name", "B");
    wsis_pack_kv_str (&frame.pk, "name", "C");
    s_expect_bad_release (&frame, "", "req-d");

    //  Ten levels down
    s_body_frame (&frame, "req-d");
    for (int level = 0; level < 10; level++) {
        msgpack_pack_map (&frame.pk, 1);
        wsis_pack_str (&frame.pk, "n");
    }
    msgpack_pack_map (&frame.pk, 2);
    wsis_pack_kv_int (&frame.pk, "k", 1);
    wsis_pack_kv_int (&frame.pk, "k", 2);
    s_expect_bad_release (&frame, "", "req-d");

    //  Keys that share a prefix, or differ in case, are different keys
    s_body_frame (&frame, "req-d");
    msgpack_pack_map (&frame.pk, 4);
    wsis_pack_kv_int (&frame.pk, "a", 1);
    wsis_pack_kv_int (&frame.pk, "ab", 2);
    wsis_pack_kv_int (&frame.pk, "A", 3);
    wsis_pack_kv_int (&frame.pk, "", 4);
    s_expect_ok_release (&frame);
}

static void
test_request_non_str_keys (void **state)
{
    frame_t frame;

    //  An int key at the top level
    s_head_frame (&frame, 1, "req-k");
    msgpack_pack_int (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "one");
    s_expect_bad_release (&frame, "", "req-k");

    //  A nil key first, before the id
    s_frame_init (&frame);
    msgpack_pack_map (&frame.pk, 4);
    msgpack_pack_nil (&frame.pk);
    msgpack_pack_nil (&frame.pk);
    wsis_pack_kv_int (&frame.pk, "v", 1);
    wsis_pack_kv_str (&frame.pk, "id", "req-k");
    wsis_pack_kv_str (&frame.pk, "op", "x");
    s_expect_bad_release (&frame, "", "req-k");

    //  A bin key in the actor: "id" as bytes is not the key "id"
    s_head_frame (&frame, 1, "req-k");
    wsis_pack_str (&frame.pk, "actor");
    msgpack_pack_map (&frame.pk, 1);
    msgpack_pack_bin (&frame.pk, 2);
    msgpack_pack_bin_body (&frame.pk, "id", 2);
    wsis_pack_str (&frame.pk, "u-1");
    s_expect_bad_release (&frame, "", "req-k");

    //  A map key and an array key in the body
    for (int kind = 0; kind < 3; kind++) {
        s_body_frame (&frame, "req-k");
        msgpack_pack_map (&frame.pk, 1);
        if (kind == 0)
            msgpack_pack_map (&frame.pk, 0);
        else
        if (kind == 1)
            msgpack_pack_array (&frame.pk, 0);
        else
            msgpack_pack_true (&frame.pk);
        msgpack_pack_int (&frame.pk, 1);
        s_expect_bad_release (&frame, "", "req-k");
    }

    //  An int key in a map inside an array in the body
    s_body_frame (&frame, "req-k");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "list");
    msgpack_pack_array (&frame.pk, 1);
    msgpack_pack_map (&frame.pk, 1);
    msgpack_pack_int (&frame.pk, 2);
    msgpack_pack_int (&frame.pk, 3);
    s_expect_bad_release (&frame, "", "req-k");
}

//  A request whose body is a map of `keys` keys k0000, k0001, ...
static void
s_wide_body_frame (frame_t *frame, size_t keys)
{
    s_body_frame (frame, "req-w");
    msgpack_pack_map (&frame->pk, keys);
    for (size_t index = 0; index < keys; index++) {
        char key [32];
        snprintf (key, sizeof key, "k%04zu", index);
        wsis_pack_str (&frame->pk, key);
        msgpack_pack_nil (&frame->pk);
    }
}

static void
test_request_wide_maps (void **state)
{
    frame_t frame;
    s_wide_body_frame (&frame, 1024);
    s_expect_ok_release (&frame);

    s_wide_body_frame (&frame, 1025);
    s_expect_bad_saying (&frame, "1024", "req-w");

    //  At the top level as well
    s_head_frame (&frame, 1030, "req-w");
    for (size_t index = 0; index < 1030; index++) {
        char key [32];
        snprintf (key, sizeof key, "x%04zu", index);
        wsis_pack_kv_int (&frame.pk, key, 0);
    }
    s_expect_bad_release (&frame, "", "req-w");

    //  A wide map at the bottom of an array
    s_body_frame (&frame, "req-w");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_str (&frame.pk, "items");
    msgpack_pack_array (&frame.pk, 1);
    msgpack_pack_map (&frame.pk, 2000);
    for (size_t index = 0; index < 2000; index++) {
        char key [32];
        snprintf (key, sizeof key, "y%04zu", index);
        wsis_pack_kv_int (&frame.pk, key, 0);
    }
    s_expect_bad_release (&frame, "", "req-w");
}

static void
test_request_bombs (void **state)
{
    //  msgpack-c would reserve 4 billion elements for these
    s_expect_bad ("\xdd\xff\xff\xff\xff", 5, "", "");
    s_expect_bad ("\xdf\xff\xff\xff\xff", 5, "", "");
    s_expect_bad ("\xdb\xff\xff\xff\xff", 5, "", "");
    s_expect_bad ("\xc6\xff\xff\xff\xff", 5, "", "");
    //  Inside an otherwise valid request, after the id
    const char inner [] = "\x84\xa1v\x01\xa2id\xa2r9\xa2op\xa1x\xa4" "body\xdd\xff\xff\xff\xff";
    s_expect_bad (inner, sizeof inner - 1, "", "");
    //  Empty, a reserved byte, an ext
    s_expect_bad ("", 0, "", "");
    s_expect_bad ("\xc1", 1, "", "");
    s_expect_bad ("\xd4\x01\x00", 3, "", "");
    //  Nested deeper than the limit (16)
    frame_t frame;
    s_body_frame (&frame, "req-n");
    for (int level = 0; level < 20; level++) {
        msgpack_pack_map (&frame.pk, 1);
        wsis_pack_str (&frame.pk, "n");
    }
    msgpack_pack_nil (&frame.pk);
    s_expect_bad_release (&frame, "", "");
}

static void
test_request_truncated (void **state)
{
    frame_t frame;
    s_frame_init (&frame);
    s_pack_request (&frame);
    size_t size = frame.buffer.size;
    assert_true (size > 40);
    for (size_t prefix = 0; prefix < size; prefix++)
        s_expect_bad (frame.buffer.data, prefix, "", "");
    //  And the whole frame still decodes
    s_expect_ok_release (&frame);
}

static void
test_request_trailing (void **state)
{
    frame_t frame;
    s_frame_init (&frame);
    s_pack_request (&frame);
    //  One byte more
    msgpack_pack_nil (&frame.pk);
    s_expect_bad_frame (&frame, "", "");
    //  A second request concatenated
    s_pack_request (&frame);
    s_expect_bad_frame (&frame, "", "");
    s_frame_release (&frame);
}

static void
test_request_bad_utf8 (void **state)
{
    const char *bad [] = {
        "\xc3\x28",             //  a continuation byte missing
        "\xff",                 //  never valid
        "\xc0\xaf",             //  overlong '/'
        "\xed\xa0\x80",         //  a surrogate
        "\xf4\x90\x80\x80",     //  above U+10FFFF
        "ok\xe2\x82"            //  cut in the middle of a character
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad [0]; index++) {
        //  In a body value
        frame_t frame;
        s_body_frame (&frame, "req-u");
        msgpack_pack_map (&frame.pk, 1);
        wsis_pack_str (&frame.pk, "title");
        wsis_pack_str (&frame.pk, bad [index]);
        s_expect_bad_release (&frame, "", "");

        //  In a key
        s_head_frame (&frame, 1, "req-u");
        wsis_pack_str (&frame.pk, bad [index]);
        msgpack_pack_nil (&frame.pk);
        s_expect_bad_release (&frame, "", "");

        //  In the op
        s_frame_init (&frame);
        s_pack_head (&frame, 0, "req-u", bad [index]);
        s_expect_bad_release (&frame, "", "");
    }
    //  Valid multi-byte UTF-8 passes
    frame_t frame;
    s_body_frame (&frame, "req-u");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_kv_str (&frame.pk, "title", "Gen\xc3\xa8ve \xe2\x82\xac \xf0\x9f\x8c\x8d");
    s_expect_ok_release (&frame);
}

//  Every error found once the id is known echoes it
static void
test_request_id_echoed (void **state)
{
    frame_t frame;

    //  v, op, actor, body of the wrong type
    const char *keys [] = { "v", "op", "actor", "body" };
    for (size_t index = 0; index < 4; index++)
        s_expect_bad_with (keys [index], pack_array, keys [index], "req-1");
    //  The id after everything else in the map
    s_frame_init (&frame);
    msgpack_pack_map (&frame.pk, 3);
    wsis_pack_kv_str (&frame.pk, "op", "x");
    wsis_pack_kv_str (&frame.pk, "v", "1");
    wsis_pack_kv_str (&frame.pk, "id", "late-id");
    s_expect_bad_release (&frame, "v", "late-id");

    //  A request that fails after a previous successful decode into the
    //  same struct does not keep the old id
    wsis_request_t request;
    wsis_error_t error;
    s_frame_init (&frame);
    s_pack_request (&frame);
    assert_int_equal (s_decode_frame (&frame, &request, &error), 0);
    s_release (&request);
    assert_int_equal (s_decode (&request, "\x80", 1, &error), -1);
    assert_string_equal (request.id, "");
    assert_string_equal (request.op, "");
    s_release (&request);
    s_frame_release (&frame);
}

static void
test_request_limits (void **state)
{
    //  Caller limits apply: a string over max_str is refused
    wsis_msg_limits_t tight = wsis_msg_default_limits;
    tight.max_str = 16;
    frame_t frame;
    s_body_frame (&frame, "req-l");
    msgpack_pack_map (&frame.pk, 1);
    wsis_pack_kv_str (&frame.pk, "title", "a string of more than sixteen bytes");
    wsis_request_t request;
    wsis_error_t error;
    assert_int_equal (wsis_request_decode (&request, frame.buffer.data, frame.buffer.size,
                                           &tight, &error), -1);
    assert_string_equal (error.code, "bad_request");
    wsis_request_release (&request);
    assert_int_equal (wsis_request_decode (&request, frame.buffer.data, frame.buffer.size,
                                           &wsis_msg_default_limits, &error), 0);
    wsis_request_release (&request);
    s_frame_release (&frame);

    //  wsis_msg_unpack alone
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (wsis_msg_unpack (&unpacked, "\x92\x01\x02", 3,
                                       &wsis_msg_default_limits, &error), 0);
    assert_int_equal (unpacked.data.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal (unpacked.data.via.array.size, 2);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (wsis_msg_unpack (&unpacked, "\x92\x01", 2,
                                       &wsis_msg_default_limits, &error), -1);
    assert_string_equal (error.code, "bad_request");
    assert_non_null (strstr (error.message, "truncated"));
    msgpack_unpacked_destroy (&unpacked);
}


//  What wsis_request_pack_head writes decodes as the request it says,
//  with and without an actor.
static void
test_request_pack_head (void **state)
{
    const struct { const char *actor_id; const char *role; wsis_role_t expected; } cases [] = {
        { "voting", "service", WSIS_ROLE_SERVICE },
        { NULL, "public", WSIS_ROLE_PUBLIC },
        { NULL, NULL, WSIS_ROLE_PUBLIC },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        wsis_request_pack_head (&pk, "req-7", "events.since", cases [i].actor_id, cases [i].role);
        msgpack_pack_map (&pk, 1);
        wsis_pack_kv_uint (&pk, "after", 12);
        wsis_request_t request;
        wsis_error_t error;
        assert_int_equal (wsis_request_decode (&request, buffer.data, buffer.size,
                                               &wsis_msg_default_limits, &error), 0);
        assert_string_equal (request.id, "req-7");
        assert_string_equal (request.op, "events.since");
        assert_string_equal (request.actor_id, cases [i].actor_id? cases [i].actor_id: "");
        assert_int_equal (request.role, cases [i].expected);
        assert_int_equal (request.has_actor_role, cases [i].role != NULL);
        assert_int_equal (wsis_msg_get (request.body, "after")->via.u64, 12);
        wsis_request_release (&request);
        msgpack_sbuffer_destroy (&buffer);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_request_valid),
        cmocka_unit_test (test_request_minimal),
        cmocka_unit_test (test_request_missing_keys),
        cmocka_unit_test (test_request_wrong_types),
        cmocka_unit_test (test_request_id_lengths),
        cmocka_unit_test (test_request_op_length),
        cmocka_unit_test (test_request_actor_forms),
        cmocka_unit_test (test_request_body_forms),
        cmocka_unit_test (test_request_duplicate_keys),
        cmocka_unit_test (test_request_non_str_keys),
        cmocka_unit_test (test_request_wide_maps),
        cmocka_unit_test (test_request_bombs),
        cmocka_unit_test (test_request_truncated),
        cmocka_unit_test (test_request_trailing),
        cmocka_unit_test (test_request_bad_utf8),
        cmocka_unit_test (test_request_id_echoed),
        cmocka_unit_test (test_request_limits),
        cmocka_unit_test (test_request_pack_head),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
