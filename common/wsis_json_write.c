/*  wsis_json_write: msgpack -> compact JSON text in one pass.

    Each value is written as jansson would dump the value
    wsis_json_from_msgpack builds for it (test_wsis_json_write.c compares
    the two on every kind of value): strings escaped as jansson escapes
    them (\" \\ \b \f \n \r \t, other control characters \u00XX, nothing
    else), reals as jansson formats them ("%.17g", ".0" added to one that
    reads as an integer, no '+' or leading zeros in the exponent).
*/
#include "wsis_json_write.h"
#include "wsis_json.h"
#include "wsis_valid.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_put (msgpack_sbuffer *out, const char *text, size_t size)
{
    return size? msgpack_sbuffer_write (out, text, size): 0;
}

#define S_PUT_LITERAL(out, text) s_put ((out), (text), sizeof (text) - 1)

//  A str known to be UTF-8, quoted and escaped.
static int
s_put_string (msgpack_sbuffer *out, const char *text, size_t size)
{
    if (size == 0)
        return S_PUT_LITERAL (out, "\"\"");      //  its pointer may be NULL
    if (S_PUT_LITERAL (out, "\""))
        return -1;
    size_t start = 0;
    for (size_t at = 0; at < size; at++) {
        unsigned char c = (unsigned char) text [at];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char escape [8];
        size_t length = 2;
        escape [0] = '\\';
        switch (c) {
            case '"':  escape [1] = '"'; break;
            case '\\': escape [1] = '\\'; break;
            case '\b': escape [1] = 'b'; break;
            case '\f': escape [1] = 'f'; break;
            case '\n': escape [1] = 'n'; break;
            case '\r': escape [1] = 'r'; break;
            case '\t': escape [1] = 't'; break;
            default:
                length = (size_t) snprintf (escape, sizeof escape, "\\u%04X", c);
        }
        if (s_put (out, text + start, at - start) || s_put (out, escape, length))
            return -1;
        start = at + 1;
    }
    return s_put (out, text + start, size - start) || S_PUT_LITERAL (out, "\"");
}

//  {"$base64":"..."} or {"$ext":type,"$base64":"..."}
static int
s_put_base64 (msgpack_sbuffer *out, const void *bytes, size_t size, const int8_t *ext_type)
{
    char *text = wsis_base64_encode (bytes, size);
    if (!text)
        return -1;
    char head [32];
    int length = ext_type? snprintf (head, sizeof head, "{\"$ext\":%d,", *ext_type):
                           snprintf (head, sizeof head, "{");
    int rc = s_put (out, head, (size_t) length)
          || S_PUT_LITERAL (out, "\"$base64\":\"")
          || s_put (out, text, strlen (text))
          || S_PUT_LITERAL (out, "\"}");
    free (text);
    return rc? -1: 0;
}

static int
s_put_real (msgpack_sbuffer *out, double value)
{
    if (!isfinite (value))
        return S_PUT_LITERAL (out, "null");
    char text [40];
    int length = snprintf (text, sizeof text - 2, "%.17g", value);
    if (length < 0 || (size_t) length >= sizeof text - 2)
        return -1;
    if (!strchr (text, '.') && !strchr (text, 'e')) {
        memcpy (text + length, ".0", 3);
        length += 2;
    }
    char *exponent = strchr (text, 'e');
    if (exponent) {
        char *start = exponent + 1;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove (start, end, strlen (end) + 1);
            length = (int) strlen (text);
        }
    }
    return s_put (out, text, (size_t) length);
}

//  A key: a str that is UTF-8 as itself, anything else as its JSON text.
static int
s_put_key (msgpack_sbuffer *out, const msgpack_object *key)
{
    if (key->type == MSGPACK_OBJECT_STR && wsis_valid_utf8 (key->via.str.ptr, key->via.str.size))
        return s_put_string (out, key->via.str.ptr, key->via.str.size);
    msgpack_sbuffer text;
    msgpack_sbuffer_init (&text);
    int rc = wsis_json_write (&text, key) || s_put_string (out, text.data? text.data: "", text.size);
    msgpack_sbuffer_destroy (&text);
    return rc? -1: 0;
}

int
wsis_json_write (msgpack_sbuffer *out, const msgpack_object *obj)
{
    char number [24];
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL:
            return S_PUT_LITERAL (out, "null");
        case MSGPACK_OBJECT_BOOLEAN:
            return obj->via.boolean? S_PUT_LITERAL (out, "true"): S_PUT_LITERAL (out, "false");
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (obj->via.u64 > INT64_MAX)
                return s_put_real (out, (double) obj->via.u64);
            return s_put (out, number, (size_t) snprintf (number, sizeof number, "%" PRIu64, obj->via.u64));
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            return s_put (out, number, (size_t) snprintf (number, sizeof number, "%" PRId64, obj->via.i64));
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            return s_put_real (out, obj->via.f64);
        case MSGPACK_OBJECT_STR:
            if (wsis_valid_utf8 (obj->via.str.ptr, obj->via.str.size))
                return s_put_string (out, obj->via.str.ptr, obj->via.str.size);
            return s_put_base64 (out, obj->via.str.ptr, obj->via.str.size, NULL);
        case MSGPACK_OBJECT_BIN:
            return s_put_base64 (out, obj->via.bin.ptr, obj->via.bin.size, NULL);
        case MSGPACK_OBJECT_EXT:
            return s_put_base64 (out, obj->via.ext.ptr, obj->via.ext.size, &obj->via.ext.type);
        case MSGPACK_OBJECT_ARRAY:
            if (S_PUT_LITERAL (out, "["))
                return -1;
            for (uint32_t index = 0; index < obj->via.array.size; index++)
                if ((index && S_PUT_LITERAL (out, ","))
                ||  wsis_json_write (out, &obj->via.array.ptr [index]))
                    return -1;
            return S_PUT_LITERAL (out, "]");
        case MSGPACK_OBJECT_MAP:
            if (S_PUT_LITERAL (out, "{"))
                return -1;
            for (uint32_t index = 0; index < obj->via.map.size; index++)
                if ((index && S_PUT_LITERAL (out, ","))
                ||  s_put_key (out, &obj->via.map.ptr [index].key)
                ||  S_PUT_LITERAL (out, ":")
                ||  wsis_json_write (out, &obj->via.map.ptr [index].val))
                    return -1;
            return S_PUT_LITERAL (out, "}");
    }
    //  An object msgpack-c did not build: as wsis_json_from_msgpack shows it
    return S_PUT_LITERAL (out, "null");
}
