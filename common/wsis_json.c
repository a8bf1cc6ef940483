/*  wsis_json: JSON <-> msgpack for wsisctl and reports (jansson).

    People type JSON at wsisctl and read JSON back; the services speak
    msgpack. The two data models differ at the edges, and each edge is
    settled here once so that every command behaves the same:

    - msgpack bin has no JSON form: it travels as {"$base64": "..."}, and
      an object of exactly that shape packs as a bin again.
    - msgpack ext becomes {"$ext": type, "$base64": "..."} for display
      only; no service sends ext, so the reverse is not provided and such
      an object packs as an ordinary map.
    - jansson integers are long long, so a uint64 above INT64_MAX can only
      be shown as a real (losing precision beyond 2^53).
    - JSON has no NaN or infinity (json_real refuses them): they show as
      null, as JSON.stringify does.
    - A str that is not valid UTF-8 cannot be a JSON string: it shows as
      {"$base64": "..."} of its bytes.
    - JSON keys are strings; any other msgpack key is written as its JSON
      text, so the int key 7 becomes "7" and may collide with the str key
      "7" (the later pair wins, as with duplicate keys).

    wsis_json_pack writes as it walks: on failure the packer holds a
    partial value and the caller must discard its buffer.
*/
#include "wsis_json.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Beyond this a hostile or runaway document would only burn stack; the
//  WSIS documents are a handful of levels deep.
#define WSIS_JSON_MAX_DEPTH 64

#define BASE64_KEY "$base64"
#define EXT_KEY "$ext"

