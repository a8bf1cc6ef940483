/*  wsis_msg: checked unpacking of untrusted msgpack, and map lookups. */
#include "wsis_msg.h"
#include "wsis_mpcheck.h"

#include <string.h>

#define MAP_MAX_KEYS 1024

//  What an empty str or bin points at once it has been through
//  wsis_msg_fill_empty.
static const char s_empty [1] = "";

//  A photo entry's image is the largest legitimate value (4 MiB); strings
//  are bounded well below the frame limit so one field cannot hog memory.
const wsis_msg_limits_t wsis_msg_default_limits = {
    .max_depth = 16,
    .max_str = 1024 * 1024,
    .max_bin = 4 * 1024 * 1024,
    .max_elements = 200000
};

//  Walks, then unpacks: the walk guarantees every declared size is backed
//  by bytes present, so msgpack-c's allocations stay bounded by the frame
//  size, and that the frame is one object with nothing after it.
static int
s_check (const void *data, size_t size, const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    wsis_mpcheck_limits_t check = {
        limits->max_depth, limits->max_str, limits->max_bin, limits->max_elements
    };
    size_t offset = 0;
    wsis_mpcheck_result_t result = wsis_mpcheck (data, size, &check, &offset);
    if (result != WSIS_MPCHECK_OK)
        return wsis_error_set (error, "bad_request", NULL, "not a valid msgpack frame: %s at byte %zu",
                               wsis_mpcheck_strerror (result), offset);
    return 0;
}

int
wsis_msg_unpack (msgpack_unpacked *unpacked, const void *data, size_t size,
                 const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    if (s_check (data, size, limits, error))
        return -1;
    size_t off = 0;
    if (msgpack_unpack_next (unpacked, (const char *) data, size, &off) != MSGPACK_UNPACK_SUCCESS)
        return wsis_error_set (error, "bad_request", NULL, "not a valid msgpack frame");
    wsis_msg_fill_empty (&unpacked->data);
    return 0;
}

int
wsis_msg_unpack_in (msgpack_zone *zone, msgpack_object *object, const void *data, size_t size,
                    const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    if (s_check (data, size, limits, error))
        return -1;
    size_t off = 0;
    if (msgpack_unpack ((const char *) data, size, &off, zone, object) != MSGPACK_UNPACK_SUCCESS)
        return wsis_error_set (error, "bad_request", NULL, "not a valid msgpack frame");
    wsis_msg_fill_empty (object);
    return 0;
}

//  Recursion is bounded by the depth wsis_mpcheck allowed (or by what we
//  packed ourselves, for stored objects).
void
wsis_msg_fill_empty (msgpack_object *obj)
{
    if (obj->type == MSGPACK_OBJECT_STR && obj->via.str.ptr == NULL)
        obj->via.str.ptr = s_empty;
    else
    if (obj->type == MSGPACK_OBJECT_BIN && obj->via.bin.ptr == NULL)
        obj->via.bin.ptr = s_empty;
    else
    if (obj->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            wsis_msg_fill_empty (&obj->via.array.ptr [i]);
    else
    if (obj->type == MSGPACK_OBJECT_MAP)
        for (uint32_t i = 0; i < obj->via.map.size; i++) {
            wsis_msg_fill_empty (&obj->via.map.ptr [i].key);
            wsis_msg_fill_empty (&obj->via.map.ptr [i].val);
        }
}

bool
wsis_msg_bytes_equal (const char *a, size_t a_size, const char *b, size_t b_size)
{
    //  memcmp with a NULL pointer is undefined even for 0 bytes
    return a_size == b_size && (a_size == 0 || memcmp (a, b, a_size) == 0);
}

int
wsis_msg_check_maps (const msgpack_object *obj, wsis_error_t *error)
{
    if (obj->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            if (wsis_msg_check_maps (&obj->via.array.ptr [i], error))
                return -1;
    }
    else
    if (obj->type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_kv *kv = obj->via.map.ptr;
        uint32_t size = obj->via.map.size;
        for (uint32_t i = 0; i < size; i++) {
            if (kv [i].key.type != MSGPACK_OBJECT_STR)
                return wsis_error_set (error, "bad_request", NULL, "map keys must be strings");
            //  Quadratic, but maps on the wire are small: none in the
            //  protocol has more than a few dozen keys.
            if (size > MAP_MAX_KEYS)
                return wsis_error_set (error, "bad_request", NULL, "a map has more than %d keys",
                                       MAP_MAX_KEYS);
            const msgpack_object_str *key = &kv [i].key.via.str;
            for (uint32_t j = 0; j < i; j++)
                if (wsis_msg_bytes_equal (kv [j].key.via.str.ptr, kv [j].key.via.str.size,
                                          key->ptr, key->size))
                    return wsis_error_set (error, "bad_request", NULL,
                                           "key '%.*s' appears twice",
                                           (int) (key->size > 60? 60: key->size),
                                           key->size? key->ptr: s_empty);
            if (wsis_msg_check_maps (&kv [i].val, error))
                return -1;
        }
    }
    return 0;
}

const msgpack_object *
wsis_msg_get (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t key_len = strlen (key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr [i].key;
        if (k->type == MSGPACK_OBJECT_STR
        &&  wsis_msg_bytes_equal (k->via.str.ptr, k->via.str.size, key, key_len))
            return &map->via.map.ptr [i].val;
    }
    return NULL;
}

bool
wsis_msg_str_equals (const msgpack_object *obj, const char *text)
{
    return obj && obj->type == MSGPACK_OBJECT_STR
        && wsis_msg_bytes_equal (obj->via.str.ptr, obj->via.str.size, text, strlen (text));
}

int
wsis_msg_copy_str (const msgpack_object *obj, char *buffer, size_t min, size_t max)
{
    if (!obj || obj->type != MSGPACK_OBJECT_STR)
        return -1;
    if (obj->via.str.size < min || obj->via.str.size > max)
        return -1;
    if (obj->via.str.size)
        memcpy (buffer, obj->via.str.ptr, obj->via.str.size);
    buffer [obj->via.str.size] = 0;
    return 0;
}

bool
wsis_msg_true (const msgpack_object *obj)
{
    return obj && obj->type == MSGPACK_OBJECT_BOOLEAN && obj->via.boolean;
}
