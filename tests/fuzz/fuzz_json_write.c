/*  fuzz_json_write: libFuzzer target for wsis_json_write, against the
    tree it stands in for.

    Any msgpack object the bytes unpack to (as wsis_msg would, after
    wsis_mpcheck) is written by wsis_json_write, and the text must be the
    bytes json_dumps (wsis_json_from_msgpack (obj), JSON_COMPACT) gives,
    unless a map repeats a key (the one documented difference: jansson
    keeps the last value once, the writer writes every pair). The text
    must also parse back as JSON (as jansson reads it: all but a key with
    a NUL in it, which jansson writes and does not read).
*/
#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_json.h"
#include "wsis_json_write.h"
#include "wsis_mpcheck.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  True when a map anywhere in obj (in a key too) has two keys with the
//  same JSON key.
static bool
s_repeats_a_key (const msgpack_object *obj)
{
    if (obj->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            if (s_repeats_a_key (&obj->via.array.ptr [i]))
                return true;
        return false;
    }
    if (obj->type != MSGPACK_OBJECT_MAP)
        return false;
    //  The keys as jansson keeps them: a tree of the map says how many
    json_t *tree = wsis_json_from_msgpack (obj);
    bool repeated = !tree || json_object_size (tree) != obj->via.map.size;
    json_decref (tree);
    for (uint32_t i = 0; i < obj->via.map.size && !repeated; i++)
        repeated = s_repeats_a_key (&obj->via.map.ptr [i].key)
                || s_repeats_a_key (&obj->via.map.ptr [i].val);
    return repeated;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const wsis_mpcheck_limits_t limits = {
        .max_depth = 16, .max_str = 1024, .max_bin = 1024, .max_elements = 1024
    };
    size_t offset;
    if (wsis_mpcheck (data, size, &limits, &offset) != WSIS_MPCHECK_OK)
        return 0;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t consumed = 0;
    if (msgpack_unpack_next (&unpacked, (const char *) data, size, &consumed) != MSGPACK_UNPACK_SUCCESS
    &&  msgpack_unpack_next (&unpacked, (const char *) data, size, &consumed) != MSGPACK_UNPACK_EXTRA_BYTES) {
        msgpack_unpacked_destroy (&unpacked);
        return 0;
    }
    const msgpack_object *obj = &unpacked.data;
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    if (wsis_json_write (&out, obj))
        abort ();
    json_error_t error;
    json_t *parsed = json_loadb (out.data, out.size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    //  jansson reads every text it writes but a key with \u0000 in it
    if (!parsed && !strstr (error.text, "NUL byte in object key"))
        abort ();
    json_decref (parsed);
    if (!s_repeats_a_key (obj)) {
        json_t *tree = wsis_json_from_msgpack (obj);
        char *expected = tree? json_dumps (tree, JSON_COMPACT | JSON_ENCODE_ANY): NULL;
        if (!expected || strlen (expected) != out.size || memcmp (expected, out.data, out.size))
            abort ();
        free (expected);
        json_decref (tree);
    }
    msgpack_sbuffer_destroy (&out);
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}