static const char s_base64_alphabet [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


//  --------------------------------------------------------------------------
//  Base64

char *
wsis_base64_encode (const void *data, size_t size)
{
    assert (data || size == 0);
    //  Keeps (size + 2) / 3 * 4 + 1 below SIZE_MAX
    if (size / 3 >= (SIZE_MAX - 1) / 4)
        return NULL;

    const unsigned char *bytes = data;
    char *text = malloc ((size + 2) / 3 * 4 + 1);
    if (!text)
        return NULL;

    char *out = text;
    size_t at = 0;
    for (; at + 3 <= size; at += 3) {
        uint32_t quantum = (uint32_t) bytes [at] << 16
                         | (uint32_t) bytes [at + 1] << 8
                         | bytes [at + 2];
        *out++ = s_base64_alphabet [quantum >> 18 & 0x3F];
        *out++ = s_base64_alphabet [quantum >> 12 & 0x3F];
        *out++ = s_base64_alphabet [quantum >> 6 & 0x3F];
        *out++ = s_base64_alphabet [quantum & 0x3F];
    }
    size_t rest = size - at;
    if (rest > 0) {
        uint32_t quantum = (uint32_t) bytes [at] << 16;
        if (rest == 2)
            quantum |= (uint32_t) bytes [at + 1] << 8;
        *out++ = s_base64_alphabet [quantum >> 18 & 0x3F];
        *out++ = s_base64_alphabet [quantum >> 12 & 0x3F];
        *out++ = rest == 2? s_base64_alphabet [quantum >> 6 & 0x3F]: '=';
        *out++ = '=';
    }
    *out = '\0';
    return text;
}

//  The 6-bit value of one base64 character, -1 for anything else
//  (including '=', which the caller handles only where padding may be).
static int
s_base64_value (char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

//  Strict decoding (RFC 4648 section 3.3 and 3.5): no whitespace, no
//  missing padding, '=' only at the end, and the unused bits before the
//  padding must be zero. Text that decodes at all then has exactly one
//  spelling, so two $base64 strings are equal exactly when their bytes are.
void *
wsis_base64_decode (const char *text, size_t len, size_t *size_out)
{
    assert (text || len == 0);
    assert (size_out);
    if (len % 4 != 0)
        return NULL;

    size_t padding = 0;
    if (len > 0 && text [len - 1] == '=') {
        padding = 1;
        if (text [len - 2] == '=')
            padding = 2;
    }
    size_t size = len / 4 * 3 - padding;
    //  One spare byte so that empty text still yields a non-NULL pointer:
    //  NULL means malformed
    unsigned char *bytes = malloc (size + 1);
    if (!bytes)
        return NULL;

    unsigned char *out = bytes;
    for (size_t at = 0; at < len; at += 4) {
        bool last = at + 4 == len;
        size_t present = last? 4 - padding: 4;
        uint32_t quantum = 0;
        for (size_t index = 0; index < 4; index++) {
            int sextet = 0;
            if (index < present) {
                sextet = s_base64_value (text [at + index]);
                if (sextet < 0)
                    goto malformed;
            }
            quantum = quantum << 6 | (uint32_t) sextet;
        }
        *out++ = (unsigned char) (quantum >> 16);
        if (present > 2)
            *out++ = (unsigned char) (quantum >> 8);
        if (present > 3)
            *out++ = (unsigned char) quantum;
        if ((present == 2 && (quantum & 0xFFFF) != 0)
        ||  (present == 3 && (quantum & 0xFF) != 0))
            goto malformed;         //  non-zero pad bits: a second spelling
    }
    assert ((size_t) (out - bytes) == size);
    *size_out = size;
    return bytes;

malformed:
    free (bytes);
    return NULL;
}


//  --------------------------------------------------------------------------
//  JSON -> msgpack

static int
s_fail (const char **error, const char *message)
{
    if (error)
        *error = message;
    return -1;
}

//  The string of a {"$base64": "..."} object, or NULL when the object has
//  any other shape and is therefore an ordinary map.
static const json_t *
s_base64_wrapped (const json_t *object)
{
    if (json_object_size (object) != 1)
        return NULL;
    const json_t *text = json_object_get (object, BASE64_KEY);
    return json_is_string (text)? text: NULL;
}

static int
s_pack (msgpack_packer *pk, const json_t *value, int depth, const char **error);

static int
s_pack_bin (msgpack_packer *pk, const json_t *text, const char **error)
{
    size_t size;
    void *bytes = wsis_base64_decode (json_string_value (text),
                                      json_string_length (text), &size);
    //  A failed decode of valid base64 can only be out of memory, but
    //  decoding does not tell us which, and the user's text is the
    //  likelier culprit
    if (!bytes)
        return s_fail (error, "bad base64 in $base64");

    int rc = msgpack_pack_bin (pk, size);
    if (rc == 0 && size > 0)
        rc = msgpack_pack_bin_body (pk, bytes, size);
    free (bytes);
    return rc == 0? 0: s_fail (error, "msgpack write failed");
}

static int
s_pack_object (msgpack_packer *pk, const json_t *object, int depth,
               const char **error)
{
    if (msgpack_pack_map (pk, json_object_size (object)))
        return s_fail (error, "msgpack write failed");

    //  jansson's iterators take a non-const object but do not modify it
    json_t *mutable_object = (json_t *) object;
    const char *key;
    size_t key_len;
    json_t *member;
    json_object_keylen_foreach (mutable_object, key, key_len, member) {
        if (msgpack_pack_str_with_body (pk, key, key_len))
            return s_fail (error, "msgpack write failed");
        if (s_pack (pk, member, depth, error))
            return -1;
    }
    return 0;
}

static int
s_pack_array (msgpack_packer *pk, const json_t *array, int depth,
              const char **error)
{
    size_t size = json_array_size (array);
    if (msgpack_pack_array (pk, size))
        return s_fail (error, "msgpack write failed");
    for (size_t index = 0; index < size; index++)
        if (s_pack (pk, json_array_get (array, index), depth, error))
            return -1;
    return 0;
}

//  depth counts the arrays and maps that enclose value.
static int
s_pack (msgpack_packer *pk, const json_t *value, int depth, const char **error)
{
    int rc = 0;
    switch (json_typeof (value)) {
        case JSON_OBJECT: {
            const json_t *wrapped = s_base64_wrapped (value);
            if (wrapped)
                return s_pack_bin (pk, wrapped, error);
            if (depth >= WSIS_JSON_MAX_DEPTH)
                return s_fail (error, "JSON nested deeper than 64 levels");
            return s_pack_object (pk, value, depth + 1, error);
        }
        case JSON_ARRAY:
            if (depth >= WSIS_JSON_MAX_DEPTH)
                return s_fail (error, "JSON nested deeper than 64 levels");
            return s_pack_array (pk, value, depth + 1, error);
        case JSON_STRING:
            rc = msgpack_pack_str_with_body (pk, json_string_value (value),
                                             json_string_length (value));
            break;
        case JSON_INTEGER:
            rc = msgpack_pack_int64 (pk, json_integer_value (value));
            break;
        case JSON_REAL:
            rc = msgpack_pack_double (pk, json_real_value (value));
            break;
        case JSON_TRUE:
            rc = msgpack_pack_true (pk);
            break;
        case JSON_FALSE:
            rc = msgpack_pack_false (pk);
            break;
        case JSON_NULL:
            rc = msgpack_pack_nil (pk);
            break;
    }
    return rc == 0? 0: s_fail (error, "msgpack write failed");
}

int
wsis_json_pack (msgpack_packer *pk, const json_t *value, const char **error)
{
    assert (pk);
    //  A NULL value is usually a jansson constructor that ran out of
    //  memory upstream; refuse it rather than crash on it
    if (!value)
        return s_fail (error, "no JSON value to pack");
    return s_pack (pk, value, 0, error);
}


//  --------------------------------------------------------------------------
//  msgpack -> JSON
//
//  Recursion depth is not limited here: msgpack-c's unpacker already
//  refuses objects nested deeper than MSGPACK_EMBED_STACK_SIZE (32), and
//  wsis_mpcheck bounds untrusted input before that.

//  Adds "$base64": "..." to object. 0 / -1 (out of memory).
static int
s_set_base64 (json_t *object, const void *bytes, size_t size)
{
    char *text = wsis_base64_encode (bytes, size);
    if (!text)
        return -1;
    //  The alphabet is ASCII, so neither key nor string needs a UTF-8 check
    int rc = json_object_set_new_nocheck (object, BASE64_KEY,
                                          json_string_nocheck (text));
    free (text);
    return rc;
}

//  {"$base64": "..."} for bytes that have no JSON string form.
static json_t *
s_base64_object (const void *bytes, size_t size)
{
    json_t *object = json_object ();
    if (object && s_set_base64 (object, bytes, size)) {
        json_decref (object);
        object = NULL;
    }
    return object;
}

//  {"$ext": type, "$base64": "..."}, in that order since people read it.
static json_t *
s_ext_object (const msgpack_object_ext *ext)
{
    json_t *object = json_object ();
    if (object && (json_object_set_new_nocheck (object, EXT_KEY,
                                                json_integer (ext->type))
               ||  s_set_base64 (object, ext->ptr, ext->size))) {
        json_decref (object);
        object = NULL;
    }
    return object;
}

static json_t *
s_from_array (const msgpack_object_array *array)
{
    json_t *result = json_array ();
    if (!result)
        return NULL;
    for (uint32_t index = 0; index < array->size; index++) {
        //  append_new takes the element even on failure
        if (json_array_append_new (result,
                                   wsis_json_from_msgpack (&array->ptr [index]))) {
            json_decref (result);
            return NULL;
        }
    }
    return result;
}

static json_t *
s_from_map (const msgpack_object_map *map)
{
    json_t *result = json_object ();
    if (!result)
        return NULL;
    for (uint32_t index = 0; index < map->size; index++) {
        const msgpack_object_kv *pair = &map->ptr [index];
        json_t *key = wsis_json_from_msgpack (&pair->key);
        if (!key)
            goto failed;
        //  A str key converts to a JSON string unless it is not UTF-8;
        //  everything else, that str included, becomes its JSON text
        int rc;
        if (json_is_string (key))
            rc = json_object_setn_new_nocheck (result, json_string_value (key),
                                               json_string_length (key),
                                               wsis_json_from_msgpack (&pair->val));
        else {
            char *key_text = json_dumps (key, JSON_ENCODE_ANY | JSON_COMPACT);
            if (key_text)
                rc = json_object_set_new_nocheck (result, key_text,
                                                  wsis_json_from_msgpack (&pair->val));
            else
                rc = -1;
            free (key_text);
        }
        json_decref (key);
        //  set_new takes the value even on failure, a NULL one included
        if (rc)
            goto failed;
    }
    return result;

failed:
    json_decref (result);
    return NULL;
}

json_t *
wsis_json_from_msgpack (const msgpack_object *obj)
{
    assert (obj);
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            return json_null ();
        case MSGPACK_OBJECT_BOOLEAN:
            return json_boolean (obj->via.boolean);
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            //  json_int_t is long long: the upper half of uint64 only
            //  fits a real, rounded to the nearest double
            if (obj->via.u64 > INT64_MAX)
                return json_real ((double) obj->via.u64);
            return json_integer ((json_int_t) obj->via.u64);
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return json_integer (obj->via.i64);
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            //  msgpack-c widens float32 into f64 too
            if (!isfinite (obj->via.f64))
                return json_null ();
            return json_real (obj->via.f64);
        case MSGPACK_OBJECT_STR: {
            //  json_stringn refuses invalid UTF-8; it also fails when out
            //  of memory, in which case the fallback fails as well. An
            //  empty str may carry a NULL pointer, which json_stringn
            //  would refuse too
            if (obj->via.str.size == 0)
                return json_string ("");
            json_t *string = json_stringn (obj->via.str.ptr, obj->via.str.size);
            if (string)
                return string;
            return s_base64_object (obj->via.str.ptr, obj->via.str.size);
        }
        case MSGPACK_OBJECT_BIN:
            return s_base64_object (obj->via.bin.ptr, obj->via.bin.size);
        case MSGPACK_OBJECT_EXT:
            return s_ext_object (&obj->via.ext);
        case MSGPACK_OBJECT_ARRAY:
            return s_from_array (&obj->via.array);
        case MSGPACK_OBJECT_MAP:
            return s_from_map (&obj->via.map);
    }
    //  An object msgpack-c did not build; show it rather than lose the
    //  whole document
    return json_null ();
}
