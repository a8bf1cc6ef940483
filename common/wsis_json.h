/*  wsis_json: JSON <-> msgpack for wsisctl and reports (jansson).

    Binary values have no JSON form, so a msgpack bin becomes the object
    {"$base64": "..."} and that object becomes a bin again. Integers stay
    integers (int64 / uint64), reals become float64, null is nil.
*/
#ifndef WSIS_JSON_H
#define WSIS_JSON_H

#include <jansson.h>
#include <msgpack.h>

//  Packs a JSON value. -1 (with *error set to a static message) for a
//  value that cannot be packed (bad base64, nesting deeper than 64).
int wsis_json_pack (msgpack_packer *pk, const json_t *value, const char **error);

//  A new JSON value for a msgpack object (caller owns it: json_decref).
//  Map keys that are not strings are written as their JSON text; ext values
//  become {"$ext": type, "$base64": "..."}. NULL only when out of memory.
json_t *wsis_json_from_msgpack (const msgpack_object *obj);

//  Base64 (RFC 4648, with padding). encode returns a malloc'd NUL-terminated
//  string; decode returns malloc'd bytes and their length, NULL if malformed.
char *wsis_base64_encode (const void *data, size_t size);
void *wsis_base64_decode (const char *text, size_t len, size_t *size_out);

#endif
