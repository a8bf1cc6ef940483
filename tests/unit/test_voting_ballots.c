/*  test_voting_ballots: the pseudonyms of the voters who voted, numbered.

    A ballot number is what the vote index and the per-poll counts hold,
    so a registry that finds the wrong number moves a vote to another
    voter (already_voted for a first vote, or a second vote let through).
    The table hashes a pseudonym by its first 8 bytes only, so the tests
    add pseudonyms that share those bytes and differ after, which a
    comparison of the hashed part alone would take for one another; grow
    the registry to 100,000 ballots across several growths and find every
    one after; and check the table's invariants (as many occupied slots as
    ballots, at most half full).
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

#define MANY 100000

//  A pseudonym made of n: the first 8 bytes from prefix, the last 8 from n
static void
s_pseudonym (unsigned char out [VOTING_PSEUDONYM_SIZE], uint64_t prefix, uint64_t n)
{
    memcpy (out, &prefix, 8);
    memcpy (out + 8, &n, 8);
}

static void
s_expect_shape (const voting_ballots_t *ballots)
{
    if (!ballots->slots) {
        assert_int_equal (ballots->count, 0);
        return;
    }
    size_t capacity = ballots->slot_mask + 1;
    assert_int_equal (capacity & ballots->slot_mask, 0);
    assert_true (ballots->count * 2 <= capacity);
    assert_true (ballots->count < ballots->alloc);
    size_t occupied = 0;
    for (size_t slot = 0; slot < capacity; slot++)
        if (ballots->slots [slot]) {
            assert_true (ballots->slots [slot] <= ballots->count);
            occupied++;
        }
    assert_int_equal (occupied, ballots->count);
}

static uint32_t
s_add (voting_ballots_t *ballots, const unsigned char *pseudonym)
{
    assert_int_equal (voting_ballots_find (ballots, pseudonym), 0);
    assert_int_equal (voting_ballots_reserve (ballots), 0);
    uint32_t ballot_no = voting_ballots_add (ballots, pseudonym);
    assert_int_equal (ballot_no, ballots->count);
    return ballot_no;
}

//  --------------------------------------------------------------------------

static void
test_empty (void **state)
{
    voting_ballots_t ballots = { 0 };
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE] = { 0 };
    assert_int_equal (voting_ballots_find (&ballots, pseudonym), 0);
    s_expect_shape (&ballots);
    voting_ballots_reset (&ballots);
}

static void
test_same_hash_different_pseudonyms (void **state)
{
    voting_ballots_t ballots = { 0 };
    unsigned char one [VOTING_PSEUDONYM_SIZE], two [VOTING_PSEUDONYM_SIZE];
    unsigned char three [VOTING_PSEUDONYM_SIZE];
    s_pseudonym (one, 42, 1);
    s_pseudonym (two, 42, 2);
    s_pseudonym (three, 42, 3);
    assert_int_equal (s_add (&ballots, one), 1);
    assert_int_equal (voting_ballots_find (&ballots, two), 0);
    assert_int_equal (s_add (&ballots, two), 2);
    assert_int_equal (voting_ballots_find (&ballots, one), 1);
    assert_int_equal (voting_ballots_find (&ballots, two), 2);
    assert_int_equal (voting_ballots_find (&ballots, three), 0);
    //  Differing in the last byte only is another voter too
    one [VOTING_PSEUDONYM_SIZE - 1] ^= 0x80;
    assert_int_equal (voting_ballots_find (&ballots, one), 0);
    s_expect_shape (&ballots);
    voting_ballots_reset (&ballots);
}

//  The pseudonym of ballot n of test_many, or (other) one with the same
//  first bytes that never voted. The first bytes are uniform, as an HMAC
//  gives, but every 16th pseudonym shares them with the one before.
static void
s_many (unsigned char out [VOTING_PSEUDONYM_SIZE], uint64_t n, bool other)
{
    unsigned char hash [crypto_hash_sha256_BYTES];
    uint64_t seed = n - (n % 16 == 0);
    crypto_hash_sha256 (hash, (const unsigned char *) &seed, sizeof seed);
    uint64_t prefix;
    memcpy (&prefix, hash, sizeof prefix);
    s_pseudonym (out, prefix, other? n + MANY: n);
}

static void
test_many (void **state)
{
    voting_ballots_t ballots = { 0 };
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    for (uint64_t n = 1; n <= MANY; n++) {
        s_many (pseudonym, n, false);
        assert_int_equal (s_add (&ballots, pseudonym), n);
    }
    s_expect_shape (&ballots);
    for (uint64_t n = 1; n <= MANY; n++) {
        s_many (pseudonym, n, false);
        assert_int_equal (voting_ballots_find (&ballots, pseudonym), n);
        s_many (pseudonym, n, true);
        assert_int_equal (voting_ballots_find (&ballots, pseudonym), 0);
    }
    voting_ballots_reset (&ballots);
    assert_null (ballots.slots);
    assert_int_equal (ballots.count, 0);
}

static void
test_reset_numbers_from_one (void **state)
{
    voting_ballots_t ballots = { 0 };
    unsigned char one [VOTING_PSEUDONYM_SIZE], two [VOTING_PSEUDONYM_SIZE];
    s_pseudonym (one, 7, 1);
    s_pseudonym (two, 8, 2);
    assert_int_equal (s_add (&ballots, one), 1);
    voting_ballots_reset (&ballots);
    assert_int_equal (voting_ballots_find (&ballots, one), 0);
    assert_int_equal (s_add (&ballots, two), 1);
    assert_int_equal (s_add (&ballots, one), 2);
    s_expect_shape (&ballots);
    voting_ballots_reset (&ballots);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_same_hash_different_pseudonyms),
        cmocka_unit_test (test_many),
        cmocka_unit_test (test_reset_numbers_from_one),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
