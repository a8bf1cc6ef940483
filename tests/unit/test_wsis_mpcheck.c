/*  test_wsis_mpcheck: the msgpack walker against hostile and broken
    frames (lengths that lie, truncation at every byte, nesting and size
    bombs, bad UTF-8, types the protocol never uses) and against what
    msgpack-c's own packer produces.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <msgpack/unpack_define.h>
#include <string.h>
#include <time.h>

#include "wsis_mpcheck.h"

//  What the walker accepts, msgpack-c must be able to unpack
_Static_assert (WSIS_MPCHECK_DEPTH_MAX <= MSGPACK_EMBED_STACK_SIZE,
                "walker nesting within msgpack-c's unpack stack");

static const wsis_mpcheck_limits_t s_limits = {
    .max_depth = 16,
    .max_str = 1024 * 1024,
    .max_bin = 4 * 1024 * 1024,
    .max_elements = 100000
};

//  The offset is set to something the walker would never report, so a
//  result that forgets to set it shows up
static wsis_mpcheck_result_t
s_check_with (const void *bytes, size_t size, const wsis_mpcheck_limits_t *limits,
              size_t *offset)
{
    *offset = SIZE_MAX;
    return wsis_mpcheck (bytes, size, limits, offset);
}

static void
s_expect_with (const void *bytes, size_t size, const wsis_mpcheck_limits_t *limits,
               wsis_mpcheck_result_t expected, size_t expected_offset)
{
    size_t offset;
    wsis_mpcheck_result_t result = s_check_with (bytes, size, limits, &offset);
    if (result != expected)
        print_error ("expected %s, got %s\n",
                     wsis_mpcheck_strerror (expected), wsis_mpcheck_strerror (result));
    assert_int_equal (result, expected);
    assert_int_equal (offset, expected_offset);
}

//  Frames are written as string literals of escapes; the length excludes
//  the terminating NUL
#define EXPECT(frame, result, offset) \
    s_expect_with ((frame), sizeof (frame) - 1, &s_limits, (result), (offset))
#define EXPECT_WITH(limits, frame, result, offset) \
    s_expect_with ((frame), sizeof (frame) - 1, (limits), (result), (offset))
#define OK WSIS_MPCHECK_OK


static void
test_empty (void **state)
{
    EXPECT ("", WSIS_MPCHECK_EMPTY, 0);
    s_expect_with (NULL, 0, &s_limits, WSIS_MPCHECK_EMPTY, 0);
}


static void
test_scalars (void **state)
{
    EXPECT ("\x00", OK, 0);
    EXPECT ("\x7f", OK, 0);
    EXPECT ("\xe0", OK, 0);                             //  -32
    EXPECT ("\xff", OK, 0);                             //  -1
    EXPECT ("\xc0", OK, 0);                             //  nil
    EXPECT ("\xc2", OK, 0);
    EXPECT ("\xc3", OK, 0);
    EXPECT ("\xca\x3f\x80\x00\x00", OK, 0);             //  1.0f
    EXPECT ("\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", OK, 0);
    EXPECT ("\xcc\xff", OK, 0);
    EXPECT ("\xcd\xff\xff", OK, 0);
    EXPECT ("\xce\xff\xff\xff\xff", OK, 0);
    EXPECT ("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", OK, 0);
    EXPECT ("\xd0\x80", OK, 0);
    EXPECT ("\xd1\x80\x00", OK, 0);
    EXPECT ("\xd2\x80\x00\x00\x00", OK, 0);
    EXPECT ("\xd3\x80\x00\x00\x00\x00\x00\x00\x00", OK, 0);
    EXPECT ("\xa0", OK, 0);                             //  ""
    EXPECT ("\xa3" "abc", OK, 0);
    EXPECT ("\xd9\x03" "abc", OK, 0);
    EXPECT ("\xda\x00\x03" "abc", OK, 0);
    EXPECT ("\xdb\x00\x00\x00\x03" "abc", OK, 0);
    EXPECT ("\xc4\x00", OK, 0);
    EXPECT ("\xc4\x03\x00\xff\xc1", OK, 0);             //  bin bytes are opaque
    EXPECT ("\xc5\x00\x01\xff", OK, 0);
    EXPECT ("\xc6\x00\x00\x00\x01\xff", OK, 0);
    EXPECT ("\x90", OK, 0);
    EXPECT ("\x80", OK, 0);
    EXPECT ("\xdc\x00\x00", OK, 0);
    EXPECT ("\xdd\x00\x00\x00\x00", OK, 0);
    EXPECT ("\xde\x00\x00", OK, 0);
    EXPECT ("\xdf\x00\x00\x00\x00", OK, 0);
    EXPECT ("\xdc\x00\x02\x01\x02", OK, 0);
    EXPECT ("\xde\x00\x01\xa1k\xc0", OK, 0);
    EXPECT ("\xdf\x00\x00\x00\x01\xa1k\xc0", OK, 0);
    EXPECT ("\xdd\x00\x00\x00\x01\xc0", OK, 0);
}


static void
test_scalars_truncated (void **state)
{
    //  Every fixed-width format and every length field, one byte short
    EXPECT ("\xca\x3f\x80\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xcb\x3f\xf0\x00\x00\x00\x00\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xcc", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xcd\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xce\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xcf\xff\xff\xff\xff\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xd0", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xd3\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xa3" "ab", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xd9", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xda\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdb\x00\x00\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xc4", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xc4\x02\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xc5\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xc6\x00\x00\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdc\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdd\x00\x00\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xde\x00", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdf\x00\x00\x00", WSIS_MPCHECK_TRUNCATED, 0);
}


//  Each must be refused from its header alone: msgpack-c would reserve
//  memory for the declared count before reading a single element
static void
test_lying_lengths (void **state)
{
    clock_t started = clock ();
    EXPECT ("\xdd\xff\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdf\xff\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xde\xff\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdc\xff\xff", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xdb\xff\xff\xff\xff" "abc", WSIS_MPCHECK_TRUNCATED, 0);   //  str32 of 4 GiB
    EXPECT ("\xc6\xff\xff\xff\xff" "abc", WSIS_MPCHECK_TRUNCATED, 0);   //  bin32 of 4 GiB
    EXPECT ("\xda\xff\xff" "abc", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\xd9\xff" "abc", WSIS_MPCHECK_TRUNCATED, 0);
    //  Counts that fit in total but not beside the siblings still owed
    EXPECT ("\x93\x01\x02", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\x82\x01\x02\x03", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\x92\x92\x01\x02", WSIS_MPCHECK_TRUNCATED, 1);
    EXPECT ("\x92\x01\xdd\x00\x00\x00\x02\x01", WSIS_MPCHECK_TRUNCATED, 2);
    //  A string that eats the bytes its siblings needed
    EXPECT ("\x92\xa3" "abc", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\x93\x01\x91\xa1" "a", WSIS_MPCHECK_TRUNCATED, 0);
    //  Nested bombs: each level declares the most it can
    EXPECT ("\x9f\x9f\x9f\x9f\x9f\x9f\x9f", WSIS_MPCHECK_TRUNCATED, 0);
    EXPECT ("\x91\xdd\xff\xff\xff\xff", WSIS_MPCHECK_TRUNCATED, 1);
    //  All of that was header arithmetic; well under a second even on a
    //  slow sanitizer build
    assert_true ((double) (clock () - started) / CLOCKS_PER_SEC < 1.0);
}


//  A request as a client would pack it, every msgpack family included.
static void
s_pack_request (msgpack_sbuffer *buffer)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);

    msgpack_pack_map (&packer, 5);
    msgpack_pack_str_with_body (&packer, "v", 1);
    msgpack_pack_int (&packer, 1);
    msgpack_pack_str_with_body (&packer, "id", 2);
    msgpack_pack_str_with_body (&packer, "req-0001", 8);
    msgpack_pack_str_with_body (&packer, "op", 2);
    msgpack_pack_str_with_body (&packer, "submission.create", 17);
    msgpack_pack_str_with_body (&packer, "actor", 5);
    msgpack_pack_map (&packer, 2);
    msgpack_pack_str_with_body (&packer, "id", 2);
    msgpack_pack_str_with_body (&packer, "u-42", 4);
    msgpack_pack_str_with_body (&packer, "role", 4);
    msgpack_pack_str_with_body (&packer, "proposer", 8);
    msgpack_pack_str_with_body (&packer, "body", 4);
    msgpack_pack_map (&packer, 11);
    //  Long enough for str8 and str16 headers, and an array16
    char summary [300];
    memset (summary, 'w', sizeof (summary));
    msgpack_pack_str_with_body (&packer, "summary", 7);
    msgpack_pack_str_with_body (&packer, summary, sizeof (summary));
    msgpack_pack_str_with_body (&packer, "beneficiaries", 13);
    msgpack_pack_array (&packer, 20);
    for (int beneficiary = 0; beneficiary < 20; beneficiary++)
        msgpack_pack_str_with_body (&packer, summary, 32 + beneficiary);
    msgpack_pack_str_with_body (&packer, "title", 5);
    msgpack_pack_str_with_body (&packer, "Caf\xc3\xa9 num\xc3\xa9rique \xe2\x82\xac \xf0\x9f\x8c\x8d", 25);
    msgpack_pack_str_with_body (&packer, "categories", 10);
    msgpack_pack_array (&packer, 2);
    msgpack_pack_str_with_body (&packer, "C1", 2);
    msgpack_pack_str_with_body (&packer, "e-gov", 5);
    msgpack_pack_str_with_body (&packer, "sdgs", 4);
    msgpack_pack_array (&packer, 3);
    msgpack_pack_int (&packer, 1);
    msgpack_pack_int (&packer, 4);
    msgpack_pack_int (&packer, 17);
    msgpack_pack_str_with_body (&packer, "score", 5);
    msgpack_pack_double (&packer, 1.5);
    msgpack_pack_str_with_body (&packer, "ratio", 5);
    msgpack_pack_float (&packer, 0.25f);
    msgpack_pack_str_with_body (&packer, "delta", 5);
    msgpack_pack_int64 (&packer, -3000000000LL);
    msgpack_pack_str_with_body (&packer, "seq", 3);
    msgpack_pack_uint64 (&packer, UINT64_MAX);
    msgpack_pack_str_with_body (&packer, "logo", 4);
    msgpack_pack_bin_with_body (&packer, "\x89PNG\r\n\x1a\n", 8);
    msgpack_pack_str_with_body (&packer, "flags", 5);
    msgpack_pack_array (&packer, 4);
    msgpack_pack_nil (&packer);
    msgpack_pack_true (&packer);
    msgpack_pack_false (&packer);
    msgpack_pack_map (&packer, 0);
}


static void
test_packed_request (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack_request (&buffer);

    s_expect_with (buffer.data, buffer.size, &s_limits, OK, 0);
    //  The offset pointer is optional
    assert_int_equal (wsis_mpcheck (buffer.data, buffer.size, &s_limits, NULL), OK);

    msgpack_sbuffer_destroy (&buffer);
}


static void
test_every_truncation (void **state)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack_request (&buffer);

    //  Cut anywhere, the request is refused as truncated, and the blame
    //  falls on an object that starts inside what was received
    for (size_t size = 1; size < buffer.size; size++) {
        size_t offset;
        wsis_mpcheck_result_t result = s_check_with (buffer.data, size, &s_limits, &offset);
        if (result != WSIS_MPCHECK_TRUNCATED)
            print_error ("prefix of %zu bytes: %s\n", size, wsis_mpcheck_strerror (result));
        assert_int_equal (result, WSIS_MPCHECK_TRUNCATED);
        assert_true (offset < size);
    }
    size_t offset;
    assert_int_equal (s_check_with (buffer.data, 0, &s_limits, &offset), WSIS_MPCHECK_EMPTY);
    assert_int_equal (s_check_with (buffer.data, buffer.size, &s_limits, &offset), OK);

    msgpack_sbuffer_destroy (&buffer);
}


static void
test_trailing (void **state)
{
    EXPECT ("\xc0\xc0", WSIS_MPCHECK_TRAILING, 1);
    EXPECT ("\x90\x00", WSIS_MPCHECK_TRAILING, 1);
    EXPECT ("\x81\xa1k\x01\x02", WSIS_MPCHECK_TRAILING, 4);
    //  Garbage after a complete object is trailing, even if it is no msgpack
    EXPECT ("\x01\xc1", WSIS_MPCHECK_TRAILING, 1);

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack_request (&buffer);
    msgpack_sbuffer_write (&buffer, "\x00", 1);
    s_expect_with (buffer.data, buffer.size, &s_limits, WSIS_MPCHECK_TRAILING, buffer.size - 1);
    //  Two whole requests in one frame are one too many
    msgpack_sbuffer_clear (&buffer);
    s_pack_request (&buffer);
    size_t single = buffer.size;
    s_pack_request (&buffer);
    s_expect_with (buffer.data, buffer.size, &s_limits, WSIS_MPCHECK_TRAILING, single);
    msgpack_sbuffer_destroy (&buffer);
}


static void
test_invalid_types (void **state)
{
    EXPECT ("\xc1", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\x92\x01\xc1", WSIS_MPCHECK_INVALID, 2);
    EXPECT ("\x81\xc1\x01", WSIS_MPCHECK_INVALID, 1);
    //  ext 8/16/32 and fixext 1/2/4/8/16
    EXPECT ("\xc7\x01\x01\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xc8\x00\x01\x01\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xc9\x00\x00\x00\x01\x01\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xd4\x01\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xd5\x01\x00\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xd6\x01\x00\x00\x00\x00", WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\xd7\xff\x00\x00\x00\x00\x00\x00\x00\x00", WSIS_MPCHECK_INVALID, 0);    //  timestamp
    EXPECT ("\xd8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            WSIS_MPCHECK_INVALID, 0);
    EXPECT ("\x81\xa1k\xd4\x01\x00", WSIS_MPCHECK_INVALID, 3);
}


static void
test_map_keys (void **state)
{
    //  Any type may be a key here; wsis_msg refuses non-str keys later
    EXPECT ("\x82\x01\xa1x\xc0\xc3", OK, 0);
    EXPECT ("\x81\x91\x01\x80", OK, 0);
    EXPECT ("\x81\xc4\x01\x00\xcb\x00\x00\x00\x00\x00\x00\x00\x00", OK, 0);
    //  ... but keys are walked like values
    EXPECT ("\x81\xa2\xc0\x80\x01", WSIS_MPCHECK_BAD_UTF8, 1);
    EXPECT ("\x81\xdd\xff\xff\xff\xff\x01", WSIS_MPCHECK_TRUNCATED, 1);
}


//  n nested arrays around nil: 91 91 ... c0
static size_t
s_nest (unsigned char *frame, size_t depth, unsigned char innermost)
{
    memset (frame, 0x91, depth);
    frame [depth] = innermost;
    return depth + 1;
}


static void
test_depth (void **state)
{
    wsis_mpcheck_limits_t limits = s_limits;
    limits.max_depth = 3;
    unsigned char frame [WSIS_MPCHECK_DEPTH_MAX + 8];

    //  Exactly at the limit, and one over
    s_expect_with (frame, s_nest (frame, 3, 0xc0), &limits, OK, 0);
    s_expect_with (frame, s_nest (frame, 4, 0xc0), &limits, WSIS_MPCHECK_TOO_DEEP, 3);
    //  An empty array is one more level too
    s_expect_with (frame, s_nest (frame, 2, 0x90), &limits, OK, 0);
    s_expect_with (frame, s_nest (frame, 3, 0x90), &limits, WSIS_MPCHECK_TOO_DEEP, 3);
    s_expect_with (frame, s_nest (frame, 3, 0x80), &limits, WSIS_MPCHECK_TOO_DEEP, 3);
    //  Maps count like arrays: {k: {k: {k: 1}}} and one more
    EXPECT_WITH (&limits, "\x81\xa1k\x81\xa1k\x81\xa1k\x01", OK, 0);
    EXPECT_WITH (&limits, "\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x01", WSIS_MPCHECK_TOO_DEEP, 9);
    //  Depth is nesting, not the number of containers: siblings are fine
    EXPECT_WITH (&limits, "\x93\x91\x91\x01\x91\x91\x02\x91\x91\x03", OK, 0);

    //  Depth 0: only a scalar will do
    limits.max_depth = 0;
    EXPECT_WITH (&limits, "\x01", OK, 0);
    EXPECT_WITH (&limits, "\x90", WSIS_MPCHECK_TOO_DEEP, 0);

    //  The fixed stack caps whatever the caller asks for
    limits.max_depth = 1000;
    s_expect_with (frame, s_nest (frame, WSIS_MPCHECK_DEPTH_MAX, 0xc0), &limits, OK, 0);
    s_expect_with (frame, s_nest (frame, WSIS_MPCHECK_DEPTH_MAX + 1, 0xc0), &limits,
                   WSIS_MPCHECK_TOO_DEEP, WSIS_MPCHECK_DEPTH_MAX);

    //  The deepest frame the walker lets through, msgpack-c unpacks
    size_t size = s_nest (frame, WSIS_MPCHECK_DEPTH_MAX, 0xc0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t consumed = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, (const char *) frame, size, &consumed),
                      MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (consumed, size);
    msgpack_unpacked_destroy (&unpacked);
}


static void
test_elements (void **state)
{
    wsis_mpcheck_limits_t limits = s_limits;
    limits.max_elements = 3;
    EXPECT_WITH (&limits, "\x93\x01\x02\x03", OK, 0);
    EXPECT_WITH (&limits, "\x94\x01\x02\x03\x04", WSIS_MPCHECK_TOO_LARGE, 0);
    //  Counts accumulate over the whole object: 2 + 1 + 1
    EXPECT_WITH (&limits, "\x92\x91\x01\x91\x02", WSIS_MPCHECK_TOO_LARGE, 3);
    //  A map counts its pairs: 1 + 2
    EXPECT_WITH (&limits, "\x81\xa1k\x82\x01\x02\x03\x04", OK, 0);
    EXPECT_WITH (&limits, "\x81\xa1k\x83\x01\x02\x03\x04\x05\x06", WSIS_MPCHECK_TOO_LARGE, 3);
    //  Keys count too: {[1, 2]: [3]} is 1 + 2 + 1
    EXPECT_WITH (&limits, "\x81\x92\x01\x02\x91\x03", WSIS_MPCHECK_TOO_LARGE, 4);
    //  Empty containers cost nothing
    EXPECT_WITH (&limits, "\x93\x90\x80\x90", OK, 0);

    limits.max_elements = 0;
    EXPECT_WITH (&limits, "\x90", OK, 0);
    EXPECT_WITH (&limits, "\x91\x01", WSIS_MPCHECK_TOO_LARGE, 0);

    //  A full buffer of elements, well-formed, still over the limit
    limits.max_elements = 99999;
    static unsigned char frame [5 + 100000];
    memcpy (frame, "\xdd\x00\x01\x86\xa0", 5);          //  array32 of 100000
    memset (frame + 5, 0xc0, 100000);
    s_expect_with (frame, sizeof (frame), &limits, WSIS_MPCHECK_TOO_LARGE, 0);
    limits.max_elements = 100000;
    s_expect_with (frame, sizeof (frame), &limits, OK, 0);
}


static void
test_string_limits (void **state)
{
    wsis_mpcheck_limits_t limits = s_limits;
    limits.max_str = 4;
    limits.max_bin = 2;
    EXPECT_WITH (&limits, "\xa4" "abcd", OK, 0);
    EXPECT_WITH (&limits, "\xa5" "abcde", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xd9\x05" "abcde", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xda\x00\x05" "abcde", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xdb\x00\x00\x00\x05" "abcde", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\x92\x01\xa5" "abcde", WSIS_MPCHECK_TOO_LARGE, 2);
    //  UTF-8 length is in bytes: two characters, four bytes
    EXPECT_WITH (&limits, "\xa4\xc3\xa9\xc3\xa9", OK, 0);
    EXPECT_WITH (&limits, "\xa6\xc3\xa9\xc3\xa9\xc3\xa9", WSIS_MPCHECK_TOO_LARGE, 0);

    EXPECT_WITH (&limits, "\xc4\x02\x00\x00", OK, 0);
    EXPECT_WITH (&limits, "\xc4\x03\x00\x00\x00", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xc5\x00\x03\x00\x00\x00", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xc6\x00\x00\x00\x03\x00\x00\x00", WSIS_MPCHECK_TOO_LARGE, 0);
    //  The str and bin limits are separate
    EXPECT_WITH (&limits, "\xc4\x04" "abcd", WSIS_MPCHECK_TOO_LARGE, 0);
    EXPECT_WITH (&limits, "\xa2" "ab", OK, 0);
}


static void
test_utf8 (void **state)
{
    EXPECT ("\xa2\xc3\xa9", OK, 0);
    EXPECT ("\xa4\xf4\x8f\xbf\xbf", OK, 0);                     //  U+10FFFF
    EXPECT ("\xa2\xc0\x80", WSIS_MPCHECK_BAD_UTF8, 0);          //  overlong NUL
    EXPECT ("\xa3\xe0\x80\x80", WSIS_MPCHECK_BAD_UTF8, 0);      //  overlong
    EXPECT ("\xa3\xed\xa0\x80", WSIS_MPCHECK_BAD_UTF8, 0);      //  surrogate
    EXPECT ("\xa4\xf4\x90\x80\x80", WSIS_MPCHECK_BAD_UTF8, 0);  //  > U+10FFFF
    EXPECT ("\xa1\x80", WSIS_MPCHECK_BAD_UTF8, 0);              //  stray continuation
    EXPECT ("\xa3" "a\x80" "b", WSIS_MPCHECK_BAD_UTF8, 0);
    EXPECT ("\xa1\xff", WSIS_MPCHECK_BAD_UTF8, 0);
    //  A sequence cut by the str's own length, with the rest outside it
    EXPECT ("\x92\xa1\xc3\xa1\xa9", WSIS_MPCHECK_BAD_UTF8, 1);
    EXPECT ("\x92\x01\xa2\xc0\x80", WSIS_MPCHECK_BAD_UTF8, 2);
    //  bin is not text
    EXPECT ("\xc4\x02\xc0\x80", OK, 0);
}


static void
test_strerror (void **state)
{
    for (int result = WSIS_MPCHECK_OK; result <= WSIS_MPCHECK_EMPTY; result++) {
        const char *phrase = wsis_mpcheck_strerror ((wsis_mpcheck_result_t) result);
        assert_non_null (phrase);
        assert_true (strlen (phrase) > 0);
        for (int other = WSIS_MPCHECK_OK; other < result; other++)
            assert_string_not_equal (phrase,
                                     wsis_mpcheck_strerror ((wsis_mpcheck_result_t) other));
    }
    assert_string_equal (wsis_mpcheck_strerror (WSIS_MPCHECK_TRUNCATED), "truncated");
    assert_string_equal (wsis_mpcheck_strerror (WSIS_MPCHECK_BAD_UTF8),
                         "invalid UTF-8 in a string");
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_scalars),
        cmocka_unit_test (test_scalars_truncated),
        cmocka_unit_test (test_lying_lengths),
        cmocka_unit_test (test_packed_request),
        cmocka_unit_test (test_every_truncation),
        cmocka_unit_test (test_trailing),
        cmocka_unit_test (test_invalid_types),
        cmocka_unit_test (test_map_keys),
        cmocka_unit_test (test_depth),
        cmocka_unit_test (test_elements),
        cmocka_unit_test (test_string_limits),
        cmocka_unit_test (test_utf8),
        cmocka_unit_test (test_strerror),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
