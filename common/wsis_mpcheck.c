/*  wsis_mpcheck: walks untrusted msgpack bytes before anything unpacks them.

    One pass, no allocation, no recursion: a frame per open array or map
    holds how many objects it still owes, in a fixed array bounded by
    WSIS_MPCHECK_DEPTH_MAX. Every length an object declares is compared
    with the bytes actually left before it is believed, so a hostile frame
    costs at most one pass over its own bytes.
*/
#include "wsis_mpcheck.h"
#include "wsis_valid.h"

#include <assert.h>
#include <stdbool.h>

typedef struct {
    uint64_t owed;              //  objects still to come (2 per map pair)
    size_t start;               //  offset of the array or map header
} s_frame_t;

typedef enum {
    S_SCALAR,                   //  fixed payload of `width` bytes
    S_STR,                      //  length in `width` bytes, then UTF-8
    S_BIN,                      //  length in `width` bytes, then bytes
    S_ARRAY,                    //  count in `width` bytes (0: in the tag)
    S_MAP,
    S_REJECTED                  //  0xc1 and every ext
} s_kind_t;


//  --------------------------------------------------------------------------
//  Reads a big-endian unsigned integer of width 1, 2 or 4 bytes.

static uint64_t
s_read_be (const unsigned char *p, size_t width)
{
    uint64_t value = 0;
    for (size_t index = 0; index < width; index++)
        value = (value << 8) | p [index];
    return value;
}


//  --------------------------------------------------------------------------
//  Classifies a tag byte (msgpack spec, "Formats" overview). For fix
//  formats the length or count is stored in *inline_count and width is 0.

static s_kind_t
s_classify (unsigned char tag, size_t *width, uint64_t *inline_count)
{
    *width = 0;
    *inline_count = 0;
    if (tag <= 0x7f || tag >= 0xe0)
        return S_SCALAR;                        //  positive/negative fixint
    if (tag <= 0x8f) {
        *inline_count = tag & 0x0f;
        return S_MAP;
    }
    if (tag <= 0x9f) {
        *inline_count = tag & 0x0f;
        return S_ARRAY;
    }
    if (tag <= 0xbf) {
        *inline_count = tag & 0x1f;
        return S_STR;
    }
    switch (tag) {
        case 0xc0:                              //  nil
        case 0xc2:                              //  false
        case 0xc3:                              //  true
            return S_SCALAR;
        case 0xc4: *width = 1; return S_BIN;
        case 0xc5: *width = 2; return S_BIN;
        case 0xc6: *width = 4; return S_BIN;
        case 0xca: *width = 4; return S_SCALAR; //  float 32
        case 0xcb: *width = 8; return S_SCALAR; //  float 64
        case 0xcc: case 0xd0: *width = 1; return S_SCALAR;
        case 0xcd: case 0xd1: *width = 2; return S_SCALAR;
        case 0xce: case 0xd2: *width = 4; return S_SCALAR;
        case 0xcf: case 0xd3: *width = 8; return S_SCALAR;
        case 0xd9: *width = 1; return S_STR;
        case 0xda: *width = 2; return S_STR;
        case 0xdb: *width = 4; return S_STR;
        case 0xdc: *width = 2; return S_ARRAY;
        case 0xdd: *width = 4; return S_ARRAY;
        case 0xde: *width = 2; return S_MAP;
        case 0xdf: *width = 4; return S_MAP;
        default:
            //  0xc1 is never used; 0xc7..0xc9 and 0xd4..0xd8 are ext,
            //  which no wsis message carries, so they can only be an
            //  attack on msgpack-c's ext handling or garbage
            return S_REJECTED;
    }
}


