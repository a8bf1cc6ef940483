/*  wsis_fields: reading the fields of a request body.

    Every handler reads its arguments through these, so every bad field
    gets the same answer: `validation` with the field's dotted path
    ("contact.email") and a message, and the handler just returns -1.

        wsis_fields_t body = wsis_fields (reply, request->body, NULL);
        uint64_t after = 0;
        if (wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, UINT64_MAX, &after) < 0)
            return -1;

    Return values: 0 the field is there and valid, 1 an optional field is
    absent (or nil; *out untouched), -1 the reply has failed.
*/
#ifndef WSIS_FIELD_H
#define WSIS_FIELD_H

#include "wsis_reply.h"

#include <msgpack.h>

#include <stdbool.h>
#include <stdint.h>

typedef enum { WSIS_OPTIONAL = 0, WSIS_REQUIRED = 1 } wsis_need_t;

typedef struct {
    wsis_reply_t *reply;
    const msgpack_object *map;
    const char *prefix;         //  "contact" for fields of a nested map, or NULL
} wsis_fields_t;

wsis_fields_t wsis_fields (wsis_reply_t *reply, const msgpack_object *map, const char *prefix);

//  The dotted path of key under the prefix, into buffer.
const char *wsis_fields_path (const wsis_fields_t *fields, const char *key,
                              char *buffer, size_t size);

//  Fails the reply with `validation` on the field; returns -1.
int wsis_fields_fail (const wsis_fields_t *fields, const char *key, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

int wsis_fields_uint (wsis_fields_t *fields, const char *key, wsis_need_t need,
                      uint64_t min, uint64_t max, uint64_t *out);
int wsis_fields_int (wsis_fields_t *fields, const char *key, wsis_need_t need,
                     int64_t min, int64_t max, int64_t *out);
int wsis_fields_bool (wsis_fields_t *fields, const char *key, wsis_need_t need, bool *out);

//  A str of min..max characters (code points), pointing into the request
//  (not NUL-terminated). A required str must not be blank.
int wsis_fields_str (wsis_fields_t *fields, const char *key, wsis_need_t need,
                     size_t min_chars, size_t max_chars, const char **out, size_t *len);

//  The same, copied NUL-terminated into buffer; the str must fit in size-1
//  bytes.
int wsis_fields_text (wsis_fields_t *fields, const char *key, wsis_need_t need,
                      size_t min_chars, size_t max_chars, char *buffer, size_t size);

//  A str that must be one of a closed list: count values, or those before
//  a NULL among them. Anything else, whatever its length or type, is
//  refused with the list ("'category' must be one of C1 C2 ... C11"), so
//  the message says what to send, not a length rule. *index is the
//  value's position in values.
int wsis_fields_choice (wsis_fields_t *fields, const char *key, wsis_need_t need,
                        const char *const *values, size_t count, size_t *index);

//  The same, the value copied NUL-terminated into buffer (which must hold
//  the longest value).
int wsis_fields_choice_text (wsis_fields_t *fields, const char *key, wsis_need_t need,
                             const char *const *values, size_t count, char *buffer, size_t size);

//  A nested map: *out is a field reader for it.
int wsis_fields_map (wsis_fields_t *fields, const char *key, wsis_need_t need, wsis_fields_t *out);

//  An array of min..max elements.
int wsis_fields_array (wsis_fields_t *fields, const char *key, wsis_need_t need,
                       size_t min, size_t max, const msgpack_object_array **out);

//  A bin of at most max bytes.
int wsis_fields_bin (wsis_fields_t *fields, const char *key, wsis_need_t need,
                     size_t max, const void **out, size_t *size);

#endif
