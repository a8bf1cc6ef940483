/*  test_voting_key: what the bytes of the voting key file are used for.

    The pseudonyms the vote log keys votes by, the keyed request hashes
    and the fingerprint voting.db keeps are made again at every start and
    compared with what is stored, so each must be exactly the same
    function of the key file forever: a derivation that changed (a label,
    the order of the halves) would make every voter new, and everyone
    could vote twice. So the values are checked against vectors computed
    outside this code base (Python's hmac module, with the labels of
    docs/design.md), and each output against the halves of the file it
    must and must not depend on.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "test_support.h"
#include "voting.h"

//  The vectors: key file = bytes 0..63, computed with
//      H = lambda k, m: hmac.new (k, m, hashlib.sha256).digest ()
//      pseudonym = H (H (master, b"wsis voting voter"), b"stk-1") [:16]
//      request   = siphash24 (H (master, b"wsis voting request siphash") [:16],
//                             bytes.fromhex ("0123456789abcdef"))
//                  (a SipHash-2-4 in Python after the paper, checked against
//                  its vector: key 00..0f, message 00..0e -> e545be4961ca29a1)
//      request before version 3 of the schema
//                = H (H (master, b"wsis voting request"), bytes.fromhex ("0123456789abcdef")) [:8]
//      check     = H (master, b"wsis voting key check" + receipt_key)
//      receipt   = H (receipt_key, b"prizes-2022\0C1\0sub-1\0stk-1")
#define PSEUDONYM_STK_1 "ebd14ac00bcc3dbd22e4b6b0d09ddc63"
#define REQUEST_KEYED   UINT64_C (0x64c39db41d4eb786)
#define REQUEST_KEYED_V2 UINT64_C (0xef474d4fb9534668)
#define CHECK           "146a64aa996f3f87d142656c3dd21bb0b6e6cd270e7704cc2d18038012003e52"
#define RECEIPT_MAC     "68699d9da227c99ffede6285b8c5cec655c6025bd3f8d0c978346a695df43503"

static void
s_file (unsigned char file [VOTING_KEY_SIZE])
{
    for (int i = 0; i < VOTING_KEY_SIZE; i++)
        file [i] = (unsigned char) i;
}

static void
s_expect_hex (const unsigned char *bytes, size_t size, const char *expected)
{
    char hex [2 * VOTING_MAC_SIZE + 1];
    assert_true (size <= VOTING_MAC_SIZE);
    sodium_bin2hex (hex, sizeof hex, bytes, size);
    assert_string_equal (hex, expected);
}

static void
s_pseudonym (const voting_keys_t *keys, const char *id, unsigned char out [VOTING_PSEUDONYM_SIZE])
{
    voting_key_pseudonym (keys, id, strlen (id), out);
}

static int
s_setup (void **state)
{
    return sodium_init () < 0? -1: 0;
}

//  --------------------------------------------------------------------------

static void
test_vectors (void **state)
{
    unsigned char file [VOTING_KEY_SIZE];
    s_file (file);
    voting_keys_t keys;
    voting_key_derive (&keys, file);

    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    s_pseudonym (&keys, "stk-1", pseudonym);
    s_expect_hex (pseudonym, sizeof pseudonym, PSEUDONYM_STK_1);
    assert_true (voting_key_request (&keys, UINT64_C (0x0123456789abcdef)) == REQUEST_KEYED);
    assert_true (voting_key_request_v2 (&keys, UINT64_C (0x0123456789abcdef)) == REQUEST_KEYED_V2);
    s_expect_hex (keys.check, sizeof keys.check, CHECK);

    //  The receipt key is the second half as it is: an older voting.db's
    //  secret, copied there, makes the receipts it gave
    unsigned char mac [VOTING_MAC_SIZE];
    voting_receipt_mac (&keys.receipt, "prizes-2022", "C1", "sub-1", 5, "stk-1", 5, mac);
    s_expect_hex (mac, sizeof mac, RECEIPT_MAC);
    char receipt [VOTING_RECEIPT_LEN + 1];
    voting_receipt_format (UINT64_C (0x2a), mac, receipt);
    assert_string_equal (receipt, "000000000000002a" RECEIPT_MAC);
    uint64_t vote_no = 0;
    assert_int_equal (voting_receipt_parse (receipt, strlen (receipt), &vote_no), 0);
    assert_true (vote_no == 0x2a);
}

static void
test_pseudonyms (void **state)
{
    unsigned char file [VOTING_KEY_SIZE];
    s_file (file);
    voting_keys_t keys;
    voting_key_derive (&keys, file);
    unsigned char one [VOTING_PSEUDONYM_SIZE], again [VOTING_PSEUDONYM_SIZE];
    unsigned char other [VOTING_PSEUDONYM_SIZE], longer [VOTING_PSEUDONYM_SIZE];

    //  The same voter always, another voter not, nor an id it prefixes;
    //  only the length given counts
    s_pseudonym (&keys, "stk-1", one);
    voting_key_pseudonym (&keys, "stk-1 and more", 5, again);
    assert_memory_equal (one, again, sizeof one);
    s_pseudonym (&keys, "stk-2", other);
    assert_memory_not_equal (one, other, sizeof one);
    s_pseudonym (&keys, "stk-10", longer);
    assert_memory_not_equal (one, longer, sizeof one);

    //  Nor is it the bare hash of the id: without the key nobody can
    //  make it from the voter table
    unsigned char plain [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (plain, (const unsigned char *) "stk-1", 5);
    assert_memory_not_equal (one, plain, sizeof one);

    //  It depends on the master half, not on the receipt half (which a
    //  migration takes from voting.db)
    file [VOTING_KEY_HALF] ^= 1;
    voting_key_derive (&keys, file);
    s_pseudonym (&keys, "stk-1", again);
    assert_memory_equal (one, again, sizeof one);
    file [0] ^= 1;
    voting_key_derive (&keys, file);
    s_pseudonym (&keys, "stk-1", again);
    assert_memory_not_equal (one, again, sizeof one);
}

static void
test_fingerprint_covers_both_halves (void **state)
{
    unsigned char file [VOTING_KEY_SIZE];
    s_file (file);
    voting_keys_t keys;
    voting_key_derive (&keys, file);
    unsigned char check [VOTING_MAC_SIZE];
    memcpy (check, keys.check, sizeof check);
    //  Neither half of the key is in it
    assert_null (memmem (check, sizeof check, file, 8));
    assert_null (memmem (check, sizeof check, file + VOTING_KEY_HALF, 8));

    for (size_t i = 0; i < VOTING_KEY_SIZE; i += VOTING_KEY_HALF - 1) {
        file [i] ^= 0x80;
        voting_key_derive (&keys, file);
        assert_memory_not_equal (keys.check, check, sizeof check);
        file [i] ^= 0x80;
    }
    voting_key_derive (&keys, file);
    assert_memory_equal (keys.check, check, sizeof check);
}

static void
test_request_hashes (void **state)
{
    unsigned char file [VOTING_KEY_SIZE];
    s_file (file);
    voting_keys_t keys;
    voting_key_derive (&keys, file);
    uint64_t one = voting_key_request (&keys, 1);
    assert_true (voting_key_request (&keys, 1) == one);
    assert_true (voting_key_request (&keys, 2) != one);
    assert_true (one != 1);
    //  Today's and the older function's differ
    assert_true (voting_key_request_v2 (&keys, 1) != one);
    //  The subkeys differ: a request hash is no pseudonym's prefix
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    unsigned char bytes [8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
    voting_key_pseudonym (&keys, (const char *) bytes, sizeof bytes, pseudonym);
    uint64_t prefix = 0;
    for (int i = 0; i < 8; i++)
        prefix = (prefix << 8) | pseudonym [i];
    assert_true (prefix != one);
    //  Only the master half keys it
    file [VOTING_KEY_HALF] ^= 1;
    voting_key_derive (&keys, file);
    assert_true (voting_key_request (&keys, 1) == one);
    file [3] ^= 1;
    voting_key_derive (&keys, file);
    assert_true (voting_key_request (&keys, 1) != one);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_vectors),
        cmocka_unit_test (test_pseudonyms),
        cmocka_unit_test (test_fingerprint_covers_both_halves),
        cmocka_unit_test (test_request_hashes),
    };
    return cmocka_run_group_tests (tests, s_setup, NULL);
}