wsis_mpcheck_result_t
wsis_mpcheck (const void *data, size_t size,
              const wsis_mpcheck_limits_t *limits, size_t *offset)
{
    assert (limits);
    assert (data || size == 0);
    const unsigned char *bytes = (const unsigned char *) data;

    size_t max_depth = limits->max_depth;
    if (max_depth > WSIS_MPCHECK_DEPTH_MAX)
        max_depth = WSIS_MPCHECK_DEPTH_MAX;

    s_frame_t stack [WSIS_MPCHECK_DEPTH_MAX];
    size_t depth = 0;
    //  Sum of `owed` over the stack: each of those objects takes at least
    //  one byte, which bounds every count a container may declare by the
    //  bytes left, whatever the nesting. Every frame owes at least one,
    //  so owed_total >= depth.
    uint64_t owed_total = 0;
    uint64_t elements = 0;
    size_t position = 0;
    size_t culprit = 0;
    wsis_mpcheck_result_t result = WSIS_MPCHECK_OK;

    if (size == 0) {
        result = WSIS_MPCHECK_EMPTY;
        goto done;
    }
    while (true) {
        if (position == size) {
            //  A string swallowed the bytes its siblings were owed
            assert (depth > 0);
            culprit = stack [depth - 1].start;
            result = WSIS_MPCHECK_TRUNCATED;
            goto done;
        }
        size_t start = position;
        culprit = start;
        size_t width;
        uint64_t count;
        s_kind_t kind = s_classify (bytes [position++], &width, &count);
        if (kind == S_REJECTED) {
            result = WSIS_MPCHECK_INVALID;
            goto done;
        }
        //  The fixed part after the tag: a scalar's payload or a length
        if (width > size - position) {
            result = WSIS_MPCHECK_TRUNCATED;
            goto done;
        }
        if (kind == S_SCALAR) {
            position += width;
        }
        else {
            if (width > 0) {
                count = s_read_be (bytes + position, width);
                position += width;
            }
            size_t left = size - position;
            if (kind == S_STR || kind == S_BIN) {
                if (count > left) {
                    result = WSIS_MPCHECK_TRUNCATED;
                    goto done;
                }
                if (count > (kind == S_STR? limits->max_str: limits->max_bin)) {
                    result = WSIS_MPCHECK_TOO_LARGE;
                    goto done;
                }
                if (kind == S_STR
                && !wsis_valid_utf8 ((const char *) bytes + position, (size_t) count)) {
                    result = WSIS_MPCHECK_BAD_UTF8;
                    goto done;
                }
                position += (size_t) count;
            }
            else {
                //  Truncation first: a count no buffer could hold is a
                //  malformed frame, whatever the limits. The children
                //  must fit beside what is still owed after them: each
                //  open frame's current object is either this container
                //  or an open container above it, paid for by its header,
                //  so one per frame is already settled.
                //  count < 2^32, so doubling it cannot overflow 64 bits
                uint64_t owed = kind == S_MAP? 2 * count: count;
                uint64_t still_owed = owed_total - depth;
                if (still_owed > left || owed > left - still_owed) {
                    result = WSIS_MPCHECK_TRUNCATED;
                    goto done;
                }
                //  Empty containers nest too: [[[]]] is three deep
                if (depth >= max_depth) {
                    result = WSIS_MPCHECK_TOO_DEEP;
                    goto done;
                }
                if (count > limits->max_elements - elements) {
                    result = WSIS_MPCHECK_TOO_LARGE;
                    goto done;
                }
                elements += count;
                if (owed > 0) {
                    stack [depth].owed = owed;
                    stack [depth].start = start;
                    depth++;
                    owed_total += owed;
                    continue;       //  the container completes with its last child
                }
            }
        }
        //  One object is complete: it pays what its container owed, and
        //  the last child of a container completes the container in turn
        while (depth > 0) {
            owed_total--;
            if (--stack [depth - 1].owed > 0)
                break;
            depth--;
        }
        if (depth == 0)
            break;
    }
    if (position < size) {
        culprit = position;
        result = WSIS_MPCHECK_TRAILING;
    }

done:
    if (offset)
        *offset = result == WSIS_MPCHECK_OK? 0: culprit;
    return result;
}


const char *
wsis_mpcheck_strerror (wsis_mpcheck_result_t result)
{
    switch (result) {
        case WSIS_MPCHECK_OK:        return "well-formed";
        case WSIS_MPCHECK_TRUNCATED: return "truncated";
        case WSIS_MPCHECK_TRAILING:  return "trailing bytes after the object";
        case WSIS_MPCHECK_INVALID:   return "invalid or unsupported msgpack type";
        case WSIS_MPCHECK_TOO_DEEP:  return "nested too deeply";
        case WSIS_MPCHECK_TOO_LARGE: return "a string, binary or collection is too large";
        case WSIS_MPCHECK_BAD_UTF8:  return "invalid UTF-8 in a string";
        case WSIS_MPCHECK_EMPTY:     return "empty";
    }
    return "unknown result";
}
