/*  wsis_mpcheck: walks untrusted msgpack bytes before anything unpacks them.

    msgpack-c's unpacker trusts the lengths an input declares: the five
    bytes dd ff ff ff ff make it try to allocate room for 4 billion array
    elements (msgpack-c issue #1013). This walker checks, without
    allocating, that the buffer holds exactly one well-formed object whose
    every declared size fits in the bytes actually present, within depth
    and size limits, with valid UTF-8 in every str. Only then does
    wsis_msg hand the bytes to msgpack_unpack.
*/
#ifndef WSIS_MPCHECK_H
#define WSIS_MPCHECK_H

#include <stddef.h>
#include <stdint.h>

//  The walker keeps its stack of open arrays and maps in a fixed array on
//  the C stack, so it never allocates; a max_depth above this is treated
//  as this. It is msgpack-c's own nesting limit (MSGPACK_EMBED_STACK_SIZE):
//  anything deeper that passed here would still fail in msgpack_unpack.
#define WSIS_MPCHECK_DEPTH_MAX 32

typedef struct {
    size_t max_depth;           //  nesting of arrays/maps, e.g. 16; a
                                //  top-level map is depth 1
    size_t max_str;             //  bytes of one str, e.g. 1 MiB
    size_t max_bin;             //  bytes of one bin, e.g. 4 MiB
    size_t max_elements;        //  array elements + map pairs in total
} wsis_mpcheck_limits_t;

typedef enum {
    WSIS_MPCHECK_OK = 0,
    WSIS_MPCHECK_TRUNCATED,     //  a declared size runs past the end
    WSIS_MPCHECK_TRAILING,      //  bytes after the first object
    WSIS_MPCHECK_INVALID,       //  0xc1, or an ext type
    WSIS_MPCHECK_TOO_DEEP,
    WSIS_MPCHECK_TOO_LARGE,     //  a str/bin/element count over the limits
    WSIS_MPCHECK_BAD_UTF8,
    WSIS_MPCHECK_EMPTY
} wsis_mpcheck_result_t;

//  Checks data[0..size). On failure *offset (if not NULL) is the byte
//  offset of the first offending object.
wsis_mpcheck_result_t wsis_mpcheck (const void *data, size_t size,
                                    const wsis_mpcheck_limits_t *limits, size_t *offset);

//  A short English phrase for a result ("truncated", "invalid UTF-8 in a string").
const char *wsis_mpcheck_strerror (wsis_mpcheck_result_t result);

#endif
