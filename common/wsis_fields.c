/*  wsis_fields: typed, bounded reads of request fields with field-named errors. */
#include "wsis_fields.h"
#include "wsis_msg.h"
#include "wsis_valid.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

wsis_fields_t
wsis_fields (wsis_reply_t *reply, const msgpack_object *map, const char *prefix)
{
    wsis_fields_t fields = { reply, map, prefix };
    return fields;
}

const char *
wsis_fields_path (const wsis_fields_t *fields, const char *key, char *buffer, size_t size)
{
    if (fields->prefix && *fields->prefix)
        snprintf (buffer, size, "%s.%s", fields->prefix, key);
    else
        snprintf (buffer, size, "%s", key);
    return buffer;
}

int
wsis_fields_fail (const wsis_fields_t *fields, const char *key, const char *format, ...)
{
    char path [128];
    wsis_fields_path (fields, key, path, sizeof path);
    char message [400];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    return wsis_reply_fail (fields->reply, "validation", path, "'%s' %s", path, message);
}

//  The value, NULL when absent or nil. Fails a required field that is absent.
static const msgpack_object *
s_lookup (wsis_fields_t *fields, const char *key, wsis_need_t need, int *rc)
{
    const msgpack_object *value = wsis_msg_get (fields->map, key);
    if (value && value->type == MSGPACK_OBJECT_NIL)
        value = NULL;
    *rc = value? 0: need == WSIS_REQUIRED? wsis_fields_fail (fields, key, "is required"): 1;
    return value;
}

int
wsis_fields_uint (wsis_fields_t *fields, const char *key, wsis_need_t need,
                  uint64_t min, uint64_t max, uint64_t *out)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return wsis_fields_fail (fields, key, "must be an unsigned integer");
    if (value->via.u64 < min || value->via.u64 > max)
        return wsis_fields_fail (fields, key, "must be between %llu and %llu",
                                 (unsigned long long) min, (unsigned long long) max);
    *out = value->via.u64;
    return 0;
}

int
wsis_fields_int (wsis_fields_t *fields, const char *key, wsis_need_t need,
                 int64_t min, int64_t max, int64_t *out)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    int64_t number;
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        number = value->via.i64;
    else
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER && value->via.u64 <= INT64_MAX)
        number = (int64_t) value->via.u64;
    else
        return wsis_fields_fail (fields, key, "must be an integer");
    if (number < min || number > max)
        return wsis_fields_fail (fields, key, "must be between %lld and %lld",
                                 (long long) min, (long long) max);
    *out = number;
    return 0;
}

int
wsis_fields_bool (wsis_fields_t *fields, const char *key, wsis_need_t need, bool *out)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_BOOLEAN)
        return wsis_fields_fail (fields, key, "must be true or false");
    *out = value->via.boolean;
    return 0;
}

int
wsis_fields_str (wsis_fields_t *fields, const char *key, wsis_need_t need,
                 size_t min_chars, size_t max_chars, const char **out, size_t *len)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_STR)
        return wsis_fields_fail (fields, key, "must be a string");
    const char *text = value->via.str.ptr;
    size_t size = value->via.str.size;
    //  The decoder checked UTF-8 already; count characters, not bytes, so
    //  "at most 200 characters" means what a person reads.
    size_t chars = wsis_valid_char_count (text, size);
    if (chars < min_chars || chars > max_chars)
        return wsis_fields_fail (fields, key, "must have %zu to %zu characters", min_chars, max_chars);
    if (need == WSIS_REQUIRED && !wsis_valid_non_blank (text, size))
        return wsis_fields_fail (fields, key, "must not be blank");
    *out = text;
    *len = size;
    return 0;
}

int
wsis_fields_text (wsis_fields_t *fields, const char *key, wsis_need_t need,
                  size_t min_chars, size_t max_chars, char *buffer, size_t size)
{
    const char *text;
    size_t len;
    int rc = wsis_fields_str (fields, key, need, min_chars, max_chars, &text, &len);
    if (rc)
        return rc;
    if (len >= size)
        return wsis_fields_fail (fields, key, "is too long");
    memcpy (buffer, text, len);
    buffer [len] = 0;
    return 0;
}

int
wsis_fields_choice (wsis_fields_t *fields, const char *key, wsis_need_t need,
                    const char *const *values, size_t count, size_t *index)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type == MSGPACK_OBJECT_STR)
        for (size_t i = 0; i < count && values [i]; i++)
            if (strlen (values [i]) == value->via.str.size
            &&  memcmp (values [i], value->via.str.ptr, value->via.str.size) == 0) {
                *index = i;
                return 0;
            }
    char list [300] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && values [i] && used < sizeof list; i++) {
        int written = snprintf (list + used, sizeof list - used, "%s%s", i? " ": "", values [i]);
        used += written > 0? (size_t) written: 0;
    }
    return wsis_fields_fail (fields, key, "must be one of %s", list);
}

int
wsis_fields_choice_text (wsis_fields_t *fields, const char *key, wsis_need_t need,
                         const char *const *values, size_t count, char *buffer, size_t size)
{
    size_t index;
    int rc = wsis_fields_choice (fields, key, need, values, count, &index);
    //  Copied as snprintf would, cut to fit, but without its cost on the
    //  path of every vote.
    if (rc == 0 && size > 0) {
        size_t len = strnlen (values [index], size - 1);
        memcpy (buffer, values [index], len);
        buffer [len] = 0;
    }
    return rc;
}

int
wsis_fields_map (wsis_fields_t *fields, const char *key, wsis_need_t need, wsis_fields_t *out)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_MAP)
        return wsis_fields_fail (fields, key, "must be a map");
    out->reply = fields->reply;
    out->map = value;
    //  The prefix must outlive the nested reader: the key is a literal in
    //  every caller, and nesting deeper than one level uses its own path.
    out->prefix = key;
    return 0;
}

int
wsis_fields_array (wsis_fields_t *fields, const char *key, wsis_need_t need,
                   size_t min, size_t max, const msgpack_object_array **out)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return wsis_fields_fail (fields, key, "must be an array");
    if (value->via.array.size < min || value->via.array.size > max)
        return wsis_fields_fail (fields, key, "must have %zu to %zu elements", min, max);
    *out = &value->via.array;
    return 0;
}

int
wsis_fields_bin (wsis_fields_t *fields, const char *key, wsis_need_t need,
                 size_t max, const void **out, size_t *size)
{
    int rc;
    const msgpack_object *value = s_lookup (fields, key, need, &rc);
    if (!value)
        return rc;
    if (value->type != MSGPACK_OBJECT_BIN)
        return wsis_fields_fail (fields, key, "must be binary (msgpack bin)");
    if (value->via.bin.size > max)
        return wsis_fields_fail (fields, key, "must be at most %zu bytes", max);
    *out = value->via.bin.ptr;
    *size = value->via.bin.size;
    return 0;
}
