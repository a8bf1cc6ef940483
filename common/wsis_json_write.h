/*  wsis_json_write: a msgpack object written straight as compact JSON
    text, without building a jansson tree first.

    The text is what json_dumps (wsis_json_from_msgpack (obj), JSON_COMPACT)
    gives (wsis_json.h: bin and invalid UTF-8 as {"$base64": ...}, ext as
    {"$ext": type, "$base64": ...}, a key that is not a str as its JSON
    text, NaN and infinity as null, a uint64 above INT64_MAX as a real),
    with one difference: a map's pairs are all written, in order, so a
    repeated key stays repeated where jansson keeps its last value. The
    services never repeat a key; the gateway writes their replies this way
    because a tree costs an allocation per value.
*/
#ifndef WSIS_JSON_WRITE_H
#define WSIS_JSON_WRITE_H

#include <msgpack.h>

//  Appends the JSON text of obj to out (not NUL-terminated). 0, or -1
//  when out of memory (out then holds part of the text).
int wsis_json_write (msgpack_sbuffer *out, const msgpack_object *obj);

#endif
