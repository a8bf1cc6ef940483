/*  test_wsis_hash: FNV-1a 64, the one hash function of wsis.

    The vote log stores the hash of each request, so a value computed
    today must be the value computed by every later build: the tests pin
    the function to published FNV-1a vectors and to values computed once
    by an independent implementation (bytes above 0x7f included, where a
    signed char would go wrong). Hashing in parts must give the hash of
    the whole, because callers hash a key field by field.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "wsis_hash.h"

//  --------------------------------------------------------------------------
//  Known values

static void
test_vectors (void **state)
{
    //  From the FNV reference (draft-eastlake-fnv, test vectors for FNV-1a 64)
    assert_true (wsis_hash ("", 0) == 0xcbf29ce484222325ULL);
    assert_true (wsis_hash ("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true (wsis_hash ("foobar", 6) == 0x85944171f73967e8ULL);
    assert_true (wsis_hash ("\0", 1) == 0xaf63bd4c8601b7dfULL);
    //  The empty hash is where every hash starts
    assert_true (WSIS_HASH_START == 0xcbf29ce484222325ULL);
    //  The size counts, not a NUL
    assert_true (wsis_hash ("foobarbaz", 6) == 0x85944171f73967e8ULL);
    assert_true (wsis_hash (NULL, 0) == WSIS_HASH_START);
}

static void
test_stored_values (void **state)
{
    //  Computed once with a separate FNV-1a in Python; these are the kind
    //  of values the vote log holds. If one changes, old logs no longer
    //  match new requests.
    assert_true (wsis_hash ("\xff", 1) == 0xaf64724c8602eb6eULL);
    assert_true (wsis_hash ("stakeholder-0000001", 19) == 0x78a1feb6545cf581ULL);
    const char request [] = "WSIS Prizes 2024\x1fvote.cast";
    assert_true (wsis_hash (request, sizeof request - 1) == 0x966d549976403cdeULL);

    unsigned char every_byte [256];
    for (size_t index = 0; index < sizeof every_byte; index++)
        every_byte [index] = (unsigned char) index;
    assert_true (wsis_hash (every_byte, sizeof every_byte) == 0x4242dc5249c33625ULL);

    //  A large buffer: no state kept in anything narrower than 64 bits
    size_t size = 1 << 20;
    unsigned char *pattern = (unsigned char *) malloc (size);
    assert_non_null (pattern);
    for (size_t index = 0; index < size; index++)
        pattern [index] = (unsigned char) (index * 7);
    assert_true (wsis_hash (pattern, size) == 0xce95ba6121522325ULL);
    free (pattern);
}

//  --------------------------------------------------------------------------
//  Hashing in parts

//  Every way of cutting text in two, and in three, hashes like the whole
static void
s_expect_parts_equal_whole (const char *text, size_t size)
{
    uint64_t whole = wsis_hash (text, size);
    for (size_t cut = 0; cut <= size; cut++) {
        uint64_t hash = wsis_hash_add (WSIS_HASH_START, text, cut);
        assert_true (wsis_hash_add (hash, text + cut, size - cut) == whole);
        for (size_t second = cut; second <= size; second++) {
            uint64_t three = wsis_hash_add (hash, text + cut, second - cut);
            assert_true (wsis_hash_add (three, text + second, size - second) == whole);
        }
    }
}

static void
test_add (void **state)
{
    s_expect_parts_equal_whole ("foobar", 6);
    const char key [] = "stakeholder\x1fstk-42\x1freq-1\x1f\x80\xff\x00tail";
    s_expect_parts_equal_whole (key, sizeof key - 1);

    //  Adding nothing leaves the hash as it was
    assert_true (wsis_hash_add (0x1234, "x", 0) == 0x1234);
    //  "foo" then "bar" is "foobar"; a separator makes ("foo","bar")
    //  differ from ("foob","ar")
    assert_true (wsis_hash_add (wsis_hash ("foo", 3), "bar", 3) == 0x85944171f73967e8ULL);
    uint64_t left = wsis_hash_add (wsis_hash_add (wsis_hash ("foo", 3), "\x1f", 1), "bar", 3);
    uint64_t right = wsis_hash_add (wsis_hash_add (wsis_hash ("foob", 4), "\x1f", 1), "ar", 2);
    assert_true (left != right);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_vectors),
        cmocka_unit_test (test_stored_values),
        cmocka_unit_test (test_add),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
