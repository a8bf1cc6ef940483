/*  wsis_msg: reading msgpack frames that come from the wire.

    Every frame a service receives (a request, an envelope, a reply to its
    own events.since) is untrusted bytes: wsis_mpcheck walks it first, so
    msgpack-c never sees a lying length, then it is unpacked under limits.
    Decoded objects live in the msgpack_unpacked's zone, but their strings
    and bins point into the frame itself (msgpack_unpack_next does not copy
    them): keep the frame until the unpacked object is destroyed.

    msgpack-c leaves the ptr of an empty str or bin NULL, and memcmp,
    memcpy or "%.*s" with a NULL pointer is undefined even for 0 bytes (a
    map of four "" keys once stopped the fuzzer that way): wsis_msg_unpack
    points every empty str and bin at "" instead, so a decoded object never
    holds a NULL ptr. Compare msgpack bytes with wsis_msg_bytes_equal.

    The decoders of the protocol's frames are built on this: wsis_request,
    wsis_event (and wsis_reply writes the answers).
*/
#ifndef WSIS_MSG_H
#define WSIS_MSG_H

#include "wsis_error.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

#define WSIS_PROTOCOL_VERSION 1

typedef struct {
    size_t max_depth;           //  nesting of maps/arrays
    size_t max_str;             //  bytes of one string
    size_t max_bin;             //  bytes of one bin (photo images)
    size_t max_elements;        //  array elements + map pairs in total
} wsis_msg_limits_t;

//  The limits every service applies to requests and envelopes.
extern const wsis_msg_limits_t wsis_msg_default_limits;

//  Checks (wsis_mpcheck) and unpacks one untrusted msgpack frame into
//  unpacked (initialised by the caller), with no NULL ptr in it (above).
//  0, or -1 with *error bad_request.
int wsis_msg_unpack (msgpack_unpacked *unpacked, const void *data, size_t size,
                     const wsis_msg_limits_t *limits, wsis_error_t *error);

//  The same, with the decoded objects in zone (the caller's: cleared with
//  msgpack_zone_clear once object is no longer used), so that a loop that
//  decodes one frame after another keeps one zone instead of creating
//  and freeing one per frame. On failure object is undefined.
int wsis_msg_unpack_in (msgpack_zone *zone, msgpack_object *object, const void *data, size_t size,
                        const wsis_msg_limits_t *limits, wsis_error_t *error);

//  Points every empty str and bin in obj, at any depth, at "" (a static
//  string): for objects unpacked by msgpack_unpack_next directly (what a
//  service stored itself).
void wsis_msg_fill_empty (msgpack_object *obj);

//  True when the two byte strings are equal; either pointer may be NULL
//  when its size is 0.
bool wsis_msg_bytes_equal (const char *a, size_t a_size, const char *b, size_t b_size);

//  Every map in obj, at any depth, has str keys and no key twice: a
//  decoder that took the first or the last of two "voter_id"s would be a
//  hole. 0, or -1 with *error bad_request.
int wsis_msg_check_maps (const msgpack_object *obj, wsis_error_t *error);

//  The value of a str key in a map, or NULL (also when map is not a map).
const msgpack_object *wsis_msg_get (const msgpack_object *map, const char *key);

//  True when obj is the boolean true (NULL, or anything else: false), as
//  in wsis_msg_true (wsis_msg_get (reply, "ok")).
bool wsis_msg_true (const msgpack_object *obj);

//  True when obj is a str equal to text.
bool wsis_msg_str_equals (const msgpack_object *obj, const char *text);

//  Copies a str of min..max bytes into buffer (size > max) and
//  NUL-terminates it. -1 when obj is NULL, not a str, or out of bounds.
int wsis_msg_copy_str (const msgpack_object *obj, char *buffer, size_t min, size_t max);

#endif
